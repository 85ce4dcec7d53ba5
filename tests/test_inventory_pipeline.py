"""The real pipeline with the bundled detectors on real photos: items, rooms, boxes, volumes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PIL import Image

from desktopapp.core.services import Core
from desktopapp.inventory.detector_analyzer import NO_ANALYZER
from desktopapp.platform.paths import resources_dir
from desktopapp.platform.settings import Settings
from tests.conftest import CORPUS, wait_until_final

HOMEMATCH = CORPUS / "photos" / "shandutta__homematch-v2"


def labels(photo: dict) -> set[str]:
    return {item["label"] for item in photo["items"]}


def by_name(snapshot: dict) -> dict[str, dict]:
    return {photo["fileName"]: photo for photo in snapshot["photos"]}


def test_homematch_photos_give_their_sofa_bed_and_fridge(core):
    paths = [HOMEMATCH / f"mock-home-{n}.jpg" for n in (1, 2, 3)]
    snap = wait_until_final(core, core.create_batch(paths).batch_id, timeout=120)
    photos = by_name(snap)
    assert "sofa" in labels(photos["mock-home-1.jpg"])
    assert "refrigerator" in labels(photos["mock-home-2.jpg"])
    assert "bed" in labels(photos["mock-home-3.jpg"])
    # no folder names a room here: the items do, and the photo says so
    assert photos["mock-home-1.jpg"]["roomType"] == "living_room"
    assert photos["mock-home-3.jpg"]["roomType"] == "bedroom"
    assert photos["mock-home-3.jpg"]["roomSource"] == "items"
    assert photos["mock-home-3.jpg"]["roomCue"] == "bed"
    for photo in photos.values():
        for item in photo["items"]:
            x0, y0, x1, y1 = item["box"]
            assert 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1
            assert 0 < item["confidence"] <= 1 and item["source"] == "detector"
    summary = snap["inventorySummary"]
    assert summary["analyzer"] == core.analyzer.name
    assert summary["totalItems"] >= 3 and summary["totalVolume"] > 1.0
    assert summary["totalPackedVolume"] > 0
    bedroom = next(room for room in summary["rooms"] if room["roomType"] == "bedroom")
    bed = next(line for line in bedroom["items"] if line["label"] == "bed")
    assert bed["quantity"] == 1 and bed["fr"] and bed["photoId"] == photos["mock-home-3.jpg"]["id"]


def test_a_photo_rotated_by_exif_gives_the_same_items_with_boxes_in_the_oriented_frame(
    core, tmp_path
):
    original = HOMEMATCH / "mock-home-1.jpg"
    rotated = tmp_path / "rotated.jpg"
    with Image.open(original) as im:
        exif = Image.Exif()
        exif[0x0112] = 6  # the viewer turns the stored pixels 90° clockwise
        im.transpose(Image.Transpose.ROTATE_90).save(rotated, quality=95, exif=exif)
    snap = wait_until_final(core, core.create_batch([original, rotated]).batch_id, timeout=120)
    photos = by_name(snap)
    upright, turned = photos["mock-home-1.jpg"], photos["rotated.jpg"]
    assert (turned["width"], turned["height"]) == (upright["width"], upright["height"])
    sofa = next(item for item in upright["items"] if item["label"] == "sofa")
    turned_sofa = next(item for item in turned["items"] if item["label"] == "sofa")
    assert turned_sofa["box"] == pytest.approx(sofa["box"], abs=0.03)


def test_one_room_photographed_twice_counts_its_sofa_once(core, tmp_path):
    room = tmp_path / "Salon"
    room.mkdir()
    shutil.copy(HOMEMATCH / "mock-home-1.jpg", room / "vue-1.jpg")
    with Image.open(HOMEMATCH / "mock-home-1.jpg") as im:  # the same room, another framing
        im.transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(room / "vue-2.jpg", quality=92)
    snap = wait_until_final(core, core.create_batch([room]).batch_id, timeout=120)
    assert all("sofa" in labels(photo) for photo in snap["photos"])
    assert {photo["roomSource"] for photo in snap["photos"]} == {"name"}
    (living,) = snap["inventorySummary"]["rooms"]
    assert (living["roomType"], living["roomName"], living["photos"]) == (
        "living_room",
        "Salon",
        2,
    )
    sofa = next(line for line in living["items"] if line["label"] == "sofa")
    assert sofa["quantity"] == 1


@pytest.mark.parametrize("damage", ["flipped_byte", "missing"])
def test_a_damaged_model_file_is_named_and_photos_still_end_done(tmp_path, monkeypatch, damage):
    resources = tmp_path / "resources"
    shutil.copytree(resources_dir(), resources, ignore=shutil.ignore_patterns("models"))
    models = resources / "models"
    shutil.copytree(resources_dir() / "models", models)
    model = sorted(models.glob("*.onnx"))[0]
    if damage == "missing":
        model.unlink()
    else:
        data = bytearray(model.read_bytes())
        data[len(data) // 2] ^= 0xFF
        model.write_bytes(bytes(data))
    monkeypatch.setattr("desktopapp.core.services.resources_dir", lambda: resources)
    core = Core(Settings(data_dir=tmp_path / "data", workers=1))
    core.start()
    try:
        assert core.analyzer.prepare() is False
        problem = core.analyzer_problem()
        assert model.name in problem and "Object detection is off" in problem
        photo = tmp_path / "Cuisine" / "a.jpg"
        photo.parent.mkdir()
        shutil.copy(HOMEMATCH / "mock-home-2.jpg", photo)
        snap = wait_until_final(core, core.create_batch([photo]).batch_id)
        (done,) = snap["photos"]
        assert done["status"] == "DONE" and NO_ANALYZER in done["flags"]
        assert done["roomType"] == "kitchen" and done["items"] == []
        assert any(model.name in notice for notice in snap["notices"])
    finally:
        assert core.stop(timeout=30)


def test_the_bundled_models_are_the_ones_pinned():
    import hashlib

    from desktopapp.inventory.detectors import nanodet, ssd_mobilenet

    models = Path(resources_dir()) / "models"
    for file, digest in (
        (ssd_mobilenet.SSD_FILE, ssd_mobilenet.SSD_SHA256),
        (nanodet.NANODET_FILE, nanodet.NANODET_SHA256),
    ):
        assert hashlib.sha256((models / file).read_bytes()).hexdigest() == digest
        assert (models / file).with_suffix(".PROVENANCE.md").is_file()


def test_the_users_volumes_reach_the_stream_the_rest_state_and_the_terminal(tmp_path):
    from desktopapp.server.api_types import ServerApi

    data = tmp_path / "data"
    data.mkdir()
    (data / "volumes.json").write_text('{"sofa": 9.0}', encoding="utf-8")
    core = Core(Settings(data_dir=data, workers=1))
    core.start()
    try:
        snap = wait_until_final(core, core.create_batch([HOMEMATCH / "mock-home-1.jpg"]).batch_id)
        api = ServerApi.from_core(core)
        streamed, _head = api.snapshot_at_head(snap["batchId"])
        for state in (core.snapshot(snap["batchId"]), api.snapshot(snap["batchId"]), streamed):
            (room,) = state["inventorySummary"]["rooms"]
            sofa = next(line for line in room["items"] if line["label"] == "sofa")
            assert sofa["unitVolume_m3"] == 9.0
    finally:
        assert core.stop(timeout=30)


def test_a_detector_failing_on_one_photo_keeps_the_photo(core, tmp_path, caplog):
    from desktopapp.inventory.detector_analyzer import DETECTOR_FAILED

    analyzer = core.analyzer
    assert analyzer.prepare()

    class Exhausted:  # what onnxruntime raises when a run cannot get its memory
        name = "exhausted"

        def detect(self, image):
            raise MemoryError("onnxruntime: failed to allocate")

    working, analyzer._detector = analyzer._detector, Exhausted()
    try:
        photo = tmp_path / "Salon" / "a.jpg"
        photo.parent.mkdir()
        shutil.copy(HOMEMATCH / "mock-home-1.jpg", photo)
        snap = wait_until_final(core, core.create_batch([photo]).batch_id)
    finally:
        analyzer._detector = working
    (done,) = snap["photos"]
    assert done["status"] == "DONE" and DETECTOR_FAILED in done["flags"]
    assert done["roomType"] == "living_room" and done["items"] == []
    assert "the detector failed" in caplog.text
