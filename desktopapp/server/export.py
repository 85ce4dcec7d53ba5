"""A batch as a spreadsheet: CSV that opens cleanly in Excel and LibreOffice (French locale).

UTF-8 with a BOM, `;` between cells, decimal comma, CRLF line ends. One row per
photo, a blank row, then the inventory per room and a total. Cells that a
spreadsheet would read as a formula (= + - @, tab, CR first) get a leading quote.
Pure: built from the batch's full state (`state.snapshot`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

BOM = "\ufeff"
PHOTO_HEADER = (
    "File name",
    "Status",
    "Room",
    "Width",
    "Height",
    "Error code",
    "Error message",
    "Flags",
    "Items",
)
INVENTORY_HEADER = ("Room", "Photos", "Items", "Volume (m³)")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def text_cell(value: Any) -> str:
    """User-controlled text, defused: a spreadsheet will not run it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def number_cell(value: float | int | None) -> str:
    """A number with a decimal comma (at most 3 decimals), empty when unknown."""
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") if text not in ("", "-0") else "0"


def photo_row(photo: dict[str, Any]) -> list[str]:
    return [
        text_cell(photo.get("fileName")),
        text_cell(photo.get("status")),
        text_cell(photo.get("roomType")),
        number_cell(photo.get("width")),
        number_cell(photo.get("height")),
        text_cell(photo.get("errorCode")),
        text_cell(photo.get("errorMessage")),
        text_cell(", ".join(photo.get("flags") or [])),
        number_cell(photo.get("itemsCount")),
    ]


def inventory_rows(summary: dict[str, Any]) -> Iterable[list[str]]:
    rooms = summary.get("rooms") or []
    for room in rooms:
        yield [
            text_cell(room.get("roomType")),
            number_cell(room.get("photos")),
            number_cell(room.get("itemsCount")),
            number_cell(float(room.get("volume_m3") or 0.0)),
        ]
    yield [
        "Total",
        number_cell(sum(int(room.get("photos") or 0) for room in rooms)),
        number_cell(summary.get("totalItems")),
        number_cell(float(summary.get("totalVolume") or 0.0)),
    ]


def batch_csv(snapshot: dict[str, Any]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(PHOTO_HEADER)
    writer.writerows(photo_row(photo) for photo in snapshot["photos"])
    writer.writerow([])
    writer.writerow(INVENTORY_HEADER)
    writer.writerows(inventory_rows(snapshot["inventorySummary"]))
    return (BOM + buffer.getvalue()).encode("utf-8")


def attachment(batch_id: int, extension: str) -> str:
    return f'attachment; filename="photolot-batch-{batch_id}.{extension}"'
