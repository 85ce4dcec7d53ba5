"""A team's PhotoLot as real processes (issue 16): `photolot serve` and `photolot worker`
started with `python main.py`, on a real PostgreSQL and Redis (tests/team_fixtures.py),
sharing one store folder.

- two servers and two workers on one batch: a client of the other server sees it through,
  every photo done once, by both workers;
- kill -9 of a worker mid-photo: its lease runs out, the other worker does the photo again
  (attempts 2, one `photo.done`), nothing lost or doubled;
- PostgreSQL restarted while a photo is in flight: the worker and the stream recover;
- Redis restarted with the whole batch in its queue: the database queues the photos again.

A photo is held mid-analysis by the loopback vision model (tests/model_server.py): a worker
asks it when started with PHOTOLOT_ANALYZER_URL, one photo at a time per process. Nothing
sleeps to wait: each wait is for an output line, a stream event, a model request or a
polled condition, with a deadline. Every child process is killed at teardown.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pytest

from tests.helpers import make_photo
from tests.model_helpers import GOOD
from tests.model_server import ModelServer, completion
from tests.sse_parse import SSEParser

REPO = Path(__file__).resolve().parents[1]
START_TIMEOUT = 30.0  # a process's first line
BATCH_TIMEOUT = 45.0  # a batch, from its creation to `complete`
LEASE = "2"  # seconds: a dead worker's photo goes back to the queue soon


# -- child processes ------------------------------------------------------------------------
class Child:
    """A `python main.py …` process; its output (stdout and stderr) read by a thread."""

    def __init__(self, name: str, args: list[str], env: dict[str, str]) -> None:
        self.name = name
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self.process = subprocess.Popen(
            [sys.executable, str(REPO / "main.py"), *args],
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )
        threading.Thread(target=self._read, name=f"read-{name}", daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self.lines.append("<EOF>")
            self._changed.notify_all()

    def wait_line(self, pattern: str, timeout: float = START_TIMEOUT) -> re.Match[str]:
        """The first output line matching `pattern`; fails at the deadline or the output's end."""
        compiled = re.compile(pattern)
        deadline = time.monotonic() + timeout
        seen = 0
        with self._changed:
            while True:
                for line in self.lines[seen:]:
                    if line == "<EOF>":
                        raise AssertionError(f"{self.name} ended first:\n{self.output()}")
                    if match := compiled.search(line):
                        return match
                seen = len(self.lines)
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{self.name}: no {pattern!r} in\n{self.output()}")
                self._changed.wait(left)

    def output(self) -> str:
        return "\n".join(f"  {self.name}| {line}" for line in self.lines[-40:])

    def kill(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(10)


class Team:
    """The processes of one test: servers and workers on one database, queue and store."""

    def __init__(self, database: str, queue_url: str, root: Path) -> None:
        self.database = database
        self.queue = queue_url
        self.root = root
        self.store = root / "store"
        self.store.mkdir()
        self.children: list[Child] = []

    def _spawn(self, command: str, name: str, extra: list[str], env: dict[str, str]) -> Child:
        base_env = {k: v for k, v in os.environ.items() if not k.startswith("PHOTOLOT_")}
        base_env["PHOTOLOT_ANALYZER_KEY"] = "test-key"
        args = [
            command,
            "--database", self.database,
            "--queue", self.queue,
            "--store", str(self.store),
            "--data-dir", str(self.root / name),
            *extra,
        ]  # fmt: skip
        child = Child(name, args, {**base_env, **env})
        self.children.append(child)
        return child

    def serve(self, name: str, lease: str | None = None) -> Child:
        extra = ["--port", "0"] + (["--lease-seconds", lease] if lease else [])
        return self._spawn("serve", name, extra, {})

    def worker(self, name: str, model: ModelServer | None = None) -> Child:
        env = {}
        if model is not None:
            env = model.environ()
        return self._spawn("worker", name, ["--workers", "1", "--lease-seconds", LEASE], env)

    @staticmethod
    def url_of(server: Child) -> str:
        return server.wait_line(r"PhotoLot serving \(team, 0 worker\(s\)\) on (http://\S+/)")[1]

    @staticmethod
    def id_of(worker: Child) -> str:
        return worker.wait_line(r"PhotoLot worker (\S+): 1 thread\(s\) on the team's queue")[1]

    @property
    def token(self) -> str:
        return (self.store / "token").read_text().strip()

    def create_batch(self, base_url: str, paths: list[Path]) -> int:
        request = urllib.request.Request(
            base_url + "api/batches",
            data=json.dumps({"paths": [str(p) for p in paths]}).encode(),
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=20) as answer:
            return json.load(answer)["batchId"]

    def output(self) -> str:
        return "\n".join(child.output() for child in self.children)

    def kill_all(self) -> None:
        for child in self.children:
            child.kill()


@pytest.fixture
def team(postgres_url, redis_url, tmp_path) -> Iterator[Team]:
    made = Team(postgres_url, redis_url, tmp_path)
    try:
        yield made
    finally:
        made.kill_all()  # before postgres_url's teardown drops the database


# -- a stream client ------------------------------------------------------------------------
class StreamClient:
    """Follows `GET /api/batches/{id}/stream` from journal id `after` until `complete`,
    reconnecting as an EventSource does (after the stream's `retry:`, with Last-Event-ID)
    when the connection ends or fails first."""

    def __init__(self, base_url: str, token: str, batch_id: int, after: int = 0) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.token = token
        self.batch_id = batch_id
        self.last_id = after
        self.status: dict[int, str] = {}  # photo id → its latest status on the stream
        self.done_events: Counter[int] = Counter()  # photo id → progress events showing DONE
        self.ids: list[int] = []
        self.connections = 0
        self.problems: list[str] = []
        self.complete = threading.Event()
        self._changed = threading.Condition()  # notified at every event taken
        self._stop = threading.Event()
        self._conn: http.client.HTTPConnection | None = None
        self._thread = threading.Thread(target=self._run, name="stream-client", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        retry = 1.0
        while not self._stop.is_set():
            parser = SSEParser()
            try:
                self._follow(parser)
            except (OSError, http.client.HTTPException) as exc:
                self.problems.append(f"connection {self.connections}: {exc!r}")
            if self.complete.is_set():
                return
            retry = parser.retry / 1000 if parser.retry is not None else retry
            self._stop.wait(retry)  # the stream's own reconnection delay

    def _follow(self, parser: SSEParser) -> None:
        self.connections += 1
        conn = self._conn = http.client.HTTPConnection(self.host, self.port, timeout=20)
        try:
            conn.request(
                "GET",
                f"/api/batches/{self.batch_id}/stream",
                headers={
                    "Authorization": f"Bearer {self.token}",
                    "Accept": "text/event-stream",
                    "Last-Event-ID": str(self.last_id),
                },
            )
            answer = conn.getresponse()
            if answer.status != 200:
                self.problems.append(f"HTTP {answer.status}: {answer.read()[:200]!r}")
                return
            while not self._stop.is_set():
                chunk = answer.read1(65536)
                if not chunk:
                    self.problems.append(f"connection {self.connections} ended")
                    return
                for event in parser.feed(chunk):
                    self._take(event)
                    if self.complete.is_set():
                        return
        finally:
            conn.close()

    def _take(self, event: Any) -> None:
        if event.id is not None:
            if event.id <= self.last_id:
                self.problems.append(f"id {event.id} after {self.last_id}")
            self.last_id = event.id
            self.ids.append(event.id)
        if event.type == "progress":
            for photo in event.json()["photos"]:
                self.status[photo["id"]] = photo["status"]
                if photo["status"] == "DONE":
                    self.done_events[photo["id"]] += 1
        elif event.type == "complete":
            self.complete.set()
        elif event.type == "error":
            self.problems.append(f"error event: {event.data}")
        with self._changed:
            self._changed.notify_all()

    def wait_for(self, condition: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
        """Until `condition()` holds after some event of the stream (no polling)."""
        with self._changed:
            if not self._changed.wait_for(condition, timeout):
                raise AssertionError(f"not within {timeout:.0f}s: {what}; {self.status}")

    def wait_complete(self, team: Team, timeout: float = BATCH_TIMEOUT) -> None:
        if not self.complete.wait(timeout):
            raise AssertionError(
                f"no `complete` after {timeout:.0f}s; statuses {self.status}; "
                f"problems {self.problems}\n{team.output()}"
            )

    def close(self) -> None:
        self._stop.set()
        conn = self._conn
        if conn is not None and conn.sock is not None:  # ends a read that waits for news
            with contextlib.suppress(OSError):
                conn.sock.shutdown(socket.SHUT_RDWR)
        self._thread.join(25)
        assert not self._thread.is_alive()


@pytest.fixture
def streams() -> Iterator[list[StreamClient]]:
    opened: list[StreamClient] = []
    yield opened
    for client in opened:
        client.close()


# -- the database, read directly --------------------------------------------------------------
def photo_rows(database: str, batch_id: int) -> dict[int, tuple[str, int, str | None]]:
    """photo id → (status, attempts, worker)."""
    with psycopg.connect(database, connect_timeout=10) as conn:
        rows = conn.execute(
            "SELECT id, status, attempts, worker FROM photo WHERE batch_id = %s", [batch_id]
        ).fetchall()
    return {row[0]: (row[1], row[2], row[3]) for row in rows}


def journal(database: str, batch_id: int) -> list[tuple[int, str, dict]]:
    with psycopg.connect(database, connect_timeout=10) as conn:
        rows = conn.execute(
            "SELECT id, type, payload FROM event WHERE batch_id = %s ORDER BY id", [batch_id]
        ).fetchall()
    return [(i, kind, json.loads(p) if isinstance(p, str) else p) for i, kind, p in rows]


def done_per_photo(database: str, batch_id: int) -> Counter[int]:
    """How many `photo.done` journal rows name each photo."""
    counts: Counter[int] = Counter()
    for _id, kind, payload in journal(database, batch_id):
        if kind == "photo.done":
            counts.update(photo["id"] for photo in payload["photos"])
    return counts


def assert_all_done_once(team: Team, client: StreamClient, batch_id: int, count: int) -> None:
    rows = photo_rows(team.database, batch_id)
    assert len(rows) == count
    assert {status for status, _a, _w in rows.values()} == {"DONE"}, rows
    assert client.status == dict.fromkeys(rows, "DONE"), client.status
    assert done_per_photo(team.database, batch_id) == Counter(dict.fromkeys(rows, 1))
    assert client.done_events == Counter(dict.fromkeys(rows, 1))
    assert client.ids == sorted(set(client.ids))  # no journal row twice, none backwards


def make_drop(root: Path, count: int) -> list[Path]:
    return [make_photo(root / "drop" / f"IMG_{i:04d}.jpg", seed=100 + i) for i in range(count)]


def gate_until(arrivals: int, timeout: float = 20.0) -> Callable[[dict], tuple]:
    """A model answer that waits until `arrivals` requests are in the server at once."""
    lock, seen, together = threading.Lock(), [0], threading.Event()

    def answer(_body: dict) -> tuple:
        with lock:
            seen[0] += 1
            if seen[0] >= arrivals:
                together.set()
        together.wait(timeout)
        return completion(GOOD)

    return answer


# -- the tests ----------------------------------------------------------------------------------
def test_two_servers_two_workers_share_one_batch(team, model_server, streams, tmp_path):
    photos = make_drop(tmp_path, 12)
    # the first two model requests wait for each other: each worker process asks about one
    # photo at a time, so both workers hold a photo at once, whatever the queue's order
    rendezvous = gate_until(2)
    model_server.script = [rendezvous, rendezvous] + [completion(GOOD)] * 10
    server_a, server_b = team.serve("server-a"), team.serve("server-b")
    workers = [team.worker("worker-1", model_server), team.worker("worker-2", model_server)]
    url_a, url_b = team.url_of(server_a), team.url_of(server_b)
    worker_ids = {team.id_of(worker) for worker in workers}
    assert len(worker_ids) == 2

    batch_id = team.create_batch(url_a, photos)
    client = StreamClient(url_b, team.token, batch_id)
    streams.append(client)
    client.wait_complete(team)

    assert_all_done_once(team, client, batch_id, 12)
    rows = photo_rows(team.database, batch_id)
    assert {attempts for _s, attempts, _w in rows.values()} == {1}
    assert {worker for _s, _a, worker in rows.values()} == worker_ids  # both took photos
    assert len(model_server.requests) == 12
    assert client.connections == 1, client.problems  # server B followed it live throughout


def test_a_worker_killed_mid_photo_loses_nothing_and_doubles_nothing(
    team, model_server, streams, tmp_path
):
    photos = make_drop(tmp_path, 4)
    model_server.script = ["gate"] + [completion(GOOD)] * 10  # the first photo is held in the model
    server = team.serve("server", lease=LEASE)
    doomed = team.worker("worker-1", model_server)
    url = team.url_of(server)
    doomed_id = team.id_of(doomed)
    batch_id = team.create_batch(url, photos)
    client = StreamClient(url, team.token, batch_id)
    streams.append(client)

    assert model_server.arrived.acquire(timeout=30), team.output()
    (held,) = [
        pid for pid, (status, _a, _w) in photo_rows(team.database, batch_id).items()
        if status == "PROCESSING"
    ]  # fmt: skip
    assert photo_rows(team.database, batch_id)[held] == ("PROCESSING", 1, doomed_id)
    os.kill(doomed.process.pid, signal.SIGKILL)
    assert doomed.process.wait(10) == -signal.SIGKILL

    rescuer = team.worker("worker-2", model_server)
    rescuer_id = team.id_of(rescuer)
    client.wait_complete(team)

    assert_all_done_once(team, client, batch_id, 4)
    rows = photo_rows(team.database, batch_id)
    assert rows[held] == ("DONE", 2, rescuer_id)  # taken back from the dead worker, once
    assert all(row == ("DONE", 1, rescuer_id) for pid, row in rows.items() if pid != held)
    requeued = [
        payload["photos"]
        for _id, kind, payload in journal(team.database, batch_id)
        if kind == "photo.requeued"
    ]
    assert [[photo["id"] for photo in group] for group in requeued] == [[held]]


def held_until(release: threading.Event) -> Callable[[dict], tuple]:
    """A model answer that waits for `release` (a photo held mid-analysis)."""

    def answer(_body: dict) -> tuple:
        release.wait(30)
        return completion(GOOD)

    return answer


def test_postgresql_restarted_mid_batch_workers_and_streams_recover(
    team, model_server, streams, postgres_server, tmp_path
):
    photos = make_drop(tmp_path, 6)
    first, second = threading.Event(), threading.Event()
    model_server.script = [held_until(first), held_until(second)] + [completion(GOOD)] * 10
    server = team.serve("server", lease=LEASE)
    worker = team.worker("worker", model_server)
    url = team.url_of(server)
    team.id_of(worker)
    batch_id = team.create_batch(url, photos)
    client = StreamClient(url, team.token, batch_id)
    streams.append(client)

    # restarted while a photo is in the model: its result goes to the restarted database
    assert model_server.arrived.acquire(timeout=30), team.output()
    client.wait_for(lambda: "PROCESSING" in client.status.values(), "the stream shows it")
    postgres_server.restart()
    first.set()

    # down while the next photo's result is written: neither it nor its failure can be
    # recorded, nor the claims of the photos the worker takes next (they stay PENDING in
    # no queue): the stranded photo waits for its lease to run out, the others for a lease
    assert model_server.arrived.acquire(timeout=30), team.output()
    (stranded,) = [
        pid for pid, (status, _a, _w) in photo_rows(team.database, batch_id).items()
        if status == "PROCESSING"
    ]  # fmt: skip
    postgres_server.stop("fast")
    second.set()
    gave_up = worker.wait_line(r"photo (\d+): its failure could not be recorded either")
    assert int(gave_up[1]) == stranded
    postgres_server.start()
    client.wait_complete(team)

    assert_all_done_once(team, client, batch_id, 6)
    rows = photo_rows(team.database, batch_id)
    assert rows[stranded][:2] == ("DONE", 2)  # taken back once its lease ran out
    assert server.process.poll() is None and worker.process.poll() is None


def test_redis_restarted_mid_batch_the_database_queues_the_lost_photos(
    team, streams, redis_server, tmp_path
):
    import redis

    photos = make_drop(tmp_path, 5)
    server = team.serve("server")  # no worker yet: the batch waits in Redis
    url = team.url_of(server)
    batch_id = team.create_batch(url, photos)
    with redis.Redis.from_url(team.queue) as queue_db:  # pushed before the POST answered
        assert queue_db.dbsize() > 0
    redis_server.restart()  # the queue is gone
    with redis.Redis.from_url(team.queue) as queue_db:
        assert queue_db.dbsize() == 0

    client = StreamClient(url, team.token, batch_id)
    streams.append(client)
    worker = team.worker("worker")  # --lease-seconds 2: queues what sat 2 s in no queue
    worker_id = team.id_of(worker)
    client.wait_complete(team)

    assert_all_done_once(team, client, batch_id, 5)
    rows = photo_rows(team.database, batch_id)
    assert set(rows.values()) == {("DONE", 1, worker_id)}  # each run once, by the worker
