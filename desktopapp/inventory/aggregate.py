"""From what each photo saw to the batch's inventory: rooms, items, volumes.

The rule that keeps a room photographed twice from counting its sofa twice: per room, an
item's quantity is the largest count of it seen in any single photo of that room, never the
sum. Near-duplicate photos (the same shot twice) add nothing. A room is a room type, or,
when a folder named it ("Chambre 1", "Chambre 2"), that folder: two bedrooms stay two.
Built-in items (a kitchen's sink) are listed but neither counted nor given a volume.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from desktopapp.core.db import DONE
from desktopapp.inventory.catalogue import Catalogue
from desktopapp.inventory.corrections import RoomEdits
from desktopapp.inventory.packing import packed_volume

UNKNOWN_ROOM = "unknown"
# a vision model's object outside the catalogue: named by what it said, no volume until the
# user gives one (a guess would be wrong both ways: a lamp or a piano)
OTHER = "other"
MAX_OTHER_NAMES = 5


@dataclass
class _Seen:
    quantity: int = 0
    photo_id: int | None = None
    detected: int = 0  # what the detector alone saw (a photo's items before any correction)
    texts: set[str] = field(default_factory=set)  # `other`: what the model called them


@dataclass
class _Room:
    room_type: str
    room_name: str | None
    photos: int = 0
    seen: dict[str, _Seen] = field(default_factory=dict)


def _photo_counts(items: Iterable[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in items:
        label = item.get("label")
        if isinstance(label, str):
            counts[label] = counts.get(label, 0) + max(0, int(item.get("quantity", 1)))
    return counts


def collect_rooms(photos: Iterable[Any]) -> list[_Room]:
    """DONE photos into rooms; a photo the user excluded (`excluded`, see corrections) is
    left out, and `detected_items` (when the items were corrected) gives the detector's
    own counts beside the corrected ones."""
    rooms: dict[tuple[str, str | None], _Room] = {}
    for photo in photos:
        if photo.status != DONE or getattr(photo, "excluded", False):
            continue
        room_type = photo.room_type or UNKNOWN_ROOM
        room_name = getattr(photo, "room_name", None)
        key = (room_type, room_name)
        room = rooms.get(key) or rooms.setdefault(key, _Room(room_type, room_name))
        room.photos += 1
        if photo.duplicate_of is not None:
            continue  # the same shot again: it can only repeat what its original saw
        for label, quantity in _photo_counts(photo.items or []).items():
            seen = room.seen.setdefault(label, _Seen())
            if quantity > seen.quantity:
                seen.quantity, seen.photo_id = quantity, photo.id
        for item in photo.items or []:
            if item.get("label") == OTHER and isinstance(item.get("text"), str):
                room.seen[OTHER].texts.add(item["text"])
        detected = getattr(photo, "detected_items", None)
        for label, quantity in _photo_counts(photo.items if detected is None else detected).items():
            seen = room.seen.setdefault(label, _Seen())
            seen.detected = max(seen.detected, quantity)
    return list(rooms.values())


def _source(quantity: int, detected: int) -> str:
    if quantity == detected:
        return "detected"
    return "hand" if detected == 0 else "corrected"


def _item_line(
    label: str,
    seen: _Seen,
    catalogue: Catalogue,
    hand: Mapping[str, Any] | None = None,
    flags: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    entry = catalogue.get(label)
    hand, flags = hand or {}, flags or {}
    quantity = int(hand.get("quantity", seen.quantity))
    if entry is not None:
        en, fr, unit = entry.en, entry.fr, entry.volume_m3
        fragile, dismountable, built_in = entry.fragile, entry.dismountable, entry.built_in
    else:  # an item of the user's own (its name and volume), or a label the catalogue lost
        en = fr = str(hand.get("name") or label)
        unit = float(hand.get("volume_m3") or 0.0)
        fragile = dismountable = built_in = False
        if label == OTHER and "name" not in hand:  # what a model saw outside the catalogue
            said = ", ".join(sorted(seen.texts)[:MAX_OTHER_NAMES]) or "?"
            en, fr = f"Other: {said}", f"Autre : {said}"
    fragile = bool(flags.get("fragile", fragile))
    dismountable = bool(flags.get("dismountable", dismountable))
    not_moving = flags.get("notMoving")
    moving = 0 if built_in or not_moving else quantity
    return {
        "label": label,
        "en": en,
        "fr": fr,
        "quantity": quantity,
        "detectedQuantity": seen.detected,
        "source": _source(quantity, seen.detected),
        "unitVolume_m3": round(unit, 3),
        "volume_m3": round(unit * moving, 3),
        "packedVolume_m3": round(
            packed_volume(unit, moving, fragile=fragile, dismountable=dismountable), 3
        ),
        "fragile": fragile,
        "dismountable": dismountable,
        "builtIn": built_in,
        "notMoving": not_moving,
        "packedBy": flags.get("packedBy", "mover"),
        "custom": entry is None and "name" in hand,
        "needsVolume": entry is None and unit == 0.0 and moving > 0,
        "photoId": seen.photo_id,
    }


def _room_summary(
    room: _Room, catalogue: Catalogue, edits: RoomEdits | None
) -> tuple[dict[str, Any], int, int]:
    key = (room.room_type, room.room_name)
    hand = edits.lines.get(key, {}) if edits else {}
    flags = edits.flags.get(key, {}) if edits else {}
    for label in hand:
        room.seen.setdefault(label, _Seen())
    lines, added, removed = [], 0, 0
    for label, seen in room.seen.items():
        line = _item_line(label, seen, catalogue, hand.get(label), flags.get(label))
        added += max(0, line["quantity"] - seen.detected)
        removed += max(0, seen.detected - line["quantity"])
        if line["quantity"] > 0:
            lines.append(line)
    lines.sort(key=lambda line: (line["builtIn"], -line["volume_m3"], line["en"]))
    moving = [line for line in lines if not line["builtIn"] and not line["notMoving"]]
    summary = {
        "roomType": room.room_type,
        "roomName": room.room_name,
        "photos": room.photos,
        "itemsCount": sum(line["quantity"] for line in moving),
        "volume_m3": round(sum(line["volume_m3"] for line in moving), 3),
        "packedVolume_m3": round(sum(line["packedVolume_m3"] for line in moving), 3),
        "items": lines,
    }
    return summary, added, removed


def inventory_summary(
    photos: Iterable[Any],
    analyzer: str,
    catalogue: Catalogue,
    edits: RoomEdits | None = None,
) -> dict[str, Any]:
    """The seed's shape ({totalItems, totalVolume, rooms, analyzer}) plus packed volumes and
    each room's item lines, from the batch's DONE photos, with the room-level corrections
    in `edits` (items added by hand, their quantities and flags)."""
    collected = collect_rooms(photos)
    known = {(room.room_type, room.room_name) for room in collected}
    for key in edits.lines if edits else ():  # a room with only items added by hand
        if key not in known and any(line.get("quantity") for line in edits.lines[key].values()):
            collected.append(_Room(key[0], key[1]))
            known.add(key)
    rooms, added, removed = [], 0, 0
    for room in collected:
        summary, room_added, room_removed = _room_summary(room, catalogue, edits)
        rooms.append(summary)
        added, removed = added + room_added, removed + room_removed
    rooms.sort(key=lambda room: (-room["photos"], room["roomType"], room["roomName"] or ""))
    return {
        "totalItems": sum(room["itemsCount"] for room in rooms),
        "totalVolume": round(sum(room["volume_m3"] for room in rooms), 3),
        "totalPackedVolume": round(sum(room["packedVolume_m3"] for room in rooms), 3),
        "rooms": rooms,
        "analyzer": analyzer,
        "handAddedItems": added,
        "handRemovedItems": removed,
    }
