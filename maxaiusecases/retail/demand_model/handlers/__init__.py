"""Handlers of the demand_model use case: the training step of a model kept in MLflow."""
