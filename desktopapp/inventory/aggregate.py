"""From what each photo saw to the batch's inventory: rooms, items, volumes.

The rule that keeps a room photographed twice from counting its sofa twice: per room, an
item's quantity is the largest count of it seen in any single photo of that room, never the
sum. Near-duplicate photos (the same shot twice) add nothing. A room is a room type, or,
when a folder named it ("Chambre 1", "Chambre 2"), that folder: two bedrooms stay two.
Built-in items (a kitchen's sink) are listed but neither counted nor given a volume.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from desktopapp.core.db import DONE
from desktopapp.inventory.catalogue import Catalogue
from desktopapp.inventory.packing import packed_volume

UNKNOWN_ROOM = "unknown"


@dataclass
class _Seen:
    quantity: int = 0
    photo_id: int | None = None


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
    rooms: dict[tuple[str, str | None], _Room] = {}
    for photo in photos:
        if photo.status != DONE:
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
    return list(rooms.values())


def _item_line(label: str, seen: _Seen, catalogue: Catalogue) -> dict[str, Any]:
    entry = catalogue.get(label)
    unit = entry.volume_m3 if entry else 0.0
    fragile = entry.fragile if entry else False
    dismountable = entry.dismountable if entry else False
    built_in = entry.built_in if entry else False
    moving = 0 if built_in else seen.quantity
    return {
        "label": label,
        "en": entry.en if entry else label,
        "fr": entry.fr if entry else label,
        "quantity": seen.quantity,
        "unitVolume_m3": round(unit, 3),
        "volume_m3": round(unit * moving, 3),
        "packedVolume_m3": round(
            packed_volume(unit, moving, fragile=fragile, dismountable=dismountable), 3
        ),
        "fragile": fragile,
        "dismountable": dismountable,
        "builtIn": built_in,
        "photoId": seen.photo_id,
    }


def inventory_summary(photos: Iterable[Any], analyzer: str, catalogue: Catalogue) -> dict[str, Any]:
    """The seed's shape ({totalItems, totalVolume, rooms, analyzer}) plus packed volumes and
    each room's item lines, from the batch's DONE photos."""
    rooms = []
    for room in collect_rooms(photos):
        lines = [
            _item_line(label, seen, catalogue)
            for label, seen in room.seen.items()
            if seen.quantity > 0
        ]
        lines.sort(key=lambda line: (line["builtIn"], -line["volume_m3"], line["en"]))
        moving = [line for line in lines if not line["builtIn"]]
        rooms.append(
            {
                "roomType": room.room_type,
                "roomName": room.room_name,
                "photos": room.photos,
                "itemsCount": sum(line["quantity"] for line in moving),
                "volume_m3": round(sum(line["volume_m3"] for line in moving), 3),
                "packedVolume_m3": round(sum(line["packedVolume_m3"] for line in moving), 3),
                "items": lines,
            }
        )
    rooms.sort(key=lambda room: (-room["photos"], room["roomType"], room["roomName"] or ""))
    return {
        "totalItems": sum(room["itemsCount"] for room in rooms),
        "totalVolume": round(sum(room["volume_m3"] for room in rooms), 3),
        "totalPackedVolume": round(sum(room["packedVolume_m3"] for room in rooms), 3),
        "rooms": rooms,
        "analyzer": analyzer,
    }
