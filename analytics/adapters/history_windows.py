"""Time windows that let the primary key skip most of a long history: each page reads only its newest stretch."""

import math
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from analytics.domain.history import HistoryFilter, Operation, OperationType, Position

# A learned window spans this many times what the same number of rows took last time: a lull still fills it.
HEADROOM = 4
# A window that did not fill the page is retried once this many times longer before the exact bound is asked for.
GROWTH = 8
# The exact bound looks at the newest PROBE_FACTOR x limit rows: enough distinct events despite redeliveries.
PROBE_FACTOR = 2
MIN_SPAN_US = 1_000_000
# Accounts (and type filters) whose pace is remembered; the least recently read are forgotten first.
REMEMBERED = 10_000


@dataclass(frozen=True)
class Since:
    """The rows at most `span_us` older than `top_us`."""

    top_us: int
    span_us: int

    @property
    def since_us(self) -> int:
        return self.top_us - self.span_us


@dataclass(frozen=True)
class Newest:
    """The rows from the `probe`-th newest matching one on, or all of them when fewer than `limit` distinct events
    are among those `probe` (the store finds the bound): a window that always holds the page, for any account."""

    probe: int


# None: every row the filter (and the page's position) admits.
Window = Since | Newest | None


@dataclass(frozen=True)
class Pace:
    """What one account's history (under one type filter) looked like when last read."""

    us_per_row: float | None = None
    newest_us: int | None = None  # its newest row
    oldest_us: int | None = None  # its oldest row: a window reaching it reads everything anyway


ReadRows = Callable[[Window], Awaitable[list[Operation]]]
_Key = tuple[uuid.UUID, frozenset[OperationType]]


class Windows:
    """Chooses the window of each read from what earlier reads of the account showed (in this process only; every
    window is checked by its answer, so what is remembered affects the cost of a read, never its result)."""

    def __init__(self, remembered: int = REMEMBERED) -> None:
        self._paces: OrderedDict[_Key, Pace] = OrderedDict()
        self._remembered = remembered

    async def newest_first(
        self, read: ReadRows, history_filter: HistoryFilter, after: Position | None, limit: int
    ) -> list[Operation]:
        """`read(window)` gives up to `limit` rows of the window, newest first, one per event. Each window is
        narrower than the next; the first answer that is a full page, or that comes from a final window, is the
        page: a full page from a window is the newest `limit` rows of the whole history, since every row the
        window leaves out is older than every row it holds."""
        key = (history_filter.account_id, history_filter.types)
        # A type filter not read yet starts from the account's pace over every type: its rows are no denser.
        pace = self._paces.get(key) or self._paces.get((history_filter.account_id, frozenset()), Pace())
        rows: list[Operation] = []
        for window in plan(pace, history_filter, after, limit):
            rows = await read(window)
            if len(rows) >= limit:
                break
        self._remember(key, learn(pace, history_filter, after, limit, rows))
        return rows

    def _remember(self, key: _Key, pace: Pace) -> None:
        self._paces[key] = pace
        self._paces.move_to_end(key)
        while len(self._paces) > self._remembered:
            self._paces.popitem(last=False)


def plan(pace: Pace, history_filter: HistoryFilter, after: Position | None, limit: int) -> list[Window]:
    """The windows to try in turn; the last one is final (it holds the page whatever it returns)."""
    top = after.occurred_at_us if after else pace.newest_us
    if top is not None and after is None and history_filter.to_us is not None:
        top = min(top, history_filter.to_us)
    if top is None or pace.us_per_row is None:
        return [Newest(PROBE_FACTOR * limit)]
    span = max(MIN_SPAN_US, math.ceil(pace.us_per_row * limit * HEADROOM))
    windows: list[Window] = []
    for widening in (1, GROWTH):
        window = Since(top, span * widening)
        floor = max(history_filter.from_us or 0, pace.oldest_us or 0)
        if window.since_us <= floor:  # reaches the filter's start or the account's oldest row: read it all
            return [*windows, None]
        windows.append(window)
    return [*windows, Newest(PROBE_FACTOR * limit)]


def learn(pace: Pace, history_filter: HistoryFilter, after: Position | None, limit: int, rows: list[Operation]) -> Pace:
    """The pace as `rows`, the page read with `after` and `limit`, shows it."""
    if after is None and history_filter.to_us is None and rows:
        pace = replace(pace, newest_us=rows[0].occurred_at_us)
    if len(rows) >= limit:
        top = after.occurred_at_us if after else rows[0].occurred_at_us
        return replace(pace, us_per_row=(top - rows[-1].occurred_at_us) / len(rows))
    if history_filter.from_us is None and rows:  # the last page: nothing matches before its last row
        return replace(pace, oldest_us=rows[-1].occurred_at_us)
    return pace
