"""Analytics domain rules: filters, page sizes, page cuts and opaque page tokens."""

import base64
import uuid
from decimal import Decimal

import pytest

from analytics.domain.errors import InvalidPageSize, InvalidPageToken, InvalidTimeRange
from analytics.domain.history import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    Direction,
    HistoryFilter,
    Operation,
    OperationType,
    Page,
    Position,
    microseconds,
    page_size,
)
from analytics.domain.page_token import PageTokens
from kernel.errors import InvalidRequest

ACCOUNT = "123e4567-e89b-12d3-a456-426614174000"
TOKENS = PageTokens(b"test-secret")
POSITION = Position(1_767_225_600_123_456, uuid.UUID("00000000-0000-4000-8000-000000000001"))


def test_filter_parses_the_account_and_normalises_types() -> None:
    f = HistoryFilter.parse(ACCOUNT, [OperationType.TOPUP, OperationType.TOPUP], 10, 20)
    assert (f.account_id, f.types, f.from_us, f.to_us) == (uuid.UUID(ACCOUNT), frozenset({OperationType.TOPUP}), 10, 20)
    assert HistoryFilter.parse(ACCOUNT, list(OperationType)) == HistoryFilter.parse(ACCOUNT)


@pytest.mark.parametrize("account", ["", "not-a-uuid", "123"])
def test_filter_rejects_a_bad_account_id(account: str) -> None:
    with pytest.raises(InvalidRequest):
        HistoryFilter.parse(account)


@pytest.mark.parametrize(("from_us", "to_us"), [(5, 5), (6, 5), (-1, None), (None, -1)])
def test_filter_rejects_an_empty_or_pre_epoch_range(from_us: int | None, to_us: int | None) -> None:
    with pytest.raises(InvalidTimeRange):
        HistoryFilter.parse(ACCOUNT, (), from_us, to_us)


def test_open_ranges_are_fine() -> None:
    assert HistoryFilter.parse(ACCOUNT, (), 0, None).from_us == 0
    assert HistoryFilter.parse(ACCOUNT, (), None, 1).to_us == 1


def test_canonical_form_ignores_type_order_and_tells_filters_apart() -> None:
    a = HistoryFilter(uuid.UUID(ACCOUNT), frozenset([OperationType.TOPUP, OperationType.TRANSFER]))
    b = HistoryFilter(uuid.UUID(ACCOUNT), frozenset([OperationType.TRANSFER, OperationType.TOPUP]))
    assert a.canonical() == b.canonical()
    variants = [
        HistoryFilter(uuid.UUID(ACCOUNT)),
        HistoryFilter(uuid.UUID(ACCOUNT), frozenset([OperationType.TOPUP])),
        HistoryFilter(uuid.UUID(ACCOUNT), from_us=1),
        HistoryFilter(uuid.UUID(ACCOUNT), to_us=1),
        HistoryFilter(uuid.uuid4()),
    ]
    assert len({v.canonical() for v in variants}) == len(variants)


def test_bounds_round_sub_microseconds_up() -> None:
    assert microseconds(1, 0) == 1_000_000
    assert microseconds(1, 1000) == 1_000_001
    assert microseconds(1, 1001) == 1_000_002
    assert microseconds(0, 1) == 1


@pytest.mark.parametrize(("requested", "size"), [(0, DEFAULT_PAGE_SIZE), (1, 1), (MAX_PAGE_SIZE, MAX_PAGE_SIZE)])
def test_page_size_default_and_limits(requested: int, size: int) -> None:
    assert page_size(requested) == size


@pytest.mark.parametrize("requested", [-1, MAX_PAGE_SIZE + 1, 10_000])
def test_page_size_out_of_range_is_rejected(requested: int) -> None:
    with pytest.raises(InvalidPageSize):
        page_size(requested)


def _op(at_us: int) -> Operation:
    return Operation(uuid.uuid4(), at_us, OperationType.TOPUP, Direction.CREDIT, Decimal("1.00"), "RUB", "t-1")


def test_a_page_continues_after_its_last_operation_only_when_more_exist() -> None:
    ops = [_op(3), _op(2), _op(1)]
    assert Page.cut(ops, 2) == Page(ops[:2], ops[1].position)
    assert Page.cut(ops, 3) == Page(ops, None)
    assert Page.cut([], 3) == Page([], None)


def test_operation_time_is_utc_with_microseconds() -> None:
    assert _op(POSITION.occurred_at_us).occurred_at.isoformat() == "2026-01-01T00:00:00.123456+00:00"


def test_token_round_trip_is_opaque_and_url_safe() -> None:
    f = HistoryFilter.parse(ACCOUNT)
    token = TOKENS.issue(POSITION, f)
    assert TOKENS.read(token, f) == POSITION
    assert token.replace("-", "").replace("_", "").isalnum()
    assert ACCOUNT not in token and str(POSITION.event_id) not in token


@pytest.mark.parametrize(
    "other",
    [
        HistoryFilter.parse(str(uuid.uuid4())),
        HistoryFilter.parse(ACCOUNT, [OperationType.TRANSFER]),
        HistoryFilter.parse(ACCOUNT, (), 0, None),
        HistoryFilter.parse(ACCOUNT, (), None, 10**16),
    ],
)
def test_a_token_is_bound_to_its_filter(other: HistoryFilter) -> None:
    token = TOKENS.issue(POSITION, HistoryFilter.parse(ACCOUNT))
    with pytest.raises(InvalidPageToken):
        TOKENS.read(token, other)


def test_a_token_signed_with_another_secret_is_foreign() -> None:
    f = HistoryFilter.parse(ACCOUNT)
    with pytest.raises(InvalidPageToken):
        PageTokens(b"other-secret").read(TOKENS.issue(POSITION, f), f)


def _flip(token: str, index: int) -> str:
    raw = bytearray(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    raw[index] ^= 0x01
    return base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()


@pytest.mark.parametrize("index", [0, 1, 8, 9, 24, 25, 40])  # version, time, event id, MAC
def test_every_altered_byte_is_detected(index: int) -> None:
    f = HistoryFilter.parse(ACCOUNT)
    with pytest.raises(InvalidPageToken):
        TOKENS.read(_flip(TOKENS.issue(POSITION, f), index), f)


@pytest.mark.parametrize(
    "mangle", [lambda t: t[:-1], lambda t: t + "A", lambda t: t[:10] + "=" + t[11:], lambda _: "x"]
)
def test_malformed_tokens_are_rejected(mangle) -> None:
    f = HistoryFilter.parse(ACCOUNT)
    with pytest.raises(InvalidPageToken):
        TOKENS.read(mangle(TOKENS.issue(POSITION, f)), f)


def test_a_well_signed_token_of_an_unknown_version_is_rejected() -> None:
    import analytics.domain.page_token as page_token

    f = HistoryFilter.parse(ACCOUNT)
    future = page_token.PageTokens(b"test-secret")
    body = page_token._BODY.pack(2, POSITION.occurred_at_us, POSITION.event_id.bytes)
    token = base64.urlsafe_b64encode(body + future._mac(body, f)).rstrip(b"=").decode()
    with pytest.raises(InvalidPageToken):
        TOKENS.read(token, f)
