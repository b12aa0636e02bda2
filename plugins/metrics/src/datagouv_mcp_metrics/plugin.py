"""Hook implementations of the metrics plugin."""
