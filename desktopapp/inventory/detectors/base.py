"""What every bundled object detector returns: COCO classes with boxes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from PIL import Image


class ModelFileError(RuntimeError):
    """The model file is missing, unreadable or not the one this build expects."""

    def __init__(self, path: object, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Detection:
    """One object: a COCO class name ("couch", "dining table"...), a score in 0..1 and a
    box (x0, y0, x1, y1) in 0..1 of the image the detector was given (oriented)."""

    coco_label: str
    score: float
    box: tuple[float, float, float, float]


class Detector(Protocol):
    name: str

    def detect(self, image: Image.Image) -> list[Detection]:
        """Objects in an RGB image of any size, after class-wise NMS, best first."""
        ...
