"""Photos per second of the whole pipeline on the shared corpus photos, 1 and 2 workers.

    python -m bench.corpus_rate [--rounds 3]

Each round: a fresh data dir, one batch of every corpus photo, timed from
`create_batch` to the batch's final state (through the real queue and workers).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from bench.common import CORPUS, save, table
from desktopapp.core import progress, state
from desktopapp.core.events import BatchWatcher
from desktopapp.core.services import Core
from desktopapp.platform.settings import Settings

SKIP_SUFFIXES = {".txt", ".md", ".markdown", ".rst", ""}


def corpus_photos() -> list[Path]:
    return sorted(
        p
        for p in (CORPUS / "photos").rglob("*")
        if p.is_file() and p.suffix.lower() not in SKIP_SUFFIXES
    )


def one_round(files: list[Path], workers: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        core = Core(Settings(data_dir=Path(tmp), workers=workers))
        core.start()
        started = time.perf_counter()
        batch_id = core.create_batch(files).batch_id
        with BatchWatcher(core.bus, batch_id) as watcher:
            while not progress.is_final(progress.batch_status(state.batch_counts(batch_id))):
                watcher.wait(5.0)
        elapsed = time.perf_counter() - started
        core.stop()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    files = corpus_photos()
    megapixels = 0.0
    from PIL import Image

    from desktopapp.core.imaging import _register_heif

    _register_heif()
    for path in files:
        with Image.open(path) as im:
            megapixels += im.width * im.height / 1e6
    rows, figures = [], {"photos": len(files), "megapixels": round(megapixels, 1)}
    for workers in (1, 2):
        best = min(one_round(files, workers) for _ in range(args.rounds))
        rate = len(files) / best
        figures[f"workers_{workers}"] = {"seconds": round(best, 3), "photos_per_s": round(rate, 1)}
        rows.append((workers, f"{best:.2f}", f"{rate:.1f}", f"{megapixels / best:.0f}"))
    print(f"{len(files)} corpus photos, {megapixels:.0f} megapixels in all; best of {args.rounds}")
    print(table(rows, ("workers", "seconds", "photos/s", "MP/s")))
    print(f"saved {save('corpus_rate', figures)}")


if __name__ == "__main__":
    main()
