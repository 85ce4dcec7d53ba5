"""SSD MobileNet v2 COCO (TensorFlow Object Detection API, 2018-03-29) on onnxruntime, CPU.

The bundled ONNX file is the network only (see resources/models/
ssd_mobilenet_v2_coco.PROVENANCE.md and tools/convert_ssd_mobilenet.py): it takes one RGB image
of 300×300 scaled to [-1, 1] and returns, for the 1917 anchors, box encodings [1, 1917, 1, 4]
and class logits [1, 1917, 1 + K]. The anchors, the box decoding, the sigmoid, the score floor
and the class-wise non-maximum suppression that the original graph did in TensorFlow are done
here in numpy, as the original pipeline configuration defines them.

The class columns: the converter keeps only the COCO classes the catalogue uses and writes the
name of each column into the file (metadata_props "classes", a JSON list, "background" first);
the labels are read from there, so model and names cannot drift apart. A file without that
key has the original 91 columns: background, then COCO category ids 1..90 (`COCO_LABELS`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from desktopapp.inventory.detectors.base import Detection, ModelFileError
from desktopapp.inventory.detectors.boxes import classwise_nms
from desktopapp.inventory.detectors.coco import COCO_LABELS
from desktopapp.inventory.detectors.onnx_model import LazyModel, metadata_classes

if TYPE_CHECKING:
    import onnxruntime

SSD_FILE = "ssd_mobilenet_v2_coco.onnx"
SSD_SHA256 = "5d6c88b93953c04ac3e0599b23681f182f2c7725dc421b67c76a098d3d0eec03"

INPUT_NAME = "image"
BOX_OUTPUT = "box_encodings"
CLASS_OUTPUT = "class_logits"
CLASSES_KEY = "classes"  # metadata_props: JSON list naming each class_logits column
BACKGROUND = "background"
INPUT_SIZE = 300
NUM_ANCHORS = 1917

# The anchor generator and box coder of the model's pipeline.config.
_FEATURE_MAPS = (19, 10, 5, 3, 2, 1)
_MIN_SCALE = 0.2
_MAX_SCALE = 0.95
_ASPECT_RATIOS = (1.0, 2.0, 0.5, 3.0, 0.3333)  # 0.3333 as written in the config, not 1/3
_LOWEST_LAYER_BOXES = ((0.1, 1.0), (_MIN_SCALE, 2.0), (_MIN_SCALE, 0.5))
_SCALE_FACTORS = (10.0, 10.0, 5.0, 5.0)  # y, x, h, w


FULL_COLUMNS: tuple[str | None, ...] = (None, *(COCO_LABELS.get(i) for i in range(1, 91)))
"""Labels of the original 91 columns: background (None), then ids 1..90 (None where unused)."""


def parse_columns(text: str) -> tuple[str | None, ...]:
    """The "classes" metadata -> the label of each class_logits column (None: background).
    ValueError unless it is a JSON list of distinct COCO names after "background"."""
    names = json.loads(text)
    if not isinstance(names, list) or not names or names[0] != BACKGROUND:
        raise ValueError(f"{CLASSES_KEY!r} is not a list starting with {BACKGROUND!r}")
    labels = names[1:]
    known = set(COCO_LABELS.values())
    if not all(isinstance(label, str) and label in known for label in labels):
        raise ValueError(f"{CLASSES_KEY!r} names a class that COCO has not: {labels}")
    if len(set(labels)) != len(labels):
        raise ValueError(f"{CLASSES_KEY!r} names a class twice: {labels}")
    return (None, *labels)


def model_columns(metadata: Mapping[str, str]) -> tuple[str | None, ...]:
    """The column labels a model's metadata gives, or the original 91 columns without it."""
    text = metadata.get(CLASSES_KEY)
    return FULL_COLUMNS if text is None else parse_columns(text)


def layer_scales() -> list[float]:
    """The anchor scale of each feature map, then 1.0 (used for the last interpolation)."""
    layers = len(_FEATURE_MAPS)
    step = (_MAX_SCALE - _MIN_SCALE) / (layers - 1)
    return [_MIN_SCALE + step * i for i in range(layers)] + [1.0]


def layer_box_specs(layer: int) -> list[tuple[float, float]]:
    """(scale, aspect ratio) of each anchor at one position of feature map `layer`."""
    if layer == 0:
        return list(_LOWEST_LAYER_BOXES)
    scales = layer_scales()
    scale, scale_next = scales[layer], scales[layer + 1]
    specs = [(scale, ratio) for ratio in _ASPECT_RATIOS]
    specs.append((math.sqrt(scale * scale_next), 1.0))
    return specs


def grid_anchors(size: int, specs: list[tuple[float, float]]) -> np.ndarray:
    """Anchors (y centre, x centre, h, w) of a size×size map, ordered row, column, box."""
    scales = np.array([scale for scale, _ in specs], dtype=np.float64)
    ratios = np.sqrt(np.array([ratio for _, ratio in specs], dtype=np.float64))
    centres = (np.arange(size, dtype=np.float64) + 0.5) / size
    boxes = len(specs)
    anchors = np.empty((size, size, boxes, 4), dtype=np.float64)
    anchors[..., 0] = centres[:, None, None]
    anchors[..., 1] = centres[None, :, None]
    anchors[..., 2] = scales / ratios
    anchors[..., 3] = scales * ratios
    return anchors.reshape(-1, 4)


@cache
def ssd_anchors() -> np.ndarray:
    """The 1917 anchors (y centre, x centre, h, w) in 0..1, in the network's output order."""
    anchors = np.concatenate(
        [grid_anchors(size, layer_box_specs(layer)) for layer, size in enumerate(_FEATURE_MAPS)]
    ).astype(np.float32)
    anchors.setflags(write=False)
    return anchors


def decode_boxes(encodings: np.ndarray, anchors: np.ndarray) -> np.ndarray:
    """Box encodings (ty, tx, th, tw) relative to anchors -> corners (x0, y0, x1, y1)."""
    scaled = encodings / np.asarray(_SCALE_FACTORS, dtype=np.float32)
    centre_y = scaled[:, 0] * anchors[:, 2] + anchors[:, 0]
    centre_x = scaled[:, 1] * anchors[:, 3] + anchors[:, 1]
    half_h = np.exp(scaled[:, 2]) * anchors[:, 2] / 2
    half_w = np.exp(scaled[:, 3]) * anchors[:, 3] / 2
    return np.stack(
        [centre_x - half_w, centre_y - half_h, centre_x + half_w, centre_y + half_h], axis=1
    )


def preprocess(image: Image.Image) -> np.ndarray:
    """Any PIL image -> the network's input: [1, 300, 300, 3] float32 RGB in [-1, 1]."""
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    resized = rgb.resize((INPUT_SIZE, INPUT_SIZE), Image.Resampling.BILINEAR)
    pixels = np.asarray(resized, dtype=np.float32)
    return (pixels / 127.5 - 1.0)[np.newaxis]


def score_logit(score: float) -> float:
    """The logit whose sigmoid is `score` (±inf at the ends)."""
    if score <= 0.0:
        return -math.inf
    if score >= 1.0:
        return math.inf
    return math.log(score / (1.0 - score))


def postprocess(
    box_encodings: np.ndarray,
    class_logits: np.ndarray,
    *,
    score_floor: float,
    nms_iou: float,
    columns: Sequence[str | None] = FULL_COLUMNS,
) -> list[Detection]:
    """Raw network outputs (one image) -> detections after class-wise NMS, best first.
    `columns`: the label of each class_logits column (column 0, the background, is skipped;
    None: a column without a class)."""
    logits = class_logits.reshape(NUM_ANCHORS, -1)
    if logits.shape[1] != len(columns):
        raise ValueError(f"{logits.shape[1]} class columns, {len(columns)} labels")
    logits = logits[:, 1:]  # column 0 is the background
    # cheap pre-selection on the logits (with a margin for rounding), exact test on the scores
    anchor_idx, class_idx = np.nonzero(logits >= score_logit(score_floor) - 1e-4)
    scores = 1.0 / (1.0 + np.exp(-logits[anchor_idx, class_idx].astype(np.float64)))
    encodings = box_encodings.reshape(NUM_ANCHORS, 4)[anchor_idx]
    boxes = np.clip(decode_boxes(encodings, ssd_anchors()[anchor_idx]), 0.0, 1.0)
    keep = scores >= score_floor
    return classwise_nms(boxes[keep], scores[keep], class_idx[keep] + 1, columns, nms_iou)


class SsdMobileNetDetector:
    """COCO objects in a photo. The session is created on load() or on the first detect()."""

    name = "ssd_mobilenet_v2_coco"

    def __init__(
        self,
        model_path: Path,
        expected_sha256: str,
        *,
        score_floor: float = 0.2,
        nms_iou: float = 0.5,
        threads: int = 1,
    ) -> None:
        self.model_path = Path(model_path)
        self.score_floor = score_floor
        self.nms_iou = nms_iou
        self._model = LazyModel(self.model_path, expected_sha256, threads, self._adopt)
        self._columns: tuple[str | None, ...] = FULL_COLUMNS

    def load(self) -> None:
        """Verify the file and create the session now (ModelFileError if that fails)."""
        self._model.session()

    def classes(self) -> tuple[str, ...]:
        """The COCO classes this model can report, in column order (loads it if need be)."""
        self._model.session()
        return tuple(label for label in self._columns if label is not None)

    def detect(self, image: Image.Image) -> list[Detection]:
        """Objects in an image of any size and mode, after class-wise NMS, best first."""
        session = self._model.session()
        box_encodings, class_logits = session.run(
            [BOX_OUTPUT, CLASS_OUTPUT], {INPUT_NAME: preprocess(image)}
        )
        return postprocess(
            box_encodings,
            class_logits,
            score_floor=self.score_floor,
            nms_iou=self.nms_iou,
            columns=self._columns,
        )

    def _adopt(self, session: onnxruntime.InferenceSession) -> None:
        inputs = [i.name for i in session.get_inputs()]
        outputs = [o.name for o in session.get_outputs()]
        if inputs != [INPUT_NAME] or sorted(outputs) != sorted([BOX_OUTPUT, CLASS_OUTPUT]):
            raise ModelFileError(self.model_path, f"unexpected inputs {inputs} / outputs {outputs}")
        columns = metadata_classes(session, self.model_path, model_columns)
        (logits,) = (o for o in session.get_outputs() if o.name == CLASS_OUTPUT)
        if logits.shape[-1] != len(columns):
            raise ModelFileError(
                self.model_path, f"{CLASS_OUTPUT} {logits.shape}, {len(columns)} class labels"
            )
        self._columns = columns
