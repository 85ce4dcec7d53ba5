"""The bundled detectors and how their detections are kept (chosen by `bench.inventory`).

Two COCO detectors run on every photo and are fused (`detectors/fusion.py`): an object
both see is kept from a score of `AGREED`; one seen by a single model needs that model's
own `ALONE` score. Measured on the dev labels, never tuned to one photo: see the README's
Performance section for the figures of each model alone and fused.
"""

from __future__ import annotations

from pathlib import Path

from desktopapp.inventory.catalogue import Catalogue
from desktopapp.inventory.detector_analyzer import DetectorAnalyzer
from desktopapp.inventory.detectors.base import Detector

MODELS_DIR = Path("models")  # below resources/
DETECTOR_NAME = "ssd_mobilenet_v2+nanodet_g"
AGREED = 0.25
SSD_ALONE = 0.45
NANODET_ALONE = 0.40


def ssd_detector(resources: Path, threads: int = 1) -> Detector:
    from desktopapp.inventory.detectors.ssd_mobilenet import (  # onnxruntime: load lazily
        SSD_FILE,
        SSD_SHA256,
        SsdMobileNetDetector,
    )

    return SsdMobileNetDetector(resources / MODELS_DIR / SSD_FILE, SSD_SHA256, threads=threads)


def nanodet_detector(resources: Path, threads: int = 1) -> Detector:
    from desktopapp.inventory.detectors.nanodet import (
        NANODET_FILE,
        NANODET_SHA256,
        NanoDetDetector,
    )

    path = resources / MODELS_DIR / NANODET_FILE
    return NanoDetDetector(path, NANODET_SHA256, threads=threads)


def make_detector(resources: Path, threads: int = 1) -> Detector:
    from desktopapp.inventory.detectors.fusion import FusedDetector, Member

    return FusedDetector(
        Member(ssd_detector(resources, threads), SSD_ALONE),
        Member(nanodet_detector(resources, threads), NANODET_ALONE),
        agreed=AGREED,
    )


def bundled_analyzer(resources: Path, catalogue: Catalogue) -> DetectorAnalyzer:
    return DetectorAnalyzer(DETECTOR_NAME, lambda: make_detector(resources), catalogue, AGREED)
