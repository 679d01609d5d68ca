"""Shared kernel of the services: exact money values and gRPC error statuses, nothing service-specific."""
