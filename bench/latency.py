"""Commit → SSE event at the client, on loopback, with 1, 100 and 1,000 subscribers;
side by side with the seed's previous design, a client polling `GET /api/batches/{id}`
every 2 s.

    python -m bench.latency [--subscribers 1 100 1000] [--events 1000] [--rate 60]
                            [--pollers 100] [--poll-seconds 20] [--client-procs 1]

The server is PhotoLot's own `LocalServices` (core + aiohttp server thread) in this
process. A publisher thread plays a worker: each commit is a real `WriteTransaction`
that updates one photo of a live batch and journals its `progress` delta
(`record_progress`); the time is taken right after COMMIT (an `after_commit` callback,
before the bus is told). Everything after that is PhotoLot's own path: bus → hub →
the batch's feed: one journal read and one SSE encoding → a write to every live stream's
socket. Commits come at `--rate` per second
(jittered ±50 %); the default, 60/s, is what the real pipeline produces on 12-MP photos
with 2 workers (about 32 photos/s, two events each). Every commit is one event for every
subscriber, so the server's work grows with rate × subscribers.

The subscribers run in separate client processes (`--client-procs`, one event loop each,
raw `asyncio.Protocol` HTTP clients): clients in the server's own process would share its
GIL and measure the bench, not PhotoLot. While commits are published a client only
stamps `perf_counter_ns()` and keeps the bytes; it parses them (with those stamps) once
the last event has arrived. Parsing as it reads cost ~15 µs per event per stream, so
1,000 clients on the same 2 cores measured mostly themselves. The client loop is uvloop
when installed (`pip install -e '.[bench]'`), asyncio's otherwise: same figures, with
less of the clients' own noise. CLOCK_MONOTONIC is one clock for all processes. On a
2-core machine the server process and the client process share both cores. A delivery
that has not arrived 15 s after the last commit counts as lost (infinitely late in
percentiles).

Polling is measured for real first (`--pollers` keep-alive clients, each on its own
fixed 2 s schedule at a random phase, for `--poll-seconds`, while commits go on at the
same rate): an event's latency is the time from its commit to the end of the first poll
response that reflects it. The polling figures printed next to each subscriber count are
computed with exact arithmetic on that run's own commit times (N pollers at seeded random
phases, each response taking the real run's median response time); the real run
validates that arithmetic on its own commits and its pollers' actual phases.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import multiprocessing
import os
import random
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.common import save, table
from bench.sse_clients import (
    KeepAlive,
    PollResult,
    Publisher,
    make_live_batch,
    open_streams,
    poll_on_schedule,
    raise_fd_limit,
    summary_ms,
    visible_upto,
)

POLL_INTERVAL = 2.0
BATCH_PHOTOS = 20  # commits cycle over them; small, so 1,000 snapshots at connect are cheap
FINISH_TIMEOUT = 15.0  # s after the last commit; a delivery later than that counts as lost
# Commits per second, as the real pipeline makes them: bench.throughput measures about 32
# photos/s on 12-MP JPEGs with 2 worker threads, and each photo is two journal events
# (processing, done). Each commit is one event for every subscriber.
DEFAULT_RATE = 60.0
P99_TARGET_MS = {100: 10.0, 1000: 100.0}
GAIN_TARGET = 100


# -- client processes -------------------------------------------------------------------------


def _subscriber_process(conn: Any, port: int, token: str, batch_id: int, count: int) -> None:
    _client_loop_runner()(_subscribers(conn, port, token, batch_id, count))


def _client_loop_runner() -> Any:
    """uvloop for the measuring clients when it is installed (`pip install uvloop`): its
    socket reads cost a fraction of asyncio's, so the clients disturb the figures less."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run
    return uvloop.run


async def _subscribers(conn: Any, port: int, token: str, batch_id: int, count: int) -> None:
    raise_fd_limit(count + 256)
    arrivals: dict[int, list[int]] = {}

    def on_event(_client: Any, event: Any) -> None:
        if event.id is not None:
            arrivals.setdefault(event.id, []).append(event.arrived_ns)

    clients = await open_streams(count, port, token, batch_id, on_event=on_event)
    arrivals.clear()  # the snapshot events
    for client in clients:
        client.start_recording()
    gc.disable()  # a million recorded chunks: a full collection would stall the stamping
    conn.send(("ready", count))
    cpu, wall = time.process_time(), time.perf_counter()
    loop = asyncio.get_running_loop()
    # a thread waits for the command: uvloop would make the pipe non-blocking under recv()
    _, last_id = await loop.run_in_executor(None, conn.recv)
    deadline = loop.time() + FINISH_TIMEOUT
    marker = f"\nid: {last_id}\n".encode()
    # client index → chunks already searched. The last event is the newest bytes a client
    # gets, so only its last chunks need a look: scanning everything here would keep the
    # loop from reading (and stamping) the events still on their way.
    waiting = {index: max(0, len(client.raw or ()) - 2) for index, client in enumerate(clients)}
    while waiting and loop.time() < deadline:
        for index, since in list(waiting.items()):
            client = clients[index]
            found, waiting[index] = client.recorded(marker, since)
            if found or client.closed.done():
                del waiting[index]
        if waiting:
            await asyncio.sleep(0.05)
    busy = (time.process_time() - cpu) / (time.perf_counter() - wall)
    for client in clients:
        client.stop_recording()  # parse what arrived, with its arrival stamps
    gc.enable()
    closed = sum(1 for c in clients if c.closed.done())
    for client in clients:
        client.close()
    conn.send(("arrivals", arrivals, closed, busy))
    conn.close()


def _poller_process(
    conn: Any, port: int, token: str, batch_id: int, count: int, interval: float, seed: int
) -> None:
    asyncio.run(_pollers(conn, port, token, batch_id, count, interval, seed))


async def _pollers(
    conn: Any, port: int, token: str, batch_id: int, count: int, interval: float, seed: int
) -> None:
    loop = asyncio.get_running_loop()
    stop = False
    records: list[list[tuple[int, int, int, int]]] = [[] for _ in range(count)]
    rng = random.Random(seed)
    start = loop.time() + 0.2
    phases = [rng.uniform(0, interval) for _ in range(count)]

    def recorder(index: int) -> Any:
        def record(result: PollResult) -> None:
            seen = visible_upto(json.loads(result.body), BATCH_PHOTOS)
            records[index].append((result.started_ns, result.done_ns, seen, result.bytes_in))

        return record

    tasks = [
        asyncio.create_task(
            poll_on_schedule(
                port, token, batch_id, interval, start + phases[i], lambda: stop, recorder(i)
            )
        )
        for i in range(count)
    ]
    conn.send(("ready", count))
    command: asyncio.Future = loop.create_future()
    loop.add_reader(conn.fileno(), lambda: command.done() or command.set_result(conn.recv()))
    await command
    loop.remove_reader(conn.fileno())
    stop = True
    await asyncio.gather(*tasks)
    conn.send(("polls", records))
    conn.close()


def _spawn(target: Any, *args: Any) -> tuple[Any, Any]:
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=target, args=(child, *args), daemon=True)
    process.start()
    child.close()
    return process, parent


def _expect(conn: Any, kind: str, timeout: float) -> tuple:
    if not conn.poll(timeout):
        raise RuntimeError(f"a client process sent no {kind!r} within {timeout:g} s")
    message = conn.recv()
    if message[0] != kind:
        raise RuntimeError(f"a client process sent {message[0]!r}, expected {kind!r}")
    return message


# -- measurements ---------------------------------------------------------------------------


def settle(services: Any, timeout: float = 60.0) -> None:
    """Between phases: every stream of the previous one closed, the loop idle again."""
    from desktopapp.server.app import hub_of

    hub = hub_of(services.server.app)
    deadline = time.monotonic() + timeout
    while hub.count and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)


def with_lost(samples: list[int], lost: int) -> dict[str, Any]:
    """Percentiles counting each lost delivery as infinitely late (None: beyond the run)."""
    figures = summary_ms([*samples, *([math.inf] * lost)])  # type: ignore[list-item]
    return {key: None if value == math.inf else value for key, value in figures.items()}


def run_publisher(publisher: Publisher, events: int, interval: float) -> float:
    stop = threading.Event()
    started = time.perf_counter()
    thread = threading.Thread(target=publisher.run, args=(events, interval, stop), daemon=True)
    thread.start()
    thread.join()
    return time.perf_counter() - started


def measure_sse(services: Any, subscribers: int, events: int, interval: float, procs: int) -> dict:
    db, bus = services.core.db, services.core.bus
    batch_id, photo_ids = make_live_batch(db, bus, BATCH_PHOTOS)
    publisher = Publisher(db, bus, batch_id, photo_ids)
    procs = max(1, min(procs, subscribers))
    shares = [subscribers // procs + (1 if i < subscribers % procs else 0) for i in range(procs)]
    spawned = [
        _spawn(_subscriber_process, services.port, services.token, batch_id, share)
        for share in shares
    ]
    opened = time.perf_counter()
    for _, conn in spawned:
        _expect(conn, "ready", 120)
    connect_s = time.perf_counter() - opened
    cpu, wall = time.process_time(), time.perf_counter()
    elapsed = run_publisher(publisher, events, interval)
    last_id = max(publisher.commits)
    arrivals: dict[int, list[int]] = {}
    closed = 0
    client_busy = 0.0
    for _process, conn in spawned:
        conn.send(("finish", last_id))
    for process, conn in spawned:
        _, part, part_closed, busy = _expect(conn, "arrivals", FINISH_TIMEOUT + 30)
        closed += part_closed
        client_busy += busy
        for event_id, times in part.items():
            arrivals.setdefault(event_id, []).extend(times)
        process.join(10)
    samples = [
        arrived - commit
        for event_id, commit in publisher.commits.items()
        for arrived in arrivals.get(event_id, ())
    ]
    server_busy = (time.process_time() - cpu) / (time.perf_counter() - wall)
    lost = len(publisher.commits) * subscribers - len(samples)
    return {
        "subscribers": subscribers,
        "events": len(publisher.commits),
        "events_per_s": round(len(publisher.commits) / elapsed, 1),
        "connect_s": round(connect_s, 2),
        "delivered": len(samples),
        "lost": lost,
        "streams_closed_early": closed,
        "server_cpu_cores": round(server_busy, 2),
        "client_cpu_cores": round(client_busy, 2),
        **with_lost(samples, lost),
        "_commits": sorted(publisher.commits.values()),
    }


def simulated_polling(
    commits_ns: list[int], pollers: int, response_ns: int, seed: int, interval: float
) -> list[int]:
    """Exact arithmetic: poller j polls at φ_j + k·interval and its response lands
    `response_ns` later; a commit at t is seen by the first poll that starts after t."""
    step = int(interval * 1e9)
    rng = random.Random(seed)
    origin = commits_ns[0]
    phases = [origin + int(rng.uniform(0, step)) for _ in range(pollers)]
    return simulate_with_phases(commits_ns, phases, response_ns, step)


def simulate_with_phases(
    commits_ns: list[int], phases: list[int], response_ns: int, step: int
) -> list[int]:
    samples = []
    for phase in phases:
        for t in commits_ns:
            k = math.floor((t - phase) / step) + 1
            samples.append(phase + k * step + response_ns - t)
    return samples


def measure_polling(
    services: Any, pollers: int, seconds: float, interval_s: float, seed: int
) -> dict:
    db, bus = services.core.db, services.core.bus
    batch_id, photo_ids = make_live_batch(db, bus, BATCH_PHOTOS)
    publisher = Publisher(db, bus, batch_id, photo_ids)
    process, conn = _spawn(
        _poller_process, services.port, services.token, batch_id, pollers, POLL_INTERVAL, seed
    )
    _expect(conn, "ready", 60)
    time.sleep(0.3)  # the first polls are scheduled 0.2 s + phase after start
    events = max(1, int(seconds / interval_s))
    run_publisher(publisher, events, interval_s)
    time.sleep(POLL_INTERVAL + 0.5)  # every poller polls once more after the last commit
    conn.send(("finish",))
    _, records = _expect(conn, "polls", 60)
    process.join(10)
    by_seq = {publisher.sequence[eid]: t for eid, t in publisher.commits.items()}
    real: list[int] = []
    response_times: list[int] = []
    bytes_in = []
    phases = []
    for polls in records:
        if not polls:
            continue
        phases.append(polls[0][0])
        response_times.extend(done - started for started, done, _, _ in polls)
        bytes_in.extend(size for *_, size in polls)
        index = 0
        for s in sorted(by_seq):
            t = by_seq[s]
            while index < len(polls) and (polls[index][2] < s or polls[index][1] < t):
                index += 1
            if index == len(polls):
                break
            real.append(polls[index][1] - t)
    response_ns = int(statistics.median(response_times))
    commits = sorted(by_seq.values())
    step = int(POLL_INTERVAL * 1e9)
    # the same pollers, the same commits, by arithmetic (phases: their first poll starts)
    simulated = simulate_with_phases(commits, phases, response_ns, step)
    return {
        "pollers": pollers,
        "events": len(commits),
        "polls": sum(len(p) for p in records),
        "response_median_ms": round(response_ns / 1e6, 3),
        "response_bytes_median": int(statistics.median(bytes_in)),
        "real": summary_ms(real),
        "simulated_same_phases": summary_ms(simulated),
        "_response_ns": response_ns,
    }


def check_poll_client(services: Any) -> None:
    """The REST snapshot must show every commit (the polling measurement relies on it)."""
    db, bus = services.core.db, services.core.bus
    batch_id, photo_ids = make_live_batch(db, bus, BATCH_PHOTOS)
    publisher = Publisher(db, bus, batch_id, photo_ids)

    async def check() -> None:
        client = KeepAlive(services.port, services.token)
        try:
            for _ in range(3 * BATCH_PHOTOS + 1):
                publisher.commit_one()
                result = await client.get(f"/api/batches/{batch_id}")
                seen = visible_upto(json.loads(result.body), BATCH_PHOTOS)
                if seen != publisher.count - 1:
                    raise RuntimeError(f"REST shows commit {seen}, expected {publisher.count - 1}")
        finally:
            await client.close()

    asyncio.run(check())


def ms(value: float | None, digits: int = 2) -> str:
    return "lost" if value is None else f"{value:.{digits}f}"


def ms_text(value: float | None) -> str:
    return f"> {FINISH_TIMEOUT:g} s (lost)" if value is None else f"{value:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, nargs="+", default=[1, 100, 1000])
    parser.add_argument("--events", type=int, default=1000, help="commits per subscriber count")
    parser.add_argument(
        "--rate",
        type=float,
        default=DEFAULT_RATE,
        help="commits per second, jittered ±50 %% (default: the pipeline's rate on 12-MP photos)",
    )
    parser.add_argument("--client-procs", type=int, default=1, help="subscriber processes")
    parser.add_argument("--pollers", type=int, default=100, help="real polling clients")
    parser.add_argument("--poll-seconds", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    from desktopapp.app import LocalServices
    from desktopapp.platform.settings import Settings
    from desktopapp.server.config import StreamConfig

    raise_fd_limit(max(args.subscribers) * 2 + 1024)
    load = os.getloadavg()[0]
    results: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        services = LocalServices(
            Settings(data_dir=Path(tmp), port=0, workers=1),
            stream=StreamConfig(max_streams=max(args.subscribers) + 256),
        )
        with services:
            check_poll_client(services)
            polling = measure_polling(
                services, args.pollers, args.poll_seconds, 1 / args.rate, args.seed
            )
            print(f"  polling: p99 {polling['real']['p99_ms']:.0f} ms", flush=True)
            for subscribers in args.subscribers:
                settle(services)
                result = measure_sse(
                    services, subscribers, args.events, 1 / args.rate, args.client_procs
                )
                results.append(result)
                print(
                    f"  {subscribers} subscriber(s): p99 {ms_text(result['p99_ms'])}, "
                    f"{result['delivered']} deliveries, {result['lost']} lost",
                    flush=True,
                )
    rows = []
    for result in results:
        commits = result.pop("_commits")
        simulated = summary_ms(
            simulated_polling(
                commits, result["subscribers"], polling["_response_ns"], args.seed, POLL_INTERVAL
            )
        )
        result["polling_simulated"] = simulated
        p99 = result["p99_ms"]
        result["p99_gain"] = round(simulated["p99_ms"] / p99, 1) if p99 else None
        rows.append(
            (
                result["subscribers"],
                result["events"],
                f"{result['events_per_s']:.0f}",
                ms(result["p50_ms"]),
                ms(result["p95_ms"]),
                ms(p99),
                ms(result["max_ms"], 1),
                result["lost"],
                f"{result['server_cpu_cores']:.2f}",
                f"{result['client_cpu_cores']:.2f}",
                f"{simulated['p50_ms']:.0f}",
                f"{simulated['p99_ms']:.0f}",
                "—" if p99 is None else f"{result['p99_gain']:.0f}×",
            )
        )
    polling.pop("_response_ns")
    print(
        f"\ncommit → event at the client on loopback, {args.rate:g} commits/s; SSE vs 2 s "
        f"polling of the same commits; CPU in cores while publishing (load average at start "
        f"{load:.2f})"
    )
    print(
        table(
            rows,
            (
                "subscribers",
                "events",
                "ev/s",
                "p50 ms",
                "p95 ms",
                "p99 ms",
                "max ms",
                "lost",
                "server CPU",
                "client CPU",
                "poll p50 ms",
                "poll p99 ms",
                "p99 gain",
            ),
        )
    )
    real, sim = polling["real"], polling["simulated_same_phases"]
    print(
        f"\npolling measured for real: {polling['pollers']} pollers, {polling['polls']} polls, "
        f"{polling['events']} commits; response {polling['response_median_ms']:.1f} ms, "
        f"{polling['response_bytes_median']} bytes"
    )
    print(
        table(
            [
                (name, f["samples"], f["p50_ms"], f["p95_ms"], f["p99_ms"])
                for name, f in (("real pollers", real), ("arithmetic, same phases", sim))
            ],
            ("polling", "samples", "p50 ms", "p95 ms", "p99 ms"),
        )
    )
    verdicts = []
    for result in results:
        subscribers, p99, gain = result["subscribers"], result["p99_ms"], result["p99_gain"]
        target = P99_TARGET_MS.get(subscribers)
        if target is not None:
            ok = p99 is not None and p99 <= target
            verdicts.append(
                f"p99 with {subscribers}: {ms_text(p99)} "
                f"(target ≤ {target:g} ms: {'met' if ok else 'MISSED'})"
            )
        ok = gain is not None and gain >= GAIN_TARGET
        verdicts.append(
            f"gain over polling with {subscribers}: "
            f"{'—' if gain is None else f'{gain:.0f}×'} at p99 "
            f"(target ≥ {GAIN_TARGET}×: {'met' if ok else 'MISSED'})"
        )
    print("\n" + "\n".join(verdicts))
    figures = {"rate": args.rate, "load_average": load, "sse": results, "polling": polling}
    print(f"saved {save('latency', figures)}")


if __name__ == "__main__":
    main()
