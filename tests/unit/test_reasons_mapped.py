"""Every reason a service can put on a gRPC error is one of kernel.reasons.Reason, and every Reason has its HTTP
answer in the gateway's table: a new error class without one would reach clients as a bare 502."""

import analytics.domain.errors
import bank.domain.errors
import card_adapter.domain.errors
from gateway.grpc_errors import REASONS
from kernel.errors import ServiceError
from kernel.reasons import Reason

SERVICE_TREES = (bank.domain.errors, card_adapter.domain.errors, analytics.domain.errors)


def subclasses(cls: type[ServiceError]) -> set[type[ServiceError]]:
    found = set(cls.__subclasses__())
    for each in list(found):
        found |= subclasses(each)
    return found


def test_every_reason_a_service_raises_is_a_reason_with_an_http_problem() -> None:
    assert {tree.__name__ for tree in SERVICE_TREES} <= {cls.__module__ for cls in subclasses(ServiceError)}  # imported
    raised = {cls.reason for cls in subclasses(ServiceError)} - {Reason.INTERNAL}
    assert all(isinstance(reason, Reason) for reason in raised), "a reason written as a bare string"
    assert raised - REASONS.keys() == set(), "reasons without an HTTP mapping in gateway/grpc_errors.py"
    assert set(Reason) - {Reason.INTERNAL} == set(REASONS), "the gateway's table is every Reason but INTERNAL"
    assert set(Reason) - {Reason.INTERNAL} == raised, "reasons no service raises"
