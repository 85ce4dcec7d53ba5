"""NanoDet-g 416 on onnxruntime: decoding, model-file errors, the class list stored in the
committed resources/models/nanodet_g_416.onnx, and the homematch photos."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps

from desktopapp.inventory.detectors.base import Detection, ModelFileError
from desktopapp.inventory.detectors.coco import COCO80
from desktopapp.inventory.detectors.nanodet import (
    CLASSES_KEY,
    INPUT_SIZE,
    NANODET_FILE,
    NANODET_SHA256,
    NanoDetDetector,
    output_names,
    parse_classes,
    postprocess,
    preprocess,
)

REPO = Path(__file__).resolve().parents[1]
MODEL = REPO / "resources" / "models" / NANODET_FILE
CATALOGUE = REPO / "resources" / "inventory" / "catalogue.json"

# photo -> (a COCO class it must find, that object's box drawn by hand on the photo)
HOMEMATCH = {
    "mock-home-1.jpg": ("couch", (0.21, 0.58, 0.73, 0.88)),
    "mock-home-2.jpg": ("refrigerator", (0.0, 0.17, 0.175, 0.97)),
    "mock-home-3.jpg": ("bed", (0.02, 0.40, 1.0, 1.0)),
}


def iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    width = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    height = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = width * height
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union


def empty_outputs(classes: int = 80) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    return {
        stride: (
            np.zeros((1, (INPUT_SIZE // stride) ** 2, classes), np.float32),
            np.zeros((1, (INPUT_SIZE // stride) ** 2, 44), np.float32),
        )
        for stride in (8, 16, 32)
    }


def peaked(bins: tuple[int, int, int, int]) -> np.ndarray:
    """Box logits whose distribution on each side is (almost) all on one bin."""
    logits = np.full((4, 11), -50.0, np.float32)
    logits[np.arange(4), bins] = 50.0
    return logits.ravel()


def test_decoding_from_cell_centres():
    outputs = empty_outputs()
    scores, boxes = outputs[32]
    cell = 6 * 13 + 6  # row 6, column 6 of the 13×13 grid: centre (208, 208)
    scores[0, cell, COCO80.index("couch")] = 0.9
    boxes[0, cell] = peaked((2, 1, 3, 4))  # left 64, top 32, right 96, bottom 128 pixels
    scores2, boxes2 = outputs[8]
    scores2[0, 0, COCO80.index("cup")] = 0.5  # cell (0, 0): centre (4, 4), clipped at 0
    boxes2[0, 0] = peaked((1, 1, 1, 1))
    found = postprocess(outputs, score_floor=0.2, nms_iou=0.5)
    assert [d.coco_label for d in found] == ["couch", "cup"]
    assert found[0].score == pytest.approx(0.9)
    expected = (144 / 416, 176 / 416, 304 / 416, 336 / 416)
    assert found[0].box == pytest.approx(expected, abs=1e-5)
    assert found[1].box == pytest.approx((0.0, 0.0, 12 / 416, 12 / 416), abs=1e-5)


def test_score_floor_and_classwise_nms():
    outputs = empty_outputs()
    scores, boxes = outputs[16]
    for cell, score in ((100, 0.8), (101, 0.7)):  # neighbours, same big box: one is kept
        scores[0, cell, COCO80.index("chair")] = score
        boxes[0, cell] = peaked((5, 5, 5, 5))
    scores[0, 101, COCO80.index("couch")] = 0.6  # another class: NMS leaves it alone
    scores[0, 300, COCO80.index("bed")] = 0.1  # under the floor
    found = postprocess(outputs, score_floor=0.2, nms_iou=0.5)
    assert [(d.coco_label, round(d.score, 2)) for d in found] == [("chair", 0.8), ("couch", 0.6)]


def test_labels_name_the_columns():
    outputs = empty_outputs(classes=2)
    scores, boxes = outputs[32]
    scores[0, 0, 1] = 0.9
    boxes[0, 0] = peaked((1, 1, 1, 1))
    labels = parse_classes('["couch", "bed"]')
    found = postprocess(outputs, score_floor=0.2, nms_iou=0.5, labels=labels)
    assert [d.coco_label for d in found] == ["bed"]
    with pytest.raises(ValueError, match="labels"):
        postprocess(outputs, score_floor=0.2, nms_iou=0.5)  # 2 columns, 80 labels


@pytest.mark.parametrize("text", ["[]", '["sofa"]', '["bed", "bed"]', '"bed"', "{"])
def test_bad_class_lists_are_refused(text: str):
    with pytest.raises(ValueError):
        parse_classes(text)


def test_preprocess_is_bgr_normalised_nchw():
    image = Image.new("RGB", (640, 480), (200, 100, 10))
    x = preprocess(image)
    assert x.shape == (1, 3, 416, 416)
    assert x.dtype == np.float32
    blue, green, red = (10 - 103.53) / 57.375, (100 - 116.28) / 57.12, (200 - 123.675) / 58.395
    assert np.allclose(x[0, :, 200, 300], [blue, green, red])


def test_missing_model_names_the_file(tmp_path: Path):
    path = tmp_path / NANODET_FILE
    with pytest.raises(ModelFileError, match="missing") as caught:
        NanoDetDetector(path).load()
    assert caught.value.path == path


def test_checksum_mismatch(tmp_path: Path):
    path = tmp_path / NANODET_FILE
    path.write_bytes(b"not a model")
    with pytest.raises(ModelFileError, match="SHA-256"):
        NanoDetDetector(path, "0" * 64).load()


def test_unloadable_model(tmp_path: Path):
    pytest.importorskip("onnxruntime")
    path = tmp_path / NANODET_FILE
    path.write_bytes(b"not a model")
    with pytest.raises(ModelFileError, match="onnxruntime cannot load it"):
        NanoDetDetector(path).load()


@pytest.fixture(scope="module")
def detector() -> NanoDetDetector:
    found = NanoDetDetector(MODEL, NANODET_SHA256)
    found.load()
    return found


def test_checksum_constant():
    assert hashlib.sha256(MODEL.read_bytes()).hexdigest() == NANODET_SHA256


def test_flipped_byte_is_refused(tmp_path: Path):
    data = bytearray(MODEL.read_bytes())
    data[len(data) // 2] ^= 0x01
    damaged = tmp_path / NANODET_FILE
    damaged.write_bytes(data)
    with pytest.raises(ModelFileError, match="SHA-256"):
        NanoDetDetector(damaged, NANODET_SHA256).load()


def test_class_list_comes_from_the_file(detector: NanoDetDetector):
    import onnxruntime

    session = onnxruntime.InferenceSession(str(MODEL), providers=["CPUExecutionProvider"])
    stored = json.loads(session.get_modelmeta().custom_metadata_map[CLASSES_KEY])
    assert list(detector.classes()) == stored
    shapes = {o.name: o.shape for o in session.get_outputs()}
    for stride in (8, 16, 32):
        scores, boxes = output_names(stride)
        cells = (INPUT_SIZE // stride) ** 2
        assert shapes[scores] == [1, cells, len(stored)]
        assert shapes[boxes] == [1, cells, 44]
    # the kept classes: those the catalogue maps to items, in COCO order
    items = json.loads(CATALOGUE.read_text(encoding="utf-8"))["items"]
    assert set(stored) == {name for item in items for name in item["detector"]}
    assert stored == sorted(stored, key=COCO80.index)


@pytest.mark.parametrize("photo", sorted(HOMEMATCH))
def test_homematch_photos(detector: NanoDetDetector, corpus: Path, photo: str):
    label, drawn = HOMEMATCH[photo]
    with Image.open(corpus / "photos" / "shandutta__homematch-v2" / photo) as image:
        rgb = ImageOps.exif_transpose(image).convert("RGB")
    found = detector.detect(rgb)

    assert all(isinstance(d, Detection) and d.coco_label in detector.classes() for d in found)
    assert [d.score for d in found] == sorted((d.score for d in found), reverse=True)
    assert all(d.score >= 0.2 for d in found)
    for d in found:
        x0, y0, x1, y1 = d.box
        assert 0.0 <= x0 < x1 <= 1.0
        assert 0.0 <= y0 < y1 <= 1.0
    best = max((d for d in found if d.coco_label == label), key=lambda d: d.score, default=None)
    assert best is not None, f"no {label} in {photo}: {found}"
    assert best.score >= 0.35
    assert iou(best.box, drawn) >= 0.6, f"{label} box {best.box}, drawn {drawn}"
