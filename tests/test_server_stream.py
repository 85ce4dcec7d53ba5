"""The progress stream (DESIGN.md, Stream protocol) on a real core, parsed byte for byte."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from desktopapp.core import journal, progress
from desktopapp.core.db import Batch
from desktopapp.core.journal import WriteTransaction
from desktopapp.server import StreamConfig
from tests.conftest import wait_until_final
from tests.sse_parse import SSEEvent
from tests.test_server_support import WAIT, Harness, open_stalled_stream

pytest_plugins = ["tests.test_server_support"]


def merge(state: dict | None, event: SSEEvent) -> dict:
    """What a client does: a snapshot replaces the state, a delta updates it."""
    data = event.json()
    if data.get("snapshot") or state is None:
        merged = dict(data)
        merged["photos"] = {photo["id"]: photo for photo in data["photos"]}
        return merged
    merged = {**state, **{k: v for k, v in data.items() if k != "photos"}}
    merged["photos"] = {**state["photos"], **{photo["id"]: photo for photo in data["photos"]}}
    return merged


def comparable(state: dict) -> tuple:
    photos = state["photos"]
    if isinstance(photos, list):
        photos = {photo["id"]: photo for photo in photos}
    return state["status"], state["progress"], state["counts"], photos


def assert_journal_replayed(harness: Harness, batch_id: int, events: list[SSEEvent], after: int):
    """The progress events after `after` are exactly the journal rows, once each, in order."""
    rows = journal.events_after(batch_id, after, 1_000_000)
    progress_events = [e for e in events if e.type == "progress" and e.id and e.id > after]
    assert [e.id for e in progress_events] == [row.id for row in rows]
    assert [e.json() for e in progress_events] == [row.payload for row in rows]


async def test_full_stream_of_a_batch(harness: Harness, corpus: Path) -> None:
    batch_id = await harness.create_batch([corpus / "photos"])
    stream = await harness.open_stream(batch_id)
    snapshot = await stream.next()
    harness.core.start()  # the stream is connected first: everything after is live
    events = [snapshot, *await stream.rest()]

    assert bytes(stream.raw).startswith(b"retry: 1000\n")
    assert stream.parser.retry == 1000
    assert stream.eof, "the server closes after complete"

    head_at_connect = snapshot.id
    data = snapshot.json()
    assert snapshot.type == "progress" and data["snapshot"] is True
    assert data["status"] == "QUEUED" and data["batchId"] == batch_id
    assert len(data["photos"]) == data["counts"]["total"] > 0
    assert head_at_connect == harness.journal_ids(batch_id)[0]

    ids = [e.id for e in events if e.has_id]
    assert ids == sorted(set(ids)), "ids strictly increase"
    assert_journal_replayed(harness, batch_id, events, head_at_connect)
    assert all(e.type in ("progress", "complete") for e in events)

    complete = events[-1]
    assert complete.type == "complete" and not complete.has_id
    final = complete.json()
    assert progress.is_final(final["status"])
    assert final["progress"] == 100
    assert "snapshot" not in final
    assert {"totalItems", "totalVolume", "rooms", "analyzer"} <= set(final["inventorySummary"])

    # REST and SSE agree: the merged stream state equals GET /api/batches/{id}.
    state = None
    for event in events[:-1]:
        state = merge(state, event)
    rest = await (await harness.get(f"/api/batches/{batch_id}")).json()
    assert comparable(state) == comparable(rest) == comparable(final)
    assert final["inventorySummary"] == rest["inventorySummary"]


@pytest.mark.parametrize("via", ["header", "query"])
async def test_resume_has_no_gap_and_no_duplicate(harness: Harness, corpus: Path, via: str):
    batch_id = await harness.create_batch([corpus / "photos"])
    first = await harness.open_stream(batch_id)
    snapshot = await first.next()
    harness.core.start()
    for _ in range(3):
        await first.until(lambda e: e.type == "progress")
    first.response.close()  # drop the connection mid-batch
    last_id = first.events[-1].last_event_id
    await asyncio.wait_for(harness.hub.wait_for_count(lambda n: n == 0), 1.0)

    if via == "header":
        second = await harness.open_stream(batch_id, headers={"Last-Event-ID": last_id})
    else:
        second = await harness.open_stream(batch_id, params={"lastEventId": last_id})
    rest = await second.rest()
    assert rest[0].type == "progress" and "snapshot" not in rest[0].json()
    assert rest[-1].type == "complete" and second.eof
    union = first.events + rest
    assert_journal_replayed(harness, batch_id, union, snapshot.id)


async def test_finished_batch_gets_snapshot_and_complete_at_once(harness: Harness, photos):
    batch_id = await harness.create_batch(photos[:2])
    harness.core.start()
    wait_until_final(harness.core, batch_id)
    head = harness.journal_ids(batch_id)[-1]

    stream = await harness.open_stream(batch_id)
    events = await stream.rest()
    assert [e.type for e in events] == ["progress", "complete"]
    assert events[0].json()["snapshot"] is True and events[0].id == head
    assert events[1].json()["status"] == "COMPLETED"

    at_head = await harness.open_stream(batch_id, headers={"Last-Event-ID": str(head)})
    assert [e.type for e in await at_head.rest()] == ["complete"]

    from_zero = await harness.open_stream(batch_id, headers={"Last-Event-ID": "0"})
    events = await from_zero.rest()
    assert [e.id for e in events[:-1]] == harness.journal_ids(batch_id)
    assert events[-1].type == "complete"


async def test_unknown_batch_is_404_before_any_stream_byte(harness: Harness) -> None:
    response = await harness.get("/api/batches/4242/stream")
    assert response.status == 404
    assert response.content_type == "application/json"
    body = await response.read()
    assert b"retry:" not in body
    assert (await response.json())["error"]["code"] == "batch_not_found"


@pytest.mark.parametrize("last_id", ["abc", "-1", "1.5", "99999999", "", "0x10"])
async def test_unusable_last_event_id_gets_the_snapshot(harness: Harness, photos, last_id: str):
    batch_id = await harness.create_batch(photos[:1])
    stream = await harness.open_stream(batch_id, headers={"Last-Event-ID": last_id})
    first = await stream.next()
    assert first.type == "progress" and first.json()["snapshot"] is True
    stream.response.close()


async def test_header_wins_over_query(harness: Harness, photos) -> None:
    batch_id = await harness.create_batch(photos[:1])
    stream = await harness.open_stream(
        batch_id, headers={"Last-Event-ID": "bad"}, params={"lastEventId": "0"}
    )
    assert (await stream.next()).json()["snapshot"] is True
    stream.response.close()


async def test_ping_on_silence(make_harness, photos) -> None:
    harness = await make_harness(stream=StreamConfig(ping_interval=0.2))
    batch_id = await harness.create_batch(photos[:1])
    stream = await harness.open_stream(batch_id)
    await stream.next()
    before = int(time.time() * 1000)
    for _ in range(2):
        ping = await stream.next(timeout=5)
        assert ping.type == "ping" and not ping.has_id
        assert ping.json()["timestamp"] >= before
    stream.response.close()


async def test_timeout_event_then_close(make_harness, photos) -> None:
    harness = await make_harness(stream=StreamConfig(max_duration=0.3))
    batch_id = await harness.create_batch(photos[:1])
    stream = await harness.open_stream(batch_id)
    events = await stream.rest(timeout=5)
    assert [e.type for e in events] == ["progress", "timeout"]
    assert events[1].json() == {"reconnect": True} and not events[1].has_id
    assert stream.eof


async def test_deleted_batch_gets_an_error_event(harness: Harness, photos) -> None:
    batch_id = await harness.create_batch(photos[:1])
    stream = await harness.open_stream(batch_id)
    await stream.next()
    Batch.delete_by_id(batch_id)  # cascades to photos and journal
    harness.core.bus.publish(batch_id, 0)  # a deleter announces it like any writer
    events = await stream.rest()
    assert [e.type for e in events] == ["error"]
    assert events[0].json()["code"] == "batch_not_found"


async def test_server_error_gets_an_error_event(make_harness, photos) -> None:
    def broken(*_args):
        raise RuntimeError("disk on fire")

    harness = await make_harness(api_overrides={"events_after": broken})
    batch_id = await harness.create_batch(photos[:1])
    stream = await harness.open_stream(batch_id)
    await stream.next()
    harness.core.bus.publish(batch_id, 10**9)
    events = await stream.rest()
    assert [e.type for e in events] == ["error"]
    assert events[0].json()["code"] == "server_error"


async def test_stream_cap_is_429_with_retry_after(make_harness, photos) -> None:
    harness = await make_harness(stream=StreamConfig(max_streams=2))
    batch_id = await harness.create_batch(photos[:1])
    streams = [await harness.open_stream(batch_id) for _ in range(2)]
    for stream in streams:
        await stream.next()
    response = await harness.get(f"/api/batches/{batch_id}/stream")
    assert response.status == 429
    assert int(response.headers["Retry-After"]) > 0
    assert (await response.json())["error"]["code"] == "too_many_streams"
    streams[0].response.close()
    await asyncio.wait_for(harness.hub.wait_for_count(lambda n: n == 1), 1.0)
    again = await harness.open_stream(batch_id)
    assert (await again.next()).type == "progress"
    for stream in (streams[1], again):
        stream.response.close()


async def test_closed_connection_is_released_within_a_second(harness: Harness, photos) -> None:
    batch_id = await harness.create_batch(photos[:1])
    stream = await harness.open_stream(batch_id)
    await stream.next()
    assert harness.hub.count == 1
    stream.response.close()
    started = time.monotonic()
    await asyncio.wait_for(harness.hub.wait_for_count(lambda n: n == 0), 1.0)
    assert time.monotonic() - started < 1.0


async def test_slow_client_is_cut_off_without_delaying_others(make_harness, photos) -> None:
    send_timeout = 2.0
    harness = await make_harness(stream=StreamConfig(send_timeout=send_timeout))
    core = harness.core
    batch_id = await harness.create_batch(photos[:1])
    fast = await harness.open_stream(batch_id)
    await fast.next()

    slow = await open_stalled_stream(harness.port, harness.token, batch_id)
    loop = asyncio.get_running_loop()
    await asyncio.wait_for(harness.hub.wait_for_count(lambda n: n == 2), WAIT)

    # 16 MB of journal rows: far more than the kernel buffers a stalled reader can absorb.
    big = {"batchId": batch_id, "status": "PROCESSING", "photos": [], "pad": "x" * 256_000}

    def write_rows() -> int:
        with WriteTransaction(core.db, core.bus) as tx:
            return max(tx.record(batch_id, "test.big", big) for _ in range(64))

    last_id = await loop.run_in_executor(None, write_rows)
    written = time.monotonic()
    await fast.until(lambda e: e.id == last_id)
    fast_latency = time.monotonic() - written
    assert harness.hub.count == 2, "the slow client is still hanging while the fast one is served"
    assert fast_latency < send_timeout

    await asyncio.wait_for(harness.hub.wait_for_count(lambda n: n == 1), send_timeout + WAIT)
    cut_off = time.monotonic() - written
    assert cut_off >= send_timeout * 0.9
    slow.close()
    fast.response.close()
