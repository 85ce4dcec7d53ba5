"""Intake time: N dropped paths → batch rows, journal event and queued tasks committed.

python -m bench.intake [--sizes 1000 10000]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bench.common import save, table
from desktopapp.core import Core
from desktopapp.settings import Settings


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    rows, figures = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            files = make_files(Path(tmp) / f"drop-{size}", size)
            timings = []
            for round_no in range(args.rounds):
                data = Path(tmp) / f"data-{size}-{round_no}"
                core = Core(Settings(data_dir=data, workers=1))  # workers not started
                started = time.perf_counter()
                core.create_batch(files)
                timings.append(time.perf_counter() - started)
                core.stop()
                shutil.rmtree(data)
            median = statistics.median(timings) * 1000
            best = min(timings) * 1000
            figures[str(size)] = {"median_ms": round(median, 1), "min_ms": round(best, 1)}
            rows.append((size, f"{median:.0f}", f"{best:.0f}"))
    print("create_batch(paths): scan, sniff, rows + journal event + queued tasks, one commit")
    print(table(rows, ("paths", "median ms", "best ms")))
    print(f"saved {save('intake_core', figures)}")


if __name__ == "__main__":
    main()
