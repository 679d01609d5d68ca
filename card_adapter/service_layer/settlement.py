"""Use case: drive one top-up to a final state: charge, deposit (retried), or refund — exactly once each.

Every step is durable before the next starts, and every external call is idempotent (the charge by the
top-up id, the deposit by the charge id, the refund by the charge id), so a worker that dies anywhere is
replaced by one that reloads the state and repeats at most an idempotent call.

A charge whose outcome is unknown (timeout, gateway error, interrupted) is looked up until the gateway answers:
found, it is deposited; not found, the top-up is declined at once rather than left pending for as long as the
gateway might still act. A gateway may still capture it late, so the declined top-up is watched (state failing)
until `late_capture_window_s` after the request, and a late capture is refunded, never deposited: the client was
told "declined, no money moved" and may have paid another way since (a timeout reversal, as card networks do)."""

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TypeVar

from card_adapter import metrics
from card_adapter.domain.card import Card
from card_adapter.domain.outcomes import (
    CardDeclined,
    Charge,
    DepositNotSent,
    DepositOutcomeUnknown,
    DepositRejected,
    PaymentOutcomeUnknown,
)
from card_adapter.domain.topup import State, TopUp
from card_adapter.service_layer.backoff import Backoff
from card_adapter.service_layer.ports import Bank, Claims, PaymentGateway, UnitOfWorkFactory
from kernel.clock import now

log = logging.getLogger("card_adapter.settlement")
T = TypeVar("T")
DEPOSIT_FAILED = "deposit_failed"
INTERRUPTED = "interrupted"


@dataclass
class Settlement:
    uow_factory: UnitOfWorkFactory
    gateway: PaymentGateway
    bank: Bank
    claims: Claims
    backoff: Backoff
    # Past this time since the charge, a deposit that certainly never reached the Bank is given up and refunded.
    deposit_budget_s: float
    # How long after the request the gateway may still capture a charge it did not confirm (its contract).
    late_capture_window_s: float
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep)

    async def settle(self, topup_id: uuid.UUID, card: Card | None = None) -> TopUp | None:
        """Settle the top-up; `card` is known only to the request that brought it. None: another worker owns it."""
        async with self.claims.hold(topup_id) as owned:
            if not owned:
                return None
            topup = await self._load(topup_id)
            if topup.state == State.REQUESTED:
                topup = await self._charge(topup, card)
            elif topup.state == State.FAILING:
                topup = await self._look_for_late_capture(topup)
            if topup.state == State.CHARGED:
                topup = await self._deposit(topup)
            if topup.state == State.REFUNDING:
                topup = await self._refund(topup)
            return topup

    async def _charge(self, topup: TopUp, card: Card | None) -> TopUp:
        reason = INTERRUPTED  # resumed after a crash: the card is gone, only the gateway knows what happened
        if card is not None:
            try:
                charge = await self.gateway.charge(card, topup.amount, topup.currency, str(topup.id))
            except CardDeclined as declined:
                topup.mark_declined(declined.reason)
                return await self._save(topup)
            except PaymentOutcomeUnknown as unknown:
                log.warning("top-up %s: charge outcome unknown (%s); asking the gateway", topup.id, unknown.reason)
                reason = unknown.reason
            else:
                topup.mark_charged(charge.id)
                return await self._save(topup)
        found: Charge | None = await self._until_answered(lambda: self.gateway.find_charge(str(topup.id)))
        if found is not None:
            topup.mark_charged(found.id)
        elif self._window_closed(topup):
            topup.mark_failed(reason)
        else:
            log.warning("top-up %s: no charge found (%s); declined, watching for a late capture", topup.id, reason)
            topup.mark_failing(reason)
        return await self._save(topup)

    async def _look_for_late_capture(self, topup: TopUp) -> TopUp:
        """One look at the gateway for a top-up declined without a charge; the workers come back for the next."""
        try:
            found = await self.gateway.find_charge(str(topup.id))
        except PaymentOutcomeUnknown as unknown:
            log.warning("top-up %s: no answer on a late capture (%s); looking again later", topup.id, unknown.reason)
            return topup
        if found is not None:
            log.warning("top-up %s: the gateway captured %s after the decline; refunding", topup.id, found.id)
            topup.mark_captured_late(found.id)
            return await self._save(topup)
        if self._window_closed(topup):
            topup.mark_failed()
            return await self._save(topup)
        return topup

    async def _deposit(self, topup: TopUp) -> TopUp:
        attempt = 0
        while True:
            topup.deposit_attempts += 1
            topup = await self._save(topup)  # durable before the call: a crash during it counts as maybe-sent
            if topup.deposit_attempts > 1:  # also the first call after a restart, if one was made before it
                metrics.DEPOSIT_RETRIES.inc()
            try:
                await self.bank.deposit(topup)
            except DepositRejected as rejected:
                log.warning("top-up %s: the Bank rejected the deposit (%s); refunding", topup.id, rejected.reason)
                topup.mark_refunding(DEPOSIT_FAILED)
                return await self._save(topup)
            except DepositNotSent:
                topup.deposits_unsent += 1
            except DepositOutcomeUnknown:
                pass
            else:
                topup.mark_deposited()
                return await self._save(topup)
            if self._budget_spent(topup):
                if not topup.deposit_maybe_sent:
                    log.warning("top-up %s: the Bank stayed unreachable; refunding", topup.id)
                    topup.mark_refunding(DEPOSIT_FAILED)
                    return await self._save(topup)
                # A refund now could pay twice; only the Bank's answer to a retry can settle it.
                log.warning("top-up %s: deposit retry budget spent but an attempt may have landed; retrying", topup.id)
            await self.sleep(self.backoff.delay(attempt))
            attempt += 1

    async def _refund(self, topup: TopUp) -> TopUp:
        assert topup.charge_id is not None
        charge_id = topup.charge_id
        await self._until_answered(lambda: self.gateway.refund(charge_id))
        topup.mark_refunded()
        topup = await self._save(topup)
        metrics.REFUNDS.inc()
        return topup

    def _budget_spent(self, topup: TopUp) -> bool:
        charged_at = topup.charged_at or topup.created_at
        return now() - charged_at >= timedelta(seconds=self.deposit_budget_s)

    def _window_closed(self, topup: TopUp) -> bool:
        """Whether the gateway can no longer capture the top-up's charge (counted from the request)."""
        return now() - topup.created_at >= timedelta(seconds=self.late_capture_window_s)

    async def _until_answered(self, call: Callable[[], Awaitable[T]]) -> T:
        """Repeat an idempotent gateway call until the gateway answers."""
        attempt = 0
        while True:
            try:
                return await call()
            except PaymentOutcomeUnknown as unknown:
                log.warning("payment gateway did not answer (%s); retrying", unknown.reason)
            await self.sleep(self.backoff.delay(attempt))
            attempt += 1

    async def _load(self, topup_id: uuid.UUID) -> TopUp:
        async with self.uow_factory() as uow:
            topup = await uow.get_topup(topup_id)
        if topup is None:
            raise LookupError(f"top-up {topup_id} vanished")
        return topup

    async def _save(self, topup: TopUp) -> TopUp:
        async with self.uow_factory() as uow:
            await uow.save_topup(topup)
            await uow.commit()
        metrics.settled(topup)
        return topup
