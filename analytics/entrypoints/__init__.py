"""Analytics entrypoints: the gRPC server."""
