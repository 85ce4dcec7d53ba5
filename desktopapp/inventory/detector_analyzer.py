"""The bundled analyzer: an object detector, the catalogue, then the room.

Detections become catalogue items through the catalogue's `detector` lists, each kept only
above the score threshold. The room comes from folder and file names first, then
from the items. The model loads once, lazily, on a worker thread (never the GUI thread);
if it cannot load, photos still end DONE, with their room from names and a `no_analyzer`
notice, and `error` says which file is wrong.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PIL import Image

from desktopapp.core import imaging
from desktopapp.inventory.base import ROOM_FROM_ITEMS, ROOM_FROM_NAME, Analysis, PhotoInput
from desktopapp.inventory.catalogue import Catalogue
from desktopapp.inventory.detectors.base import Detection, Detector, ModelFileError
from desktopapp.inventory.room_items import room_from_items
from desktopapp.inventory.room_names import room_from_names, standard_user_folders

log = logging.getLogger(__name__)

NO_ANALYZER = "no_analyzer"  # the model could not load: detection is off
DETECTOR_FAILED = "detector_failed"  # the model failed on this photo (logged)
BOOK_CLASS = "book"  # single books; the catalogue counts stacks (`book_stack`)


def merge_touching(boxes: list[tuple[float, float, float, float]], gap: float = 0.02) -> int:
    """How many groups the boxes form when boxes closer than `gap` join one group."""
    parent = list(range(len(boxes)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(boxes):
        for j in range(i):
            b = boxes[j]
            if (
                a[0] - gap <= b[2]
                and b[0] - gap <= a[2]
                and a[1] - gap <= b[3]
                and b[1] - gap <= a[3]
            ):
                parent[find(i)] = find(j)
    return len({find(i) for i in range(len(boxes))})


class DetectorAnalyzer:
    def __init__(
        self,
        name: str,
        make_detector: Callable[[], Detector],
        catalogue: Catalogue,
        threshold: float,
    ) -> None:
        self.name = name
        self._make_detector = make_detector
        self._classes = catalogue.for_detector_class()
        self._threshold = threshold
        self._detector: Detector | None = None
        self.error: str | None = None
        self._lock = threading.Lock()
        self._prepared = False
        self._user_folders = standard_user_folders()

    def prepare(self) -> bool:
        """Load the model (once; later calls return at once); False if it cannot load."""
        with self._lock:
            if not self._prepared:
                try:
                    detector = self._make_detector()
                    load = getattr(detector, "load", None)
                    if load is not None:
                        load()
                    self._detector = detector
                except ModelFileError as exc:
                    self.error = (
                        f"Object detection is off: the model file {exc.path} {exc.reason}. "
                        "Rooms still come from folder names; reinstall PhotoLot to fix it."
                    )
                    log.error("%s", self.error)
                except Exception as exc:
                    self.error = f"Object detection is off: the detector failed to start ({exc})."
                    log.exception("detector failed to start")
                self._prepared = True
            return self._detector is not None

    def analyze(self, photo: PhotoInput) -> Analysis:
        named = room_from_names(photo.source_path, ignore=self._user_folders)
        notices: list[str] = []
        items: list[dict[str, Any]] = []
        if self.prepare():
            assert self._detector is not None
            image = photo.image if photo.image is not None else _decode(photo)
            try:
                items = self.items_from(self._detector.detect(image))
            except Exception:  # the photo itself is fine: keep it, without items
                log.exception("photo %s: the detector failed", photo.photo_id)
                notices.append(DETECTOR_FAILED)
        else:
            notices.append(NO_ANALYZER)
        if named is not None:
            return Analysis(
                named.room_type, ROOM_FROM_NAME, items, notices, named.folder, named.cue
            )
        guess = room_from_items(items)
        if guess is None:
            return Analysis(None, None, items, notices)
        return Analysis(guess.room_type, ROOM_FROM_ITEMS, items, notices, room_cue=guess.cue)

    def items_from(self, detections: list[Detection]) -> list[dict[str, Any]]:
        """Detections → catalogue items (one per object, books grouped into stacks)."""
        items: list[dict[str, Any]] = []
        books: list[Detection] = []
        for detection in detections:
            label = self._classes.get(detection.coco_label)
            if label is None or detection.score < self._threshold:
                continue
            if detection.coco_label == BOOK_CLASS:
                books.append(detection)
                continue
            items.append(_item(label, detection))
        if books:
            stacks = merge_touching([book.box for book in books])
            best = max(books, key=lambda book: book.score)
            items.append(_item(self._classes[BOOK_CLASS], best) | {"quantity": stacks})
        return items


def _item(label: str, detection: Detection) -> dict[str, Any]:
    return {
        "label": label,
        "quantity": 1,
        "confidence": round(detection.score, 3),
        "box": [round(v, 4) for v in detection.box],
        "source": "detector",
    }


def _decode(photo: PhotoInput) -> Image.Image:
    facts = imaging.process_image(photo.stored_path, analysis_side=640, keep_image=True)
    assert facts.image is not None
    return facts.image
