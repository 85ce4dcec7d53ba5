"""The report's numbers and names, computed from a batch's full state (`state.snapshot`).

Estimated cartons: see `estimated_cartons`. Vehicle: from the batch's packed volume, by the
thresholds in `TRUCKS`. Items that are not moving (built in, or marked sold, given away or
staying) are listed but count in no total: the summary gives them no volume.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from desktopapp.report.strings import Words

CARTON_M3 = 0.05
SMALL_ITEM_M3 = 0.06  # unit volume at or below which an item travels in cartons
# (packed volume up to, in m³; the catalogue key of the vehicle), smallest first
TRUCKS: tuple[tuple[float, str], ...] = (
    (12.0, "report.truck.van"),
    (20.0, "report.truck.20"),
    (30.0, "report.truck.30"),
    (50.0, "report.truck.50"),
)
TRUCK_ABOVE = "report.truck.more"
UNKNOWN_ROOM = "unknown"


def number(value: float, lang: str, decimals: int = 2) -> str:
    """2.5 → "2.50" (en) or "2,50" (fr); thousands grouped with a thin space / comma."""
    text = f"{value:,.{decimals}f}"
    if lang == "fr":
        return text.replace(",", "\u202f").replace(".", ",")
    return text


def volume(value: float | None, lang: str) -> str:
    """The way every volume is printed: two decimals and the unit, e.g. "7,37 m³"."""
    return f"{number(float(value or 0.0), lang)} m³"


def integer(value: int, lang: str) -> str:
    return number(value, lang, 0)


def carton_line(item: dict[str, Any]) -> bool:
    """Whether the mover boxes this line: a small item (unit volume ≤ `SMALL_ITEM_M3`) that
    moves and that the mover packs."""
    return (
        not item.get("builtIn")
        and not item.get("notMoving")
        and item.get("packedBy", "mover") != "customer"
        and float(item.get("unitVolume_m3") or 0.0) <= SMALL_ITEM_M3
    )


def estimated_cartons(summary: dict[str, Any]) -> int:
    """The cartons the mover brings and fills: one standard 0.05 m³ carton (about
    55 × 35 × 27 cm) per 0.05 m³ of packed volume of the small moved items (unit volume at
    most 0.06 m³: dishes, books, vases, lamps; the same threshold as the packing rule's
    +10 %), rounded up. Items the customer packs (`packedBy: "customer"`) are not counted:
    the customer brings their own boxes; their packed volume still counts in the packed
    volume and the vehicle. Items not moving have no volume. (The report's footnote,
    catalogue key "report.cartonsRule", says the same.)"""
    packed = sum(
        float(item.get("packedVolume_m3") or 0.0)
        for room in summary.get("rooms") or []
        for item in room.get("items") or []
        if carton_line(item)
    )
    # round() first: 0.15 / 0.05 is 3.0000000000000004 in floating point
    return math.ceil(round(packed / CARTON_M3, 6))


def truck_key(packed_m3: float) -> str:
    for limit, key in TRUCKS:
        if packed_m3 <= limit:
            return key
    return TRUCK_ABOVE


def truck_class(packed_m3: float, lang: str) -> str:
    return Words(lang)(truck_key(packed_m3))


def room_display_name(room: dict[str, Any], lang: str) -> str:
    """The folder that named the room, else its type in the report's language."""
    if room.get("roomName"):
        return str(room["roomName"])
    return Words(lang).room(room.get("roomType") or UNKNOWN_ROOM)


def room_key(room_type: str | None, room_name: str | None) -> tuple[str, str | None]:
    """How the inventory groups DONE photos into rooms (inventory.aggregate.collect_rooms)."""
    return (room_type or UNKNOWN_ROOM, room_name)


def photos_by_room(photos: Iterable[dict[str, Any]]) -> dict[tuple[str, str | None], list[int]]:
    """The DONE photos of each room (corrected room), those the user excluded left out."""
    rooms: dict[tuple[str, str | None], list[int]] = {}
    for photo in photos:
        if photo.get("status") == "DONE" and not photo.get("excluded"):
            key = room_key(photo.get("roomType"), photo.get("roomName"))
            rooms.setdefault(key, []).append(int(photo["id"]))
    return rooms


def excluded_photos(photos: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [photo for photo in photos if photo.get("excluded")]


def not_moving_count(summary: dict[str, Any]) -> int:
    """How many items are listed as not moving (sold, given away, staying)."""
    return sum(
        int(item.get("quantity") or 0)
        for room in summary.get("rooms") or []
        for item in room.get("items") or []
        if item.get("notMoving")
    )


def move_date(value: str | None, lang: str) -> str:
    """The header's "YYYY-MM-DD" in the report's way ("14/07/2025" in French)."""
    if not value:
        return ""
    try:
        day = datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        return str(value)
    return day.strftime(Words(lang)("report.dayFormat"))


def item_name(item: dict[str, Any], lang: str) -> str:
    return str(item.get(lang) or item.get("en") or item.get("label") or "")


def error_reason(photo: dict[str, Any], lang: str) -> str:
    """Why a photo failed: its stable code in French, the server's own sentence in English."""
    return Words(lang).photo_error(photo.get("errorCode"), photo.get("errorMessage"))
