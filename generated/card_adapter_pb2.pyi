from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Card(_message.Message):
    __slots__ = ("number", "exp_month", "exp_year", "cvc", "holder_name")
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    EXP_MONTH_FIELD_NUMBER: _ClassVar[int]
    EXP_YEAR_FIELD_NUMBER: _ClassVar[int]
    CVC_FIELD_NUMBER: _ClassVar[int]
    HOLDER_NAME_FIELD_NUMBER: _ClassVar[int]
    number: str
    exp_month: int
    exp_year: int
    cvc: str
    holder_name: str
    def __init__(self, number: _Optional[str] = ..., exp_month: _Optional[int] = ..., exp_year: _Optional[int] = ..., cvc: _Optional[str] = ..., holder_name: _Optional[str] = ...) -> None: ...

class ProcessCardTopUpRequest(_message.Message):
    __slots__ = ("account_id", "amount", "currency", "card", "idempotency_key")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    CARD_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    amount: str
    currency: str
    card: Card
    idempotency_key: str
    def __init__(self, account_id: _Optional[str] = ..., amount: _Optional[str] = ..., currency: _Optional[str] = ..., card: _Optional[_Union[Card, _Mapping]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class TopUp(_message.Message):
    __slots__ = ("topup_id", "account_id", "amount", "currency", "status", "state", "reason", "card_last4", "card_brand", "payment_id", "created_at", "updated_at")
    TOPUP_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CARD_LAST4_FIELD_NUMBER: _ClassVar[int]
    CARD_BRAND_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    topup_id: str
    account_id: str
    amount: str
    currency: str
    status: str
    state: str
    reason: str
    card_last4: str
    card_brand: str
    payment_id: str
    created_at: str
    updated_at: str
    def __init__(self, topup_id: _Optional[str] = ..., account_id: _Optional[str] = ..., amount: _Optional[str] = ..., currency: _Optional[str] = ..., status: _Optional[str] = ..., state: _Optional[str] = ..., reason: _Optional[str] = ..., card_last4: _Optional[str] = ..., card_brand: _Optional[str] = ..., payment_id: _Optional[str] = ..., created_at: _Optional[str] = ..., updated_at: _Optional[str] = ...) -> None: ...

class ProcessCardTopUpResponse(_message.Message):
    __slots__ = ("topup", "replayed")
    TOPUP_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    topup: TopUp
    replayed: bool
    def __init__(self, topup: _Optional[_Union[TopUp, _Mapping]] = ..., replayed: _Optional[bool] = ...) -> None: ...

class GetTopUpRequest(_message.Message):
    __slots__ = ("account_id", "topup_id")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    TOPUP_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    topup_id: str
    def __init__(self, account_id: _Optional[str] = ..., topup_id: _Optional[str] = ...) -> None: ...

class GetTopUpResponse(_message.Message):
    __slots__ = ("topup",)
    TOPUP_FIELD_NUMBER: _ClassVar[int]
    topup: TopUp
    def __init__(self, topup: _Optional[_Union[TopUp, _Mapping]] = ...) -> None: ...
