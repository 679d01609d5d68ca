"""Use case: read one account's balance."""

import uuid

from bank.domain.model import Account
from bank.domain.users import Caller
from bank.service_layer.unit_of_work import UnitOfWorkFactory
from kernel.errors import AccountNotFound


async def get_balance(uow_factory: UnitOfWorkFactory, account_id: uuid.UUID, caller: Caller | None) -> Account:
    """For a caller, its own accounts (an auditor's: all); without one (a service's check), any."""
    async with uow_factory() as uow:
        account = await uow.get_account(account_id)
    if account is None or (caller is not None and not caller.may_read(account)):
        raise AccountNotFound(f"account {account_id} does not exist")
    return account
