"""Spark drivers of the demand_forecast use case (each file is a spark-submit application)."""
