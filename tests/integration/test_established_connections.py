"""processes.established_connections, which a rolling restart waits on: the clients connected to a port, counted from
the kernel's tables (IPv4 and IPv6 sockets alike)."""

import socket
from contextlib import ExitStack

from stack import processes


def test_counts_the_connections_established_to_a_port() -> None:
    with ExitStack() as sockets:
        server = sockets.enter_context(socket.socket(socket.AF_INET6))  # as gRPC listens: v4-mapped
        server.bind(("::", 0))
        server.listen()
        port = server.getsockname()[1]
        assert processes.established_connections(port) == 0
        client = None
        for _ in range(2):
            client = sockets.enter_context(socket.create_connection(("127.0.0.1", port)))
            sockets.enter_context(server.accept()[0])
        assert processes.established_connections(port) == 2
        assert client is not None
        client.close()
        assert processes.established_connections(port) == 1
