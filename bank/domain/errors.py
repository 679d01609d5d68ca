"""The Bank's exception tree: the errors every service shares (kernel.errors), and the Bank's own under BankError."""

from kernel.errors import AccountNotFound, RejectedRequest, ServiceError
from kernel.reasons import Reason


class BankError(ServiceError):
    """Base of the errors only the Bank reports."""


class SameAccount(BankError, RejectedRequest):
    reason = Reason.SAME_ACCOUNT


class InsufficientFunds(BankError, RejectedRequest):
    reason = Reason.INSUFFICIENT_FUNDS


class RecipientNotFound(BankError, AccountNotFound):
    reason = Reason.RECIPIENT_NOT_FOUND


class HoldNotFound(BankError):
    """No such hold, or one the caller is neither payer, recipient nor auditor of (answered alike)."""

    reason = Reason.HOLD_NOT_FOUND


class HoldClosed(BankError):
    """The hold was captured or voided already (its status is in the message); not a replay of that request."""

    reason = Reason.HOLD_CLOSED


class HoldExpired(BankError):
    """The hold passed its expiry: its money is released and it can no longer be captured or voided."""

    reason = Reason.HOLD_EXPIRED


class TransferNotFound(BankError):
    """No such transfer, or one the caller may not read (its accounts are not the caller's): answered alike."""

    reason = Reason.TRANSFER_NOT_FOUND


class AlreadyReversed(BankError):
    """The transfer has its reversal already (named in the message); a transfer is reversed at most once."""

    reason = Reason.ALREADY_REVERSED


class NotReversible(BankError, RejectedRequest):
    """A reversal is not reversed in turn: a new transfer corrects it."""

    reason = Reason.NOT_REVERSIBLE


class Unauthenticated(BankError):
    """The call needs an authenticated caller (gRPC metadata x-wallet-subject) and has none."""

    reason = Reason.UNAUTHENTICATED


class Forbidden(BankError):
    """The caller's role may not do this (e.g. an auditor moving money)."""

    reason = Reason.FORBIDDEN


class InvalidCredentials(BankError):
    """Unknown username or wrong password; which of the two is never said."""

    reason = Reason.INVALID_CREDENTIALS


class InvalidUsername(BankError, RejectedRequest):
    reason = Reason.INVALID_USERNAME


class WeakPassword(BankError, RejectedRequest):
    reason = Reason.WEAK_PASSWORD


class UsernameTaken(BankError):
    reason = Reason.USERNAME_TAKEN


class UserNotFound(BankError):
    reason = Reason.USER_NOT_FOUND
