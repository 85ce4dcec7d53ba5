"""PhotoLot for a team on one machine: photos/s with 1, 2 and 4 worker processes, and
commit → client latency with 1,000 subscribers on 2 server processes (issue 16, point 5).

    python -m bench.scale [--photos 160] [--workers 1 2 4] [--analyzers detector names]
                          [--subscribers 1000] [--servers 2] [--latency-photos 160]
                          [--latency-workers 2] [--latency-analyzer detector]
                          [--wait-quiet SECONDS] [--skip-throughput] [--skip-latency]

Everything is real and local: one PostgreSQL and one Redis (`tests.team_services`, in temp
dirs, stopped at the end), PhotoLot's own `photolot serve` and `photolot worker` processes
(`python main.py …`), talking over 127.0.0.1. Each run gets a fresh database, an empty
Redis and an empty store. The analyzer is chosen as a user would, with a settings file
(`{"analyzer": "names"}`) named by PHOTOLOT_CONFIG.

Photos: `bench.images.camera_jpegs` (12 MP camera-like JPEGs, ~3 MB, q92, one in four with
EXIF orientation 6), made once and cached in the temp dir; every run imports the same
files.

1. Throughput. For each analyzer and each N in --workers: one `photolot serve` (no
   workers) and N × `photolot worker --workers 1` (processes, not threads: that is what a
   team adds machines with, and threads in one process share its GIL). The workers are
   started and left to load their model until idle, then the clock starts: `POST
   /api/batches {"paths": [...]}` (the server copies the files into the store), then the
   batch's SSE stream is followed until `complete`; photos/s = photos / that time.
   `detector` is the bundled object detector (the real cost); `names` guesses rooms from
   folder names only, so what is left is PhotoLot's own overhead: decode, thumbnail,
   queue, database, journal, bus.
   What limits it: CPU of every process involved, in cores, over the timed interval
   (utime + stime from /proc, children included; PostgreSQL = the postmaster and all its
   backends), the machine's total busy CPU (/proc/stat; "others" = what none of ours
   used), how long worker threads sat runnable waiting for a core (/proc/PID/task/*/
   schedstat) and the Redis queue's depth, sampled every 0.2 s. On a 2-core machine,
   "machine ≈ 2.0 cores" means CPU-bound. From the CPU per photo of each part, one
   line per analyzer says what the machine's cores could do at most if nothing else ran
   (arithmetic, labelled as such).
2. Latency. --servers `photolot serve` processes (with `--max-streams` raised to what the
   run needs: the default cap is 256) and --subscribers SSE streams on one batch, split
   evenly, held by one client process per server (`bench.latency`'s subscriber
   processes: raw asyncio sockets on uvloop when installed, stamping bytes on arrival and
   parsing afterwards).
   The batch is created on the first server, every stream is opened (past its snapshot),
   and only then the --latency-workers worker processes start: every later journal row
   is a worker's commit. The commit time is PostgreSQL's own (`track_commit_timestamp`
   on: `pg_xact_commit_timestamp(xmin)` of each `event` row); the receive time is the
   client's CLOCK_MONOTONIC stamp moved to wall time (one offset, taken here: one clock
   for all processes of a machine). One figure per delivery (event × subscriber); a
   delivery still missing 15 s after the last commit counts as lost.
   Where the time goes: commit → NOTIFY heard by an idle LISTEN connection of this bench
   (the bus's own path), commit → the first subscriber of each server (wake-up + journal
   read + first write), commit → every subscriber (fan-out), how many first arrivals
   took over 1 s (only the bridge's 2 s safety re-read, or a starved server, explains
   that), and the CPU of servers, workers, clients and PostgreSQL meanwhile, with each
   server's CPU and run-queue wait per event.

Other programs on the machine (a test suite, another bench) take cores from every process
here and lengthen every figure: each "what limits" line warns when they used over 0.1
core, and `--wait-quiet SECONDS` waits (up to that long, before each run) for them to
leave the CPU.

Figures are printed, never asserted, and saved to bench/results/scale.json. The defaults
take about 4-5 minutes on a 2-core machine; the photos are made once before (~1 s each).
Needs Debian's `postgresql` and `redis-server`, and `pip install -e '.[team,bench]'`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import queue
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import save, table
from bench.latency import FINISH_TIMEOUT, _expect, _spawn, _subscriber_process, with_lost
from bench.sse_clients import open_stream, raise_fd_limit

ROOT = Path(__file__).resolve().parents[1]
CLK_TCK = os.sysconf("SC_CLK_TCK")
READY_TIMEOUT = 180.0
BATCH_TIMEOUT = 600.0
SAMPLE_EVERY = 0.2  # s between queue-depth samples
SLOW_WAKE_NS = 1_000_000_000  # a first arrival later than this: not the NOTIFY path
STREAM_HEADROOM = 64  # the servers' stream cap: their share of subscribers + this


# -- CPU accounting from /proc -------------------------------------------------------------


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()  # state, ppid, … (the comm may hold spaces)


def process_cpu(pid: int, children: bool = True) -> float:
    """CPU seconds of a process (all its threads), plus its reaped children's."""
    fields = _stat_fields(pid)
    if fields is None:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / CLK_TCK


def tree_cpu(root: int) -> float:
    """A process and its live children (PostgreSQL's backends), reaped ones included."""
    total = process_cpu(root)
    for entry in Path("/proc").iterdir():
        fields = _stat_fields(int(entry.name)) if entry.name.isdigit() else None
        if fields is not None and int(fields[1]) == root:
            total += process_cpu(int(entry.name))
    return total


def run_queue_wait(pid: int) -> float:
    """Seconds the process's live threads have spent runnable but waiting for a CPU
    (/proc/PID/task/*/schedstat, second field): the cost of a busy machine."""
    total = 0
    for stat in Path(f"/proc/{pid}/task").glob("*/schedstat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            total += int(stat.read_text().split()[1])
    return total / 1e9


def machine_busy() -> float:
    """Busy CPU seconds of the whole machine (all cores) since boot."""
    jiffies = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(jiffies) - jiffies[3] - jiffies[4]) / CLK_TCK


class CpuMeter:
    """Cores used by each named source between start() and stop(); `machine` is the whole
    machine's busy CPU and `others` what the sources do not account for (other programs
    on a shared machine: above ~0.1 core the figures are not clean)."""

    def __init__(self, sources: dict[str, Callable[[], float]]) -> None:
        self.sources = {**sources, "machine": machine_busy}
        self._start: dict[str, float] = {}
        self._wall = 0.0

    def start(self) -> None:
        self._wall = time.perf_counter()
        self._start = {name: read() for name, read in self.sources.items()}

    def stop(self) -> dict[str, float]:
        wall = time.perf_counter() - self._wall
        used = {name: (read() - self._start[name]) / wall for name, read in self.sources.items()}
        ours = sum(value for name, value in used.items() if name != "machine")
        used["others"] = max(0.0, used["machine"] - ours)
        return {name: round(value, 2) for name, value in used.items()}


# -- the processes ------------------------------------------------------------------------


class Child:
    """A PhotoLot process: started, ready when it prints its `ready` line, stopped by
    SIGTERM (as an operator would). stdout and stderr go to `log`."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log: Path, ready: str):
        self.name = name
        self.log = log
        self._log = open(log, "a", encoding="utf-8")  # noqa: SIM115 (closed in stop())
        self.proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
        )
        self._ready = ready
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._drain, daemon=True).start()
        self.ready_line = ""

    def _drain(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._log.write(line)
            self._log.flush()
            self._lines.put(line)
        self._lines.put(None)

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> str:
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                raise TimeoutError(f"{self.name} not ready after {timeout:.0f} s") from None
            if line is None:
                tail = self.log.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"{self.name} ended before it was ready:\n{tail}")
            if line.startswith(self._ready):
                self.ready_line = line.strip()
                return self.ready_line

    def cpu(self) -> float:
        return process_cpu(self.proc.pid)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(40)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._log.close()


class Team:
    """One PostgreSQL and one Redis for the whole bench; per run a fresh database, an
    empty Redis and an empty store, and the PhotoLot processes of that run."""

    def __init__(self, base: Path) -> None:
        from tests.team_services import PostgresServer, RedisServer

        self.base = base
        self.pg = PostgresServer(tempfile.mkdtemp(prefix="photolot-scale-pg-"))
        self.redis = RedisServer(base / "redis")
        self.children: list[Child] = []
        self.runs = 0
        self.database = ""
        self.store = base

    def start(self) -> None:
        self.pg.start()
        with self.pg._admin() as conn:  # the real commit times, for the latency figure
            conn.execute("ALTER SYSTEM SET track_commit_timestamp = on")
        self.pg.restart()
        self.redis.start()

    def stop(self) -> None:
        self.stop_children()
        self.redis.stop()
        self.pg.stop()
        import shutil

        shutil.rmtree(self.pg.base_dir, ignore_errors=True)

    def postmaster_pid(self) -> int:
        return int((self.pg.data_dir / "postmaster.pid").read_text().split()[0])

    def redis_pid(self) -> int:
        assert self.redis._process is not None
        return self.redis._process.pid

    def fresh(self, analyzer: str) -> None:
        """A new database, an empty Redis and store; the analyzer's settings file."""
        import redis

        self.stop_children()
        self.runs += 1
        name = f"scale_{self.runs}"
        self.database = self.pg.create_database(name)
        client = redis.Redis.from_url(self.redis.url)
        client.flushall()
        client.close()
        self.run_dir = self.base / name
        self.store = self.run_dir / "store"
        self.store.mkdir(parents=True)
        self.settings_file = self.run_dir / "settings.json"
        self.settings_file.write_text(json.dumps({"analyzer": analyzer}))

    def _env(self) -> dict[str, str]:
        return {**os.environ, "PHOTOLOT_CONFIG": str(self.settings_file)}

    def _team_args(self, name: str) -> list[str]:
        data_dir = self.run_dir / name
        return [
            "--database", self.database,
            "--queue", self.redis.url,
            "--store", str(self.store),
            "--data-dir", str(data_dir),
        ]  # fmt: skip

    def server(self, name: str, max_streams: int | None = None) -> tuple[Child, int]:
        argv = [sys.executable, "main.py", "serve", *self._team_args(name), "--port", "0"]
        if max_streams is not None:
            argv += ["--max-streams", str(max_streams)]
        child = Child(name, argv, self._env(), self.run_dir / f"{name}.log", "PhotoLot serving")
        self.children.append(child)
        line = child.wait_ready()
        match = re.search(r"http://[^:/]+:(\d+)/", line)
        if not match:
            raise RuntimeError(f"{name}: no port in {line!r}")
        return child, int(match.group(1))

    def workers(self, count: int) -> list[Child]:
        started = []
        for index in range(count):
            name = f"worker{index + 1}"
            argv = [sys.executable, "main.py", "worker", *self._team_args(name), "--workers", "1"]
            child = Child(name, argv, self._env(), self.run_dir / f"{name}.log", "PhotoLot worker")
            self.children.append(child)
            started.append(child)
        for child in started:
            child.wait_ready()
        return started

    def token(self) -> str:
        return (self.store / "token").read_text().strip()

    def stop_children(self) -> None:
        for child in self.children:
            with contextlib.suppress(Exception):
                child.proc.send_signal(signal.SIGTERM)
        for child in self.children:
            child.stop()
        self.children = []

    def queue_depth(self) -> Callable[[], int]:
        from huey.storage import PriorityRedisStorage

        storage = PriorityRedisStorage(name="photolot", url=self.redis.url)
        return storage.queue_size


def wait_idle(children: list[Child], quiet: float = 0.05, least: float = 3.0) -> float:
    """Until the workers have loaded their model (at least `least` s: it loads 2 s after
    start) and spend under `quiet` CPU seconds per 0.5 s; the seconds waited."""
    started = time.monotonic()
    time.sleep(least)
    before = [child.cpu() for child in children]
    while time.monotonic() - started < READY_TIMEOUT:
        time.sleep(0.5)
        now = [child.cpu() for child in children]
        if all(b - a < quiet for a, b in zip(before, now, strict=True)):
            break
        before = now
    return time.monotonic() - started


def wait_quiet(limit: float, threshold: float = 0.2) -> float:
    """Up to `limit` s until the whole machine uses under `threshold` core over 2 s (our
    own processes idle at that point: other programs); the cores last seen busy."""
    deadline = time.monotonic() + limit
    while True:
        before, wall = machine_busy(), time.perf_counter()
        time.sleep(2.0 if limit > 0 else 0.5)
        busy = (machine_busy() - before) / (time.perf_counter() - wall)
        if busy < threshold or time.monotonic() >= deadline:
            return busy


# -- talking to a server --------------------------------------------------------------------


def create_batch(port: int, token: str, paths: list[Path]) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/batches",
        data=json.dumps({"paths": [str(p) for p in paths], "project": "scale"}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=BATCH_TIMEOUT) as response:
        return int(json.loads(response.read())["batchId"])


def follow_to_complete(port: int, token: str, batch_id: int) -> tuple[int, dict[str, Any]]:
    """Follow the batch's stream until `complete`: (its arrival, perf_counter_ns; payload)."""

    async def run() -> tuple[int, dict[str, Any]]:
        done: asyncio.Future = asyncio.get_running_loop().create_future()

        def on_event(_client: Any, event: Any) -> None:
            if event.type == "complete" and not done.done():
                done.set_result((event.arrived_ns, json.loads(event.data)))

        client = await open_stream(port, token, batch_id, on_event=on_event, keep_data=True)
        try:
            return await asyncio.wait_for(done, BATCH_TIMEOUT)
        finally:
            client.close()

    return asyncio.run(run())


class Sampler:
    """Calls `read()` every SAMPLE_EVERY s on a thread; `stop()` returns the values."""

    def __init__(self, read: Callable[[], int]) -> None:
        self._read, self.values = read, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_EVERY):
            with contextlib.suppress(Exception):
                self.values.append(self._read())

    def stop(self) -> list[int]:
        self._stop.set()
        self._thread.join(5)
        return self.values


# -- 1. throughput ----------------------------------------------------------------------------


def measure_throughput(
    team: Team, files: list[Path], analyzer: str, workers: int, quiet: float
) -> dict:
    team.fresh(analyzer)
    server, port = team.server("server")
    children = team.workers(workers)
    waited = wait_idle(children)
    busy_before = wait_quiet(quiet)
    token = team.token()
    postmaster, redis_pid = team.postmaster_pid(), team.redis_pid()
    meter = CpuMeter(
        {
            "workers": lambda: sum(child.cpu() for child in children),
            "server": server.cpu,
            "postgres": lambda: tree_cpu(postmaster),
            "redis": lambda: process_cpu(redis_pid),
            "bench": lambda: process_cpu(os.getpid(), children=False),
        }
    )
    depth = Sampler(team.queue_depth())
    waits = [run_queue_wait(child.proc.pid) for child in children]
    meter.start()
    started = time.perf_counter_ns()
    batch_id = create_batch(port, token, files)
    created = time.perf_counter_ns()
    ended, final = follow_to_complete(port, token, batch_id)
    cpu = meter.stop()
    waited_cpu = sum(run_queue_wait(c.proc.pid) for c in children) - sum(waits)
    depths = depth.stop()
    per_worker = [child.cpu() for child in children]
    team.stop_children()
    counts = final["counts"]
    elapsed = (ended - started) / 1e9
    return {
        "analyzer": analyzer,
        "worker_processes": workers,
        "photos": len(files),
        "status": final["status"],
        "done": counts.get("done"),
        "failed": counts.get("failed"),
        "seconds": round(elapsed, 2),
        "post_seconds": round((created - started) / 1e9, 2),
        "photos_per_s": round(len(files) / elapsed, 2),
        "cpu_cores": cpu,
        # worker threads runnable but waiting for a CPU, on average (0.5: half a thread)
        "workers_waiting_for_cpu": round(waited_cpu / elapsed, 2),
        "worker_cpu_s_total": [round(value, 1) for value in per_worker],
        "queue_depth_max": max(depths, default=0),
        "queue_depth_mean": round(sum(depths) / len(depths), 1) if depths else 0,
        "queue_empty_share": round(sum(1 for d in depths if d == 0) / len(depths), 2)
        if depths
        else None,
        "startup_wait_s": round(waited, 1),
        "machine_busy_before": round(busy_before, 2),
        # CPU ms each part spent per photo: what one more photo/s costs it
        "cpu_ms_per_photo": {
            name: round(cores * elapsed * 1000 / len(files), 1)
            for name, cores in cpu.items()
            if name in ("workers", "server", "postgres", "redis")
        },
    }


def throughput_limit(result: dict) -> str:
    cpu, cores = result["cpu_cores"], os.cpu_count() or 1
    parts = sorted(
        ((k, v) for k, v in cpu.items() if k != "machine"), key=lambda item: item[1], reverse=True
    )
    spent = ", ".join(f"{k} {v:.2f}" for k, v in parts)
    per_worker = cpu["workers"] / result["worker_processes"]
    if cpu["machine"] >= 0.9 * cores:
        verdict = f"CPU-bound: the machine's {cores} cores were {cpu['machine'] / cores:.0%} busy"
    elif result["queue_empty_share"] and result["queue_empty_share"] > 0.5:
        verdict = "the queue was empty most of the time: intake, not the workers, sets the pace"
    elif per_worker >= 0.8:
        verdict = "each worker process keeps its one thread busy (one core's worth at most)"
    else:
        verdict = f"not CPU-bound (machine {cpu['machine']:.2f} of {cores} cores): waiting"
    per_photo = result["cpu_ms_per_photo"]
    shared = per_photo["server"] + per_photo["postgres"] + per_photo["redis"]
    ceiling = f"{1000 / shared:.0f}" if shared > 0 else "∞"
    return (
        f"{verdict}; cores by process: {spent}; {per_worker:.2f} core per worker process, "
        f"{result['workers_waiting_for_cpu']:.2f} worker thread(s) waiting for a CPU on "
        "average; "
        f"queue depth mean {result['queue_depth_mean']}, max {result['queue_depth_max']}, "
        f"photos waiting in {1 - (result['queue_empty_share'] or 0):.0%} of samples; "
        f"CPU per photo: workers "
        f"{per_photo['workers']} ms, server {per_photo['server']} ms, PostgreSQL "
        f"{per_photo['postgres']} ms, Redis {per_photo['redis']} ms (server + PostgreSQL + "
        f"Redis would fill one core at ~{ceiling} photos/s){shared_warning(cpu)}"
    )


def shared_warning(cpu: dict[str, float]) -> str:
    if cpu["others"] <= 0.1:
        return ""
    return f" — WARNING: other programs used {cpu['others']:.2f} core meanwhile: not clean"


# -- 2. latency -------------------------------------------------------------------------------


class Listener:
    """An idle LISTEN connection: when each NOTIFY ("batch:head") reaches a listener."""

    def __init__(self, url: str) -> None:
        import psycopg

        from desktopapp.core.db_postgres import CHANNEL

        self.heard: dict[int, int] = {}  # head id → time.time_ns() when heard
        self._conn = psycopg.connect(url, autocommit=True)
        self._conn.execute(f"LISTEN {CHANNEL}")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            for note in self._conn.notifies(timeout=0.5):
                now = time.time_ns()
                with contextlib.suppress(ValueError):
                    self.heard.setdefault(int(note.payload.split(":")[1]), now)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._conn.close()


def wall_offset_ns() -> int:
    """time.time_ns() − time.perf_counter_ns() (CLOCK_MONOTONIC: one clock for every
    process of the machine): adds to a client's arrival stamp to make it wall time."""
    samples = []
    for _ in range(5):
        a = time.perf_counter_ns()
        wall = time.time_ns()
        b = time.perf_counter_ns()
        samples.append((b - a, wall - (a + b) // 2))
    return min(samples)[1]


def commit_times(database: str, batch_id: int, after_id: int) -> dict[int, tuple[int, int]]:
    """event id → (created_at, COMMIT) in wall ns, for the batch's rows above `after_id`."""
    import psycopg

    with psycopg.connect(database) as conn:
        rows = conn.execute(
            "SELECT id, created_at, extract(epoch FROM pg_xact_commit_timestamp(xmin))"
            " FROM event WHERE batch_id = %s AND id > %s",
            (batch_id, after_id),
        ).fetchall()
    return {int(i): (int(created * 1e9), int(float(commit) * 1e9)) for i, created, commit in rows}


def head_id(database: str, batch_id: int) -> int:
    import psycopg

    with psycopg.connect(database) as conn:
        row = conn.execute("SELECT MAX(id) FROM event WHERE batch_id = %s", (batch_id,)).fetchone()
    return int(row[0] or 0)


def ms_figures(samples_ns: list[int], lost: int = 0) -> dict[str, Any]:
    return with_lost(samples_ns, lost)


def measure_latency(
    team: Team,
    files: list[Path],
    analyzer: str,
    servers: int,
    subscribers: int,
    workers: int,
    quiet: float,
) -> dict:
    team.fresh(analyzer)
    shares = [subscribers // servers + (i < subscribers % servers) for i in range(servers)]
    started_servers = [
        team.server(f"server{i + 1}", max_streams=share + STREAM_HEADROOM)
        for i, share in enumerate(shares)
    ]
    token = team.token()
    first_port = started_servers[0][1]
    batch_id = create_batch(first_port, token, files)
    opened = time.perf_counter()
    spawned = [
        _spawn(_subscriber_process, port, token, batch_id, share)
        for (_, port), share in zip(started_servers, shares, strict=True)
    ]
    for _, conn in spawned:
        _expect(conn, "ready", READY_TIMEOUT)
    connect_s = time.perf_counter() - opened
    ready_head = head_id(team.database, batch_id)
    busy_before = wait_quiet(quiet)
    listener = Listener(team.database)
    postmaster = team.postmaster_pid()
    children: list[Child] = []
    meter = CpuMeter(
        {
            "servers": lambda: sum(child.cpu() for child, _ in started_servers),
            "workers": lambda: sum(child.cpu() for child in children),
            "postgres": lambda: tree_cpu(postmaster),
            "clients": lambda: sum(process_cpu(p.pid) for p, _ in spawned),
            "redis": lambda: process_cpu(team.redis_pid()),
            "bench": lambda: process_cpu(os.getpid(), children=False),
        }
    )
    server_pids = [child.proc.pid for child, _ in started_servers]
    server_wait = sum(run_queue_wait(pid) for pid in server_pids)
    meter.start()
    began = time.perf_counter()
    children.extend(team.workers(workers))
    _ended, final = follow_to_complete(first_port, token, batch_id)
    cpu = meter.stop()
    seconds = time.perf_counter() - began
    server_wait = sum(run_queue_wait(pid) for pid in server_pids) - server_wait
    listener.stop()
    last_id = head_id(team.database, batch_id)
    per_server: list[dict[int, list[int]]] = []
    closed_early = 0
    client_busy = []
    for _, conn in spawned:
        conn.send(("finish", last_id))
    for process, conn in spawned:
        _, arrivals, closed, busy = _expect(conn, "arrivals", FINISH_TIMEOUT + 60)
        per_server.append(arrivals)
        closed_early += closed
        client_busy.append(round(busy, 2))
        process.join(10)
    team.stop_children()
    offset = wall_offset_ns()
    commits = commit_times(team.database, batch_id, ready_head)
    everything: list[int] = []
    first: list[int] = []
    last: list[int] = []
    slow_first = 0
    lost = 0
    for arrivals, share in zip(per_server, shares, strict=True):
        for event_id, (_created, commit) in commits.items():
            times = sorted(t + offset - commit for t in arrivals.get(event_id, ()))
            lost += share - len(times)
            everything.extend(times)
            if times:
                first.append(times[0])
                last.append(times[-1])
                slow_first += times[0] > SLOW_WAKE_NS
    notify = [
        listener.heard[event_id] - commit
        for event_id, (_c, commit) in commits.items()
        if event_id in listener.heard
    ]
    in_tx = [commit - created for created, commit in commits.values()]
    events = max(1, len(commits))
    stamps = [commit for _created, commit in commits.values()]
    span = max(1e-9, (max(stamps) - min(stamps)) / 1e9) if stamps else 1.0
    return {
        "analyzer": analyzer,
        "servers": servers,
        "subscribers": subscribers,
        "worker_processes": workers,
        "photos": len(files),
        "status": final["status"],
        "events": len(commits),
        "connect_s": round(connect_s, 1),
        "deliveries": len(everything),
        "lost": lost,
        "streams_closed": closed_early,
        "all": ms_figures(everything, lost),
        "first_per_server": ms_figures(first),
        "last_per_server": ms_figures(last),
        "notify_heard": ms_figures(notify),
        "notifications_heard": len(notify),
        "insert_to_commit": ms_figures(in_tx),
        "first_over_1s": slow_first,
        "seconds": round(seconds, 1),  # workers' start → `complete`, CPU measured over it
        "events_per_s": round(len(commits) / span, 1),  # first commit → last
        # a server's CPU (all it did over the run) per event, for its share of the streams
        "server_cpu_ms_per_event": round(cpu["servers"] * seconds * 1000 / events / servers, 2),
        # the servers' threads: runnable but waiting for a CPU, per event and per server
        "server_wait_ms_per_event": round(server_wait * 1000 / events / servers, 2),
        "cpu_cores": cpu,
        "client_busy": client_busy,
        "machine_busy_before": round(busy_before, 2),
    }


def latency_limit(result: dict) -> str:
    cpu = result["cpu_cores"]
    first, every = result["first_per_server"], result["all"]
    path = (
        "NOTIFY path: no first arrival took over 1 s (the 2 s safety re-read never delivered)"
        if result["first_over_1s"] == 0
        else f"{result['first_over_1s']} first arrivals took over 1 s (safety re-read or a "
        "starved server)"
    )
    fan = (every["p99_ms"] or 0) - (first["p99_ms"] or 0)
    return (
        f"{path}; NOTIFY reaches an idle listener in p99 {result['notify_heard']['p99_ms']} ms, "
        f"a server's first subscriber in p99 {first['p99_ms']} ms, the rest of its "
        f"{result['subscribers'] // result['servers']} add ~{fan:.0f} ms at p99 (fan-out); "
        f"per event and server: {result['server_cpu_ms_per_event']} ms of CPU, "
        f"{result['server_wait_ms_per_event']} ms runnable but waiting for a core; "
        f"{result['events_per_s']} events/s; cores: servers {cpu['servers']:.2f}, "
        f"clients {cpu['clients']:.2f}, workers {cpu['workers']:.2f}, postgres "
        f"{cpu['postgres']:.2f}, others {cpu['others']:.2f}, machine {cpu['machine']:.2f} of "
        f"{os.cpu_count()}{shared_warning(cpu)}"
    )


# -- main -------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=160, help="photos per throughput run")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument(
        "--analyzers", nargs="+", default=["detector", "names"], choices=["detector", "names"]
    )
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--servers", type=int, default=2)
    parser.add_argument("--latency-photos", type=int, default=160)
    parser.add_argument("--latency-workers", type=int, default=2)
    parser.add_argument("--latency-analyzer", default="detector", choices=["detector", "names"])
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="before each run, wait up to this long for other programs to leave the CPU",
    )
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-latency", action="store_true")
    args = parser.parse_args()

    from bench.images import camera_jpegs, describe

    raise_fd_limit(args.subscribers + 1024)
    count = max(0 if args.skip_throughput else args.photos, args.latency_photos)
    files = camera_jpegs(count)
    for path in files:  # warm the page cache: every run reads them from memory
        path.read_bytes()
    load = os.getloadavg()[0]
    figures: dict[str, Any] = {"files": describe(files), "load_average": load}
    with tempfile.TemporaryDirectory(prefix="photolot-scale-") as tmp:
        team = Team(Path(tmp))
        try:
            team.start()
            if not args.skip_throughput:
                figures["throughput"] = run_throughput(team, files[: args.photos], args)
            if not args.skip_latency:
                figures["latency"] = run_latency(team, files[: args.latency_photos], args)
        finally:
            team.stop()
    print(f"\nload average at start {load:.2f}")
    print(f"saved {save('scale', figures)}")


def run_throughput(team: Team, files: list[Path], args: argparse.Namespace) -> list[dict]:
    results = []
    for analyzer in args.analyzers:
        for workers in args.workers:
            result = measure_throughput(team, files, analyzer, workers, args.wait_quiet)
            results.append(result)
            print(
                f"  {analyzer}, {workers} worker process(es): {result['photos_per_s']:.1f} "
                f"photos/s ({result['status']}, {result['failed']} failed)",
                flush=True,
            )
    rows = [
        (
            r["analyzer"],
            r["worker_processes"],
            r["photos"],
            f"{r['seconds']:.1f}",
            f"{r['post_seconds']:.1f}",
            f"{r['photos_per_s']:.1f}",
            f"{r['cpu_cores']['workers']:.2f}",
            f"{r['cpu_cores']['server']:.2f}",
            f"{r['cpu_cores']['postgres']:.2f}",
            f"{r['cpu_cores']['redis']:.2f}",
            f"{r['cpu_cores']['others']:.2f}",
            f"{r['cpu_cores']['machine']:.2f}",
            f"{r['queue_depth_mean']}/{r['queue_depth_max']}",
        )
        for r in results
    ]
    print(
        f"\n1. photos/s, {len(files)} 12 MP JPEGs, POST /api/batches → `complete` on the stream; "
        f"one `photolot serve` + N `photolot worker --workers 1`; CPU in cores over that time"
    )
    print(
        table(
            rows,
            (
                "analyzer",
                "workers",
                "photos",
                "s",
                "POST s",
                "photos/s",
                "workers CPU",
                "server CPU",
                "postgres CPU",
                "redis CPU",
                "others CPU",
                "machine CPU",
                "queue mean/max",
            ),
        )
    )
    for r in results:
        print(f"  what limits {r['analyzer']} × {r['worker_processes']}: {throughput_limit(r)}")
    cores = os.cpu_count() or 1
    for analyzer in args.analyzers:
        mine = [r for r in results if r["analyzer"] == analyzer]
        per_photo = min(sum(r["cpu_ms_per_photo"].values()) for r in mine)
        print(
            f"  {analyzer}: {per_photo:.0f} ms of CPU per photo in all (workers + server + "
            f"PostgreSQL + Redis, the lowest run): {cores} free cores would do at most "
            f"~{cores * 1000 / per_photo:.0f} photos/s (arithmetic, not a run)"
        )
    return results


def run_latency(team: Team, files: list[Path], args: argparse.Namespace) -> dict:
    result = measure_latency(
        team,
        files,
        args.latency_analyzer,
        args.servers,
        args.subscribers,
        args.latency_workers,
        args.wait_quiet,
    )

    def row(name: str, f: dict[str, Any]) -> tuple:
        return (name, f["samples"], f["p50_ms"], f["p95_ms"], f["p99_ms"], f["max_ms"])

    print(
        f"\n2. worker's COMMIT → SSE event at a client of another process: {result['subscribers']} "
        f"subscribers over {result['servers']} `photolot serve` processes, one "
        f"{result['photos']}-photo batch, {result['worker_processes']} worker process(es) "
        f"({result['analyzer']}); {result['events']} events, {result['deliveries']} deliveries, "
        f"{result['lost']} lost; streams opened in {result['connect_s']} s"
    )
    print(
        table(
            [
                row("every delivery", result["all"]),
                row("first subscriber, per server", result["first_per_server"]),
                row("last subscriber, per server", result["last_per_server"]),
                row("NOTIFY at an idle listener", result["notify_heard"]),
                row("journal INSERT → COMMIT", result["insert_to_commit"]),
            ],
            ("from the commit to", "samples", "p50 ms", "p95 ms", "p99 ms", "max ms"),
        )
    )
    print(f"  what limits it: {latency_limit(result)}")
    return result


if __name__ == "__main__":
    main()
