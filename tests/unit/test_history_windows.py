"""History read by time windows: which windows a page tries, what it learns, and that the answer never changes."""

import random
import uuid

import pytest

from analytics.adapters.history_windows import (
    GROWTH,
    HEADROOM,
    MIN_SPAN_US,
    PROBE_FACTOR,
    Newest,
    Pace,
    Since,
    Window,
    Windows,
    learn,
    plan,
)
from analytics.domain.history import HistoryFilter, Operation, OperationType, Position
from tests.unit.analytics_fakes import START_US, operation

DAY_US = 86_400_000_000
ACCOUNT = uuid.uuid4()
AFTER = Position(START_US + 100 * DAY_US, uuid.UUID(int=7))


class WindowedStore:
    """Rows of one account, duplicates kept, read the way history_sql reads them for each kind of window."""

    def __init__(self, rows: list[Operation]) -> None:
        self.rows = rows
        self.windows: list[Window] = []

    def reader(self, history_filter: HistoryFilter, after: Position | None, limit: int):
        async def read(window: Window) -> list[Operation]:
            self.windows.append(window)
            matching = sorted((o for o in self.rows if _matches(o, history_filter, after)), key=_key, reverse=True)
            if isinstance(window, Since):
                matching = [o for o in matching if o.occurred_at_us >= window.since_us]
            elif isinstance(window, Newest):
                probed = matching[: window.probe]
                bound = 0 if len({o.event_id for o in probed}) < limit else min(o.occurred_at_us for o in probed)
                matching = [o for o in matching if o.occurred_at_us >= bound]
            return _distinct(matching)[:limit]

        return read

    def plain(self, history_filter: HistoryFilter, after: Position | None, limit: int) -> list[Operation]:
        """The one query without a window, as before windows."""
        return _distinct(sorted((o for o in self.rows if _matches(o, history_filter, after)), key=_key, reverse=True))[
            :limit
        ]


def _key(o: Operation) -> tuple[int, uuid.UUID]:
    return o.occurred_at_us, o.event_id


def _distinct(newest_first: list[Operation]) -> list[Operation]:
    seen: set[uuid.UUID] = set()
    return [o for o in newest_first if not (o.event_id in seen or seen.add(o.event_id))]  # type: ignore[func-returns-value]


def _matches(o: Operation, f: HistoryFilter, after: Position | None) -> bool:
    return (
        (not f.types or o.type in f.types)
        and (f.from_us is None or o.occurred_at_us >= f.from_us)
        and (f.to_us is None or o.occurred_at_us < f.to_us)
        and (after is None or _key(o) < (after.occurred_at_us, after.event_id))
    )


def history(rng: random.Random, size: int) -> list[Operation]:
    """Bursts, gaps of months, ties within a microsecond, one type in five a top-up, 3% redelivered."""
    rows, at = [], START_US
    for i in range(size):
        at += (
            rng.choice([0, 1, 1_000, 60_000_000, DAY_US, 30 * DAY_US])
            if rng.random() < 0.5
            else rng.randrange(1, 10**9)
        )
        rows.append(operation(ACCOUNT, at, OperationType.TOPUP if i % 5 == 0 else OperationType.TRANSFER)[1])
    return rows + rng.sample(rows, size // 33)


async def page(store: WindowedStore, windows: Windows, f: HistoryFilter, after: Position | None, limit: int):
    return await windows.newest_first(store.reader(f, after, limit), f, after, limit)


async def walk(store: WindowedStore, windows: Windows, f: HistoryFilter, limit: int) -> list[Operation]:
    """Every page newest first, each checked against the plain query."""
    seen: list[Operation] = []
    after = None
    while True:
        rows = await page(store, windows, f, after, limit)
        assert rows == store.plain(f, after, limit)
        seen.extend(rows[: limit - 1])
        if len(rows) < limit:
            return seen
        after = rows[limit - 2].position


def test_an_account_not_read_before_gets_the_exact_window() -> None:
    assert plan(Pace(), HistoryFilter(ACCOUNT), None, 51) == [Newest(PROBE_FACTOR * 51)]
    assert plan(Pace(), HistoryFilter(ACCOUNT), AFTER, 51) == [Newest(PROBE_FACTOR * 51)]


def test_a_known_pace_gives_a_window_with_headroom_then_a_wider_one_then_the_exact_one() -> None:
    span = 10 * 1_000_000 * 51 * HEADROOM
    assert plan(Pace(us_per_row=10_000_000.0), HistoryFilter(ACCOUNT), AFTER, 51) == [
        Since(AFTER.occurred_at_us, span),
        Since(AFTER.occurred_at_us, span * GROWTH),
        Newest(PROBE_FACTOR * 51),
    ]


def test_a_first_page_starts_from_the_newest_row_seen_and_not_after_the_filter_end() -> None:
    pace = Pace(us_per_row=1.0, newest_us=START_US)
    assert plan(pace, HistoryFilter(ACCOUNT), None, 5)[0] == Since(START_US, MIN_SPAN_US)
    assert plan(pace, HistoryFilter(ACCOUNT, to_us=START_US - 9), None, 5)[0] == Since(START_US - 9, MIN_SPAN_US)
    assert plan(Pace(us_per_row=1.0), HistoryFilter(ACCOUNT), None, 5) == [Newest(PROBE_FACTOR * 5)]


@pytest.mark.parametrize(
    ("pace", "from_us", "expected"),
    [
        (Pace(us_per_row=DAY_US / 4), START_US, [None]),  # the window would start before the filter's start
        (Pace(us_per_row=DAY_US / 4, oldest_us=START_US), None, [None]),  # or before the account's oldest row
        (Pace(us_per_row=DAY_US / 40), START_US, [Since(START_US + 10 * DAY_US, 5 * DAY_US), None]),
    ],
)
def test_a_window_reaching_the_start_of_what_can_match_reads_it_all(
    pace: Pace, from_us: int | None, expected: list[Window]
) -> None:
    after = Position(START_US + 10 * DAY_US, uuid.UUID(int=1))
    assert plan(pace, HistoryFilter(ACCOUNT, from_us=from_us), after, 50) == expected


def test_learning_from_pages() -> None:
    rows = [operation(ACCOUNT, START_US + 1000 - 10 * i)[1] for i in range(5)]
    first = learn(Pace(), HistoryFilter(ACCOUNT), None, 5, rows)
    assert first == Pace(us_per_row=(rows[0].occurred_at_us - rows[-1].occurred_at_us) / 5, newest_us=START_US + 1000)
    deeper = learn(first, HistoryFilter(ACCOUNT), Position(START_US + 2000, uuid.UUID(int=1)), 5, rows)
    assert deeper.us_per_row == (START_US + 2000 - rows[-1].occurred_at_us) / 5
    assert deeper.newest_us == START_US + 1000  # only a first page shows the newest row
    last = learn(first, HistoryFilter(ACCOUNT), AFTER, 6, rows)
    assert (last.oldest_us, last.us_per_row) == (rows[-1].occurred_at_us, first.us_per_row)
    # with a lower time bound, the last page's last row says nothing of the rows before it
    assert learn(first, HistoryFilter(ACCOUNT, from_us=1), AFTER, 6, rows) == first
    assert learn(Pace(), HistoryFilter(ACCOUNT, to_us=START_US), None, 6, rows) == Pace(
        oldest_us=rows[-1].occurred_at_us
    )


async def test_a_page_is_the_plain_query_answer_in_one_read_once_the_pace_is_known() -> None:
    rows = [operation(ACCOUNT, START_US + i * 1_000_000)[1] for i in range(10_000)]
    store, windows, f = WindowedStore(rows + rows[-30:]), Windows(), HistoryFilter(ACCOUNT)
    assert await page(store, windows, f, None, 51) == store.plain(f, None, 51)
    assert store.windows == [Newest(102)]
    for after in (None, rows[5000].position, rows[77].position, None):
        store.windows.clear()
        assert await page(store, windows, f, after, 51) == store.plain(f, after, 51)
        assert len(store.windows) == 1 and isinstance(store.windows[0], Since)


@pytest.mark.parametrize("seed", range(12))
async def test_every_walk_equals_the_plain_query_for_any_history_filter_and_page_size(seed: int) -> None:
    rng = random.Random(seed)
    rows = history(rng, rng.choice([3, 60, 700]))
    store, windows = WindowedStore(rows), Windows()
    times = sorted(o.occurred_at_us for o in rows)
    filters = [
        HistoryFilter(ACCOUNT),
        HistoryFilter(ACCOUNT, frozenset([OperationType.TOPUP])),
        HistoryFilter(ACCOUNT, from_us=rng.choice(times), to_us=rng.choice(times) + 1),
        HistoryFilter(ACCOUNT, from_us=rng.choice(times)),
        HistoryFilter(ACCOUNT, to_us=rng.choice(times)),
    ]
    for f in filters * 2:  # the second time round with what the first taught
        if f.from_us is not None and f.to_us is not None and f.from_us >= f.to_us:
            continue
        limit = rng.choice([2, 6, 51, 201])
        seen = await walk(store, windows, f, limit)
        assert [o.event_id for o in seen] == [o.event_id for o in store.plain(f, None, len(rows))]


async def test_rows_newer_than_the_newest_seen_and_older_than_the_oldest_seen_still_show() -> None:
    rows = [operation(ACCOUNT, START_US + i * 1_000_000)[1] for i in range(300)]
    store, windows, f = WindowedStore(list(rows)), Windows(), HistoryFilter(ACCOUNT)
    await walk(store, windows, f, 51)
    store.rows += [operation(ACCOUNT, START_US + 10**9 + i)[1] for i in range(500)]
    store.rows += [operation(ACCOUNT, START_US - 10**9 - i)[1] for i in range(3)]
    seen = await walk(store, windows, f, 51)
    assert [o.event_id for o in seen] == [o.event_id for o in store.plain(f, None, 10_000)]
    assert len(seen) == 803


async def test_what_is_remembered_is_bounded() -> None:
    windows = Windows(remembered=3)
    store = WindowedStore([])
    for account in [uuid.uuid4() for _ in range(5)]:
        store.rows = [operation(account, START_US + i)[1] for i in range(10)]
        f = HistoryFilter(account)
        await windows.newest_first(store.reader(f, None, 4), f, None, 4)
    assert len(windows._paces) == 3


async def test_a_type_filter_read_first_starts_from_the_pace_of_every_type() -> None:
    rows = [
        operation(ACCOUNT, START_US + i * 1_000_000, OperationType.TRANSFER if i % 5 else OperationType.TOPUP)[1]
        for i in range(5000)
    ]
    store, windows = WindowedStore(rows), Windows()
    everything, topups = HistoryFilter(ACCOUNT), HistoryFilter(ACCOUNT, frozenset([OperationType.TOPUP]))
    await page(store, windows, everything, None, 51)
    store.windows.clear()
    assert await page(store, windows, topups, None, 51) == store.plain(topups, None, 51)
    assert [type(w) for w in store.windows] == [Since, Since]  # a fifth as dense: the wider window fills it
    store.windows.clear()
    await page(store, windows, topups, None, 51)
    assert [type(w) for w in store.windows] == [Since]
