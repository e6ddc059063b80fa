"""Pod handlers of the fraud_scoring use case, called through ``python -m maxai.runtime``."""
