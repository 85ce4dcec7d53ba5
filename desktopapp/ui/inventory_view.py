"""The inventory as the window shows it: item names, and a per-room view kept live.

    book = ItemBook()
    book.learn(state.inventory_summary)        # label → names, unit volumes, flags
    book.name("sofa", "fr")                     # "Canapé" (or "Sofa" before it is known)
    live = LiveInventory(book)
    live.reset(state); live.update(state, change)   # photos in, as the stream merges them
    live.summary(analyzer)                      # the server's `inventorySummary` shape

The server sends the batch's `inventorySummary` in the snapshot and in `complete`; in
between, `progress` deltas carry each photo's items only. `LiveInventory` rebuilds the
per-room view from those photos with the server's rule (`desktopapp/inventory/aggregate.py`):
per room (a room type, or the folder that named it), an item's quantity is the largest count
of it seen in any single photo of that room; near-duplicate photos (`duplicateOf`) add
nothing; built-in items are listed with no volume. Names, unit volumes and the packing
factor of each label come from the summaries the server sent (`ItemBook`); a label not
seen in any of them yet has no volume (`None`) until one arrives. Once a batch is final
the window shows the server's summary as it is: this view only fills the wait.

Pure Python, updated per changed photo (no pass over the whole batch per event).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

UNKNOWN_ROOM = "unknown"
RoomKey = tuple[str, str | None]


def label_words(label: str) -> str:
    """A catalogue key as words, for a label no summary named yet: "dining_table" →
    "Dining table"."""
    words = str(label).replace("_", " ").strip()
    return words[:1].upper() + words[1:]


@dataclass(frozen=True)
class ItemInfo:
    fr: str
    en: str
    unit_volume: float  # m³ per unit
    unit_packed: float  # m³ per unit once packed (0 for built-in items)
    fragile: bool = False
    dismountable: bool = False
    built_in: bool = False


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


class ItemBook:
    """What the window knows of each item label, learned from the server's summaries."""

    def __init__(self) -> None:
        self._items: dict[str, ItemInfo] = {}
        self.version = 0  # bumped whenever something was learned

    def __contains__(self, label: object) -> bool:
        return label in self._items

    def __len__(self) -> int:
        return len(self._items)

    def get(self, label: str) -> ItemInfo | None:
        return self._items.get(label)

    def name(self, label: str, lang: str) -> str:
        info = self._items.get(label)
        if info is None:
            return label_words(label)
        return (info.fr if lang == "fr" else info.en) or label_words(label)

    def learn(self, summary: Any) -> bool:
        """Take in every item line of a summary; True when something new was learned."""
        if not isinstance(summary, Mapping):
            return False
        learned = False
        for room in summary.get("rooms") or ():
            if not isinstance(room, Mapping):
                continue
            for line in room.get("items") or ():
                info = self._info(line)
                if info is not None and not _same(self._items.get(line["label"]), info):
                    self._items[line["label"]] = info
                    learned = True
        if learned:
            self.version += 1
        return learned

    @staticmethod
    def _info(line: Any) -> ItemInfo | None:
        if not isinstance(line, Mapping) or not isinstance(line.get("label"), str):
            return None
        built_in = bool(line.get("builtIn"))
        quantity = _number(line.get("quantity")) or 0.0
        unit = _number(line.get("unitVolume_m3"))
        volume = _number(line.get("volume_m3"))
        if unit is None:
            if volume is None or quantity <= 0 or built_in:
                return None
            unit = volume / quantity
        packed = _number(line.get("packedVolume_m3"))
        if built_in:
            unit_packed = 0.0
        elif packed is not None and quantity > 0:
            unit_packed = packed / quantity  # the packing factor, as the server applied it
        else:
            unit_packed = unit
        return ItemInfo(
            fr=item_name(line, "fr"),
            en=item_name(line, "en"),
            unit_volume=unit,
            unit_packed=unit_packed,
            fragile=bool(line.get("fragile")),
            dismountable=bool(line.get("dismountable")),
            built_in=built_in,
        )


def _same(known: ItemInfo | None, info: ItemInfo) -> bool:
    """The same item, the packed volume per unit aside from the summary's rounding (it is
    derived from a line rounded to the litre, so two quantities give two close values)."""
    if known is None:
        return False
    return abs(known.unit_packed - info.unit_packed) < 1e-3 and known == ItemInfo(
        **{**info.__dict__, "unit_packed": known.unit_packed}
    )


def photo_counts(items: Any) -> dict[str, int]:
    """One photo's items as label → quantity (a label listed twice adds up), in order."""
    counts: dict[str, int] = {}
    if not isinstance(items, list):
        return counts
    for item in items:
        if not isinstance(item, Mapping) or not isinstance(item.get("label"), str):
            continue
        try:
            quantity = max(0, int(item.get("quantity", 1)))
        except (TypeError, ValueError):
            quantity = 1
        counts[item["label"]] = counts.get(item["label"], 0) + quantity
    return counts


def room_key(photo: Mapping[str, Any]) -> RoomKey:
    return (photo.get("roomType") or UNKNOWN_ROOM, photo.get("roomName") or None)


@dataclass
class _Room:
    photos: int = 0
    seen: dict[str, dict[Any, int]] = field(default_factory=dict)  # label → photo → count


# A photo's part in the inventory: its room, and its counts (None: a near-duplicate).
_Entry = tuple[RoomKey, tuple[tuple[str, int], ...] | None]


class LiveInventory:
    def __init__(self, book: ItemBook) -> None:
        self._book = book
        self._entries: dict[Any, _Entry] = {}
        self._rooms: dict[RoomKey, _Room] = {}
        self.dirty = True  # the photos changed since the last `summary()`

    # -- feeding -------------------------------------------------------------------------
    def reset(self, state: Any) -> None:
        self._entries.clear()
        self._rooms.clear()
        self.dirty = True
        if state is None:
            return
        for photo_id in state.order:
            self._set(photo_id, state.photos.get(photo_id))

    def update(self, state: Any, change: Mapping[str, Any]) -> None:
        """Take in one `SseClient.stateChanged` (the state is already merged)."""
        if change.get("full") or change.get("removed"):
            self.reset(state)
            return
        for photo_id in (*change.get("added", ()), *change.get("changed", ())):
            self._set(photo_id, state.photos.get(photo_id))

    def _set(self, photo_id: Any, photo: Mapping[str, Any] | None) -> None:
        entry = self._entry(photo)
        old = self._entries.get(photo_id)
        if entry == old:
            return
        if old is not None:
            self._drop(photo_id, old)
        if entry is not None:
            self._add(photo_id, entry)
        self.dirty = True

    @staticmethod
    def _entry(photo: Mapping[str, Any] | None) -> _Entry | None:
        if photo is None or photo.get("status") != "DONE" or photo.get("excluded"):
            return None
        if photo.get("duplicateOf") is not None:
            return room_key(photo), None  # the same shot again: it repeats its original
        return room_key(photo), tuple(photo_counts(photo.get("items")).items())

    def _add(self, photo_id: Any, entry: _Entry) -> None:
        key, counts = entry
        room = self._rooms.get(key)
        if room is None:
            room = self._rooms[key] = _Room()
        room.photos += 1
        for label, quantity in counts or ():
            room.seen.setdefault(label, {})[photo_id] = quantity
        self._entries[photo_id] = entry

    def _drop(self, photo_id: Any, entry: _Entry) -> None:
        key, counts = entry
        del self._entries[photo_id]
        room = self._rooms[key]
        room.photos -= 1
        for label, _quantity in counts or ():
            seen = room.seen[label]
            seen.pop(photo_id, None)
            if not seen:
                del room.seen[label]
        if room.photos <= 0:
            del self._rooms[key]

    # -- reading -------------------------------------------------------------------------
    @property
    def rooms(self) -> int:
        return len(self._rooms)

    def labels(self) -> set[str]:
        return {label for room in self._rooms.values() for label in room.seen}

    def unknown_labels(self) -> set[str]:
        return {label for label in self.labels() if label not in self._book}

    def summary(self, analyzer: str | None = None) -> dict[str, Any]:
        """The inventory so far, in the server's shape; a line whose label is not known yet
        has `volume_m3` / `packedVolume_m3` None (and counts in `unknownLines`)."""
        self.dirty = False
        rooms = [self._room(key, room) for key, room in self._rooms.items()]
        rooms.sort(key=lambda room: (-room["photos"], room["roomType"], room["roomName"] or ""))
        return {
            "totalItems": sum(room["itemsCount"] for room in rooms),
            "totalVolume": round(sum(room["volume_m3"] for room in rooms), 3),
            "totalPackedVolume": round(sum(room["packedVolume_m3"] for room in rooms), 3),
            "rooms": rooms,
            "analyzer": analyzer,
            "handAddedItems": 0,
            "handRemovedItems": 0,
            "unknownLines": sum(room["unknownLines"] for room in rooms),
        }

    def _room(self, key: RoomKey, room: _Room) -> dict[str, Any]:
        lines = []
        for label, seen in room.seen.items():
            photo_id, quantity = max(seen.items(), key=lambda pair: pair[1])
            if quantity > 0:
                lines.append(self._line(label, quantity, photo_id))
        lines.sort(key=lambda line: (line["builtIn"], -(line["volume_m3"] or 0.0), line["en"]))
        moving = [line for line in lines if not line["builtIn"]]
        return {
            "roomType": key[0],
            "roomName": key[1],
            "photos": room.photos,
            "itemsCount": sum(line["quantity"] for line in moving),
            "volume_m3": round(sum(line["volume_m3"] or 0.0 for line in moving), 3),
            "packedVolume_m3": round(sum(line["packedVolume_m3"] or 0.0 for line in moving), 3),
            "items": lines,
            "unknownLines": sum(1 for line in lines if line["volume_m3"] is None),
        }

    def _line(self, label: str, quantity: int, photo_id: Any) -> dict[str, Any]:
        # The live view only fills the wait of a batch nobody corrected: a corrected batch's
        # events carry the server's summary, which the window then shows as it came.
        same = {
            "detectedQuantity": quantity,
            "source": "detected",
            "notMoving": None,
            "packedBy": "mover",
            "custom": False,
        }
        info = self._book.get(label)
        if info is None:
            words = label_words(label)
            return {
                "label": label,
                "en": words,
                "fr": words,
                "quantity": quantity,
                **same,
                "unitVolume_m3": None,
                "volume_m3": None,
                "packedVolume_m3": None,
                "fragile": False,
                "dismountable": False,
                "builtIn": False,
                "needsVolume": False,  # not known yet: the server's summary will say
                "photoId": photo_id,
            }
        moving = 0 if info.built_in else quantity
        return {
            "label": label,
            "en": info.en,
            "fr": info.fr,
            "quantity": quantity,
            **same,
            "unitVolume_m3": round(info.unit_volume, 3),
            "volume_m3": round(info.unit_volume * moving, 3),
            "packedVolume_m3": round(info.unit_packed * moving, 3),
            "fragile": info.fragile,
            "dismountable": info.dismountable,
            "builtIn": info.built_in,
            # a model's object outside the catalogue (the only lines with no volume here)
            "needsVolume": info.unit_volume == 0 and moving > 0,
            "photoId": photo_id,
        }


def room_name(translator: Any, room: Mapping[str, Any]) -> str:
    """A room's display name: the folder that named it, else its localised type."""
    return str(room.get("roomName") or translator.room(room.get("roomType")))


def item_name(line: Mapping[str, Any], lang: str) -> str:
    """A summary line's name in `lang` (the catalogue's), else the key as words (the server
    names a label its catalogue lacks by the bare key)."""
    label = str(line.get("label") or "?")
    name = line.get("fr") if lang == "fr" else line.get("en")
    return str(name) if name and name != label else label_words(label)


def photo_item_parts(items: Iterable[Any], book: ItemBook, lang: str) -> list[tuple[str, int]]:
    """A photo's items as (localised name, quantity), one per label, in order."""
    return [(book.name(label, lang), n) for label, n in photo_counts(list(items)).items()]
