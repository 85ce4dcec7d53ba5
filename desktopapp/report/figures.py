"""The report's numbers and names, computed from a batch's full state (`state.snapshot`).

Estimated cartons: one standard 0.05 m³ carton (about 55 × 35 × 27 cm) per 0.05 m³ of
packed volume of the moved items whose unit volume is at most 0.06 m³ (the small things a
mover boxes: dishes, books, vases, lamps; the same threshold as the packing rule's +10 %),
rounded up. Vehicle: from the batch's packed volume, by the thresholds in `TRUCKS`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from desktopapp.report.strings import ERRORS_FR, ROOMS, STRINGS

CARTON_M3 = 0.05
SMALL_ITEM_M3 = 0.06  # unit volume at or below which an item travels in cartons
# (packed volume up to, in m³; the strings key of the vehicle), smallest first
TRUCKS: tuple[tuple[float, str], ...] = (
    (12.0, "truck.van"),
    (20.0, "truck.20"),
    (30.0, "truck.30"),
    (50.0, "truck.50"),
)
TRUCK_ABOVE = "truck.more"
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


def estimated_cartons(summary: dict[str, Any]) -> int:
    packed = sum(
        float(item.get("packedVolume_m3") or 0.0)
        for room in summary.get("rooms") or []
        for item in room.get("items") or []
        if not item.get("builtIn") and float(item.get("unitVolume_m3") or 0.0) <= SMALL_ITEM_M3
    )
    # round() first: 0.15 / 0.05 is 3.0000000000000004 in floating point
    return math.ceil(round(packed / CARTON_M3, 6))


def truck_key(packed_m3: float) -> str:
    for limit, key in TRUCKS:
        if packed_m3 <= limit:
            return key
    return TRUCK_ABOVE


def truck_class(packed_m3: float, lang: str) -> str:
    return STRINGS[lang][truck_key(packed_m3)]


def room_display_name(room: dict[str, Any], lang: str) -> str:
    """The folder that named the room, else its type in the report's language."""
    if room.get("roomName"):
        return str(room["roomName"])
    room_type = room.get("roomType") or UNKNOWN_ROOM
    return ROOMS[lang].get(room_type) or STRINGS[lang]["unknownRoom"]


def room_key(room_type: str | None, room_name: str | None) -> tuple[str, str | None]:
    """How the inventory groups DONE photos into rooms (inventory.aggregate.collect_rooms)."""
    return (room_type or UNKNOWN_ROOM, room_name)


def photos_by_room(photos: Iterable[dict[str, Any]]) -> dict[tuple[str, str | None], list[int]]:
    rooms: dict[tuple[str, str | None], list[int]] = {}
    for photo in photos:
        if photo.get("status") == "DONE":
            key = room_key(photo.get("roomType"), photo.get("roomName"))
            rooms.setdefault(key, []).append(int(photo["id"]))
    return rooms


def item_name(item: dict[str, Any], lang: str) -> str:
    return str(item.get(lang) or item.get("en") or item.get("label") or "")


def error_reason(photo: dict[str, Any], lang: str) -> str:
    code = photo.get("errorCode")
    if lang == "fr" and code in ERRORS_FR:
        return ERRORS_FR[code]
    return str(photo.get("errorMessage") or code or "")
