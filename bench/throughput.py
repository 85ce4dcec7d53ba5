"""Photos per second of the full pipeline on 12 MP camera JPEGs, against vipsthumbnail and
the decode-only limit, in the same run, on the same files.

    python -m bench.throughput [--count 32] [--rounds 5] [--no-diagnostics] [--breakdown-runs 3]

Files: `bench.images.camera_jpegs` (4000 x 3000, ~3 MB, q92, one in four with EXIF
orientation 6), made once and cached; they are read once before each round, so
every contender starts from a warm page cache.

Contenders, interleaved round by round (each round: one run of each):
- PhotoLot, 1 and 2 worker threads: a fresh data dir, `Core.start()` (workers idle),
  then timed from `create_batch(files)` to the batch's final state, through the
  real queue, workers, store and journal; the end is seen through
  `events.BatchWatcher` (bus wake-ups, no polling loop).
- `vipsthumbnail -s 320` (libvips-tools) as 2 parallel processes, each given half of
  the files (VIPS_CONCURRENCY=1: one core each), thumbnails written to a temp dir.
- Pillow decode at 1/8 scale only (`draft("RGB", (w//8, h//8))` + `load()`), in 2
  threads: the practical limit of anything that must look at every photo's pixels.
Diagnostics (not contenders; they split the pipeline's cost): decode at 1/8 in 1
thread, decode at the scale PhotoLot asks for (`draft` to 320 px → 1/8 here) in 2
threads, and `imaging.process_image` alone in 2 threads (no copy, queue or database);
then a stage breakdown of the 1-worker pipeline (`Breakdown`: each stage wrapped with a
timer for one run), so a miss comes with where the time went. The last line says how
much CPU other processes used meanwhile: above ~0.1 CPU the figures are not clean.

Targets (issue 6): PhotoLot with 2 threads ≥ 1.2 × vipsthumbnail's 2-process rate
and ≥ 85 % of the 2-thread decode-only rate. Figures are the median over rounds.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.common import save, table
from bench.images import camera_jpegs, describe
from desktopapp.core import progress, state
from desktopapp.core.events import BatchWatcher
from desktopapp.core.imaging import ANALYSIS_SIDE, process_image
from desktopapp.core.services import Core
from desktopapp.platform.settings import Settings

VIPS = "vipsthumbnail"
THUMB = 320
PHOTOLOT_DRAFT = max(THUMB, ANALYSIS_SIDE)  # what imaging._process asks draft() for


class OtherLoad:
    """CPU used by other processes while a benchmark runs (another benchmark, a build…).

    All CPUs' busy time from /proc/stat minus this process's own CPU time and that of
    the children it waited for. Figures taken while others were busy are not figures.
    """

    def __init__(self) -> None:
        self._start = self._sample()

    @staticmethod
    def _sample() -> tuple[float, float, float]:
        try:
            fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
            jiffies = [int(x) for x in fields]
            busy = (sum(jiffies) - jiffies[3] - jiffies[4]) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            busy = float("nan")  # not Linux: unknown
        t = os.times()
        return time.perf_counter(), busy, t.user + t.system + t.children_user + t.children_system

    def cpus(self) -> float:
        """Other processes' CPU use since creation, in CPUs (0.5 = half a core)."""
        wall0, busy0, own0 = self._start
        wall1, busy1, own1 = self._sample()
        return max(0.0, (busy1 - busy0) - (own1 - own0)) / max(wall1 - wall0, 1e-9)

    def note(self) -> str:
        used = self.cpus()
        if used != used:  # nan
            return "other processes' load: unknown (no /proc/stat)"
        warning = " — WARNING: the machine was shared, figures are unreliable" if used > 0.1 else ""
        return f"other processes used {used:.2f} CPU on average during the run{warning}"


def warm(files: list[Path]) -> None:
    for path in files:
        path.read_bytes()


def photolot(files: list[Path], workers: int) -> float:
    with tempfile.TemporaryDirectory(prefix="photolot-bench-") as tmp:
        core = Core(Settings(data_dir=Path(tmp), workers=workers))
        core.start()
        try:
            started = time.perf_counter()
            batch_id = core.create_batch(files).batch_id
            with BatchWatcher(core.bus, batch_id) as watcher:
                while True:
                    counts = state.batch_counts(batch_id)
                    if progress.is_final(progress.batch_status(counts)):
                        break
                    watcher.wait(10.0)
            elapsed = time.perf_counter() - started
            if counts.failed:
                raise RuntimeError(f"{counts.failed} photo(s) failed: the figures would lie")
        finally:
            core.stop()
    return elapsed


class Breakdown:
    """One instrumented 1-worker run: where a photo's time goes, stage by stage.

    Wraps (for this run only) the pipeline's stages with timers: the claim
    transaction, copy + SHA-256 into the store, the JPEG decode inside
    `process_image` (`ImageFile.load`), the rest of `process_image`, the thumbnail
    write, the analyzer and the near-duplicate scan. What is left of `Pipeline.run` is
    the final transaction (DONE row, journal event, counts); what is left of the
    batch's wall time is intake plus the queue (Huey dequeue, dispatch, wake-ups).
    """

    STAGES = (
        ("intake", "create_batch (once per batch)"),
        ("queue", "queue: Huey dequeue + dispatch + end detection"),
        ("claim", "claim transaction (PROCESSING + journal)"),
        ("copy", "copy + SHA-256 into the store"),
        ("decode", "JPEG decode (draft + load)"),
        ("imaging", "rest of process_image (resize, thumb encode, stats, pHash)"),
        ("thumb_write", "thumbnail file write"),
        ("analyze", "analyzer"),
        ("near_dup", "near-duplicate check (in-memory pHash index of the batch)"),
        ("done", "final transaction (DONE row, journal event, counts)"),
    )

    def __init__(self) -> None:
        self.totals = dict.fromkeys((key for key, _ in self.STAGES), 0.0)
        self.totals["run"] = 0.0
        self.totals["process_image"] = 0.0
        self.totals["all"] = 0.0

    def _timed(self, key: str, function: Callable) -> Callable:
        totals = self.totals

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                totals[key] += time.perf_counter() - started

        return timed

    def run(self, files: list[Path]) -> dict[str, float]:
        from PIL import ImageFile

        from desktopapp.core import imaging, near_duplicates, pipeline

        patches = [
            (pipeline.Pipeline, "run", "run"),
            (pipeline.Pipeline, "_claim", "claim"),
            (pipeline, "copy_source_into_store", "copy"),
            (imaging, "process_image", "process_image"),
            (ImageFile.ImageFile, "load", "decode"),
            (pipeline, "write_atomically", "thumb_write"),
            (near_duplicates.NearDuplicateIndex, "match_and_add", "near_dup"),
        ]
        saved = [(owner, name, owner.__dict__[name]) for owner, name, _ in patches]
        try:
            for owner, name, key in patches:
                setattr(owner, name, self._timed(key, getattr(owner, name)))
            with tempfile.TemporaryDirectory(prefix="photolot-bench-") as tmp:
                core = Core(Settings(data_dir=Path(tmp), workers=1))
                analyzer = type(core.analyzer)
                saved.append((analyzer, "analyze", analyzer.__dict__["analyze"]))
                analyzer.analyze = self._timed("analyze", analyzer.analyze)
                core.start()
                try:
                    started = time.perf_counter()
                    batch_id = self._timed("intake", core.create_batch)(files).batch_id
                    with BatchWatcher(core.bus, batch_id) as watcher:
                        while not progress.is_final(
                            progress.batch_status(state.batch_counts(batch_id))
                        ):
                            watcher.wait(10.0)
                    self.totals["all"] = time.perf_counter() - started
                finally:
                    core.stop()
        finally:
            for owner, name, original in saved:
                setattr(owner, name, original)
        t = self.totals
        t["imaging"] = t["process_image"] - t["decode"]
        t["done"] = t["run"] - t["claim"] - t["copy"] - t["process_image"]
        t["done"] -= t["thumb_write"] + t["analyze"] + t["near_dup"]  # near_dup runs inside it
        t["queue"] = t["all"] - t["intake"] - t["run"]
        return {key: 1000 * t[key] / len(files) for key, _ in self.STAGES}


def vipsthumbnail(files: list[Path], processes: int = 2) -> float:
    env = {**os.environ, "VIPS_CONCURRENCY": "1"}
    with tempfile.TemporaryDirectory(prefix="photolot-bench-vips-") as out:
        started = time.perf_counter()
        procs = [
            subprocess.Popen(
                [VIPS, "-s", str(THUMB), "-o", f"{out}/%s.jpg[Q=82]", *files[i::processes]],
                env=env,
            )
            for i in range(processes)
        ]
        codes = [proc.wait() for proc in procs]
        elapsed = time.perf_counter() - started
        made = len(os.listdir(out))
    if any(codes) or made != len(files):
        raise RuntimeError(f"vipsthumbnail failed: exit codes {codes}, {made} thumbnails")
    return elapsed


def decode(path: Path, target: int | None = None) -> None:
    """Decode at 1/8 (target None), or at the smallest scale ≥ target px (PhotoLot's draft)."""
    from PIL import Image

    with Image.open(path) as im:
        w, h = im.size
        im.draft("RGB", (w // 8, h // 8) if target is None else (target, target))
        im.load()


def draft_scale(path: Path) -> str:
    """The DCT scale `draft` picks for PhotoLot's request on this file, as "1/n"."""
    from PIL import Image

    with Image.open(path) as im:
        full = im.size[0]
        im.draft("RGB", (PHOTOLOT_DRAFT, PHOTOLOT_DRAFT))
        return f"1/{full // im.size[0]}"


def in_threads(pool: ThreadPoolExecutor, work: Callable[[Path], object], files) -> float:
    started = time.perf_counter()
    list(pool.map(work, files))
    return time.perf_counter() - started


def vips_version() -> str | None:
    if shutil.which(VIPS) is None:
        return None
    out = subprocess.run([VIPS, "--vips-version"], capture_output=True, text=True, check=False)
    return out.stdout.strip() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=32, help="test photos (24-40)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-diagnostics", action="store_true")
    parser.add_argument("--breakdown-runs", type=int, default=3, help="0: no stage breakdown")
    args = parser.parse_args()

    files = camera_jpegs(args.count)
    info = describe(files)
    vips = vips_version()
    if vips is None:
        print("(vipsthumbnail not found: apt-get install -y libvips-tools; skipping it)")

    pool1 = ThreadPoolExecutor(1)
    pool2 = ThreadPoolExecutor(2)
    runs: dict[str, tuple[str, Callable[[], float]]] = {
        "photolot_1": ("PhotoLot pipeline, 1 worker thread", lambda: photolot(files, 1)),
        "photolot_2": ("PhotoLot pipeline, 2 worker threads", lambda: photolot(files, 2)),
    }
    if vips is not None:
        runs["vips_2p"] = ("vipsthumbnail -s 320, 2 processes", lambda: vipsthumbnail(files))
    runs["decode8_2t"] = (
        "Pillow decode at 1/8 only, 2 threads (limit)",
        lambda: in_threads(pool2, decode, files),
    )
    if not args.no_diagnostics:
        runs["decode8_1t"] = (
            "· decode at 1/8 only, 1 thread",
            lambda: in_threads(pool1, decode, files),
        )
        runs["draft_2t"] = (
            f"· decode at PhotoLot's draft ({PHOTOLOT_DRAFT} px → {draft_scale(files[0])}), "
            "2 threads",
            lambda: in_threads(pool2, lambda p: decode(p, PHOTOLOT_DRAFT), files),
        )
        runs["imaging_2t"] = (
            "· imaging.process_image only, 2 threads",
            lambda: in_threads(pool2, process_image, files),
        )

    timings: dict[str, list[float]] = {key: [] for key in runs}
    load = OtherLoad()
    for _ in range(args.rounds):
        for key, (_label, run) in runs.items():
            warm(files)
            timings[key].append(run())
    pool1.shutdown()
    pool2.shutdown()

    n = len(files)
    rates = {key: n / statistics.median(times) for key, times in timings.items()}
    figures: dict = {"files": info, "rounds": args.rounds, "vips": vips, "runs": {}}
    rows = []
    for key, (label, _run) in runs.items():
        times = timings[key]
        median, best = statistics.median(times), min(times)
        figures["runs"][key] = {
            "label": label,
            "median_s": round(median, 3),
            "best_s": round(best, 3),
            "photos_per_s": round(n / median, 1),
            "times_s": [round(t, 3) for t in times],
            "ms_per_photo_per_core": round(
                1000 * median * (1 if key.endswith(("_1", "_1t")) else 2) / n, 1
            ),
        }
        rows.append(
            (
                label,
                f"{median:.2f}",
                f"{n / median:.1f}",
                f"{n / best:.1f}",
                f"{rates[key] / rates['photolot_2']:.2f}",
            )
        )
    targets = []
    if "vips_2p" in rates:
        ratio = rates["photolot_2"] / rates["vips_2p"]
        figures["photolot_2_vs_vips"] = round(ratio, 2)
        targets.append(
            ("PhotoLot 2 threads / vipsthumbnail 2 processes", f"{ratio:.2f}×", "≥ 1.2×")
        )
    share = rates["photolot_2"] / rates["decode8_2t"]
    figures["photolot_2_vs_decode_limit"] = round(share, 3)
    targets.append(("PhotoLot 2 threads / decode-only limit", f"{share:.0%}", "≥ 85 %"))
    scaling = rates["photolot_2"] / rates["photolot_1"]
    figures["photolot_scaling_1_to_2"] = round(scaling, 2)

    print(
        f"{n} photos {info['pixels']}, {info['mean_mb']} MB each on average "
        f"({info['min_mb']}–{info['max_mb']}), q{info['quality']}, "
        f"{info['orientation_6']} with EXIF orientation 6; median of {args.rounds} rounds; "
        f"{os.cpu_count()} CPUs; libvips {vips or 'absent'}"
    )
    print(table(rows, ("run", "median s", "photos/s", "best photos/s", "× PhotoLot-2")))
    print()
    print(table(targets, ("target", "measured", "wanted")))
    print(f"PhotoLot 1 → 2 threads: {scaling:.2f}×")

    if args.breakdown_runs:
        runs_ms = [Breakdown().run(files) for _ in range(args.breakdown_runs)]
        stages = {key: statistics.median(r[key] for r in runs_ms) for key, _ in Breakdown.STAGES}
        total = sum(stages.values())
        figures["breakdown_ms_per_photo_1_worker"] = {k: round(v, 2) for k, v in stages.items()}
        rows = [
            (label, f"{stages[key]:.1f}", f"{stages[key] / total:.0%}")
            for key, label in Breakdown.STAGES
        ]
        rows.append(("total (1 worker)", f"{total:.1f}", "100%"))
        if "decode8_1t" in timings:
            limit = 1000 * statistics.median(timings["decode8_1t"]) / n
            figures["decode8_ms_per_photo_1_thread"] = round(limit, 2)
            rows.append(("for reference: decode at 1/8 only, 1 thread", f"{limit:.1f}", ""))
        print()
        print(
            f"where a photo's time goes, 1 worker, median of {args.breakdown_runs} "
            "instrumented runs"
        )
        print(table(rows, ("stage", "ms/photo", "share")))
    figures["other_load_cpus"] = round(load.cpus(), 3)
    print(load.note())
    print(f"saved {save('throughput', figures)}")


if __name__ == "__main__":
    main()
