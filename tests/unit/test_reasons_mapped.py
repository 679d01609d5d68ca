"""Every reason a service can put on a gRPC error has its HTTP answer in the gateway's table: a new error class
without one would reach clients as a bare 502."""

from analytics.domain import errors as analytics_errors
from bank.domain import errors as bank_errors
from card_adapter.domain import errors as card_adapter_errors
from gateway.grpc_errors import REASONS
from kernel.errors import ServiceError


def subclasses(cls: type[ServiceError]) -> set[type[ServiceError]]:
    found = set(cls.__subclasses__())
    for each in list(found):
        found |= subclasses(each)
    return found


def test_every_reason_a_service_raises_maps_to_an_http_problem() -> None:
    bases = (bank_errors.BankError, card_adapter_errors.CardAdapterError, analytics_errors.AnalyticsError)
    raised = {cls.reason for base in bases for cls in subclasses(base)} - {ServiceError.reason}
    assert raised - REASONS.keys() == set(), "reasons without an HTTP mapping in gateway/grpc_errors.py"
    assert REASONS.keys() - raised == set(), "mappings for reasons no service raises"
