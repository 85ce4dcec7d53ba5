"""Two detectors, one answer: what both see is kept at a low score, what one sees alone
needs that detector's own higher score. "Both see it": a detection of at least `agreed`
overlaps (IoU ≥ 0.3) one of the same class from the other model, at any score that model
reports (its floor, 0.2).

Measured on the dev labels (`python -m bench.inventory`): either model alone trades
recall for precision; agreement between two differently trained models is a better filter
than any single score threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image

from desktopapp.inventory.detectors.base import Detection, Detector

Box = tuple[float, float, float, float]


def _area(box: Box) -> float:
    return max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1])


def _intersection(a: Box, b: Box) -> float:
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    return max(0.0, width) * max(0.0, height)


def iou(a: Box, b: Box) -> float:
    inter = _intersection(a, b)
    union = _area(a) + _area(b) - inter
    return inter / union if union > 0 else 0.0


def containment(a: Box, b: Box) -> float:
    """The share of the smaller box inside the other."""
    smaller = min(_area(a), _area(b))
    return _intersection(a, b) / smaller if smaller > 0 else 0.0


def suppress(
    detections: Sequence[Detection], iou_limit: float = 0.5, contained_limit: float = 0.7
) -> list[Detection]:
    """Class-wise NMS that also drops a box lying mostly inside a better one of its class
    (one fridge boxed whole and again from its door)."""
    kept: list[Detection] = []
    for detection in sorted(detections, key=lambda d: -d.score):
        if all(
            other.coco_label != detection.coco_label
            or (
                iou(other.box, detection.box) < iou_limit
                and containment(other.box, detection.box) < contained_limit
            )
            for other in kept
        ):
            kept.append(detection)
    return kept


@dataclass(frozen=True)
class Member:
    detector: Detector
    alone: float  # the score a detection needs when the other detector does not agree


class FusedDetector:
    """Runs both members on the same picture, one after the other, on the calling thread."""

    def __init__(
        self, first: Member, second: Member, *, agreed: float, agree_iou: float = 0.3
    ) -> None:
        self.name = f"{first.detector.name}+{second.detector.name}"
        self._members = (first, second)
        self._agreed = agreed
        self._agree_iou = agree_iou

    def load(self) -> None:
        for member in self._members:
            load = getattr(member.detector, "load", None)
            if load is not None:
                load()

    def detect(self, image: Image.Image) -> list[Detection]:
        first, second = self._members
        found = (first.detector.detect(image), second.detector.detect(image))
        return fuse(found, (first.alone, second.alone), self._agreed, self._agree_iou)


def fuse(
    found: tuple[list[Detection], list[Detection]],
    alone: tuple[float, float],
    agreed: float,
    agree_iou: float = 0.3,
) -> list[Detection]:
    kept = []
    for index, detections in enumerate(found):
        others = found[1 - index]
        for detection in detections:
            if detection.score >= alone[index] or (
                detection.score >= agreed
                and any(
                    other.coco_label == detection.coco_label
                    and iou(other.box, detection.box) >= agree_iou
                    for other in others
                )
            ):
                kept.append(detection)
    return suppress(kept)
