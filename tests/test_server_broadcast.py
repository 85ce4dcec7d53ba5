"""The hub's broadcast writes through aiohttp without waiting (event_stream.write_nowait).
That leans on how aiohttp's writer behaves, so these tests fail loudly if an aiohttp
release changes it, instead of the server silently falling back to one write per stream,
or repeating rows. Real servers, real sockets."""

from __future__ import annotations

import asyncio
import logging

from aiohttp.http_writer import StreamWriter

from desktopapp.server import event_stream
from desktopapp.server.event_stream import PhotoLotEventStream
from tests.test_server_hub import assert_exactly_the_journal, commit, progress_ids, wait_live
from tests.test_server_support import Harness, StreamReader

pytest_plugins = ["tests.test_server_support"]


async def live_streams(harness: Harness, batch_id: int, count: int) -> list[StreamReader]:
    streams = [await harness.open_stream(batch_id) for _ in range(count)]
    for stream in streams:
        await stream.next()
    await wait_live(harness, batch_id, count)
    return streams


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
