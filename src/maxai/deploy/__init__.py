"""``maxai deploy``: ship what Airflow needs to a DAGs folder as complete releases behind one symlink.

A destination holds::

    DEST/current -> releases/<release>      the DAGs folder is DEST/current/maxaidags
    DEST/releases/<release>/{maxaiconfigs,maxaidags,maxaiusecases}/, .maxai-release.json, data -> ../../data
    DEST/data/                              the data folder every release shares

A release is built complete under a hidden staging name, renamed into place, and only then does
``current`` change, by rename(2) of a new symlink over the old one.
"""
