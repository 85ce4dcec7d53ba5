"""A batch as a spreadsheet: CSV that opens cleanly in Excel and LibreOffice (French locale).

UTF-8 with a BOM, `;` between cells, decimal comma, CRLF line ends. One row per
photo, a blank row, the inventory per room and a total, a blank row, then one row per
item of each room (French and English names, volumes, handling). Cells that a
spreadsheet would read as a formula (= + - @, tab, CR first) get a leading quote.
A room is named by its folder ("Chambre 2") when one named it, else by its type
("Living room"). Pure: built from the batch's full state (`state.snapshot`).
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
INVENTORY_HEADER = ("Room", "Photos", "Items", "Volume (m³)", "Packed volume (m³)")
ITEM_HEADER = (
    "Room",
    "Item",
    "French name",
    "English name",
    "Quantity",
    "Unit volume (m³)",
    "Volume (m³)",
    "Packed volume (m³)",
    "Fragile",
    "Dismountable",
    "Built-in",
)
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


def flag_cell(value: Any) -> str:
    return "yes" if value else "no"


def room_name(room: dict[str, Any]) -> str:
    """The folder that named the room, else its type in words: "living_room" → "Living room"."""
    if room.get("roomName"):
        return str(room["roomName"])
    words = str(room.get("roomType") or "unknown").replace("_", " ")
    return words[:1].upper() + words[1:]


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
            text_cell(room_name(room)),
            number_cell(room.get("photos")),
            number_cell(room.get("itemsCount")),
            number_cell(float(room.get("volume_m3") or 0.0)),
            number_cell(float(room.get("packedVolume_m3") or 0.0)),
        ]
    yield [
        "Total",
        number_cell(sum(int(room.get("photos") or 0) for room in rooms)),
        number_cell(summary.get("totalItems")),
        number_cell(float(summary.get("totalVolume") or 0.0)),
        number_cell(float(summary.get("totalPackedVolume") or 0.0)),
    ]


def item_rows(summary: dict[str, Any]) -> Iterable[list[str]]:
    """One row per item line of each room (built-in items too: listed, volume 0)."""
    for room in summary.get("rooms") or []:
        name = text_cell(room_name(room))
        for item in room.get("items") or []:
            yield [
                name,
                text_cell(item.get("label")),
                text_cell(item.get("fr")),
                text_cell(item.get("en")),
                number_cell(item.get("quantity")),
                number_cell(float(item.get("unitVolume_m3") or 0.0)),
                number_cell(float(item.get("volume_m3") or 0.0)),
                number_cell(float(item.get("packedVolume_m3") or 0.0)),
                flag_cell(item.get("fragile")),
                flag_cell(item.get("dismountable")),
                flag_cell(item.get("builtIn")),
            ]


def batch_csv(snapshot: dict[str, Any]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(PHOTO_HEADER)
    writer.writerows(photo_row(photo) for photo in snapshot["photos"])
    writer.writerow([])
    writer.writerow(INVENTORY_HEADER)
    writer.writerows(inventory_rows(snapshot["inventorySummary"]))
    writer.writerow([])
    writer.writerow(ITEM_HEADER)
    writer.writerows(item_rows(snapshot["inventorySummary"]))
    return (BOM + buffer.getvalue()).encode("utf-8")


def attachment(batch_id: int, extension: str) -> str:
    return f'attachment; filename="photolot-batch-{batch_id}.{extension}"'
