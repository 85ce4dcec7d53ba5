"""Idle streams at scale: server memory per open stream, and the time to deliver one
event to all of them.

    python -m bench.fanout [--streams 1000 5000] [--events 5]

For each N the server runs in its own process (PhotoLot's `LocalServices` with the stream
cap raised to N + 256, on a fresh data dir; driven over stdin by `sse_clients.serve_main`),
so its RSS is its own. The N clients live in this process: raw `asyncio.Protocol` HTTP
clients in one asyncio loop, opened 64 at a time (the listen backlog is 128), each past its
snapshot event. Memory: server RSS once all N streams are open and idle (after
`gc.collect()` in the server) minus its RSS after a warm-up (20 streams opened and
closed), divided by N. It counts what the process holds (Python objects, aiohttp's
buffers, malloc slack), not the kernel's socket buffers. Delivery: the server commits one
journal event (a real `WriteTransaction`, time taken right after COMMIT) and we wait until
every client has it; "all" is the last client's arrival minus the commit.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import save, table
from bench.sse_clients import open_streams, raise_fd_limit

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PHOTOS = 20
# streams x photos in the batch they follow. The open stream keeps its snapshot event
# (see the last run): the per-stream figure depends on the batch's size.
DEFAULT_RUNS = ["1000x20", "5000x20", "500x1000"]
WARMUP_STREAMS = 20
TARGET_KB = 30.0
DELIVERY_TIMEOUT = 60.0


class Server:
    """`serve_main` in a child process; one JSON line back per command."""

    def __init__(self, data_dir: str, max_streams: int, photos: int) -> None:
        code = (
            "from bench.sse_clients import serve_main; "
            f"serve_main({data_dir!r}, {max_streams}, {photos})"
        )
        self.proc = subprocess.Popen(
            [sys.executable, "-c", code],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        ready = self._read()
        self.port, self.token, self.batch = ready["port"], ready["token"], ready["batch"]

    def _read(self) -> dict[str, Any]:
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the server process ended early")
        return json.loads(line)

    def ask(self, command: str) -> dict[str, Any]:
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return self._read()

    def rss_kb(self) -> int:
        return self.ask("gc")["rss_kb"]

    def stop(self) -> None:
        try:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.close()
            self.proc.wait(15)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait(5)


async def measure(streams: int, photos: int, events: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(tmp, streams + 256, photos)
        try:
            return {"photos": photos, **await _measure(server, streams, events)}
        finally:
            server.stop()


async def _measure(server: Server, streams: int, events: int) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    arrivals: dict[int, list[int]] = {}

    def on_event(_client: Any, event: Any) -> None:
        if event.id is not None:
            arrivals.setdefault(event.id, []).append(event.arrived_ns)

    warm = await open_streams(WARMUP_STREAMS, server.port, server.token, server.batch)
    for client in warm:
        client.close()
    await asyncio.gather(*(client.closed for client in warm))
    await asyncio.sleep(0.5)
    base_kb = await loop.run_in_executor(None, server.rss_kb)

    started = time.perf_counter()
    clients = await open_streams(
        streams, server.port, server.token, server.batch, on_event=on_event
    )
    connect_s = time.perf_counter() - started
    snapshot_kb = clients[0].body_in / 1000  # `retry:` + the snapshot event
    await asyncio.sleep(1.0)  # idle
    idle_kb = await loop.run_in_executor(None, server.rss_kb)
    per_stream_kb = (idle_kb - base_kb) / streams

    deliveries = []
    for _ in range(events):
        arrivals.clear()
        reply = await loop.run_in_executor(None, server.ask, "publish")
        event_id, commit_ns = reply["id"], reply["commit_ns"]
        deadline = loop.time() + DELIVERY_TIMEOUT
        while len(arrivals.get(event_id, ())) < streams and loop.time() < deadline:
            await asyncio.sleep(0.01)
        got = sorted(arrivals.get(event_id, ()))
        deliveries.append(
            {
                "received": len(got),
                "first_ms": (got[0] - commit_ns) / 1e6 if got else None,
                "median_ms": (statistics.median(got) - commit_ns) / 1e6 if got else None,
                "all_ms": (got[-1] - commit_ns) / 1e6 if len(got) == streams else None,
            }
        )
        await asyncio.sleep(0.3)
    after_kb = await loop.run_in_executor(None, server.rss_kb)
    still_open = sum(1 for client in clients if not client.closed.done())
    for client in clients:
        client.close()
    all_ms = [d["all_ms"] for d in deliveries if d["all_ms"] is not None]
    return {
        "streams": streams,
        "snapshot_kb": round(snapshot_kb, 1),
        "connect_s": round(connect_s, 2),
        "server_rss_base_mb": round(base_kb / 1024, 1),
        "server_rss_idle_mb": round(idle_kb / 1024, 1),
        "server_rss_after_events_mb": round(after_kb / 1024, 1),
        "kb_per_stream": round(per_stream_kb, 1),
        "kb_per_stream_after_events": round((after_kb - base_kb) / streams, 1),
        "still_open": still_open,
        "deliveries": deliveries,
        "deliver_all_median_ms": round(statistics.median(all_ms), 1) if all_ms else None,
        "deliver_all_max_ms": round(max(all_ms), 1) if all_ms else None,
        "deliver_first_median_ms": round(
            statistics.median(d["first_ms"] for d in deliveries if d["first_ms"] is not None), 2
        ),
    }


def parse_run(text: str) -> tuple[int, int]:
    streams, _, photos = text.partition("x")
    return int(streams), int(photos or DEFAULT_PHOTOS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--runs",
        nargs="+",
        default=DEFAULT_RUNS,
        help="STREAMSxPHOTOS: idle streams on one batch of that many photos",
    )
    parser.add_argument("--events", type=int, default=5, help="events delivered to all, each")
    args = parser.parse_args()
    runs = [parse_run(text) for text in args.runs]
    raise_fd_limit(max(streams for streams, _ in runs) + 1024)
    load = os.getloadavg()[0]
    results = []
    for streams, photos in runs:
        result = asyncio.run(measure(streams, photos, args.events))
        results.append(result)
        print(
            f"  {streams} streams on a {photos}-photo batch: {result['kb_per_stream']:.1f} KB "
            f"each, one event to all in {result['deliver_all_median_ms']} ms",
            flush=True,
        )
    rows = [
        (
            r["streams"],
            r["photos"],
            f"{r['snapshot_kb']:.0f}",
            f"{r['connect_s']:.1f}",
            f"{r['server_rss_base_mb']:.0f}",
            f"{r['server_rss_idle_mb']:.0f}",
            f"{r['kb_per_stream']:.1f}",
            f"{r['kb_per_stream_after_events']:.1f}",
            f"{r['deliver_first_median_ms']:.1f}",
            f"{r['deliver_all_median_ms']}",
            f"{r['deliver_all_max_ms']}",
            r["still_open"],
        )
        for r in results
    ]
    print(
        f"\nidle streams on one live batch (server in its own process); one commit delivered to "
        f"all, {args.events} times (load average at start {load:.2f})"
    )
    print(
        table(
            rows,
            (
                "streams",
                "photos",
                "snapshot KB",
                "connect s",
                "RSS base MB",
                "RSS idle MB",
                "KB/stream idle",
                "KB/stream after events",
                "first ms",
                "all ms (median)",
                "all ms (max)",
                "still open",
            ),
        )
    )
    for r in results:
        ok = r["kb_per_stream"] <= TARGET_KB
        print(
            f"{r['streams']} streams, {r['photos']}-photo batch: {r['kb_per_stream']:.1f} KB per "
            f"idle stream (target ≤ {TARGET_KB:g} KB: {'met' if ok else 'MISSED'})"
        )
    figures = {"runs": results, "target_kb_per_stream": TARGET_KB, "load_average": load}
    print(f"saved {save('fanout', figures)}")


if __name__ == "__main__":
    main()
