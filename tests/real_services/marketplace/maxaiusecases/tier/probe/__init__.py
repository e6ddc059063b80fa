"""A Spark use case small enough to run many times under the real scheduler."""
