"""A batch as a spreadsheet: CSV that opens cleanly in Excel and LibreOffice (French locale).

UTF-8 with a BOM, `;` between cells, decimal comma, CRLF line ends, in the user's
language (French or English: headers, statuses, room and item names, yes/no). One row
per photo, a blank row, the inventory per room and a total, a blank row, then one row per
item of each room (name, quantity, volumes, handling, where it came from). Cells that a
spreadsheet would read as a formula (= + - @, tab, CR first) get a leading quote.
A room is named by its folder ("Chambre 2") when one named it, else by its type
("Living room"). Pure: built from the batch's full state (`state.snapshot`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from desktopapp.report.strings import ROOMS, STRINGS

BOM = "\ufeff"
LANGUAGES = ("fr", "en")

# Every word the CSV writes, per language (headers, statuses, yes/no, sources); room types
# are named as in the PDF report (`report.strings`).
WORDS: dict[str, dict[str, Any]] = {
    "en": {
        "photos": (
            "File name",
            "Status",
            "Room",
            "Width",
            "Height",
            "Error code",
            "Error message",
            "Flags",
            "Items",
        ),
        "inventory": ("Room", "Photos", "Items", "Volume (m³)", "Packed volume (m³)"),
        "items": (
            "Room",
            "Item",
            "Name",
            "Quantity",
            "Unit volume (m³)",
            "Volume (m³)",
            "Packed volume (m³)",
            "Fragile",
            "Dismountable",
            "Built-in (not moved)",
            "Source",
        ),
        "total": "Total",
        "yes": "yes",
        "no": "no",
        "status": {
            "DONE": "Done",
            "ERROR": "Failed",
            "PENDING": "Queued",
            "PROCESSING": "Processing",
        },
        "source": {"detector": "detected", "model": "vision model", "hand": "by hand"},
    },
    "fr": {
        "photos": (
            "Fichier",
            "État",
            "Pièce",
            "Largeur",
            "Hauteur",
            "Code d'erreur",
            "Message d'erreur",
            "Signalements",
            "Objets",
        ),
        "inventory": ("Pièce", "Photos", "Objets", "Volume (m³)", "Volume emballé (m³)"),
        "items": (
            "Pièce",
            "Objet",
            "Nom",
            "Quantité",
            "Volume unitaire (m³)",
            "Volume (m³)",
            "Volume emballé (m³)",
            "Fragile",
            "Démontable",
            "Intégré (non déménagé)",
            "Origine",
        ),
        "total": "Total",
        "yes": "oui",
        "no": "non",
        "status": {
            "DONE": "Terminée",
            "ERROR": "Échec",
            "PENDING": "En attente",
            "PROCESSING": "En cours",
        },
        "source": {"detector": "détecté", "model": "modèle de vision", "hand": "à la main"},
    },
}
# Kept for readers of the English file's layout (tests, scripts).
PHOTO_HEADER = WORDS["en"]["photos"]
INVENTORY_HEADER = WORDS["en"]["inventory"]
ITEM_HEADER = WORDS["en"]["items"]
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
    room_type = str(room.get("roomType") or "unknown")
    if room_type == "unknown":
        return STRINGS[language]["unknownRoom"]
    named = ROOMS[language].get(room_type)  # the report's names: CSV and PDF agree
    return named or room_type.replace("_", " ").capitalize()


def photo_row(photo: dict[str, Any], language: str = "en") -> list[str]:
    words = WORDS[language]
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
        WORDS[language]["total"],
        number_cell(sum(int(room.get("photos") or 0) for room in rooms)),
        number_cell(summary.get("totalItems")),
        number_cell(float(summary.get("totalVolume") or 0.0)),
        number_cell(float(summary.get("totalPackedVolume") or 0.0)),
    ]


def line_sources(photos: Iterable[dict[str, Any]]) -> dict[tuple[Any, str], list[str]]:
    """(photo id, label) → where that photo's items of that label came from: a room's item
    line takes its count from one photo (`photoId`), so its source is that photo's."""
    sources: dict[tuple[Any, str], set[str]] = {}
    for photo in photos:
        for item in photo.get("items") or []:
            key = (photo.get("id"), str(item.get("label")))
            sources.setdefault(key, set()).add(str(item.get("source") or "detector"))
    return {key: sorted(found) for key, found in sources.items()}


def item_rows(
    summary: dict[str, Any],
    language: str = "en",
    sources: dict[tuple[Any, str], list[str]] | None = None,
) -> Iterable[list[str]]:
    """One row per item line of each room (built-in items too: listed, volume 0)."""
    words = WORDS[language]
    sources = sources or {}

    def flag(value: Any) -> str:
        return words["yes"] if value else words["no"]

    for room in summary.get("rooms") or []:
        name = text_cell(room_name(room, language))
        for item in room.get("items") or []:
            origin = sources.get((item.get("photoId"), str(item.get("label")))) or ["detector"]
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
                text_cell(", ".join(words["source"].get(src, src) for src in origin)),
            ]


def batch_csv(snapshot: dict[str, Any], language: str = "en") -> bytes:
    """The whole batch in `language` ("fr" or "en"): headers, statuses, rooms, items."""
    words = WORDS[language if language in LANGUAGES else "en"]
    language = language if language in LANGUAGES else "en"
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(words["photos"])
    writer.writerows(photo_row(photo, language) for photo in snapshot["photos"])
    writer.writerow([])
    writer.writerow(words["inventory"])
    writer.writerows(inventory_rows(snapshot["inventorySummary"], language))
    writer.writerow([])
    writer.writerow(words["items"])
    summary = snapshot["inventorySummary"]
    writer.writerows(item_rows(summary, language, line_sources(snapshot["photos"])))
    return (BOM + buffer.getvalue()).encode("utf-8")


def attachment(batch_id: int, extension: str) -> str:
    return f'attachment; filename="photolot-batch-{batch_id}.{extension}"'
