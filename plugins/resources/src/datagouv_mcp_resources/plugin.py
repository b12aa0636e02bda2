"""Hook implementations of the resources plugin. Its tools arrive with their own issue."""
