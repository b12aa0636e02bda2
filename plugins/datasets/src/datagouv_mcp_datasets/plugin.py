"""Hook implementations of the datasets plugin."""
