"""Users, their roles, and who may read or move the money of an account."""

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bank.domain.errors import Forbidden, InvalidUsername, WeakPassword
from bank.domain.model import Account
from kernel.clock import now
from kernel.errors import AccountNotFound
from kernel.money import parse_currency

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,31}$")
MIN_PASSWORD, MAX_PASSWORD = 10, 128


class Role(StrEnum):
    CUSTOMER = "customer"  # owns accounts, moves their money
    AUDITOR = "auditor"  # reads every account, moves nothing
    OPERATOR = "operator"  # reads every account like an auditor, and may reverse any transfer (bank.domain.reversals)


@dataclass
class User:
    username: str
    role: Role
    password_hash: str | None = None  # None for users of an external identity provider
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    created_at: datetime = field(default_factory=now)


@dataclass(frozen=True)
class Caller:
    """The authenticated user a call is made for, as the gateway vouches for it."""

    subject: uuid.UUID
    role: Role

    def require_customer(self) -> None:
        if self.role is not Role.CUSTOMER:
            raise Forbidden(f"role {self.role} may not move money or open accounts")

    @property
    def reads_every_account(self) -> bool:
        return self.role in (Role.AUDITOR, Role.OPERATOR)

    def may_read(self, account: Account) -> bool:
        return self.reads_every_account or account.owner_id == self.subject

    def require_owner(self, account: Account) -> None:
        """Another user's account is answered exactly like one that does not exist: no enumeration."""
        if account.owner_id != self.subject:
            raise AccountNotFound(f"account {account.id} does not exist")


@dataclass(frozen=True)
class Registration:
    username: str
    password: str = field(repr=False)
    currency: str

    @classmethod
    def parse(cls, username: str, password: str, currency: str) -> "Registration":
        if not USERNAME.match(username or ""):
            raise InvalidUsername(
                "username must be 3 to 32 characters: lowercase letters, digits, '.', '_' or '-', "
                "starting with a letter or digit"
            )
        check_password_strength(username, password)
        return cls(username=username, password=password, currency=parse_currency(currency))


def check_password_strength(username: str, password: str) -> None:
    """Length over composition rules (NIST SP 800-63B): long enough, not the username, not one repeated character."""
    if not MIN_PASSWORD <= len(password or "") <= MAX_PASSWORD:
        raise WeakPassword(f"password must be {MIN_PASSWORD} to {MAX_PASSWORD} characters")
    if any(ord(c) < 32 or ord(c) == 127 for c in password):
        raise WeakPassword("password must not contain control characters")
    if username in password.lower() or len(set(password)) < 4:
        raise WeakPassword("password must not contain the username or be a few repeated characters")
