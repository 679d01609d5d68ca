from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TransferMoneyRequest(_message.Message):
    __slots__ = ("from_account_id", "to_account_id", "amount", "currency", "description", "idempotency_key")
    FROM_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    TO_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    from_account_id: str
    to_account_id: str
    amount: str
    currency: str
    description: str
    idempotency_key: str
    def __init__(self, from_account_id: _Optional[str] = ..., to_account_id: _Optional[str] = ..., amount: _Optional[str] = ..., currency: _Optional[str] = ..., description: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class Transfer(_message.Message):
    __slots__ = ("transfer_id", "from_account_id", "to_account_id", "amount", "currency", "description", "status", "created_at")
    TRANSFER_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    TO_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    transfer_id: str
    from_account_id: str
    to_account_id: str
    amount: str
    currency: str
    description: str
    status: str
    created_at: str
    def __init__(self, transfer_id: _Optional[str] = ..., from_account_id: _Optional[str] = ..., to_account_id: _Optional[str] = ..., amount: _Optional[str] = ..., currency: _Optional[str] = ..., description: _Optional[str] = ..., status: _Optional[str] = ..., created_at: _Optional[str] = ...) -> None: ...

class TransferMoneyResponse(_message.Message):
    __slots__ = ("transfer", "replayed")
    TRANSFER_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    transfer: Transfer
    replayed: bool
    def __init__(self, transfer: _Optional[_Union[Transfer, _Mapping]] = ..., replayed: _Optional[bool] = ...) -> None: ...

class GetBalanceRequest(_message.Message):
    __slots__ = ("account_id",)
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    def __init__(self, account_id: _Optional[str] = ...) -> None: ...

class GetBalanceResponse(_message.Message):
    __slots__ = ("account_id", "balance", "currency", "updated_at")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    balance: str
    currency: str
    updated_at: str
    def __init__(self, account_id: _Optional[str] = ..., balance: _Optional[str] = ..., currency: _Optional[str] = ..., updated_at: _Optional[str] = ...) -> None: ...

class DepositMoneyRequest(_message.Message):
    __slots__ = ("account_id", "amount", "currency", "payment_id", "topup_id", "card_last4", "card_brand")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    TOPUP_ID_FIELD_NUMBER: _ClassVar[int]
    CARD_LAST4_FIELD_NUMBER: _ClassVar[int]
    CARD_BRAND_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    amount: str
    currency: str
    payment_id: str
    topup_id: str
    card_last4: str
    card_brand: str
    def __init__(self, account_id: _Optional[str] = ..., amount: _Optional[str] = ..., currency: _Optional[str] = ..., payment_id: _Optional[str] = ..., topup_id: _Optional[str] = ..., card_last4: _Optional[str] = ..., card_brand: _Optional[str] = ...) -> None: ...

class Deposit(_message.Message):
    __slots__ = ("deposit_id", "account_id", "amount", "currency", "payment_id", "topup_id", "created_at")
    DEPOSIT_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    TOPUP_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    deposit_id: str
    account_id: str
    amount: str
    currency: str
    payment_id: str
    topup_id: str
    created_at: str
    def __init__(self, deposit_id: _Optional[str] = ..., account_id: _Optional[str] = ..., amount: _Optional[str] = ..., currency: _Optional[str] = ..., payment_id: _Optional[str] = ..., topup_id: _Optional[str] = ..., created_at: _Optional[str] = ...) -> None: ...

class DepositMoneyResponse(_message.Message):
    __slots__ = ("deposit", "replayed")
    DEPOSIT_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    deposit: Deposit
    replayed: bool
    def __init__(self, deposit: _Optional[_Union[Deposit, _Mapping]] = ..., replayed: _Optional[bool] = ...) -> None: ...

class User(_message.Message):
    __slots__ = ("user_id", "username", "role", "created_at")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    username: str
    role: str
    created_at: str
    def __init__(self, user_id: _Optional[str] = ..., username: _Optional[str] = ..., role: _Optional[str] = ..., created_at: _Optional[str] = ...) -> None: ...

class RegisterUserRequest(_message.Message):
    __slots__ = ("username", "password", "currency")
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    username: str
    password: str
    currency: str
    def __init__(self, username: _Optional[str] = ..., password: _Optional[str] = ..., currency: _Optional[str] = ...) -> None: ...

class RegisterUserResponse(_message.Message):
    __slots__ = ("user", "account")
    USER_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    user: User
    account: GetBalanceResponse
    def __init__(self, user: _Optional[_Union[User, _Mapping]] = ..., account: _Optional[_Union[GetBalanceResponse, _Mapping]] = ...) -> None: ...

class AuthenticateRequest(_message.Message):
    __slots__ = ("username", "password")
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    username: str
    password: str
    def __init__(self, username: _Optional[str] = ..., password: _Optional[str] = ...) -> None: ...

class AuthenticateResponse(_message.Message):
    __slots__ = ("user",)
    USER_FIELD_NUMBER: _ClassVar[int]
    user: User
    def __init__(self, user: _Optional[_Union[User, _Mapping]] = ...) -> None: ...

class GetUserRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetUserResponse(_message.Message):
    __slots__ = ("user", "accounts")
    USER_FIELD_NUMBER: _ClassVar[int]
    ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    user: User
    accounts: _containers.RepeatedCompositeFieldContainer[GetBalanceResponse]
    def __init__(self, user: _Optional[_Union[User, _Mapping]] = ..., accounts: _Optional[_Iterable[_Union[GetBalanceResponse, _Mapping]]] = ...) -> None: ...

class OpenAccountRequest(_message.Message):
    __slots__ = ("currency", "provision_username")
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    PROVISION_USERNAME_FIELD_NUMBER: _ClassVar[int]
    currency: str
    provision_username: str
    def __init__(self, currency: _Optional[str] = ..., provision_username: _Optional[str] = ...) -> None: ...

class OpenAccountResponse(_message.Message):
    __slots__ = ("account",)
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    account: GetBalanceResponse
    def __init__(self, account: _Optional[_Union[GetBalanceResponse, _Mapping]] = ...) -> None: ...
