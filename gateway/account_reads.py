"""Reads of an account's data held outside the Bank (the analytics store), shown only to who may read the account."""

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from gateway.access_tokens import Principal
from gateway.bank_client import BankClient
from gateway.problem_details import ProblemError

Answer = TypeVar("Answer")


async def for_reader(bank: BankClient, user: Principal, account_id: str, answer: Awaitable[Answer]) -> Answer:
    """`answer` if `user` may read the account. ClickHouse knows operations, not accounts or owners: the Bank says
    whether the user may read it (404 otherwise, as for one that does not exist; an auditor reads every account), in
    parallel with the query; no answer is shown without its yes."""
    account, result = await asyncio.gather(bank.balance(user, account_id), answer, return_exceptions=True)
    if isinstance(account, ProblemError) and account.status == 404:
        raise account
    for outcome in (result, account):
        if isinstance(outcome, BaseException):
            raise outcome
    return result  # type: ignore[return-value]
