"""Intake time: N dropped paths → batch committed (direct), and → first snapshot on the stream
(through the real local server, over loopback HTTP).

    python -m bench.intake [--sizes 1000 10000] [--rounds 5]

1. Direct: `Core.create_batch(paths)` (scan, sniff, rows + journal event + queued tasks,
   one commit), workers not started.
2. HTTP: a real `LocalServices` (core + aiohttp `ServerThread` on an ephemeral port),
   then `POST /api/batches` with the N paths as JSON (Bearer token), then
   `GET /api/batches/{id}/stream`; timed from the POST to the first `progress`
   event received and parsed (the snapshot with all N photos). Two set-ups, same run:
   workers not started (intake alone), and 2 workers started (they begin on the
   batch the moment it commits and compete for the CPU and the database).

Each round uses a fresh data dir. The N files are tiny JPEGs of equal size (distinct
bytes), so intake's identical-file check hashes every one of them: a worst case.
Targets (issue 6): POST → first snapshot ≤ 300 ms for 1,000 paths, ≤ 2 s for 10,000.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bench.common import save, table
from bench.throughput import OtherLoad
from desktopapp.app import LocalServices
from desktopapp.core.services import Core
from desktopapp.platform.settings import Settings

TARGET_MS = {1000: 300, 10000: 2000}


def make_files(folder: Path, count: int) -> list[Path]:
    from PIL import Image

    folder.mkdir(parents=True)
    seed = folder / "seed.jpg"
    Image.new("RGB", (64, 48), (120, 90, 60)).save(seed)
    data = seed.read_bytes()
    files = []
    for i in range(count):  # distinct bytes per file, so no two are identical
        path = folder / f"IMG_{i:05d}.jpg"
        path.write_bytes(data + i.to_bytes(4, "big"))
        files.append(path)
    seed.unlink()
    return files


def direct(files: list[Path], data: Path) -> float:
    core = Core(Settings(data_dir=data, workers=1))  # workers not started
    started = time.perf_counter()
    core.create_batch(files)
    elapsed = time.perf_counter() - started
    core.stop()
    return elapsed


async def first_snapshot(base_url: str, token: str, body: bytes, expected: int) -> dict:
    """POST the paths, open the stream, parse its first `progress` event; timings in s."""
    import aiohttp

    auth = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession() as session:
        started = time.perf_counter()
        async with session.post(
            f"{base_url}/api/batches",
            data=body,
            headers={**auth, "Content-Type": "application/json"},
        ) as response:
            created = await response.json()
            if response.status != 201:
                raise RuntimeError(f"POST /api/batches answered {response.status}: {created}")
        posted = time.perf_counter()
        batch_id = created["batchId"]
        async with session.get(
            f"{base_url}/api/batches/{batch_id}/stream",
            headers={**auth, "Accept": "text/event-stream"},
            timeout=aiohttp.ClientTimeout(total=60),
        ) as response:
            if response.status != 200:
                raise RuntimeError(f"stream answered {response.status}")
            reader = SseBlocks()
            snapshot = None
            async for chunk in response.content.iter_any():
                for block in reader.feed(chunk):
                    snapshot = _progress_data(block)
                    if snapshot is not None:
                        break
                if snapshot is not None:
                    break
            else:
                raise RuntimeError("the stream ended before its first progress event")
            received = reader.received
        first = time.perf_counter()
    if not snapshot.get("snapshot") or len(snapshot.get("photos") or []) != expected:
        raise RuntimeError(f"unexpected first event: {len(snapshot.get('photos') or [])} photos")
    return {"post": posted - started, "first": first - started, "bytes": received}


class SseBlocks:
    """Splits a stream into event blocks as bytes arrive (the server ends lines with \\n)."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.received = 0
        self._scanned = 0

    def feed(self, chunk: bytes) -> list[bytes]:
        self.received += len(chunk)
        self.buffer += chunk
        blocks = []
        while (end := self.buffer.find(b"\n\n", self._scanned)) >= 0:
            blocks.append(bytes(self.buffer[:end]))
            del self.buffer[: end + 2]
            self._scanned = 0
        self._scanned = max(0, len(self.buffer) - 1)  # only new bytes are searched next time
        return blocks


def _progress_data(block: bytes) -> dict | None:
    """The parsed data of a `progress` event block; None for any other block."""
    lines = block.split(b"\n")
    if b"event: progress" not in lines:
        return None
    return json.loads(b"\n".join(line[6:] for line in lines if line.startswith(b"data: ")))


def over_http(files: list[Path], data: Path, workers_running: bool) -> dict:
    services = LocalServices(Settings(data_dir=data, workers=2, port=0))
    if workers_running:
        services.start()
    else:  # the server alone: batches are queued, nobody takes them yet
        services.port = services.server.start()
    body = json.dumps({"paths": [str(path) for path in files]}).encode()
    try:
        return asyncio.run(first_snapshot(services.base_url, services.token, body, len(files)))
    finally:
        services.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    core_rows, http_rows, figures = [], [], {"core": {}, "http": {}}
    load = OtherLoad()
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            files = make_files(Path(tmp) / f"drop-{size}", size)
            direct_times: list[float] = []
            runs: dict[str, list[dict]] = {"idle": [], "running": []}
            for round_no in range(args.rounds):  # interleaved: the same noise for all three
                data = Path(tmp) / f"data-{size}-{round_no}"
                direct_times.append(direct(files, data / "direct"))
                for mode in runs:
                    runs[mode].append(over_http(files, data / mode, mode == "running"))
                shutil.rmtree(data)
            median = statistics.median(direct_times) * 1000
            best = min(direct_times) * 1000
            figures["core"][str(size)] = {"median_ms": round(median, 1), "min_ms": round(best, 1)}
            core_rows.append((size, f"{median:.0f}", f"{best:.0f}"))
            target = TARGET_MS.get(size)
            for mode, label in (("idle", "not started"), ("running", "2 running")):
                post = statistics.median(r["post"] for r in runs[mode]) * 1000
                first = statistics.median(r["first"] for r in runs[mode]) * 1000
                worst = max(r["first"] for r in runs[mode]) * 1000
                size_kb = statistics.median(r["bytes"] for r in runs[mode]) / 1024
                figures["http"][f"{size}_{mode}"] = {
                    "paths": size,
                    "workers": label,
                    "post_201_median_ms": round(post, 1),
                    "first_snapshot_median_ms": round(first, 1),
                    "first_snapshot_max_ms": round(worst, 1),
                    "first_chunk_kb": round(size_kb, 1),
                    "target_ms": target,
                    "met": target is None or first <= target,
                }
                verdict = "" if target is None else ("met" if first <= target else "MISSED")
                http_rows.append(
                    (
                        size,
                        label,
                        f"{post:.0f}",
                        f"{first:.0f}",
                        f"{worst:.0f}",
                        f"{size_kb:.0f}",
                        f"≤ {target}" if target else "",
                        verdict,
                    )
                )
    print(
        f"create_batch(paths): scan, sniff, rows + journal event + queued tasks, one commit; "
        f"median of {args.rounds}"
    )
    print(table(core_rows, ("paths", "median ms", "best ms")))
    print()
    print(
        "POST /api/batches (JSON paths, Bearer) → first progress snapshot parsed on "
        f"GET /api/batches/{{id}}/stream, real LocalServices on loopback; median of {args.rounds}"
    )
    print(
        table(
            http_rows,
            (
                "paths",
                "workers",
                "POST→201 ms",
                "POST→snapshot ms",
                "max ms",
                "snapshot KB",
                "target ms",
                "",
            ),
        )
    )
    figures["other_load_cpus"] = round(load.cpus(), 3)
    print(load.note())
    print(f"saved {save('intake', figures)}")


if __name__ == "__main__":
    main()
