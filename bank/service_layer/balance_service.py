"""Use case: read one account's balance."""

import uuid

from bank.domain.errors import AccountNotFound
from bank.domain.model import Account
from bank.service_layer.unit_of_work import UnitOfWorkFactory


async def get_balance(uow_factory: UnitOfWorkFactory, account_id: uuid.UUID) -> Account:
    async with uow_factory() as uow:
        account = await uow.get_account(account_id)
    if account is None:
        raise AccountNotFound(f"account {account_id} does not exist")
    return account
