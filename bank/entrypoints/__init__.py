"""Bank entrypoints: the gRPC server."""
