"""The CSV export as a pure function of a snapshot: photo rows, rooms, totals, item lines; and
of a real core's snapshot after a mover's corrections (move header, hand lines, items not
moving or packed by the customer, an excluded photo, a room with no photo)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from bench.report_pdf import CUSTOM, HEADER, NAME, core_for, sample_batch
from desktopapp.server.export import (
    ITEM_HEADER,
    MOVE_HEADER,
    PHOTO_HEADER,
    batch_csv,
    language_of,
    number_cell,
    text_cell,
)


def item(label: str, fr: str, en: str, quantity: int, unit: float, **extra: Any) -> dict:
    built_in = extra.get("builtIn", False)
    volume = 0.0 if built_in else round(unit * quantity, 3)
    return {
        "label": label,
        "fr": fr,
        "en": en,
        "quantity": quantity,
        "unitVolume_m3": unit,
        "volume_m3": volume,
        "packedVolume_m3": extra.get("packed", volume),
        "fragile": extra.get("fragile", False),
        "dismountable": extra.get("dismountable", False),
        "builtIn": built_in,
        "photoId": 1,
    }


SNAPSHOT = {
    "photos": [
        {
            "fileName": "salon.jpg",
            "status": "DONE",
            "roomType": "living_room",
            "width": 4032,
            "height": 3024,
            "errorCode": None,
            "errorMessage": None,
            "flags": [],
            "itemsCount": 3,
        }
    ],
    "inventorySummary": {
        "totalItems": 5,
        "totalVolume": 2.126,
        "totalPackedVolume": 2.452,
        "analyzer": "ssd_mobilenet_v2",
        "rooms": [
            {
                "roomType": "living_room",
                "roomName": None,
                "photos": 1,
                "itemsCount": 3,
                "volume_m3": 1.7,
                "packedVolume_m3": 1.9,
                "items": [
                    item("sofa", "Canapé", "Sofa", 1, 1.416, packed=1.487),
                    item("chair", "Chaise", "Chair", 2, 0.142, dismountable=True, packed=0.2),
                ],
            },
            {
                "roomType": "kitchen",
                "roomName": "=Cuisine 2",
                "photos": 2,
                "itemsCount": 2,
                "volume_m3": 0.426,
                "packedVolume_m3": 0.552,
                "items": [
                    item("vase", "Vase", "Vase", 2, 0.213, fragile=True, packed=0.552),
                    item("sink", "Évier", "Sink", 1, 0.1, builtIn=True),
                ],
            },
        ],
    },
}


def rows_of(data: bytes) -> list[list[str]]:
    """The rows; every line ends CRLF (a bare LF only inside a quoted cell: the notes)."""
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    outside = "".join(part for index, part in enumerate(text.split('"')) if index % 2 == 0)
    assert "\n" not in outside.replace("\r\n", "")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def test_rooms_totals_and_one_row_per_item() -> None:
    rows = rows_of(batch_csv(SNAPSHOT))
    first_blank = rows.index([])
    second_blank = rows.index([], first_blank + 1)
    inventory = rows[first_blank + 1 : second_blank]
    assert inventory == [
        ["Room", "Photos", "Items", "Volume (m³)", "Packed volume (m³)"],
        ["Living room", "1", "3", "1,7", "1,9"],
        ["'=Cuisine 2", "2", "2", "0,426", "0,552"],  # a folder's name, defused
        ["Total", "3", "5", "2,126", "2,452"],
    ]
    assert rows[second_blank + 1] == list(ITEM_HEADER)
    lines = rows[second_blank + 2 :]  # a line without "source" (older data): detected
    assert [line[:7] for line in lines] == [
        ["Living room", "sofa", "Sofa", "1", "1,416", "1,416", "1,487"],
        ["Living room", "chair", "Chair", "2", "0,142", "0,284", "0,2"],
        ["'=Cuisine 2", "vase", "Vase", "2", "0,213", "0,426", "0,552"],
        ["'=Cuisine 2", "sink", "Sink", "1", "0,1", "0", "0"],
    ]
    no, yes, found, mover = "no", "yes", "detected", "mover"
    assert [line[7:] for line in lines] == [
        [no, no, no, "", mover, found, "1"],
        [no, yes, no, "", mover, found, "2"],
        [yes, no, no, "", mover, found, "2"],
        [no, no, yes, "", mover, found, "1"],
    ]
    assert rows[0] == list(PHOTO_HEADER)  # no name, no header: no move section
    assert rows[1][-1] == "no"  # not excluded


def test_in_french_headers_rooms_items_and_words_are_french() -> None:
    rows = rows_of(batch_csv(SNAPSHOT, "fr"))
    assert rows[0][:3] == ["Fichier", "État", "Pièce"]
    first_blank = rows.index([])
    second_blank = rows.index([], first_blank + 1)
    assert rows[first_blank + 1][0] == "Pièce" and rows[first_blank + 2][0] == "Salon"
    assert rows[second_blank - 1][0] == "Total"
    header = rows[second_blank + 1]
    assert header[:3] == ["Pièce", "Objet", "Nom"]
    assert header[-4:] == ["Ne part pas", "Emballé par", "Origine", "Quantité détectée"]
    sofa, chair = rows[second_blank + 2], rows[second_blank + 3]
    assert sofa[:3] == ["Salon", "sofa", "Canapé"]
    assert sofa[-7:] == ["non", "non", "non", "", "déménageur", "détecté", "1"]
    assert chair[2] == "Chaise" and chair[8] == "oui"


@pytest.mark.parametrize(
    ("query", "accept", "expected"),
    [
        ("fr", None, "fr"),
        ("en", "fr-FR,fr;q=0.9", "en"),
        (None, "fr-CA,fr;q=0.9,en;q=0.8", "fr"),
        (None, "de-DE,en;q=0.5", "en"),
        ("xx", None, "en"),
        (None, None, "en"),
    ],
)
def test_the_language_comes_from_the_query_then_the_browser(query, accept, expected) -> None:
    assert language_of(query, accept) == expected


def test_an_empty_inventory_still_has_both_headers() -> None:
    empty = {"photos": [], "inventorySummary": {"totalItems": 0, "totalVolume": 0, "rooms": []}}
    rows = rows_of(batch_csv(empty))
    assert rows[-3:] == [["Total", "0", "0", "0", "0"], [], list(ITEM_HEADER)]


def test_cells() -> None:
    assert number_cell(0.1 + 0.2) == "0,3"
    assert number_cell(None) == ""
    assert number_cell(-0.0001) == "0"
    assert text_cell("+33 6") == "'+33 6"
    assert text_cell("@SUM(A1)") == "'@SUM(A1)"
    assert text_cell(None) == ""


def sections(rows: list[list[str]]) -> list[list[list[str]]]:
    """The CSV's sections (each a header row and its rows), split at the blank rows."""
    found: list[list[list[str]]] = [[]]
    for row in rows:
        if row:
            found[-1].append(row)
        else:
            found.append([])
    return found


@pytest.fixture
def corrected(tmp_path):
    """`bench.report_pdf.sample_batch` on a real core (analyzer "names"): its snapshot."""
    core = core_for(tmp_path / "data", workers=2)
    try:
        batch_id = sample_batch(core, tmp_path)
        yield core.snapshot(batch_id)
    finally:
        assert core.stop(timeout=30)


def test_a_corrected_batch_in_english(corrected) -> None:
    move, photos, inventory, items = sections(rows_of(batch_csv(corrected, "en")))
    assert move == [
        list(MOVE_HEADER),
        ["Batch name", NAME],  # HTML as typed: a CSV cell is plain text
        ["Customer", "Mme <b>x</b> Dupont"],
        ["Moving date", "2025-07-14"],
        ["From", "12 rue Pasteur, 69007 Lyon"],
        ["Floor (from)", "3"],
        ["Lift (from)", "no"],
        ["To", "3 avenue Foch, 75016 Paris"],
        ["Floor (to)", "RDC"],
        ["Lift (to)", "yes"],
        ["Notes", HEADER["notes"]],  # its line break kept, inside the quoted cell
    ]
    assert photos[0] == list(PHOTO_HEADER)
    by_name = {row[0]: row for row in photos[1:]}
    assert by_name["salon-2.jpg"][-1] == "yes" and by_name["salon-0.jpg"][-1] == "no"
    assert by_name["chambre-1.jpg"][2] == "Cuisine"  # moved by hand
    assert by_name["photo-coupee.jpg"][1] == "Failed"
    # rooms and totals, computed by hand (bench.report_pdf.sample_batch's docstring):
    # Salon  sofa 1.416/1.487, coffee table 0.425/0.312 (dismountable ×0.735), armchairs
    #        2×0.283 = 0.566/0.594, vase 0.142/0.284 (fragile ×2), books 6×0.057 = 0.342/0.376
    #        (×1.1), the user's clock 0.5/0.525: 12 items, 3.391 m³, packed 3.578 m³
    # Cuisine refrigerator sold (0), dining table 0.85/0.625, chairs 4×0.142 = 0.568/0.417,
    #        clock 0.05/0.1: 6 items, 1.468, packed 1.142 (3 photos: one moved in)
    # Chambre bed 1.699/1.249, wardrobe 1.416/1.041, cushions 4×0.03 = 0.12/0.132, mirror
    #        stays (0): 6 items, 3.235, packed 2.422, no photo
    assert inventory == [
        ["Room", "Photos", "Items", "Volume (m³)", "Packed volume (m³)"],
        ["Cuisine", "3", "6", "1,468", "1,142"],
        ["Salon", "2", "12", "3,391", "3,578"],
        ["Chambre", "0", "6", "3,235", "2,422"],
        ["Total", "5", "24", "8,094", "7,142"],
    ]
    assert items[0] == list(ITEM_HEADER)
    lines = {(row[0], row[2]): row[3:] for row in items[1:]}
    assert len(lines) == 14
    books, fridge = lines[("Salon", "Books")], lines[("Cuisine", "Refrigerator")]
    assert books[:4] == ["6", "0,057", "0,342", "0,376"]
    assert books[4:] == ["no", "no", "no", "", "customer", "by hand", "0"]
    assert fridge[:4] == ["1", "1,274", "0", "0"]  # sold: listed, no volume
    assert fridge[4:] == ["no", "no", "no", "sold", "mover", "by hand", "0"]
    assert lines[("Chambre", "Mirror")][7:9] == ["stays", "mover"]
    assert lines[("Salon", "Vase")][4] == "yes"
    assert lines[("Salon", CUSTOM["name"])][:4] == ["1", "0,5", "0,5", "0,525"]
    assert {(row[0], row[1]) for row in items[1:] if row[2] == CUSTOM["name"]} == {
        ("Salon", "custom:b-x-b-horloge-de-famille")
    }


def test_a_corrected_batch_in_french(corrected) -> None:
    move, photos, inventory, items = sections(rows_of(batch_csv(corrected, "fr")))
    assert move[0] == ["Déménagement", "Valeur"]
    assert ["Client", "Mme <b>x</b> Dupont"] in move and ["Ascenseur (départ)", "non"] in move
    assert ["Étage (arrivée)", "RDC"] in move and ["Ascenseur (arrivée)", "oui"] in move
    assert photos[0][-1] == "Écartée"
    assert {row[-1] for row in photos[1:]} == {"oui", "non"}
    assert inventory[-1] == ["Total", "5", "24", "8,094", "7,142"]
    lines = {(row[0], row[2]): row[-4:] for row in items[1:]}
    assert lines[("Salon", "Livres")] == ["", "client", "à la main", "0"]
    assert lines[("Cuisine", "Réfrigérateur")] == ["vendu", "déménageur", "à la main", "0"]
    assert lines[("Chambre", "Miroir")][0] == "reste sur place"


def test_the_move_section_only_what_was_filled_and_defused() -> None:
    line = {
        **SNAPSHOT["inventorySummary"]["rooms"][0]["items"][0],
        "quantity": 3,
        "detectedQuantity": 1,
        "source": "corrected",
        "notMoving": "given",
        "packedBy": "mover",
    }
    snapshot = {
        **SNAPSHOT,
        "review": {
            "name": None,
            "header": {"customer": "=HYPERLINK(1)", "fromFloor": "-1", "toLift": None},
        },
        "inventorySummary": {
            **SNAPSHOT["inventorySummary"],
            "rooms": [{**SNAPSHOT["inventorySummary"]["rooms"][0], "items": [line]}],
        },
    }
    move, _photos, _inventory, items = sections(rows_of(batch_csv(snapshot, "en")))
    assert move == [list(MOVE_HEADER), ["Customer", "'=HYPERLINK(1)"], ["Floor (from)", "'-1"]]
    assert items[1][-4:] == ["given away", "mover", "corrected by hand", "1"]
    french = sections(rows_of(batch_csv(snapshot, "fr")))[3]
    assert french[1][-4:] == ["donné", "déménageur", "corrigé à la main", "1"]
    empty = {**SNAPSHOT, "review": {"name": None, "header": {}}}
    assert rows_of(batch_csv(empty))[0] == list(PHOTO_HEADER)
