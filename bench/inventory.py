"""How good and how fast the inventory is, on the hand-counted dev photos.

    python -m bench.inventory              # the shipped fusion through the real pipeline,
                                           # and each model alone, per label
    python -m bench.inventory --sweep      # each model alone: precision/recall per threshold
    PHOTOLOT_ANALYZER_KEY=… python -m bench.inventory --model-url http://127.0.0.1:11434/v1 \
        --model llava:13b                  # plus a column for the detector + that model

Matching is by count per (photo, label): matched = min(true, detected). Precision and
recall are reported per label and over the labels a COCO detector can see; room accuracy
over the photos whose room is not other/outdoor. The Pexels photos are fetched once into
~/.cache/photolot-bench (see bench/inventory_labels.py). Timing: the detector alone on
already decoded pictures (1 thread, median of 5 runs per photo), and the whole pipeline
(copy, decode, thumbnail, detection, journal) with one worker.

With --model-url and --model, the same photos go through the real pipeline once more with
that vision model merged in (inventory.vision; its key from PHOTOLOT_ANALYZER_KEY only):
the same per-label table, the seconds the model took per photo and the tokens it reported,
and how many photos it could not answer (model_unavailable / model_bad_answer).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.common import save, table
from bench.inventory_labels import (
    COCO_VISIBLE,
    LabelScore,
    Truth,
    load_labels,
    overall,
    photo_paths,
    room_accuracy,
    score,
)
from desktopapp.core import imaging, progress, queue_dashboard, state
from desktopapp.core.events import BatchWatcher
from desktopapp.core.pipeline import ANALYSIS_SIDE
from desktopapp.core.services import Core
from desktopapp.inventory import bundled
from desktopapp.inventory.catalogue import CATALOGUE_FILE, load_catalogue
from desktopapp.inventory.detector_analyzer import DetectorAnalyzer
from desktopapp.inventory.detectors.base import Detection, Detector
from desktopapp.inventory.room_items import room_from_items
from desktopapp.platform.paths import resources_dir
from desktopapp.platform.settings import Settings

TIMING_ROUNDS = 5


@dataclass
class Run:
    name: str
    detections: dict[str, list[Detection]]
    detector_ms: list[float]


def candidates() -> dict[str, tuple[Callable[[], Detector], float]]:
    """name → (detector, score threshold): the shipped fusion, then each model alone at the
    score the fusion asks of it alone."""
    resources = resources_dir()
    return {
        bundled.DETECTOR_NAME: (lambda: bundled.make_detector(resources), bundled.AGREED),
        "ssd_mobilenet_v2 alone": (lambda: bundled.ssd_detector(resources), bundled.SSD_ALONE),
        "nanodet_g alone": (
            lambda: bundled.nanodet_detector(resources),
            bundled.NANODET_ALONE,
        ),
    }


def decode(path: Path):
    facts = imaging.process_image(path, analysis_side=ANALYSIS_SIDE, keep_image=True)
    return facts.image


def run_detector(name: str, make: Callable[[], Detector], images: dict) -> Run:
    detector = make()
    getattr(detector, "load", lambda: None)()
    detections, times = {}, []
    for photo, image in images.items():
        detections[photo] = detector.detect(image)
        for _ in range(TIMING_ROUNDS):
            started = time.perf_counter()
            detector.detect(image)
            times.append((time.perf_counter() - started) * 1000)
    return Run(name, detections, times)


def counts_and_rooms(analyzer: DetectorAnalyzer, run: Run):
    found, rooms = {}, {}
    for photo, detections in run.detections.items():
        items = analyzer.items_from(detections)
        tally: dict[str, int] = {}
        for item in items:
            tally[item["label"]] = tally.get(item["label"], 0) + item["quantity"]
        found[photo] = tally
        guess = room_from_items(items)
        rooms[photo] = guess.room_type if guess else None
    return found, rooms


def analyzer_for(threshold: float) -> DetectorAnalyzer:
    catalogue = load_catalogue(resources_dir() / CATALOGUE_FILE)
    return DetectorAnalyzer("bench", lambda: None, catalogue, threshold)


def through_pipeline(
    paths: dict[str, Path], model: ModelServer | None = None
) -> tuple[dict, dict, float]:
    """The real pipeline (queue, worker, store, journal), one worker: items, rooms, ms/photo;
    with `model`, that vision model merged in (its costs printed)."""
    options = {}
    if model is not None:
        options = {
            "model_url": model.url,
            "model_name": model.name,
            "model_concurrency": model.concurrency,
            "model_timeout": model.timeout,
        }
    with tempfile.TemporaryDirectory() as tmp:
        core = Core(
            Settings(
                data_dir=Path(tmp), workers=max(1, model.concurrency) if model else 1, **options
            )
        )
        core.start()
        core.analyzer.prepare()  # the model loads once, before timing
        started = time.perf_counter()
        batch_id = core.create_batch(list(paths.values())).batch_id
        with BatchWatcher(core.bus, batch_id) as watcher:
            while not progress.is_final(progress.batch_status(state.batch_counts(batch_id))):
                watcher.wait(5.0)
        elapsed = time.perf_counter() - started
        snap = core.snapshot(batch_id)
        if model is not None:
            model_costs(snap, queue_dashboard.batch_photos(batch_id))
        core.stop()
    by_file = {path.name: name for name, path in paths.items()}
    found, rooms = {}, {}
    for photo in snap["photos"]:
        name = by_file[photo["fileName"]]
        tally: dict[str, int] = {}
        for item in photo["items"]:
            tally[item["label"]] = tally.get(item["label"], 0) + item["quantity"]
        found[name] = tally
        rooms[name] = photo["roomType"]
    return found, rooms, elapsed * 1000 / len(paths)


@dataclass(frozen=True)
class ModelServer:
    url: str
    name: str
    concurrency: int = 1
    timeout: float = 120.0


def model_costs(snap: dict, photos: list[dict]) -> None:
    """What the model cost per photo, and the photos it could not answer."""
    seconds, tokens = [], []
    for photo in photos:
        timings = photo.get("timings") or {}
        if "model" in timings:
            seconds.append(float(timings["model"]))
        reported = timings.get("tokens") or {}
        if isinstance(reported.get("total"), int):
            tokens.append(reported["total"])
    notices: dict[str, int] = {}
    for photo in snap["photos"]:
        for flag in photo.get("flags") or []:
            if flag.startswith("model_"):
                notices[flag] = notices.get(flag, 0) + 1
    if seconds:
        print(
            f"model: {statistics.mean(seconds):.1f} s per photo (median "
            f"{statistics.median(seconds):.1f}, max {max(seconds):.1f}) over {len(seconds)} photos"
        )
    if tokens:
        print(f"model: {statistics.mean(tokens):.0f} tokens per photo, {sum(tokens)} in all")
    print(f"model: not answered {notices or 'none'}")


def fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def report(name: str, truth: dict[str, Truth], found: dict, rooms: dict) -> dict:
    labels = sorted({label for t in truth.values() for label in t.items} | set(COCO_VISIBLE))
    scores = score(truth, found, labels)
    rows = [
        (s.label, s.true, s.detected, s.matched, fmt(s.precision), fmt(s.recall))
        for s in scores.values()
        if s.true or s.detected
    ]
    visible = overall({label: scores[label] for label in COCO_VISIBLE})
    everything = overall(scores)
    right, scored = room_accuracy(truth, rooms)
    print(f"\n== {name}")
    print(table(rows, ("label", "true", "detected", "matched", "precision", "recall")))
    print(
        f"COCO-visible labels: precision {fmt(visible.precision)}, recall {fmt(visible.recall)}"
        f" ({visible.matched}/{visible.detected} detected, {visible.matched}/{visible.true} true)"
    )
    print(f"all labels: precision {fmt(everything.precision)}, recall {fmt(everything.recall)}")
    print(f"rooms: {right}/{scored} = {right / scored:.2f}")
    return {
        "perLabel": {s.label: vars(s) for s in scores.values() if s.true or s.detected},
        "cocoVisible": summary(visible),
        "allLabels": summary(everything),
        "rooms": {"right": right, "scored": scored},
    }


def summary(entry: LabelScore) -> dict:
    return {**vars(entry), "precision": entry.precision, "recall": entry.recall}


def sweep(truth: dict[str, Truth], run: Run) -> None:
    rows = []
    for threshold in (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7):
        found, rooms = counts_and_rooms(analyzer_for(threshold), run)
        labels = list(COCO_VISIBLE)
        visible = overall(score(truth, found, labels))
        right, scored = room_accuracy(truth, rooms)
        rows.append((threshold, fmt(visible.precision), fmt(visible.recall), f"{right}/{scored}"))
    print(f"\n== {run.name}: threshold sweep (COCO-visible labels; rooms from items only)")
    print(table(rows, ("score ≥", "precision", "recall", "rooms")))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sweep", action="store_true", help="precision/recall per threshold")
    parser.add_argument(
        "--model-url",
        metavar="URL",
        help="an OpenAI-compatible vision model server to measure too "
        "(its key from PHOTOLOT_ANALYZER_KEY)",
    )
    parser.add_argument("--model", metavar="NAME", help="the model's name on that server")
    parser.add_argument("--model-concurrency", type=int, default=1, metavar="N")
    parser.add_argument("--model-timeout", type=float, default=120.0, metavar="SECONDS")
    args = parser.parse_args()
    if bool(args.model_url) != bool(args.model):
        parser.error("--model-url and --model go together")
    truth = load_labels()
    paths = photo_paths(sorted(truth))
    images = {name: decode(path) for name, path in paths.items()}
    figures: dict = {"photos": len(paths)}
    for name, (make, threshold) in candidates().items():
        if args.sweep and name == bundled.DETECTOR_NAME:
            continue
        run = run_detector(name, make, images)
        ms = statistics.median(run.detector_ms)
        p95 = sorted(run.detector_ms)[int(0.95 * (len(run.detector_ms) - 1))]
        if args.sweep:
            sweep(truth, run)
            continue
        shipped = name == bundled.DETECTOR_NAME
        if shipped:
            found, rooms, pipeline_ms = through_pipeline(paths)
            title = f"{name} (shipped; real pipeline, 1 worker)"
        else:
            found, rooms = counts_and_rooms(analyzer_for(threshold), run)
            pipeline_ms = None
            title = f"{name} (score ≥ {threshold}; same rules)"
        figures[name] = report(title, truth, found, rooms)
        figures[name]["detectorMs"] = {"median": ms, "p95": p95}
        print(f"detector alone, 1 thread: median {ms:.0f} ms, p95 {p95:.0f} ms per photo")
        if pipeline_ms is not None:
            figures[name]["pipelineMsPerPhoto"] = pipeline_ms
            print(f"whole pipeline, 1 worker: {pipeline_ms:.0f} ms per photo")
    if args.model_url and not args.sweep:
        model = ModelServer(
            args.model_url.rstrip("/"), args.model, args.model_concurrency, args.model_timeout
        )
        found, rooms, pipeline_ms = through_pipeline(paths, model)
        name = f"detector + model {args.model}"
        figures[name] = report(f"{name} (real pipeline)", truth, found, rooms)
        figures[name]["pipelineMsPerPhoto"] = pipeline_ms
        print(f"whole pipeline with the model: {pipeline_ms:.0f} ms per photo")
    if not args.sweep:
        print(f"\nwritten to {save('inventory', figures)}")


if __name__ == "__main__":
    main()
