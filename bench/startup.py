"""Launch to window shown (offscreen), idle memory, binary size; source and binary side by side.

    python -m bench.startup [--binary dist/photolot] [--rounds 5]

Each round starts PhotoLot on a fresh data dir with PHOTOLOT_REPORT_SHOWN=1, which makes
it print a line once the window is shown; the time from spawn to that line is the
launch time. Idle memory is the process's RSS (the binary's own process tree) three
seconds after that, with nothing to do. Build the binary first: `pyinstaller build.spec`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import save, table

ROOT = Path(__file__).resolve().parents[1]
IDLE_SECONDS = 3.0


def tree_rss_kb(pid: int) -> int:
    """RSS of a process and its children (the one-file binary runs as parent + child)."""
    total = 0
    pids = [pid]
    while pids:
        current = pids.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(next(x.split()[1] for x in status.splitlines() if x.startswith("VmRSS")))
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except (OSError, StopIteration):
            continue
        pids.extend(int(child) for child in children)
    return total


def one_launch(command: list[str]) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PHOTOLOT_REPORT_SHOWN": "1"}
        started = time.perf_counter()
        proc = subprocess.Popen(
            [*command, "--data-dir", tmp, "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        try:
            line = proc.stdout.readline()
            shown = time.perf_counter() - started
            if "window shown" not in line:
                raise RuntimeError(f"{command[0]} did not show its window: {line!r}")
            time.sleep(IDLE_SECONDS)  # a benchmark's idle period, not a wait for an event
            rss = tree_rss_kb(proc.pid)
        finally:
            proc.terminate()
            proc.wait(10)
    return shown, rss


def measure(name: str, command: list[str], rounds: int) -> dict:
    one_launch(command)  # warm the disk cache (and the binary's unpacking)
    runs = [one_launch(command) for _ in range(rounds)]
    times = [t for t, _ in runs]
    rss = [r for _, r in runs]
    return {
        "name": name,
        "median_s": statistics.median(times),
        "best_s": min(times),
        "idle_rss_mb": statistics.median(rss) / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", type=Path, default=ROOT / "dist" / "photolot")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    results = [measure("source", [sys.executable, str(ROOT / "main.py")], args.rounds)]
    size_mb = None
    if args.binary.exists():
        results.append(measure("binary", [str(args.binary)], args.rounds))
        size_mb = args.binary.stat().st_size / 1e6
    else:
        print(f"(no binary at {args.binary}: build it with `pyinstaller build.spec`)")
    rows = [
        (r["name"], f"{r['median_s']:.2f}", f"{r['best_s']:.2f}", f"{r['idle_rss_mb']:.0f}")
        for r in results
    ]
    print(
        f"launch → window shown (offscreen), median of {args.rounds}; targets: source ≤ 1 s, "
        "binary ≤ 2 s"
    )
    print(table(rows, ("run", "median s", "best s", "idle RSS MB")))
    if size_mb is not None:
        print(f"binary size: {size_mb:.1f} MB (target ≤ 130 MB with the detector models)")
    print(f"saved {save('startup', {'runs': results, 'binary_mb': size_mb})}")


if __name__ == "__main__":
    main()
