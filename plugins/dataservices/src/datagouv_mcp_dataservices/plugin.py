"""Hook implementations of the dataservices plugin. Its tools arrive with their own issue."""
