"""A batch as a spreadsheet: CSV that opens cleanly in Excel and LibreOffice (French locale).

UTF-8 with a BOM, `;` between cells, decimal comma, CRLF line ends, in the user's
language (French or English: headers, statuses, room and item names, yes/no; the words
come from the one catalogue, resources/i18n/strings.json, see `vocabulary`). Sections,
each a header row and its rows, a blank row between two:
- the move (only when the mover named the batch or filled its header): one row per field
  filled (batch name, customer, date, addresses, floors, lifts, notes), as
  "field; value"; the notes keep their line breaks inside their (quoted) cell;
- one row per photo (with whether the user excluded it: then it is in no room);
- the inventory per room and a total;
- one row per item line of each room (name, quantity, volumes, handling, not moving and
  why, who packs it, where the line came from: detected, by hand, or corrected by hand,
  and the count the detector saw).
Cells that a spreadsheet would read as a formula (= + - @, tab, CR first) get a leading
quote. A room is named by its folder ("Chambre 2") when one named it, else by its type
("Living room"). Pure: built from the batch's full state (`state.snapshot`), corrected.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from desktopapp.platform.i18n import Words

BOM = "\ufeff"
LANGUAGES = ("fr", "en")


@lru_cache(maxsize=len(LANGUAGES))
def vocabulary(language: str) -> dict[str, Any]:
    """Every word the CSV writes in `language` (headers, statuses, yes/no, sources, the move's
    fields), from the one catalogue (resources/i18n/strings.json): what only the CSV says is
    under "csv.*"; a concept the window, the page or the report already names with the same
    words is their key ("summary.room", "move.customer", "photo.ERROR"…); room types are
    named as everywhere ("room.<type>", `room_name`)."""
    words = Words(language)
    return {
        "photos": (
            words("csv.col.fileName"),
            words("csv.col.status"),
            words("summary.room"),
            words("csv.col.width"),
            words("csv.col.height"),
            words("csv.col.errorCode"),
            words("csv.col.errorMessage"),
            words("csv.col.flags"),
            words("summary.items"),
            words("csv.col.excluded"),
        ),
        "inventory": (
            words("summary.room"),
            words("summary.photos"),
            words("summary.items"),
            words("summary.volume"),
            words("csv.col.packedVolume"),
        ),
        "items": (
            words("summary.room"),
            words("report.col.item"),
            words("csv.col.name"),
            words("csv.col.quantity"),
            words("csv.col.unitVolume"),
            words("summary.volume"),
            words("csv.col.packedVolume"),
            words("item.fragile"),
            words("item.dismountable"),
            words("csv.col.builtIn"),
            words("csv.col.notMoving"),
            words("line.packedBy"),
            words("report.col.source"),
            words("csv.col.detectedQuantity"),
        ),
        "total": words("summary.total"),
        "yes": words("csv.yes"),
        "no": words("csv.no"),
        "status": {
            "DONE": words("csv.status.DONE"),
            "ERROR": words("photo.ERROR"),
            "PENDING": words("photo.PENDING"),
            "PROCESSING": words("csv.status.PROCESSING"),
        },
        "source": {
            "detected": words("photoItems.source.detector"),
            "hand": words("csv.source.hand"),
            "corrected": words("csv.source.corrected"),
        },
        "notMoving": {
            "sold": words("csv.notMoving.sold"),
            "given": words("csv.notMoving.given"),
            "stays": words("csv.notMoving.stays"),
        },
        "packedBy": {
            "mover": words("csv.packedBy.mover"),
            "customer": words("csv.packedBy.customer"),
        },
        "move": (words("move.heading"), words("csv.col.value")),
        "fields": {  # in the order of the rows
            "name": words("review.batchName"),
            "customer": words("move.customer"),
            "date": words("move.date"),
            "fromAddress": words("move.from"),
            "fromFloor": words("csv.field.fromFloor"),
            "fromLift": words("csv.field.fromLift"),
            "toAddress": words("move.to"),
            "toFloor": words("csv.field.toFloor"),
            "toLift": words("csv.field.toLift"),
            "notes": words("move.notes"),
        },
    }


# Kept for readers of the English file's layout (tests, scripts).
MOVE_HEADER = vocabulary("en")["move"]
PHOTO_HEADER = vocabulary("en")["photos"]
INVENTORY_HEADER = vocabulary("en")["inventory"]
ITEM_HEADER = vocabulary("en")["items"]
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


def language_of(requested: str | None, accept_language: str | None) -> str:
    """`?lang=` if it is one we speak, else the browser's first language we speak, else en."""
    if requested in LANGUAGES:
        return requested
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LANGUAGES:
            return tag
    return "en"


def room_name(room: dict[str, Any], language: str = "en") -> str:
    """The folder that named the room, else its type in the language ("Salon", "Kitchen")."""
    if room.get("roomName"):
        return str(room["roomName"])
    return Words(language).room(str(room.get("roomType") or "unknown"))  # as the PDF names it


def photo_row(photo: dict[str, Any], language: str = "en") -> list[str]:
    words = vocabulary(language)
    room = {"roomType": photo.get("roomType"), "roomName": photo.get("roomName")}
    status = photo.get("status")
    return [
        text_cell(photo.get("fileName")),
        text_cell(words["status"].get(status, status)),
        text_cell(room_name(room, language) if photo.get("roomType") else ""),
        number_cell(photo.get("width")),
        number_cell(photo.get("height")),
        text_cell(photo.get("errorCode")),
        text_cell(photo.get("errorMessage")),
        text_cell(", ".join(photo.get("flags") or [])),
        number_cell(photo.get("itemsCount")),
        words["yes"] if photo.get("excluded") else words["no"],
    ]


def inventory_rows(summary: dict[str, Any], language: str = "en") -> Iterable[list[str]]:
    rooms = summary.get("rooms") or []
    for room in rooms:
        yield [
            text_cell(room_name(room, language)),
            number_cell(room.get("photos")),
            number_cell(room.get("itemsCount")),
            number_cell(float(room.get("volume_m3") or 0.0)),
            number_cell(float(room.get("packedVolume_m3") or 0.0)),
        ]
    yield [
        vocabulary(language)["total"],
        number_cell(sum(int(room.get("photos") or 0) for room in rooms)),
        number_cell(summary.get("totalItems")),
        number_cell(float(summary.get("totalVolume") or 0.0)),
        number_cell(float(summary.get("totalPackedVolume") or 0.0)),
    ]


def move_rows(review: dict[str, Any] | None, language: str = "en") -> list[list[str]]:
    """The batch's name and move header, one "field; value" row per field filled."""
    words = vocabulary(language)
    review = review or {}
    values = {"name": review.get("name"), **(review.get("header") or {})}
    rows = []
    for key, label in words["fields"].items():
        value = values.get(key)
        if value is None or value == "":
            continue
        if isinstance(value, bool):
            shown = words["yes"] if value else words["no"]
        else:
            shown = text_cell(str(value).replace("\r\n", "\n"))
        rows.append([label, shown])
    return rows


def item_rows(summary: dict[str, Any], language: str = "en") -> Iterable[list[str]]:
    """One row per item line of each room (built-in and not moving items too: listed,
    volume 0), with where the line came from (`source`: detected, hand, corrected)."""
    words = vocabulary(language)

    def flag(value: Any) -> str:
        return words["yes"] if value else words["no"]

    for room in summary.get("rooms") or []:
        name = text_cell(room_name(room, language))
        for item in room.get("items") or []:
            source = str(item.get("source") or "detected")
            not_moving = item.get("notMoving")
            packed_by = str(item.get("packedBy") or "mover")
            detected = item.get("detectedQuantity")
            yield [
                name,
                text_cell(item.get("label")),
                text_cell(item.get(language) or item.get("en") or item.get("label")),
                number_cell(item.get("quantity")),
                number_cell(float(item.get("unitVolume_m3") or 0.0)),
                number_cell(float(item.get("volume_m3") or 0.0)),
                number_cell(float(item.get("packedVolume_m3") or 0.0)),
                flag(item.get("fragile")),
                flag(item.get("dismountable")),
                flag(item.get("builtIn")),
                text_cell(words["notMoving"].get(not_moving, not_moving) if not_moving else ""),
                text_cell(words["packedBy"].get(packed_by, packed_by)),
                text_cell(words["source"].get(source, source)),
                number_cell(int(detected) if detected is not None else item.get("quantity")),
            ]


def batch_csv(snapshot: dict[str, Any], language: str = "en") -> bytes:
    """The whole batch in `language` ("fr" or "en"): headers, statuses, rooms, items."""
    words = vocabulary(language if language in LANGUAGES else "en")
    language = language if language in LANGUAGES else "en"
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    move = move_rows(snapshot.get("review"), language)
    if move:
        writer.writerow(words["move"])
        writer.writerows(move)
        writer.writerow([])
    writer.writerow(words["photos"])
    writer.writerows(photo_row(photo, language) for photo in snapshot["photos"])
    writer.writerow([])
    writer.writerow(words["inventory"])
    writer.writerows(inventory_rows(snapshot["inventorySummary"], language))
    writer.writerow([])
    writer.writerow(words["items"])
    writer.writerows(item_rows(snapshot["inventorySummary"], language))
    return (BOM + buffer.getvalue()).encode("utf-8")


def attachment(batch_id: int, extension: str) -> str:
    return f'attachment; filename="photolot-batch-{batch_id}.{extension}"'
