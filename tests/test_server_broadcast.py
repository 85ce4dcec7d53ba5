"""The hub's broadcast writes through aiohttp without waiting (event_stream.write_nowait).
That leans on how aiohttp's writer behaves, so these tests fail loudly if an aiohttp
release changes it, instead of the server silently falling back to one write per stream,
repeating rows, or leaving a stream without `complete`. Real servers, real sockets."""

from __future__ import annotations

import asyncio
import logging

from aiohttp.http_writer import StreamWriter

from desktopapp.core.db import DONE, Photo
from desktopapp.core.journal import WriteTransaction
from desktopapp.core.services import Core
from desktopapp.server.stream import event_stream
from desktopapp.server.stream.event_stream import PhotoLotEventStream
from tests.test_server_hub import assert_exactly_the_journal, commit, progress_ids, wait_live
from tests.test_server_support import WAIT, Harness, StreamReader

pytest_plugins = ["tests.test_server_support"]


def finish(core: Core, batch_id: int) -> int:
    """Every photo of the batch DONE, journaled like a worker does: the batch is COMPLETED."""
    with WriteTransaction(core.db, core.bus) as tx:
        photos = list(Photo.select().where(Photo.batch == batch_id))
        for photo in photos:
            photo.status = DONE
            photo.save()
        return tx.record_progress(batch_id, "photo.done", photos)


async def live_streams(harness: Harness, batch_id: int, count: int) -> list[StreamReader]:
    streams = [await harness.open_stream(batch_id) for _ in range(count)]
    for stream in streams:
        await stream.next()
    await wait_live(harness, batch_id, count)
    return streams


async def assert_complete_after_every_row(harness: Harness, batch_id: int, streams) -> None:
    for stream in streams:
        events = await stream.rest()
        assert events and events[-1].type == "complete" and stream.eof, [e.type for e in events]
        assert events[-1].json()["status"] == "COMPLETED"
        assert_exactly_the_journal(harness, batch_id, stream)


async def test_live_streams_get_news_from_the_broadcast_alone(
    harness: Harness, photos, monkeypatch
):
    """The point of the hub: news for live streams costs no write by their own tasks."""
    own_writes: list[bytes] = []
    library_send_chunk = PhotoLotEventStream.send_chunk

    async def counting_send_chunk(self, chunk: bytes) -> None:
        own_writes.append(chunk)
        await library_send_chunk(self, chunk)

    monkeypatch.setattr(PhotoLotEventStream, "send_chunk", counting_send_chunk)
    batch_id = await harness.create_batch(photos[:1])
    streams = await live_streams(harness, batch_id, 5)
    own_writes.clear()

    rows = [await commit(harness.core, batch_id, n) for n in range(3)]
    for stream in streams:
        await stream.until(lambda e: e.id == rows[-1])
    assert own_writes == [], "the streams' tasks wrote the rows: the broadcast did not"
    assert harness.hub.live_count(batch_id) == 5
    for stream in streams:
        assert_exactly_the_journal(harness, batch_id, stream)
        stream.response.close()


async def test_a_writer_that_yields_after_writing_repeats_no_row(
    harness: Harness, photos, monkeypatch, caplog
):
    """Should aiohttp's `StreamWriter.write` ever wait after it has written, the bytes are
    out: the stream must not write them again."""
    library_write = StreamWriter.write

    async def write_then_yield(self, chunk, *, drain=True, LIMIT=0x10000):
        await library_write(self, chunk, drain=drain, LIMIT=LIMIT)
        await asyncio.sleep(0)

    monkeypatch.setattr(StreamWriter, "write", write_then_yield)
    monkeypatch.setattr(event_stream, "_warned", False)
    batch_id = await harness.create_batch(photos[:1])
    streams = await live_streams(harness, batch_id, 3)
    with caplog.at_level(logging.WARNING, logger=event_stream.__name__):
        rows = [await commit(harness.core, batch_id, n) for n in range(5)]
        last = await commit(harness.core, batch_id, 99)
        for stream in streams:
            await stream.until(lambda e: e.id == last)
            assert progress_ids(stream)[1:] == [*rows, last]
            stream.response.close()
    assert [r.message for r in caplog.records if r.name == event_stream.__name__] == [
        "aiohttp's StreamWriter.write waited after writing: the stream hub stopped it there; "
        "check this aiohttp"
    ]


async def test_a_failing_broadcast_is_logged_and_every_stream_still_completes(
    harness: Harness, photos, monkeypatch, caplog
):
    """A write that raises mid-broadcast (some streams have the page, some not) is a bug to
    report, and each stream then serves itself, `complete` included."""
    library_write_nowait = PhotoLotEventStream.write_nowait
    broadcasts: set[float] = set()

    def first_write_only(self, chunk: bytes, now: float) -> bool:
        if now in broadcasts:  # the second stream of a broadcast
            raise RuntimeError("unexpected writer state")
        broadcasts.add(now)
        return library_write_nowait(self, chunk, now)

    monkeypatch.setattr(PhotoLotEventStream, "write_nowait", first_write_only)
    batch_id = await harness.create_batch(photos[:2])
    streams = await live_streams(harness, batch_id, 3)
    with caplog.at_level(logging.ERROR, logger="desktopapp.server.stream.hub"):
        await asyncio.get_running_loop().run_in_executor(None, finish, harness.core, batch_id)
        await asyncio.wait_for(assert_complete_after_every_row(harness, batch_id, streams), WAIT)
    errors = [r for r in caplog.records if r.name == "desktopapp.server.stream.hub"]
    assert errors and errors[0].levelno == logging.ERROR and errors[0].exc_info
