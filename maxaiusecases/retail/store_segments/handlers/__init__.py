"""Handlers of the store_segments use case: one Spark driver, plain-Python pod handlers."""
