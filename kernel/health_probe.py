"""`python -m kernel.health_probe SERVICE`: exit 0 if this container's service serves (a container HEALTHCHECK).

A gRPC service is asked its standard health check over mutual TLS with its own certificate (its settings name it), a
gateway GET /health/live on its port."""

import importlib
import sys
import urllib.request

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from kernel import tls

GATEWAY_PORT = 8000  # the port compose.yaml and the image run uvicorn on


def grpc_serving(service: str) -> bool:
    settings = importlib.import_module(f"{service}.config").Settings()
    target = f"localhost:{settings.port}"
    if tls.plaintext(settings):
        channel = grpc.insecure_channel(target)
    else:
        channel = grpc.secure_channel(target, tls.channel_credentials(settings))
    with channel:
        reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=2)
    return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)  # grpc_health has no types


def gateway_live(port: int = GATEWAY_PORT) -> bool:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/live", timeout=2) as reply:
        return bool(reply.status == 200)


def main(service: str) -> int:
    try:
        return 0 if (gateway_live() if service == "gateway" else grpc_serving(service)) else 1
    except (grpc.RpcError, OSError) as error:
        print(f"{service} does not serve: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
