"""The Card Adapter's counters, with the settlement's fakes: one final state per top-up, a retry per deposit sent
again, a refund per charge refunded."""

from prometheus_client import REGISTRY

from card_adapter.domain.outcomes import DepositNotSent, DepositOutcomeUnknown, DepositRejected
from card_adapter.domain.topup import State
from tests.unit.settlement_world import DECLINED, World


def counted(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def final_states() -> dict[str, float]:
    return {state: counted("wallet_topups_total", state=state) for state in ("deposited", "declined", "refunded")}


async def test_each_topup_counts_once_in_its_final_state() -> None:
    world = World()
    before = final_states()
    await world.settle()
    await world.settle(DECLINED)
    world.bank.script = [DepositRejected("account_not_found")]
    refunds = counted("wallet_topup_refunds_total")
    assert (await world.settle()).state == State.REFUNDED
    assert final_states() == {state: before[state] + 1 for state in before}
    assert counted("wallet_topup_refunds_total") == refunds + 1


async def test_every_deposit_sent_again_is_a_retry() -> None:
    world = World()
    world.bank.script = [DepositNotSent("down"), DepositOutcomeUnknown("timeout")]
    retries = counted("wallet_deposit_retries_total")
    assert (await world.settle()).deposit_attempts == 3
    assert counted("wallet_deposit_retries_total") == retries + 2
