import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class OperationType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OPERATION_TYPE_UNSPECIFIED: _ClassVar[OperationType]
    OPERATION_TYPE_TRANSFER: _ClassVar[OperationType]
    OPERATION_TYPE_TOPUP: _ClassVar[OperationType]

class Direction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DIRECTION_UNSPECIFIED: _ClassVar[Direction]
    DIRECTION_DEBIT: _ClassVar[Direction]
    DIRECTION_CREDIT: _ClassVar[Direction]
OPERATION_TYPE_UNSPECIFIED: OperationType
OPERATION_TYPE_TRANSFER: OperationType
OPERATION_TYPE_TOPUP: OperationType
DIRECTION_UNSPECIFIED: Direction
DIRECTION_DEBIT: Direction
DIRECTION_CREDIT: Direction

class GetOperationsRequest(_message.Message):
    __slots__ = ("account_id", "page_size", "page_token", "types", "from_time", "to_time")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TYPES_FIELD_NUMBER: _ClassVar[int]
    FROM_TIME_FIELD_NUMBER: _ClassVar[int]
    TO_TIME_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    page_size: int
    page_token: str
    types: _containers.RepeatedScalarFieldContainer[OperationType]
    from_time: _timestamp_pb2.Timestamp
    to_time: _timestamp_pb2.Timestamp
    def __init__(self, account_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., types: _Optional[_Iterable[_Union[OperationType, str]]] = ..., from_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., to_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Operation(_message.Message):
    __slots__ = ("event_id", "type", "direction", "amount", "currency", "occurred_at", "counterparty_account_id", "operation_id", "description")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    COUNTERPARTY_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    type: OperationType
    direction: Direction
    amount: str
    currency: str
    occurred_at: str
    counterparty_account_id: str
    operation_id: str
    description: str
    def __init__(self, event_id: _Optional[str] = ..., type: _Optional[_Union[OperationType, str]] = ..., direction: _Optional[_Union[Direction, str]] = ..., amount: _Optional[str] = ..., currency: _Optional[str] = ..., occurred_at: _Optional[str] = ..., counterparty_account_id: _Optional[str] = ..., operation_id: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class GetOperationsResponse(_message.Message):
    __slots__ = ("operations", "next_page_token")
    OPERATIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    operations: _containers.RepeatedCompositeFieldContainer[Operation]
    next_page_token: str
    def __init__(self, operations: _Optional[_Iterable[_Union[Operation, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
