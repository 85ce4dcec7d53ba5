"""The PDF inventory report: from the REST route on a real core with real room photos, from
`render_pdf` directly, after a mover's corrections on a real core (move header, hand lines,
items not moving or packed by the customer, excluded photos, a room with no photo), and at
1,000 photos. Its text is read back with pypdf."""

from __future__ import annotations

import io
import shutil
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from bench.report import synthetic_snapshot
from bench.report_pdf import CUSTOM, NAME, core_for, sample_batch
from desktopapp.report import figures
from desktopapp.report.pdf import render_pdf
from desktopapp.report.strings import words as catalogue_words
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
    words = catalogue_words(lang)
    assert summary["totalItems"] > 0 and summary["totalPackedVolume"] <= 12.0
    for label, value in [
        ("items", figures.integer(summary["totalItems"], lang)),
        ("volume", figures.volume(summary["totalVolume"], lang)),
        ("packed", figures.volume(summary["totalPackedVolume"], lang)),
        ("cartons", figures.integer(figures.estimated_cartons(summary), lang)),
        ("truck", figures.truck_class(summary["totalPackedVolume"], lang)),
    ]:
        assert f"{words('report.' + label)} {value} " in text, (label, value)
    (failed,) = [photo for photo in snapshot["photos"] if photo["status"] == "ERROR"]
    assert failed["fileName"] in text
    reason = words.photo_error(failed["errorCode"], failed["errorMessage"])
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
        "report.truck.van",
        "report.truck.van",
        "report.truck.20",
        "report.truck.20",
        "report.truck.30",
        "report.truck.50",
        "report.truck.more",
    ]
    item = {"builtIn": False, "unitVolume_m3": 0.028, "packedVolume_m3": 0.15}
    big = {"builtIn": False, "unitVolume_m3": 1.4, "packedVolume_m3": 1.5}
    fixed = {"builtIn": True, "unitVolume_m3": 0.0, "packedVolume_m3": 0.0}
    summary = {"rooms": [{"items": [item, big, fixed]}, {"items": [item]}]}
    assert figures.estimated_cartons(summary) == 6  # 0.30 m³ of small things / 0.05
    # the customer packs their own boxes; an item not moving takes none
    customer = {**item, "packedBy": "customer"}
    sold = {**item, "notMoving": "sold", "packedVolume_m3": 0.0}
    summary["rooms"].append({"items": [customer, sold, {**item, "packedBy": "mover"}]})
    assert figures.estimated_cartons(summary) == 9
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


@pytest.fixture
def corrected(tmp_path: Path):
    """`bench.report_pdf.sample_batch` on a real core (analyzer "names"): its snapshot and
    a thumbnail lookup that records what it was asked for."""
    core = core_for(tmp_path / "data", workers=2)
    try:
        batch_id = sample_batch(core, tmp_path)
        asked: list[int] = []

        def thumbnails(photo_id: int) -> Path | None:
            asked.append(photo_id)
            found = thumbnail(core.paths, photo_id)
            return found.path if found is not None else None

        yield core.snapshot(batch_id), thumbnails, asked
    finally:
        assert core.stop(timeout=30)


# The sample's figures, by hand (its rooms and items: bench.report_pdf.sample_batch):
# Salon   sofa 1.416 m³ (packed ×1.05: 1.487), coffee table 0.425 (dismountable ×0.735:
#         0.312), armchairs 2 × 0.283 = 0.566 (0.594), vase 0.142 (fragile ×2: 0.284), books
#         6 × 0.057 = 0.342 (×1.1: 0.376, packed by the customer), the user's own clock 0.5
#         (0.525): 12 items, 3.391 m³, packed 3.578 m³
# Cuisine refrigerator (sold: listed, no volume), dining table 0.85 (0.625), chairs
#         4 × 0.142 = 0.568 (0.417), clock 0.05 (fragile: 0.1): 6 items, 1.468, packed 1.142
# Chambre bed 1.699 (1.249), wardrobe 1.416 (1.041), cushions 4 × 0.03 = 0.12 (0.132),
#         mirror (stays): 6 items, 3.235, packed 2.422, no photo (one excluded, one moved)
# Total   24 items, 8.094 m³, packed 7.142 m³: the van. Cartons: the small items the mover
#         packs, clock 0.1 + cushions 0.132 = 0.232 m³ / 0.05 = 4.64: 5 (the customer's
#         books would make it 13). 26 items added by hand (the 24 + the 2 not moving),
#         0 removed; 2 items not moving; 2 photos excluded; 7 of 8 photos done, 1 failed.
ROOM_FIGURES = {  # room: (photos, items, volume, packed)
    "Salon": (2, 12, 3.391, 3.578),
    "Cuisine": (3, 6, 1.468, 1.142),
    "Chambre": (0, 6, 3.235, 2.422),
}


def test_a_corrected_batch_in_french(corrected) -> None:
    snapshot, thumbnails, asked = corrected
    data = render_pdf(snapshot, thumbnails, "fr")
    text = pdf_text(data)
    batch = snapshot["batchId"]
    # the batch's name as the title, HTML printed literally; then the move's header
    assert text.startswith(f"{NAME} Inventaire de déménagement — Dupont Lot n° {batch} ")
    for part in (
        "DÉMÉNAGEMENT Client Mme <b>x</b> Dupont Date du déménagement 14/07/2025",
        "Départ 12 rue Pasteur, 69007 Lyon Étage : 3 · sans ascenseur",
        "Arrivée 3 avenue Foch, 75016 Paris Étage : RDC · avec ascenseur",
        "Notes Piano : prévoir 3 porteurs. Accès par la cour, code 1234.",
        # totals, by hand
        "Objets à déménager 24 Volume des meubles 8,09 m³ Volume emballé 7,14 m³",
        "Cartons estimés 5 Véhicule conseillé Fourgon de 12 m³",
        "Photos 7 analysées sur 8, 1 en échec",
        "Corrections à la main 26 objets ajoutés, 0 retiré",
        "Objets qui ne partent pas 2 Photos écartées 2",
        "les objets emballés par le client n'y sont pas comptés",
        # the rooms: the one with no photo too
        "Cuisine 3 photos · 6 objets · 1,47 m³ · emballé 1,14 m³",
        "Salon 2 photos · 12 objets · 3,39 m³ · emballé 3,58 m³",
        "Chambre aucune photo · 6 objets · 3,23 m³ · emballé 2,42 m³",
        "Objet Qté m³ / unité Manutention Origine m³ emballé",
        # lines: flags, who packs, not moving with its reason, the hand mark
        "Livres 6 0,057 emballé par le client main 0,38",
        "Réfrigérateur 1 1,274 vendu : ne part pas main —",
        "Miroir 1 0,085 reste sur place, fragile main —",
        "Vase 1 0,142 fragile main 0,28",
        "Table basse 1 0,425 démontable main 0,31",
        f"{CUSTOM['name']} 1 0,500 main 0,53",
        "Photos en échec photo-coupee.jpg",
        "Photos écartées (dans aucune pièce) chambre-0.jpg · salon-2.jpg",
    ):
        assert part in text, (part, text)
    assert "Lit double complet (sommier + matelas) 1 1,699 démontable main 1,25" in text
    # the excluded photos are in no room: never drawn, never even asked for
    in_rooms = {"salon-0.jpg", "salon-1.jpg", "cuisine-0.jpg", "cuisine-1.jpg", "chambre-1.jpg"}
    shown = {photo["id"] for photo in snapshot["photos"] if photo["fileName"] in in_rooms}
    assert sorted(asked) == sorted(shown)
    assert data.count(b"/Subtype /Image") == 5
    summary = snapshot["inventorySummary"]
    figures_by_room = {
        room["roomName"]: (
            room["photos"],
            room["itemsCount"],
            room["volume_m3"],
            room["packedVolume_m3"],
        )
        for room in summary["rooms"]
    }
    assert figures_by_room == ROOM_FIGURES
    assert (summary["totalItems"], summary["totalVolume"], summary["totalPackedVolume"]) == (
        24,
        8.094,
        7.142,
    )
    assert figures.estimated_cartons(summary) == 5


def test_a_corrected_batch_in_english(corrected) -> None:
    snapshot, thumbnails, _asked = corrected
    text = pdf_text(render_pdf(snapshot, thumbnails, "en"))
    batch = snapshot["batchId"]
    assert text.startswith(f"{NAME} Moving inventory — Dupont Batch {batch} ")
    for part in (
        "MOVE Customer Mme <b>x</b> Dupont Moving date 2025-07-14",
        "From 12 rue Pasteur, 69007 Lyon Floor: 3 · no lift",
        "To 3 avenue Foch, 75016 Paris Floor: RDC · with lift",
        "Items to move 24 Furniture volume 8.09 m³ Packed volume 7.14 m³",
        "Estimated cartons 5 Suggested vehicle 12 m³ van",
        "Changed by hand 26 items added, 0 removed",
        "Items not moving 2 Excluded photos 2",
        "items the customer packs are not counted",
        "Chambre no photos · 6 items · 3.23 m³ · packed 2.42 m³",
        "Item Qty m³ each Handling Source Packed m³",
        "Books 6 0.057 packed by customer hand 0.38",
        "Refrigerator 1 1.274 sold: not moving hand —",
        "Mirror 1 0.085 stays behind, fragile hand —",
        f"{CUSTOM['name']} 1 0.500 hand 0.53",
        "Excluded photos (in no room) chambre-0.jpg · salon-2.jpg",
        "The picture file is incomplete",
    ):
        assert part in text, (part, text)


def test_a_line_the_hand_changed_shows_what_the_detector_saw(corrected) -> None:
    """The "names" analyzer detects nothing: a detector's line corrected by hand, as the
    summary gives it (source "corrected", detectedQuantity), is made here."""
    snapshot, _thumbnails, _asked = corrected
    summary = snapshot["inventorySummary"]
    salon = next(room for room in summary["rooms"] if room["roomName"] == "Salon")
    sofa = next(line for line in salon["items"] if line["label"] == "sofa")
    sofa.update(quantity=3, detectedQuantity=2, source="corrected")
    summary["handRemovedItems"] = 1
    french = pdf_text(render_pdf(snapshot, lambda _photo_id: None, "fr"))
    assert "Canapé 3 1,416 main (dét. 2) 1,49" in french
    assert "26 objets ajoutés, 1 retiré" in french
    english = pdf_text(render_pdf(snapshot, lambda _photo_id: None, "en"))
    assert "Sofa 3 1.416 hand (det. 2) 1.49" in english
    assert "26 items added, 1 removed" in english
    sofa.update(quantity=2, source="detected")  # as detected: no mark
    assert "Canapé 2 1,416 1,49" in pdf_text(render_pdf(snapshot, lambda _photo_id: None, "fr"))


def test_only_the_header_fields_filled_are_printed(corrected) -> None:
    snapshot, _thumbnails, _asked = corrected
    snapshot["review"]["header"] = {"customer": "M. Martin", "toLift": False, "notes": None}
    text = pdf_text(render_pdf(snapshot, lambda _photo_id: None, "fr"))
    assert "DÉMÉNAGEMENT Client M. Martin Arrivée sans ascenseur TOTAUX" in text
    for absent in ("Date du déménagement", "Départ", "Notes", "Étage"):
        assert absent not in text
    snapshot["review"] = {"name": None, "header": {}}
    text = pdf_text(render_pdf(snapshot, lambda _photo_id: None, "en"))
    assert text.startswith(f"Moving inventory — Dupont Batch {snapshot['batchId']} ")
    assert "MOVE" not in text and "Customer" not in text


def test_a_room_longer_than_a_page_names_itself_where_it_goes_on(corrected) -> None:
    snapshot, _thumbnails, _asked = corrected
    cuisine = next(
        room for room in snapshot["inventorySummary"]["rooms"] if room["roomName"] == "Cuisine"
    )
    chair = next(line for line in cuisine["items"] if line["label"] == "chair")
    cuisine["items"] += [{**chair, "fr": f"Chaise {n}", "en": f"Chair {n}"} for n in range(80)]
    data = render_pdf(snapshot, lambda _photo_id: None, "fr")
    text = pdf_text(data)
    assert page_count(data) >= 3
    assert "Cuisine (suite) Objet Qté m³ / unité Manutention Origine m³ emballé" in text
    assert "Chaise 79 4 0,142 démontable main 0,42" in text
