"""REST gateway: the Wallet's only public door, translating HTTP/JSON to the services' gRPC."""
