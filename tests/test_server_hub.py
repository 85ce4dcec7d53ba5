"""The hub's broadcast (hub.py): one read and one write-out per page for all of a batch's
streams, and the hand-overs between the hub and each stream's own task. Real servers,
real sockets, real journal; waits are for events, with a timeout."""

from __future__ import annotations

import asyncio
import threading
import time

from desktopapp.core import journal
from desktopapp.core.journal import WriteTransaction
from desktopapp.core.services import Core
from desktopapp.server import StreamConfig
from desktopapp.server.stream.page_reads import PageReads, encode_page
from tests.conftest import wait_until_final
from tests.test_server_support import WAIT, Harness, StreamReader, open_stalled_stream

pytest_plugins = ["tests.test_server_support"]


def tick(core: Core, batch_id: int, number: int = 0, pad: str = "") -> int:
    """One committed journal row of a live (unfinished) batch; its id."""
    payload = {"batchId": batch_id, "status": "PROCESSING", "photos": [], "n": number}
    if pad:
        payload["pad"] = pad
    with WriteTransaction(core.db, core.bus) as tx:
        return tx.record(batch_id, "test.tick", payload)


async def commit(core: Core, batch_id: int, number: int = 0) -> int:
    return await asyncio.get_running_loop().run_in_executor(None, tick, core, batch_id, number)


async def wait_live(harness: Harness, batch_id: int, count: int) -> None:
    hub = harness.hub
    await asyncio.wait_for(hub.wait_until(lambda: hub.live_count(batch_id) == count), WAIT)


def progress_ids(stream: StreamReader) -> list[int]:
    return [e.id for e in stream.events if e.type == "progress" and e.id is not None]


def assert_exactly_the_journal(harness: Harness, batch_id: int, stream: StreamReader) -> None:
    """Snapshot first, then every journal row after it, once each, in order."""
    first = stream.events[0]
    assert first.type == "progress" and first.json()["snapshot"] is True
    rows = journal.events_after(batch_id, first.id, 1_000_000)
    events = [e for e in stream.events[1:] if e.type == "progress"]
    assert [e.id for e in events] == [row.id for row in rows]
    assert [e.json() for e in events] == [row.payload for row in rows]


def test_a_page_gives_the_rows_after_any_cursor_inside_it() -> None:
    rows = [journal.JournalEntry(i, 1, "t", {"status": "PROCESSING", "n": i}) for i in (5, 9, 12)]
    page = encode_page(rows, 3)
    assert (page.start, page.count, page.last_id) == (3, 3, 12)
    assert page.after(3) == page.after(0) == page.chunk
    assert page.after(5) == page.chunk[page.offsets[1] :] == encode_page(rows[1:], 5).chunk
    assert page.after(7) == page.after(5)
    assert page.after(9) == encode_page(rows[2:], 9).chunk
    assert page.after(12) == page.after(99) == b""


async def test_a_shared_read_outlives_the_caller_that_started_it() -> None:
    reads = PageReads()
    started, release = asyncio.Event(), asyncio.Event()
    calls: list[int] = []
    rows: list[journal.JournalEntry] = []

    async def fetch() -> list[journal.JournalEntry]:
        calls.append(1)
        started.set()
        await release.wait()
        return list(rows)

    first = asyncio.ensure_future(reads.read(1, 0, fetch))
    await asyncio.wait_for(started.wait(), WAIT)
    second = asyncio.ensure_future(reads.read(1, 0, fetch))
    first.cancel()  # its client left: the read goes on for the others
    rows.append(journal.JournalEntry(7, 1, "t", {"status": "PROCESSING"}))
    release.set()
    page = await asyncio.wait_for(second, WAIT)
    assert (page.count, page.last_id) == (1, 7) and len(calls) == 1
    assert first.cancelled()
    assert await reads.read(1, 0, fetch) is page  # kept a while for late comers
    assert (await reads.read(1, 0, fetch, fresh=True)).count == 1 and len(calls) == 2

    rows.clear()  # nothing after 7
    empty = await reads.read(1, 7, fetch)
    assert empty.count == 0 and len(calls) == 3
    await reads.read(1, 7, fetch)  # an empty page is never kept: the next read is real
    assert len(calls) == 4


async def test_streams_opening_while_rows_pour_in_get_each_row_exactly_once(
    harness: Harness, photos
) -> None:
    batch_id = await harness.create_batch(photos[:1])
    core = harness.core
    early = [await harness.open_stream(batch_id) for _ in range(5)]
    for stream in early:
        await stream.next()
    await wait_live(harness, batch_id, 5)

    stop = threading.Event()

    def pour() -> None:
        number = 0
        while not stop.is_set() and number < 20_000:
            tick(core, batch_id, number)
            number += 1

    pouring = asyncio.get_running_loop().run_in_executor(None, pour)
    late: list[tuple[StreamReader, int | None]] = []
    try:
        for index in range(15):  # streams open and go live while the hub broadcasts
            await early[1].next()  # let some rows go by between openings
            if index % 3 == 2:  # some resume from an id the hub has already written
                resume_at = progress_ids(early[1])[-1]
                stream = await harness.open_stream(
                    batch_id, headers={"Last-Event-ID": str(resume_at)}
                )
                late.append((stream, resume_at))
            else:
                stream = await harness.open_stream(batch_id)
                await stream.next()
                late.append((stream, None))
    finally:
        stop.set()
        await pouring
    last_id = await commit(core, batch_id, -1)

    for stream in [*early, *(s for s, _ in late)]:
        await stream.until(lambda e, last=last_id: e.id == last)
    for stream in early:
        assert_exactly_the_journal(harness, batch_id, stream)
    for stream, resume_at in late:
        if resume_at is None:
            assert_exactly_the_journal(harness, batch_id, stream)
        else:
            rows = journal.events_after(batch_id, resume_at, 1_000_000)
            assert progress_ids(stream) == [row.id for row in rows]
    for stream in [*early, *(s for s, _ in late)]:
        stream.response.close()


async def test_a_stream_that_goes_live_during_a_read_gets_only_the_rows_after_its_cursor(
    make_harness, photos
) -> None:
    gated = threading.Event()
    gate = threading.Event()
    entered = threading.Event()

    def events_after(batch_id: int, after: int, limit: int):
        if gated.is_set():
            entered.set()
            gate.wait(WAIT)
        return journal.events_after(batch_id, after, limit)

    harness = await make_harness(api_overrides={"events_after": events_after})
    core = harness.core
    batch_id = await harness.create_batch(photos[:1])
    first = await harness.open_stream(batch_id)
    start = (await first.next()).id
    await wait_live(harness, batch_id, 1)

    gated.set()
    r1 = await commit(core, batch_id, 1)  # the hub starts reading after `start`, and waits
    assert await asyncio.to_thread(entered.wait, WAIT)
    second = await harness.open_stream(batch_id)  # its snapshot already shows r1
    snapshot = await second.next()
    assert snapshot.id == r1 and snapshot.json()["snapshot"] is True
    await wait_live(harness, batch_id, 2)  # live while the hub's read is in flight
    r2 = await commit(core, batch_id, 2)
    gate.set()  # the hub's page holds r1 and r2: the whole page to one, r2 alone to the other

    assert [(await first.next()).id for _ in range(2)] == [r1, r2]
    assert (await second.next()).id == r2
    third = await harness.open_stream(batch_id, headers={"Last-Event-ID": str(start)})
    assert [(await third.next()).id for _ in range(2)] == [r1, r2]  # behind the hub: reads
    await wait_live(harness, batch_id, 3)
    r3 = await commit(core, batch_id, 3)
    for stream in (first, second, third):
        assert (await stream.next()).id == r3
        stream.response.close()
    assert not [e for s in (first, second, third) for e in s.events if e.type == "ping"]


async def test_a_stream_whose_snapshot_predates_a_broadcast_reads_what_it_missed(
    idle_core: Core, make_harness, photos
) -> None:
    from desktopapp.server.queries import snapshot_at_head

    gated = threading.Event()
    gate = threading.Event()
    entered = threading.Event()

    def gated_snapshot(batch_id: int):
        result = snapshot_at_head(idle_core.db, idle_core.catalogue, batch_id)
        if gated.is_set():  # the snapshot is read; the stream goes on once the gate opens
            entered.set()
            gate.wait(WAIT)
        return result

    harness = await make_harness(api_overrides={"snapshot_at_head": gated_snapshot})
    core = harness.core
    batch_id = await harness.create_batch(photos[:1])
    first = await harness.open_stream(batch_id)
    start = (await first.next()).id
    await wait_live(harness, batch_id, 1)

    gated.set()
    opening = asyncio.ensure_future(harness.open_stream(batch_id))
    assert await asyncio.to_thread(entered.wait, WAIT)  # its snapshot is at `start`
    r1 = await commit(core, batch_id, 1)
    assert (await first.next()).id == r1  # the hub wrote r1 past the new stream's cursor
    gate.set()
    second = await opening
    snapshot = await second.next()
    assert snapshot.id == start and snapshot.json()["snapshot"] is True
    assert (await second.next()).id == r1  # read by its own task: the hub could not give it
    await wait_live(harness, batch_id, 2)
    r2 = await commit(core, batch_id, 2)
    for stream in (first, second):
        assert (await stream.next()).id == r2
        stream.response.close()
    assert progress_ids(second) == [start, r1, r2]


async def test_slow_client_is_cut_off_while_the_others_get_every_event(make_harness, photos):
    send_timeout = 2.0
    harness = await make_harness(stream=StreamConfig(send_timeout=send_timeout))
    core = harness.core
    batch_id = await harness.create_batch(photos[:1])
    fast = [await harness.open_stream(batch_id) for _ in range(3)]
    for stream in fast:
        await stream.next()

    slow = await open_stalled_stream(harness.port, harness.token, batch_id)
    loop = asyncio.get_running_loop()
    await wait_live(harness, batch_id, 4)

    def burst() -> list[int]:  # 8 MB of rows, one by one: far more than the slow one absorbs
        return [tick(core, batch_id, n, pad="x" * 256_000) for n in range(32)]

    written = time.monotonic()
    ids = await loop.run_in_executor(None, burst)
    ids += [await commit(core, batch_id, n) for n in range(100, 120)]
    for stream in fast:
        await stream.until(lambda e: e.id == ids[-1], timeout=send_timeout)
        assert_exactly_the_journal(harness, batch_id, stream)
    assert harness.hub.count == 4, "the slow client is still hanging while the others are served"

    await asyncio.wait_for(harness.hub.wait_for_count(lambda n: n == 3), send_timeout + WAIT)
    assert time.monotonic() - written >= send_timeout * 0.9
    last = await commit(core, batch_id, 200)
    for stream in fast:
        assert (await stream.next()).id == last
        stream.response.close()
    slow.close()


async def test_a_finished_batch_sends_complete_to_every_live_stream(harness: Harness, photos):
    batch_id = await harness.create_batch(photos[:3])
    streams = [await harness.open_stream(batch_id) for _ in range(10)]
    for stream in streams:
        await stream.next()
    await wait_live(harness, batch_id, 10)
    harness.core.start()
    for stream in streams:
        events = await stream.rest()
        assert events[-1].type == "complete" and stream.eof
        assert events[-1].json()["status"] == "COMPLETED"
        assert [e.type for e in events[:-1]] == ["progress"] * (len(events) - 1)
        assert_exactly_the_journal(harness, batch_id, stream)
    wait_until_final(harness.core, batch_id)
    await asyncio.wait_for(harness.hub.wait_for_count(lambda n: n == 0), WAIT)


async def test_hub_writes_count_as_writes_for_the_ping_timer(make_harness, photos) -> None:
    interval = 1.0
    harness = await make_harness(stream=StreamConfig(ping_interval=interval))
    batch_id = await harness.create_batch(photos[:1])
    stream = await harness.open_stream(batch_id)
    await stream.next()
    await wait_live(harness, batch_id, 1)
    started = time.monotonic()
    while time.monotonic() - started < 2.5 * interval:  # a row every ~0.1 s
        row = await commit(harness.core, batch_id)
        assert (await stream.next()).id == row
        await asyncio.sleep(0.1)  # pacing the writer, not waiting for anything
    assert not [e for e in stream.events if e.type == "ping"]
    ping = await stream.next(timeout=interval * 5)  # silence: now a ping comes
    assert ping.type == "ping"
    stream.response.close()


async def test_a_failed_broadcast_read_hands_each_stream_its_own_error(make_harness, photos):
    calls: list[int] = []

    def events_after(batch_id: int, after: int, limit: int):
        calls.append(after)
        raise RuntimeError("disk on fire")

    harness = await make_harness(api_overrides={"events_after": events_after})
    batch_id = await harness.create_batch(photos[:1])
    streams = [await harness.open_stream(batch_id) for _ in range(3)]
    for stream in streams:
        await stream.next()
    await wait_live(harness, batch_id, 3)
    await commit(harness.core, batch_id)
    for stream in streams:
        events = await stream.rest()
        assert [e.type for e in events] == ["error"] and stream.eof
        assert events[0].json()["code"] == "server_error"


async def test_deleting_a_batch_ends_its_live_streams_with_an_error(harness: Harness, photos):
    from desktopapp.core.db import Batch

    batch_id = await harness.create_batch(photos[:1])
    streams = [await harness.open_stream(batch_id) for _ in range(3)]
    for stream in streams:
        await stream.next()
    await wait_live(harness, batch_id, 3)
    Batch.delete_by_id(batch_id)
    harness.core.bus.publish(batch_id, 0)
    for stream in streams:
        events = await stream.rest()
        assert [e.type for e in events] == ["error"]
        assert events[0].json()["code"] == "batch_not_found"


async def test_shutdown_ends_live_streams_at_once(make_harness, photos) -> None:
    harness = await make_harness()
    batch_id = await harness.create_batch(photos[:1])
    streams = [await harness.open_stream(batch_id) for _ in range(20)]
    for stream in streams:
        await stream.next()
    await wait_live(harness, batch_id, 20)
    started = time.monotonic()
    harness.hub.close_all()
    for stream in streams:
        assert await stream.rest(timeout=2.0) == []
    assert time.monotonic() - started < 1.0
    await asyncio.wait_for(harness.hub.wait_for_count(lambda n: n == 0), WAIT)
    assert (await harness.get(f"/api/batches/{batch_id}/stream")).status == 429


async def test_a_stream_opening_while_its_batch_is_deleted_gets_the_error_too(
    idle_core: Core, make_harness, photos
) -> None:
    """The hub finds the batch gone while serving a live stream; a stream that was not live
    then (opening, catching up) must not go live on the gone batch and wait for news."""
    from desktopapp.core.db import Batch
    from desktopapp.server.queries import snapshot_at_head

    gated = threading.Event()
    gate = threading.Event()
    entered = threading.Event()

    def gated_snapshot(batch_id: int):
        result = snapshot_at_head(idle_core.db, idle_core.catalogue, batch_id)
        if gated.is_set():
            entered.set()
            gate.wait(WAIT)
        return result

    harness = await make_harness(api_overrides={"snapshot_at_head": gated_snapshot})
    batch_id = await harness.create_batch(photos[:1])
    live = await harness.open_stream(batch_id)
    await live.next()
    await wait_live(harness, batch_id, 1)

    gated.set()
    opening = asyncio.ensure_future(harness.open_stream(batch_id))
    assert await asyncio.to_thread(entered.wait, WAIT)  # its snapshot is read, not yet sent
    Batch.delete_by_id(batch_id)
    harness.core.bus.publish(batch_id, 0)
    assert [e.json()["code"] for e in await live.rest()] == ["batch_not_found"]
    gate.set()
    late = await opening
    events = await late.rest(timeout=5)
    assert [e.type for e in events] == ["progress", "error"]
    assert events[1].json()["code"] == "batch_not_found"
