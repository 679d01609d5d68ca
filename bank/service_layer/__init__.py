"""Bank use cases, each one transaction through a unit of work."""
