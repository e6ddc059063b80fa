"""One objective rendered for another orchestrator: Argo Workflows, Kubeflow Pipelines, or a standalone Airflow file.

Each target owns its module (``argo``, ``kubeflow``, ``airflow``); ``rules`` says, key by key, what each
config setting becomes on Argo and Kubeflow, and ``coverage`` refuses (or reports) whatever a target cannot
express, so that no setting is dropped without a word.
"""
