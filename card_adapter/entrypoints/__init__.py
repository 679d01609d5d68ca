"""Card Adapter entrypoints: the gRPC server."""
