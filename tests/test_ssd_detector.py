"""SSD MobileNet v2 COCO: the committed ONNX file, run by onnxruntime on the real corpus photos."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from desktopapp.inventory.detectors.base import Detection, ModelFileError
from desktopapp.inventory.detectors.coco import COCO80, COCO_LABELS
from desktopapp.inventory.detectors.ssd_mobilenet import (
    CLASS_OUTPUT,
    CLASSES_KEY,
    FULL_COLUMNS,
    NUM_ANCHORS,
    SSD_FILE,
    SSD_SHA256,
    SsdMobileNetDetector,
    parse_columns,
    postprocess,
    ssd_anchors,
)

REPO = Path(__file__).resolve().parents[1]
MODEL = REPO / "resources" / "models" / SSD_FILE
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
HOMEMATCH = CORPUS / "photos" / "shandutta__homematch-v2"
CATALOGUE = REPO / "resources" / "inventory" / "catalogue.json"


def catalogue_classes() -> set[str]:
    items = json.loads(CATALOGUE.read_text(encoding="utf-8"))["items"]
    return {name for item in items for name in item["detector"]}


@pytest.fixture(scope="module")
def detector() -> SsdMobileNetDetector:
    detector = SsdMobileNetDetector(MODEL, SSD_SHA256)
    detector.load()
    return detector


def detect(detector: SsdMobileNetDetector, name: str) -> list[Detection]:
    with Image.open(HOMEMATCH / name) as image:
        return detector.detect(image)


@pytest.mark.parametrize(
    ("photo", "label", "min_score", "first"),
    [
        ("mock-home-1.jpg", "couch", 0.9, True),
        ("mock-home-3.jpg", "bed", 0.85, True),
        ("mock-home-2.jpg", "refrigerator", 0.4, False),
    ],
)
def test_homematch_photos(
    detector: SsdMobileNetDetector, photo: str, label: str, min_score: float, first: bool
) -> None:
    detections = detect(detector, photo)
    best = max((d.score for d in detections if d.coco_label == label), default=0.0)
    assert best >= min_score, detections
    if first:
        assert detections[0].coco_label == label


@pytest.mark.parametrize("photo", ["mock-home-1.jpg", "mock-home-2.jpg", "mock-home-3.jpg"])
def test_detections_are_well_formed(detector: SsdMobileNetDetector, photo: str) -> None:
    detections = detect(detector, photo)
    assert detections
    scores = [d.score for d in detections]
    assert scores == sorted(scores, reverse=True)
    for d in detections:
        assert d.coco_label in detector.classes()
        assert detector.score_floor <= d.score <= 1.0
        x0, y0, x1, y1 = d.box
        assert 0.0 <= x0 < x1 <= 1.0
        assert 0.0 <= y0 < y1 <= 1.0


def test_checksum_constant() -> None:
    assert hashlib.sha256(MODEL.read_bytes()).hexdigest() == SSD_SHA256


def test_class_list_comes_from_the_file(detector: SsdMobileNetDetector) -> None:
    import onnxruntime

    session = onnxruntime.InferenceSession(str(MODEL), providers=["CPUExecutionProvider"])
    stored = json.loads(session.get_modelmeta().custom_metadata_map[CLASSES_KEY])
    (logits,) = (o for o in session.get_outputs() if o.name == CLASS_OUTPUT)
    assert logits.shape == [1, NUM_ANCHORS, len(stored)]
    assert stored[0] == "background"
    assert list(detector.classes()) == stored[1:]
    # the kept classes: those the catalogue maps to items, in COCO category-id order
    assert set(stored[1:]) == catalogue_classes()
    ids = {label: category for category, label in COCO_LABELS.items()}
    assert stored[1:] == sorted(stored[1:], key=ids.__getitem__)


def test_columns_name_the_detections() -> None:
    logits = np.full((1, NUM_ANCHORS, 3), -20.0, np.float32)
    logits[0, 5, 2] = 3.0  # anchor 5, column 2
    logits[0, 9, 0] = 9.0  # the background column is never a detection
    encodings = np.zeros((1, NUM_ANCHORS, 1, 4), np.float32)
    columns = parse_columns('["background", "couch", "bed"]')
    found = postprocess(encodings, logits, score_floor=0.5, nms_iou=0.5, columns=columns)
    assert [d.coco_label for d in found] == ["bed"]
    full = np.full((1, NUM_ANCHORS, 91), -20.0, np.float32)
    full[0, 5, 65] = 3.0  # without metadata: column = COCO category id (65: bed)
    full[0, 6, 12] = 3.0  # 12: an unused id, no class
    found = postprocess(encodings, full, score_floor=0.5, nms_iou=0.5, columns=FULL_COLUMNS)
    assert [d.coco_label for d in found] == ["bed"]
    with pytest.raises(ValueError, match="labels"):
        postprocess(encodings, logits, score_floor=0.5, nms_iou=0.5)  # 3 columns, 91 labels


@pytest.mark.parametrize(
    "text", ["[]", '["couch"]', '["background", "sofa"]', '["background", "bed", "bed"]', "{"]
)
def test_bad_class_lists_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_columns(text)


def test_any_image_mode(detector: SsdMobileNetDetector) -> None:
    with Image.open(HOMEMATCH / "mock-home-3.jpg") as image:
        grey = image.convert("L")
    detections = detector.detect(grey)
    assert all(isinstance(d, Detection) for d in detections)


def test_flipped_byte_is_refused(tmp_path: Path) -> None:
    data = bytearray(MODEL.read_bytes())
    data[len(data) // 2] ^= 0x01
    damaged = tmp_path / SSD_FILE
    damaged.write_bytes(data)
    detector = SsdMobileNetDetector(damaged, SSD_SHA256)
    with pytest.raises(ModelFileError, match="SHA-256") as caught:
        detector.load()
    assert caught.value.path == damaged
    assert str(damaged) in str(caught.value)
    with pytest.raises(ModelFileError):  # detect() checks too, and keeps refusing
        detector.detect(Image.new("RGB", (64, 64)))


def test_missing_file_is_refused_on_first_use(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / SSD_FILE
    detector = SsdMobileNetDetector(missing, SSD_SHA256)  # nothing happens before first use
    with pytest.raises(ModelFileError, match="missing") as caught:
        detector.detect(Image.new("RGB", (64, 64)))
    assert caught.value.path == missing
    assert str(missing) in str(caught.value)


def test_file_onnxruntime_cannot_load_is_refused(tmp_path: Path) -> None:
    import hashlib

    garbage = tmp_path / "garbage.onnx"
    garbage.write_bytes(b"not an onnx model")
    detector = SsdMobileNetDetector(garbage, hashlib.sha256(b"not an onnx model").hexdigest())
    with pytest.raises(ModelFileError, match="onnxruntime") as caught:
        detector.load()
    assert caught.value.path == garbage


def test_anchors() -> None:
    anchors = ssd_anchors()
    assert anchors.shape == (1917, 4)
    # first position of the 19×19 map: scale 0.1 ratio 1, then scale 0.2 ratios 2 and ½
    first = anchors[:3]
    np.testing.assert_allclose(first[:, :2], 0.5 / 19, rtol=1e-6)
    np.testing.assert_allclose(
        first[:, 2:],
        [[0.1, 0.1], [0.2 / 2**0.5, 0.2 * 2**0.5], [0.2 * 2**0.5, 0.2 / 2**0.5]],
        rtol=1e-6,
    )
    # last anchor: the 1×1 map's interpolated box, scale √(0.95·1.0), centred
    np.testing.assert_allclose(anchors[-1], [0.5, 0.5, 0.95**0.5, 0.95**0.5], rtol=1e-6)


def test_coco_tables() -> None:
    assert len(COCO_LABELS) == 80
    assert len(COCO80) == 80
    assert sorted(set(range(1, 91)) - set(COCO_LABELS)) == [12, 26, 29, 30, 45, 66, 68, 69, 71, 83]
    assert (COCO80[0], COCO80[56], COCO80[57], COCO80[62], COCO80[79]) == (
        "person",
        "chair",
        "couch",
        "tv",
        "toothbrush",
    )
    assert COCO_LABELS[67] == "dining table"
    assert COCO_LABELS[82] == "refrigerator"
