"""The PDF inventory report: from the REST route on a real core with real room photos, from
`render_pdf` directly, and at 1,000 photos. Its text is read back with pypdf."""

from __future__ import annotations

import io
import shutil
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from bench.report import synthetic_snapshot
from desktopapp.report import figures
from desktopapp.report.pdf import render_pdf
from desktopapp.report.strings import ERRORS_FR, STRINGS
from desktopapp.server.queries import thumbnail
from desktopapp.server.routes_api import report_language
from tests.conftest import wait_until_final

pytest_plugins = ["tests.test_server_support"]

HOMEMATCH = Path(__file__).resolve().parents[2] / "shared/corpus/photos/shandutta__homematch-v2"
ROOMS = {"Salon": "mock-home-1.jpg", "Cuisine": "mock-home-2.jpg", "Chambre": "mock-home-3.jpg"}
PROJECT = "Rue Pasteur <b>&amp;</b> fils"
MAX_BYTES = 10 * 1024 * 1024


def pdf_text(data: bytes) -> str:
    """All pages' text, every run of white space made one space (wrapped lines join)."""
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def page_count(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def drop(tmp_path: Path) -> Path:
    """Three real room photos in Salon/, Cuisine/, Chambre/, and one cut-off copy."""
    if not HOMEMATCH.is_dir():
        pytest.skip(f"no corpus at {HOMEMATCH}")
    folder = tmp_path / "Maison"
    for room, name in ROOMS.items():
        (folder / room).mkdir(parents=True)
        shutil.copy(HOMEMATCH / name, folder / room / name)
    (folder / "photo-coupee.jpg").write_bytes((HOMEMATCH / "mock-home-1.jpg").read_bytes()[:5000])
    return folder


async def processed(harness, drop: Path) -> dict:
    batch_id = await harness.create_batch([drop], project=PROJECT)
    harness.core.start()
    final = wait_until_final(harness.core, batch_id)
    assert final["status"] == "PARTIAL"
    assert final["counts"] == {**final["counts"], "completed": 3, "failed": 1}
    return harness.core.snapshot(batch_id)  # with the project name and date


def assert_report(text: str, snapshot: dict, lang: str) -> None:
    summary = snapshot["inventorySummary"]
    room_names = {room["roomName"] for room in summary["rooms"]}
    assert room_names == set(ROOMS)
    for name in ROOMS:
        assert name in text
    for room in summary["rooms"]:
        for item in room["items"]:
            assert item[lang] in text, (item[lang], text)
    words = STRINGS[lang]
    assert summary["totalItems"] > 0 and summary["totalPackedVolume"] <= 12.0
    for label, value in [
        ("items", figures.integer(summary["totalItems"], lang)),
        ("volume", figures.volume(summary["totalVolume"], lang)),
        ("packed", figures.volume(summary["totalPackedVolume"], lang)),
        ("cartons", figures.integer(figures.estimated_cartons(summary), lang)),
        ("truck", figures.truck_class(summary["totalPackedVolume"], lang)),
    ]:
        assert f"{words[label]} {value} " in text, (label, value)
    (failed,) = [photo for photo in snapshot["photos"] if photo["status"] == "ERROR"]
    assert failed["fileName"] in text
    reason = ERRORS_FR[failed["errorCode"]] if lang == "fr" else failed["errorMessage"]
    assert " ".join(reason.split()) in text
    assert PROJECT in text  # printed literally, never read as HTML
    assert f"{snapshot['batchId']}" in text


async def test_report_from_the_rest_route(harness, drop: Path) -> None:
    snapshot = await processed(harness, drop)
    batch_id = snapshot["batchId"]
    path = f"/api/batches/{batch_id}/report.pdf"

    response = await harness.get(f"{path}?lang=fr")
    assert response.status == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert (
        response.headers["Content-Disposition"]
        == f'attachment; filename="photolot-batch-{batch_id}.pdf"'
    )
    french = await response.read()
    text = pdf_text(french)
    assert text.startswith(f"Inventaire de déménagement — {PROJECT} Lot n° {batch_id}")
    assert_report(text, snapshot, "fr")
    assert "Pièce" not in text  # rooms named by their folders, not their types
    assert "Fourgon de 12 m³" in text and "Véhicule conseillé" in text
    assert "page 1/" in text

    english = pdf_text(await (await harness.get(f"{path}?lang=en")).read())
    assert english.startswith(f"Moving inventory — {PROJECT} Batch {batch_id}")
    assert_report(english, snapshot, "en")
    assert "12 m³ van" in english

    # the language: ?lang= first, else Accept-Language, else English
    accept = {"Accept-Language": "de-DE, fr-CH;q=0.9, en;q=0.8"}
    by_header = pdf_text(await (await harness.get(path, headers=accept)).read())
    assert by_header.startswith("Inventaire de déménagement")
    plain = pdf_text(await (await harness.get(path)).read())
    assert plain.startswith("Moving inventory")
    response = await harness.get(f"{path}?lang=de")
    assert response.status == 400
    assert (await response.json())["error"]["code"] == "bad_language"

    # the same credential as the other reads; unknown batches are 404
    assert (await harness.get(path, auth=False)).status == 401
    response = await harness.get("/api/batches/999/report.pdf")
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "batch_not_found"


async def test_render_pdf_directly(harness, drop: Path) -> None:
    snapshot = await processed(harness, drop)

    asked = []

    def thumbnails(photo_id: int) -> Path | None:
        asked.append(photo_id)
        found = thumbnail(harness.core.paths, photo_id)  # the core's thumbs/<sha256>.jpg
        return found.path if found is not None else None

    data = render_pdf(snapshot, thumbnails, "en")
    assert data.startswith(b"%PDF")
    assert_report(pdf_text(data), snapshot, "en")
    assert data.count(b"/Subtype /Image") == 3  # the three rooms' thumbnails
    done = {photo["id"] for photo in snapshot["photos"] if photo["status"] == "DONE"}
    assert sorted(asked) == sorted(done)  # asked only for the photos it shows

    # a room named with markup prints it literally; built-in items say they stay
    snapshot["inventorySummary"]["rooms"][0]["roomName"] = "<b>&amp;</b> Grenier"
    for photo in snapshot["photos"]:
        photo["roomName"] = None  # no thumbnails found for rooms: still renders
    text = pdf_text(render_pdf(snapshot, lambda _photo_id: None, "fr"))
    assert "<b>&amp;</b> Grenier" in text
    built_in = [
        item
        for room in snapshot["inventorySummary"]["rooms"]
        for item in room["items"]
        if item["builtIn"]
    ]
    if built_in:
        assert "intégré : non déménagé" in text


def test_empty_batch_and_unknown_language() -> None:
    snapshot = {
        "batchId": 7,
        "project": "Vide",
        "createdAt": None,
        "counts": {"total": 0, "completed": 0, "failed": 0},
        "photos": [],
        "inventorySummary": {"totalItems": 0, "totalVolume": 0, "rooms": []},
    }
    text = pdf_text(render_pdf(snapshot, lambda _photo_id: None, "xx"))
    assert "Moving inventory — Vide" in text and "No photo analysed yet." in text
    assert "No photo failed." in text and "12 m³ van" in text


def test_figures() -> None:
    assert figures.volume(7.375, "fr") == "7,38 m³"
    assert figures.volume(1234.5, "en") == "1,234.50 m³"
    assert figures.volume(1234.5, "fr") == "1\u202f234,50 m³"
    assert [figures.truck_key(v) for v in (0, 12, 12.01, 20, 30, 50, 50.5)] == [
        "truck.van",
        "truck.van",
        "truck.20",
        "truck.20",
        "truck.30",
        "truck.50",
        "truck.more",
    ]
    item = {"builtIn": False, "unitVolume_m3": 0.028, "packedVolume_m3": 0.15}
    big = {"builtIn": False, "unitVolume_m3": 1.4, "packedVolume_m3": 1.5}
    fixed = {"builtIn": True, "unitVolume_m3": 0.0, "packedVolume_m3": 0.0}
    summary = {"rooms": [{"items": [item, big, fixed]}, {"items": [item]}]}
    assert figures.estimated_cartons(summary) == 6  # 0.30 m³ of small things / 0.05
    assert figures.estimated_cartons({"rooms": []}) == 0
    assert report_language(None, None) == "en"
    assert report_language(None, "fr-FR,fr;q=0.9") == "fr"
    assert report_language(None, "en-GB, fr;q=0.5") == "en"
    assert report_language(None, "fr;q=0, en;q=0.1") == "en"
    assert report_language("fr", "en") == "fr"


def test_thousand_photos_stay_small(tmp_path: Path) -> None:
    """1,000 photos (one real 320 px thumbnail for all), 100 rooms, 50 failed: ≤ 10 MB.
    The time is printed, not asserted (bench/report.py measures it)."""
    from PIL import Image

    thumb = tmp_path / "thumb.jpg"
    source = HOMEMATCH / "mock-home-1.jpg"
    if source.is_file():
        with Image.open(source) as image:
            picture = image.convert("RGB")
    else:
        picture = Image.effect_noise((640, 480), 50).convert("RGB")
    picture.thumbnail((320, 320))
    picture.save(thumb, quality=85)
    snapshot = synthetic_snapshot(1000, 100)
    started = time.perf_counter()
    data = render_pdf(snapshot, lambda _photo_id: thumb, "fr")
    elapsed = time.perf_counter() - started
    pages = page_count(data)
    print(f"\n1,000-photo report: {elapsed:.2f} s, {len(data) / 1e6:.2f} MB, {pages} pages")
    assert len(data) <= MAX_BYTES
    text = pdf_text(data)
    assert "Pièce 100" in text and "+3 autres" in text and "photo-0999.jpg" in text
    assert figures.volume(snapshot["inventorySummary"]["totalPackedVolume"], "fr") in text
