"""Bytes on the wire for one 1,000-photo batch: PhotoLot's stream (snapshot, then deltas)
side by side with the seed's format (the full photo list in every event) and with 2 s
polling of `GET /api/batches/{id}`, for the same batch.

    python -m bench.wire [--photos 1000] [--workers 2]

The batch is real: small generated JPEGs (64×48, each different, in room-named folders)
posted to PhotoLot's own server (`POST /api/batches`, `LocalServices` in this process)
and processed by its workers. Right after the 201 we open the stream (as the window and
the page do) and start a poller on a fixed 2 s schedule; both are raw loopback clients
that count every byte received: status line, headers, chunk framing, body. The stream
ends with `complete` and the server's close; the poller stops at its first response
showing a final status (as a polling client would).

The seed's format is computed from the same events: starting from the snapshot, each
delta is applied (counts, status, progress, changed photos by id) and the full state is
re-encoded as the seed sent it, `event: progress\\ndata: {batchId, status, progress,
counts, photos[all]}` (compact JSON, no `id:`), plus the same `complete`. "Seed's server"
is what the seed's own endpoint would have sent: it looked at the database every 2 s
and sent the full state when it had changed, so it is the state at each 2 s tick
during the batch (ticks placed on the events' arrival times).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import save, table
from bench.sse_clients import PollResult, SseEvent, open_stream, poll_on_schedule
from desktopapp.core.progress import is_final

POLL_INTERVAL = 2.0
ROOMS = ("Salon", "Cuisine", "Chambre", "Salle de bain", "Bureau")
SEED_PROGRESS_KEYS = ("batchId", "status", "progress", "counts", "photos")
TARGET_RATIO = 100


def make_photos(folder: Path, count: int, seed: int = 3) -> None:
    """`count` different 64×48 JPEGs (noise over a colour), spread over room folders."""
    from PIL import Image

    rng = random.Random(seed)
    for index in range(count):
        room = folder / ROOMS[index % len(ROOMS)]
        room.mkdir(parents=True, exist_ok=True)
        base = Image.new("RGB", (64, 48), tuple(rng.randrange(256) for _ in range(3)))
        noise = Image.frombytes("RGB", (64, 48), rng.randbytes(64 * 48 * 3))
        Image.blend(base, noise, 0.35).save(room / f"IMG_{index:05d}.jpg", quality=85)


def seed_event(kind: str, payload: dict[str, Any]) -> bytes:
    """The seed's `sendEvent`: `event: X\\ndata: JSON.stringify(data)\\n\\n`."""
    return f"event: {kind}\ndata: {json.dumps(payload, ensure_ascii=False, separators=(',', ':'))}\n\n".encode()  # noqa: E501


class FullState:
    """The batch's full state rebuilt from the snapshot and the deltas that followed."""

    def __init__(self, snapshot: dict[str, Any]) -> None:
        self.head = {key: snapshot[key] for key in SEED_PROGRESS_KEYS if key != "photos"}
        self.photos = {photo["id"]: photo for photo in snapshot["photos"]}  # position order

    def apply(self, delta: dict[str, Any]) -> None:
        for key in ("status", "progress", "counts"):
            self.head[key] = delta[key]
        for photo in delta["photos"]:
            self.photos[photo["id"]] = photo

    def seed_progress(self) -> bytes:
        return seed_event("progress", {**self.head, "photos": list(self.photos.values())})


async def run_batch(services: Any, folder: Path) -> dict[str, Any]:
    import aiohttp

    port, token = services.port, services.token
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as session:
        posted = time.perf_counter()
        async with session.post(
            f"{services.base_url}/api/batches", json={"paths": [str(folder)], "project": "wire"}
        ) as response:
            created = await response.json()
            if response.status != 201:
                raise RuntimeError(f"POST /api/batches: {response.status} {created}")
    batch_id = created["batchId"]
    loop = asyncio.get_running_loop()
    polls: list[PollResult] = []
    finished = False

    def record(result: PollResult) -> None:
        nonlocal finished
        polls.append(result)
        finished = finished or is_final(json.loads(result.body)["status"])

    poller = asyncio.create_task(
        poll_on_schedule(
            port, token, batch_id, POLL_INTERVAL, loop.time(), lambda: finished, record
        )
    )
    stream = await open_stream(port, token, batch_id, keep_data=True, wait_first=False)
    await stream.closed
    elapsed = time.perf_counter() - posted
    await poller
    return {
        "batch_id": batch_id,
        "photos": created["photosCount"],
        "seconds": elapsed,
        "stream": stream,
        "polls": polls,
    }


def block_bytes(event: SseEvent) -> int:
    """Size of the event's block as the server wrote it (one `data:` line: compact JSON)."""
    event_id = "" if event.id is None else f"id: {event.id}\n"
    return len(f"event: {event.type}\n{event_id}data: {event.data}\n\n".encode())


def account(run: dict[str, Any]) -> dict[str, Any]:
    stream = run["stream"]
    events: list[SseEvent] = stream.events
    if stream.status != 200 or not events or events[-1].type != "complete":
        raise RuntimeError(f"the stream did not end with `complete` (status {stream.status})")
    ours_sse = stream.body_in
    snapshot = json.loads(events[0].data)
    if not snapshot.get("snapshot"):
        raise RuntimeError("the stream did not start with its snapshot")
    state = FullState(snapshot)
    first = len(state.seed_progress())  # the seed's first event: the full state at connect
    seed_bytes = first
    ticks: list[bytes] = []  # the seed's server: full state every 2 s when changed
    tick_at = events[0].arrived_ns + int(POLL_INTERVAL * 1e9)
    changed = False
    progress_events = 0
    for event in events[1:]:
        while event.arrived_ns >= tick_at:
            if changed:
                ticks.append(state.seed_progress())
                changed = False
            tick_at += int(POLL_INTERVAL * 1e9)
        payload = json.loads(event.data)
        if event.type == "progress":
            state.apply(payload)
            seed_bytes += len(state.seed_progress())
            changed = True
            progress_events += 1
        elif event.type == "complete":
            final = seed_event("complete", payload)
            seed_bytes += len(final)
    if changed:
        ticks.append(state.seed_progress())
    seed_server = first + sum(map(len, ticks)) + len(final)
    polls: list[PollResult] = run["polls"]
    poll_in = sum(p.bytes_in for p in polls)
    poll_out = sum(p.bytes_out for p in polls)
    return {
        "photos": run["photos"],
        "batch_seconds": round(run["seconds"], 2),
        "events": len(events),
        "progress_deltas": progress_events,
        "snapshot_bytes": block_bytes(events[0]),
        "deltas_bytes": sum(block_bytes(e) for e in events[1:-1]),
        "complete_bytes": block_bytes(events[-1]),
        "stream_wire_bytes": stream.bytes_in,
        "stream_request_bytes": stream.bytes_out,
        "stream_sse_bytes": ours_sse,
        "seed_format_bytes": seed_bytes,
        "seed_server_bytes": seed_server,
        "seed_server_events": len(ticks) + 2,
        "polls": len(polls),
        "polling_wire_bytes": poll_in,
        "poll_response_bytes_mean": round(poll_in / len(polls)) if polls else None,
        "polling_request_bytes": poll_out,
        "ratio_seed_format": round(seed_bytes / ours_sse, 1),
        "ratio_seed_server": round(seed_server / ours_sse, 2),
        "ratio_polling": round(poll_in / stream.bytes_in, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    from desktopapp.app import LocalServices
    from desktopapp.platform.settings import Settings

    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "drop"
        make_photos(folder, args.photos)
        services = LocalServices(
            Settings(data_dir=Path(tmp) / "data", port=0, workers=args.workers)
        )
        with services:
            run = asyncio.run(run_batch(services, folder))
    figures = {**account(run), "load_average": load}
    mb = 1e6
    rows = [
        (
            "PhotoLot stream (snapshot + deltas + complete)",
            figures["events"],
            f"{figures['stream_sse_bytes'] / mb:.2f}",
            f"{figures['stream_wire_bytes'] / mb:.2f}",
            "1×",
        ),
        (
            "seed's format: full photo list in every event",
            figures["events"],
            f"{figures['seed_format_bytes'] / mb:.1f}",
            "",
            f"{figures['ratio_seed_format']:.0f}×",
        ),
        (
            "seed's server: full state every 2 s if changed",
            figures["seed_server_events"],
            f"{figures['seed_server_bytes'] / mb:.2f}",
            "",
            f"{figures['ratio_seed_server']:.1f}×",
        ),
        (
            "2 s polling of GET /api/batches/{id} (measured)",
            figures["polls"],
            "",
            f"{figures['polling_wire_bytes'] / mb:.2f}",
            f"{figures['ratio_polling']:.1f}× (wire)",
        ),
    ]
    deltas = figures["progress_deltas"]
    print(
        f"\none batch of {figures['photos']} photos, {figures['batch_seconds']:.1f} s from POST "
        f"to `complete` (load average at start {figures['load_average']:.2f})"
    )
    print(
        f"PhotoLot's stream: snapshot {figures['snapshot_bytes'] / 1000:.0f} kB + {deltas} deltas "
        f"{figures['deltas_bytes'] / 1000:.0f} kB ({figures['deltas_bytes'] / max(deltas, 1):.0f} "
        f"B each) + complete {figures['complete_bytes'] / 1000:.0f} kB; one poll "
        f"{figures['poll_response_bytes_mean'] / 1000:.0f} kB"
    )
    print(table(rows, ("what", "events / polls", "SSE MB", "on the wire MB", "vs PhotoLot")))
    ok = figures["ratio_seed_format"] >= TARGET_RATIO
    print(
        f"\nseed's format / PhotoLot: {figures['ratio_seed_format']:.0f}× "
        f"(target ≥ {TARGET_RATIO}×: {'met' if ok else 'MISSED'})"
    )
    print(f"saved {save('wire', figures)}")


if __name__ == "__main__":
    main()
