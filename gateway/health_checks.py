"""Readiness probes of the gateway's backends over the standard gRPC health service."""

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc


async def grpc_health(channel: grpc.aio.Channel, timeout_s: float, service: str = "") -> str:
    """'serving', or why not, for the server ("") or one of its health names."""
    try:
        request = health_pb2.HealthCheckRequest(service=service)
        reply = await health_pb2_grpc.HealthStub(channel).Check(request, timeout=timeout_s)
    except grpc.aio.AioRpcError as error:
        return error.code().name.lower()
    return "serving" if reply.status == health_pb2.HealthCheckResponse.SERVING else "not_serving"
