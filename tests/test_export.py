"""The CSV export as a pure function of a snapshot: photo rows, rooms, totals, item lines."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from desktopapp.server.export import (
    ITEM_HEADER,
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
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert "\n" not in text.replace("\r\n", "")
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
    no, yes, found = "no", "yes", "detected"
    assert rows[second_blank + 2 :] == [
        ["Living room", "sofa", "Sofa", "1", "1,416", "1,416", "1,487", no, no, no, found],
        ["Living room", "chair", "Chair", "2", "0,142", "0,284", "0,2", no, yes, no, found],
        ["'=Cuisine 2", "vase", "Vase", "2", "0,213", "0,426", "0,552", yes, no, no, found],
        ["'=Cuisine 2", "sink", "Sink", "1", "0,1", "0", "0", no, no, yes, found],
    ]


def test_in_french_headers_rooms_items_and_words_are_french() -> None:
    rows = rows_of(batch_csv(SNAPSHOT, "fr"))
    assert rows[0][:3] == ["Fichier", "État", "Pièce"]
    first_blank = rows.index([])
    second_blank = rows.index([], first_blank + 1)
    assert rows[first_blank + 1][0] == "Pièce" and rows[first_blank + 2][0] == "Salon"
    assert rows[second_blank - 1][0] == "Total"
    header = rows[second_blank + 1]
    assert header[:3] == ["Pièce", "Objet", "Nom"] and header[-1] == "Origine"
    sofa, chair = rows[second_blank + 2], rows[second_blank + 3]
    assert sofa[:3] == ["Salon", "sofa", "Canapé"] and sofa[-4:] == ["non", "non", "non", "détecté"]
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
