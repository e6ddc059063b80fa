"""Spark drivers of the probe use case."""
