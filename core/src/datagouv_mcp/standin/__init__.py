"""An offline stand-in of the data.gouv.fr APIs, for tests, benchmarks and demos."""
