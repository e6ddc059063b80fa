"""The ``maxai`` command line."""
