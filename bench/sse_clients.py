"""Shared pieces of the stream benchmarks (latency, fanout, wire).

- `make_live_batch` / `Publisher`: a real batch in the real database, and commits that
  play a worker's part through the real write path (`journal.WriteTransaction` with
  `record_progress`, so the bus, the hub, the journal read and the SSE encoding are all
  PhotoLot's own). The commit time is taken in an `after_commit` callback, i.e. after
  COMMIT returned and before the bus is told.
- `SseClient`: a minimal HTTP/1.1 client for `GET /api/batches/{id}/stream` written as an
  `asyncio.Protocol`. It stamps `time.perf_counter_ns()` as soon as bytes arrive (before
  any parsing), de-chunks the body, splits events and counts every byte received
  (status line, headers, chunk framing). Thousands of them fit in one process.
- `KeepAlive` / `poll_on_schedule`: the seed's previous design, `GET /api/batches/{id}` on
  a fixed 2 s schedule over one keep-alive connection, with the bytes counted the same way.
- `serve_main`: a server in its own process (fanout), driven over stdin/stdout.

Everything talks to 127.0.0.1 only. `perf_counter_ns` is CLOCK_MONOTONIC on Linux, one
clock for every process of the machine, so times taken in different processes compare.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import resource
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RETRY_MESSAGE = "The file could not be read because of a storage error. Trying again in 0.5 s."


def raise_fd_limit(wanted: int) -> int:
    """Raise the soft limit on open files towards `wanted` (bounded by the hard limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return soft


def rss_kb(pid: int | str = "self") -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS")))


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list (q in 0..100)."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), round(q / 100 * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


def summary_ms(samples_ns: list[int]) -> dict[str, float]:
    values = sorted(v / 1e6 for v in samples_ns)
    return {
        "samples": len(values),
        "p50_ms": round(percentile(values, 50), 3),
        "p95_ms": round(percentile(values, 95), 3),
        "p99_ms": round(percentile(values, 99), 3),
        "max_ms": round(values[-1], 3) if values else float("nan"),
    }


# -- the write side (in the server's process) ------------------------------------------------


def make_live_batch(db: Any, bus: Any, photos: int, project: str = "bench") -> tuple[int, list]:
    """A batch of `photos` PENDING photos, created and journaled like intake does, but
    with no queued task: it stays live (never final) and only `Publisher` changes it."""
    from desktopapp.core.db import Batch, Photo, Project
    from desktopapp.core.journal import WriteTransaction

    with WriteTransaction(db, bus) as tx:
        project_row, _ = Project.get_or_create(name=project)
        batch = Batch.create(project=project_row)
        for index in range(photos):
            Photo.create(
                batch=batch,
                position=index,
                source_path=f"/bench/Salon/IMG_{index:05d}.jpg",
                file_name=f"IMG_{index:05d}.jpg",
            )
        rows = list(Photo.select().where(Photo.batch == batch.id).order_by(Photo.position))
        tx.record_progress(batch.id, "batch.created", rows)
    return batch.id, [row.id for row in rows]


class Publisher:
    """Plays a worker: commit number s touches photo s % P; its even touches claim it
    (PENDING → PROCESSING, attempts + 1, "photo.processing", as `Pipeline._claim`), its odd
    ones send it back for a retry (→ PENDING, "photo.retrying", as `Pipeline._fail`). Each
    commit changes what `GET /api/batches/{id}` returns, and the batch never ends."""

    def __init__(self, db: Any, bus: Any, batch_id: int, photo_ids: list[int]) -> None:
        self.db, self.bus, self.batch_id, self.photo_ids = db, bus, batch_id, photo_ids
        self.count = 0
        self.commits: dict[int, int] = {}  # event id → perf_counter_ns right after COMMIT
        self.sequence: dict[int, int] = {}  # event id → s

    def commit_one(self) -> tuple[int, int]:
        from desktopapp.core.db import PENDING, PROCESSING, Photo
        from desktopapp.core.journal import WriteTransaction

        s = self.count
        photo_id = self.photo_ids[s % len(self.photo_ids)]
        stamp: list[int] = []
        with WriteTransaction(self.db, self.bus) as tx:
            photo = Photo.get(Photo.id == photo_id)
            if (s // len(self.photo_ids)) % 2 == 0:
                photo.status = PROCESSING
                photo.attempts += 1
                kind = "photo.processing"
            else:
                photo.status = PENDING
                photo.error_code = "io_error"
                photo.error_message = RETRY_MESSAGE
                kind = "photo.retrying"
            photo.save()
            event_id = tx.record_progress(self.batch_id, kind, [photo])
            tx.after_commit(lambda: stamp.append(time.perf_counter_ns()))
        self.count += 1
        self.commits[event_id] = stamp[0]
        self.sequence[event_id] = s
        return event_id, stamp[0]

    def run(self, count: int, interval: float, stop: threading.Event, seed: int = 1) -> None:
        """`count` commits, one every `interval` s on average (uniform jitter ±50 %), so the
        commits fall at every phase of whatever else runs periodically."""
        import random

        rng = random.Random(seed)
        due = time.perf_counter()
        for _ in range(count):
            if stop.is_set():
                return
            due += interval * rng.uniform(0.5, 1.5)
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            self.commit_one()


def visible_upto(snapshot: dict[str, Any], photos: int) -> int:
    """The newest Publisher commit number reflected in a REST snapshot (-1: none)."""
    newest = -1
    for index, photo in enumerate(snapshot["photos"]):
        attempts = photo["attempts"]
        if attempts == 0:
            continue
        touch = 2 * (attempts - 1) if photo["status"] == "PROCESSING" else 2 * attempts - 1
        newest = max(newest, touch * photos + index)
    return newest


# -- the stream client ------------------------------------------------------------------------


@dataclass
class SseEvent:
    type: str
    id: int | None
    data: str | None  # kept only when the client keeps data
    arrived_ns: int


@dataclass
class SseClient(asyncio.Protocol):
    """One `GET /api/batches/{id}/stream` on a raw socket.

    on_event(client, event) is called for each complete event, with the arrival time of
    the bytes that completed it."""

    request: bytes
    on_event: Callable[[SseClient, SseEvent], None] | None = None
    keep_data: bool = False
    bytes_in: int = 0  # everything received: status line, headers, chunk framing, body
    body_in: int = 0  # the de-chunked body: the `text/event-stream` itself
    bytes_out: int = 0
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    events: list[SseEvent] = field(default_factory=list)
    closed: asyncio.Future | None = None
    first_event: asyncio.Future | None = None
    _head: bytes = b""
    _chunked: bytes = b""
    _need: int = 0  # data bytes left in the current chunk
    _skip: int = 0  # framing bytes (CRLF) left to skip
    _text: bytes = b""
    _transport: asyncio.Transport | None = None
    raw: list[tuple[int, bytes]] | None = None  # while recording: (arrival ns, bytes)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        loop = asyncio.get_running_loop()
        self.closed = loop.create_future()
        self.first_event = loop.create_future()
        self._transport = transport  # type: ignore[assignment]
        transport.write(self.request)  # type: ignore[attr-defined]
        self.bytes_out += len(self.request)

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter_ns()
        if self.raw is not None:
            self.raw.append((now, data))
            return
        self._consume(now, data)

    def start_recording(self) -> None:
        """From now on only stamp and keep the bytes: a measuring client that parses as
        it reads spends longer per event than the server does, and with 1,000 of them on
        the same cores it measures itself. `stop_recording` parses, with the stamps."""
        self.raw = []

    def recorded(self, marker: bytes, since: int = 0) -> tuple[bool, int]:
        """Whether the bytes recorded from index `since` on contain `marker`; the new index."""
        raw = self.raw or []
        for index in range(since, len(raw)):
            tail = raw[index - 1][1][-len(marker) :] if index else b""
            if marker in tail + raw[index][1]:
                return True, len(raw)
        return False, len(raw)

    def stop_recording(self) -> None:
        raw, self.raw = self.raw or [], None
        for now, data in raw:
            self._consume(now, data)

    def _consume(self, now: int, data: bytes) -> None:
        self.bytes_in += len(data)
        if self.status is None:
            self._head += data
            end = self._head.find(b"\r\n\r\n")
            if end < 0:
                return
            head, data = self._head[:end].decode("latin-1"), self._head[end + 4 :]
            self._head = b""
            lines = head.split("\r\n")
            self.status = int(lines[0].split()[1])
            for line in lines[1:]:
                name, _, value = line.partition(":")
                self.headers[name.strip().lower()] = value.strip()
            if self.status != 200:
                return
        self._chunked += data
        self._dechunk()
        self._split(now)

    def _dechunk(self) -> None:
        buf, pos, out = self._chunked, 0, []
        while pos < len(buf):
            if self._need > 0:  # inside a chunk's data
                take = min(self._need, len(buf) - pos)
                out.append(buf[pos : pos + take])
                pos += take
                self._need -= take
                if self._need == 0:
                    self._skip = 2  # the CRLF after the data
                continue
            if self._skip:
                take = min(self._skip, len(buf) - pos)
                pos += take
                self._skip -= take
                continue
            eol = buf.find(b"\r\n", pos)
            if eol < 0:
                break
            size = int(buf[pos:eol].split(b";")[0], 16)
            pos = eol + 2
            if size == 0:  # the last chunk (trailers ignored)
                pos = len(buf)
                break
            self._need = size
        self._chunked = buf[pos:]
        if out:
            body = b"".join(out)
            self.body_in += len(body)
            self._text += body

    def _split(self, now: int) -> None:
        if b"\n\n" not in self._text:
            return
        *blocks, rest = self._text.split(b"\n\n")
        self._text = rest
        for block in blocks:
            if not block:
                continue
            kind, event_id, data = "message", None, []
            has_data = False
            for line in block.split(b"\n"):
                name, _, value = line.partition(b": ")
                if name == b"event":
                    kind = value.decode()
                elif name == b"id":
                    event_id = int(value)
                elif name == b"data":
                    has_data = True
                    if self.keep_data:
                        data.append(value.decode("utf-8"))
            if not has_data:
                continue  # `retry:` block
            event = SseEvent(kind, event_id, "\n".join(data) if self.keep_data else None, now)
            if self.keep_data:
                self.events.append(event)
            if self.first_event is not None and not self.first_event.done():
                self.first_event.set_result(event)
            if self.on_event is not None:
                self.on_event(self, event)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.first_event is not None and not self.first_event.done():
            self.first_event.set_exception(ConnectionError(f"stream closed (status {self.status})"))
        if self.closed is not None and not self.closed.done():
            self.closed.set_result(None)

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()


def stream_request(port: int, token: str, batch_id: int, last_event_id: int | None = None) -> bytes:
    lines = [
        f"GET /api/batches/{batch_id}/stream HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        f"Authorization: Bearer {token}",
        "Accept: text/event-stream",
        "Cache-Control: no-cache",
    ]
    if last_event_id is not None:
        lines.append(f"Last-Event-ID: {last_event_id}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def open_stream(
    port: int,
    token: str,
    batch_id: int,
    *,
    on_event: Callable[[SseClient, SseEvent], None] | None = None,
    keep_data: bool = False,
    wait_first: bool = True,
) -> SseClient:
    loop = asyncio.get_running_loop()
    request = stream_request(port, token, batch_id)
    _, client = await loop.create_connection(
        lambda: SseClient(request, on_event=on_event, keep_data=keep_data), "127.0.0.1", port
    )
    if wait_first:
        await client.first_event
    return client


async def open_streams(
    count: int,
    port: int,
    token: str,
    batch_id: int,
    *,
    on_event: Callable[[SseClient, SseEvent], None] | None = None,
    concurrency: int = 64,
) -> list[SseClient]:
    """`count` streams, opened `concurrency` at a time (the listen backlog is 128), each
    past its first event (the snapshot)."""
    gate = asyncio.Semaphore(concurrency)

    async def one() -> SseClient:
        async with gate:
            for attempt in range(5):
                try:
                    return await open_stream(port, token, batch_id, on_event=on_event)
                except (ConnectionError, OSError):
                    if attempt == 4:
                        raise
                    await asyncio.sleep(0.2 * (attempt + 1))
            raise AssertionError("unreachable")

    return list(await asyncio.gather(*(one() for _ in range(count))))


# -- polling (the seed's previous design) ----------------------------------------------------


@dataclass
class PollResult:
    started_ns: int
    done_ns: int
    body: bytes
    bytes_in: int
    bytes_out: int


class KeepAlive:
    """One keep-alive HTTP/1.1 connection for repeated `GET`s with a Content-Length answer."""

    def __init__(self, port: int, token: str) -> None:
        self.port, self.token = port, token
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> PollResult:
        if self.writer is None or self.writer.is_closing():
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        request = (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
            f"Authorization: Bearer {self.token}\r\nAccept: application/json\r\n\r\n"
        ).encode("latin-1")
        started = time.perf_counter_ns()
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        length = 0
        keep_alive = True
        for line in head.decode("latin-1").split("\r\n")[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
            elif name.strip().lower() == "connection" and value.strip().lower() == "close":
                keep_alive = False
        body = await self.reader.readexactly(length)
        done = time.perf_counter_ns()
        if not keep_alive:
            await self.close()
        return PollResult(started, done, body, len(head) + length, len(request))

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(ConnectionError):
                await self.writer.wait_closed()
            self.writer = None


async def poll_on_schedule(
    port: int,
    token: str,
    batch_id: int,
    interval: float,
    first_at: float,
    until: Callable[[], bool],
    record: Callable[[PollResult], None],
) -> None:
    """`GET /api/batches/{id}` at first_at, first_at + interval, … (loop time, like
    setInterval: the schedule does not drift with the response time) until `until()`."""
    loop = asyncio.get_running_loop()
    client = KeepAlive(port, token)
    due = first_at
    try:
        while not until():
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            if until():
                break
            record(await client.get(f"/api/batches/{batch_id}"))
            due += interval
            while due < loop.time():  # a response slower than the interval skips a beat
                due += interval
    finally:
        await client.close()


# -- a server in its own process (fanout) -----------------------------------------------------


def serve_main(data_dir: str, max_streams: int, photos: int) -> None:
    """Run PhotoLot's LocalServices with a raised stream cap; one JSON line per command.

    stdout: {"port", "token", "batch", "pid"} once ready; then, per stdin line,
    `publish` → {"id", "commit_ns"}; `gc` → {"rss_kb"}; `quit` (or EOF) → stop."""
    import gc

    from desktopapp.app import LocalServices
    from desktopapp.platform.settings import Settings
    from desktopapp.server.config import StreamConfig

    raise_fd_limit(max_streams + 512)
    services = LocalServices(
        Settings(data_dir=Path(data_dir), port=0, workers=1),
        stream=StreamConfig(max_streams=max_streams),
    )
    services.start()
    try:
        batch_id, photo_ids = make_live_batch(services.core.db, services.core.bus, photos)
        publisher = Publisher(services.core.db, services.core.bus, batch_id, photo_ids)

        def say(value: dict[str, Any]) -> None:
            sys.stdout.write(json.dumps(value) + "\n")
            sys.stdout.flush()

        say({"port": services.port, "token": services.token, "batch": batch_id})
        for line in sys.stdin:
            command = line.strip()
            if command == "publish":
                event_id, commit_ns = publisher.commit_one()
                say({"id": event_id, "commit_ns": commit_ns})
            elif command == "gc":
                gc.collect()
                say({"rss_kb": rss_kb()})
            elif command == "quit":
                break
    finally:
        services.stop()
