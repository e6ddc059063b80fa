"""What a change of configs does to the DAGs Airflow builds from them: tasks, edges, arguments, settings.

Pure config layer work (no Airflow import): both sides are resolved by :func:`maxai.config.loader.load_objective`.
"""
