"""The mover's corrections: what each one says, checked, and how they change the inventory.

A correction is `(kind, data)`. `parse(kind, raw, catalogue)` checks a client's request and
returns the data to store (or raises `CorrectionError` with a stable code and a sentence a
person understands); `apply(photos, corrections, catalogue)` replays the active corrections,
in order, over the photos as the pipeline left them and returns the corrected photos and
the room-level edits. Nothing here writes: the detector's own result is never changed, so
undoing a correction is only replaying one fewer.

Kinds:
    photo.room     {"photoIds": [...], "roomType": key, "roomName": text | null}
    photo.exclude  {"photoIds": [...], "excluded": bool}
    photo.item     {"photoId": id, "label": key, "quantity": 0..1000}   (0 removes it)
    photo.relabel  {"photoId": id, "label": key, "to": key}
    room.rename    {"room": room, "name": text}
    room.merge     {"room": room, "into": room}
    room.item      {"room": room, "label": key | null, "name": text, "volume_m3": v,
                    "quantity": 0..1000}   (a catalogue item, or free text with a volume)
    room.flags     {"room": room, "label": key, "fragile"?, "dismountable"?,
                    "notMoving"?: null | "sold" | "given" | "stays",
                    "packedBy"?: "mover" | "customer"}
    batch.header   {"customer", "fromAddress", "toAddress", "date", "fromFloor",
                    "fromLift", "toFloor", "toLift", "notes"}   (each optional)
    batch.rename   {"name": text}
where room = {"roomType": key, "roomName": text | null}, as the summary names rooms.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from desktopapp.inventory.catalogue import Catalogue
from desktopapp.inventory.room_names import ROOM_HINTS

UNKNOWN_ROOM = "unknown"
ROOM_TYPES = frozenset({*ROOM_HINTS, UNKNOWN_ROOM})
MAX_QUANTITY = 1000
MAX_NAME = 100
MAX_TEXT = 200
MAX_NOTES = 2000
MAX_PHOTOS = 10_000
MAX_CUSTOM_VOLUME = 20.0
NOT_MOVING = ("sold", "given", "stays")
PACKED_BY = ("mover", "customer")
CUSTOM_PREFIX = "custom:"
HEADER_FIELDS = {
    "customer": MAX_TEXT,
    "fromAddress": MAX_TEXT,
    "toAddress": MAX_TEXT,
    "date": 10,
    "fromFloor": 20,
    "toFloor": 20,
    "notes": MAX_NOTES,
}
HEADER_FLAGS = ("fromLift", "toLift")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

RoomKey = tuple[str, str | None]


class CorrectionError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Correction:
    id: int
    kind: str
    data: Mapping[str, Any]


# -- checking a request ------------------------------------------------------------------


def text(raw: Any, field_name: str, limit: int, *, required: bool = True) -> str | None:
    """A person's text: trimmed, at most `limit` characters, no control characters (a
    newline is allowed only in notes). HTML is kept as typed: every renderer escapes it."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if required:
            raise CorrectionError("bad_text", f'"{field_name}" must not be empty.')
        return None
    if not isinstance(raw, str):
        raise CorrectionError("bad_text", f'"{field_name}" must be text.')
    value = raw.strip().replace("\r\n", "\n")
    if len(value) > limit:
        raise CorrectionError(
            "text_too_long", f'"{field_name}" must be at most {limit} characters.'
        )
    allowed = value.replace("\n", "") if limit >= MAX_NOTES else value
    if _CONTROL.search(allowed) or "\n" in allowed:
        raise CorrectionError("bad_text", f'"{field_name}" must not contain control characters.')
    return value


def quantity(raw: Any) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise CorrectionError("bad_quantity", '"quantity" must be a whole number.')
    if raw < 0 or raw > MAX_QUANTITY:
        raise CorrectionError(
            "bad_quantity", f'"quantity" must be between 0 and {MAX_QUANTITY} (got {raw}).'
        )
    return raw


def label(raw: Any, catalogue: Catalogue, field_name: str = "label") -> str:
    if not isinstance(raw, str) or raw not in catalogue:
        shown = raw if isinstance(raw, str) and len(raw) <= 40 else "this"
        raise CorrectionError(
            "unknown_item",
            f'"{field_name}": {shown!r} is not an item of the catalogue. Pick one from '
            "GET /api/catalogue, or give a name and a volume for an item of your own.",
        )
    return raw


def room(raw: Any, field_name: str = "room") -> RoomKey:
    if not isinstance(raw, Mapping):
        raise CorrectionError(
            "bad_room", f'"{field_name}" must be {{"roomType": ..., "roomName": ...}}.'
        )
    room_type = raw.get("roomType")
    if room_type not in ROOM_TYPES:
        raise CorrectionError(
            "bad_room_type",
            f'"roomType" must be one of: {", ".join(sorted(ROOM_TYPES))}.',
        )
    return room_type, text(raw.get("roomName"), "roomName", MAX_NAME, required=False)


def room_json(key: RoomKey) -> dict[str, Any]:
    return {"roomType": key[0], "roomName": key[1]}


def photo_ids(raw: Any) -> list[int]:
    if (
        not isinstance(raw, list)
        or not raw
        or len(raw) > MAX_PHOTOS
        or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in raw)
    ):
        raise CorrectionError(
            "bad_photo_ids", f'"photoIds" must list 1 to {MAX_PHOTOS} photo ids (numbers).'
        )
    return sorted(set(raw))


def _photo_id(raw: Any) -> int:
    return photo_ids([raw])[0] if isinstance(raw, int) else photo_ids(raw)[0]


def custom_label(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name)
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch)).lower()
    return CUSTOM_PREFIX + (re.sub(r"[^a-z0-9]+", "-", folded).strip("-") or "item")


def _bool(raw: Any, field_name: str) -> bool:
    if not isinstance(raw, bool):
        raise CorrectionError("bad_flag", f'"{field_name}" must be true or false.')
    return raw


def _choice(raw: Any, field_name: str, choices: Sequence[str | None]) -> Any:
    if raw not in choices:
        shown = ", ".join("null" if c is None else c for c in choices)
        raise CorrectionError("bad_flag", f'"{field_name}" must be one of: {shown}.')
    return raw


def _item_label(raw: Any, catalogue: Catalogue) -> str:
    """A label already in the inventory: a catalogue key, or an item of the user's own."""
    if isinstance(raw, str) and raw.startswith(CUSTOM_PREFIX) and len(raw) <= 120:
        return raw
    return label(raw, catalogue)


def parse(kind: str, raw: Any, catalogue: Catalogue) -> dict[str, Any]:
    """The data to store for a correction of `kind`; raises CorrectionError."""
    if not isinstance(raw, Mapping):
        raise CorrectionError("bad_request", "Send a JSON object.")
    parser = _PARSERS.get(kind)
    if parser is None:
        raise CorrectionError("bad_kind", f"There is no correction called {kind!r}.")
    return parser(raw, catalogue)


def _photo_room(raw: Mapping[str, Any], _c: Catalogue) -> dict[str, Any]:
    key = room(raw, "room")
    return {"photoIds": photo_ids(raw.get("photoIds")), **room_json(key)}


def _photo_exclude(raw: Mapping[str, Any], _c: Catalogue) -> dict[str, Any]:
    return {
        "photoIds": photo_ids(raw.get("photoIds")),
        "excluded": _bool(raw.get("excluded", True), "excluded"),
    }


def _photo_item(raw: Mapping[str, Any], c: Catalogue) -> dict[str, Any]:
    return {
        "photoId": _photo_id(raw.get("photoId")),
        "label": label(raw.get("label"), c),
        "quantity": quantity(raw.get("quantity")),
    }


def _photo_relabel(raw: Mapping[str, Any], c: Catalogue) -> dict[str, Any]:
    old, new = label(raw.get("label"), c), label(raw.get("to"), c, "to")
    if old == new:
        raise CorrectionError("bad_request", '"to" must differ from "label".')
    return {"photoId": _photo_id(raw.get("photoId")), "label": old, "to": new}


def _room_rename(raw: Mapping[str, Any], _c: Catalogue) -> dict[str, Any]:
    name = text(raw.get("name"), "name", MAX_NAME)
    return {"room": room_json(room(raw.get("room"))), "name": name}


def _room_merge(raw: Mapping[str, Any], _c: Catalogue) -> dict[str, Any]:
    source, target = room(raw.get("room")), room(raw.get("into"), "into")
    if source == target:
        raise CorrectionError("bad_request", "A room cannot be merged into itself.")
    return {"room": room_json(source), "into": room_json(target)}


def _room_item(raw: Mapping[str, Any], c: Catalogue) -> dict[str, Any]:
    key = room(raw.get("room"))
    count = quantity(raw.get("quantity", 1))
    if raw.get("label") is not None:
        return {"room": room_json(key), "label": _item_label(raw["label"], c), "quantity": count}
    name = text(raw.get("name"), "name", MAX_NAME)
    assert name is not None
    volume = raw.get("volume_m3")
    if (
        isinstance(volume, bool)
        or not isinstance(volume, int | float)
        or not 0 < volume <= MAX_CUSTOM_VOLUME
    ):
        raise CorrectionError(
            "bad_volume",
            f'An item of your own needs "volume_m3", above 0 and at most {MAX_CUSTOM_VOLUME:g} m³.',
        )
    return {
        "room": room_json(key),
        "label": custom_label(name),
        "name": name,
        "volume_m3": round(float(volume), 3),
        "quantity": count,
    }


def _room_flags(raw: Mapping[str, Any], c: Catalogue) -> dict[str, Any]:
    data: dict[str, Any] = {
        "room": room_json(room(raw.get("room"))),
        "label": _item_label(raw.get("label"), c),
    }
    for name in ("fragile", "dismountable"):
        if name in raw:
            data[name] = _bool(raw[name], name)
    if "notMoving" in raw:
        data["notMoving"] = _choice(raw["notMoving"], "notMoving", (None, *NOT_MOVING))
    if "packedBy" in raw:
        data["packedBy"] = _choice(raw["packedBy"], "packedBy", PACKED_BY)
    if len(data) == 2:
        raise CorrectionError(
            "bad_request", "Set at least one of fragile, dismountable, notMoving, packedBy."
        )
    return data


def _batch_header(raw: Mapping[str, Any], _c: Catalogue) -> dict[str, Any]:
    unknown = set(raw) - set(HEADER_FIELDS) - set(HEADER_FLAGS)
    if unknown:
        raise CorrectionError("bad_request", f"Unknown header field: {sorted(unknown)[0]!r}.")
    data: dict[str, Any] = {}
    for name, limit in HEADER_FIELDS.items():
        if name in raw:
            data[name] = text(raw[name], name, limit, required=False)
    if data.get("date") and not _DATE.match(data["date"]):
        raise CorrectionError("bad_date", '"date" must be a date written YYYY-MM-DD.')
    for name in HEADER_FLAGS:
        if name in raw:
            data[name] = None if raw[name] is None else _bool(raw[name], name)
    if not data:
        raise CorrectionError("bad_request", "Send at least one header field.")
    return data


def _batch_rename(raw: Mapping[str, Any], _c: Catalogue) -> dict[str, Any]:
    return {"name": text(raw.get("name"), "name", MAX_NAME)}


_PARSERS = {
    "photo.room": _photo_room,
    "photo.exclude": _photo_exclude,
    "photo.item": _photo_item,
    "photo.relabel": _photo_relabel,
    "room.rename": _room_rename,
    "room.merge": _room_merge,
    "room.item": _room_item,
    "room.flags": _room_flags,
    "batch.header": _batch_header,
    "batch.rename": _batch_rename,
}
KINDS = tuple(_PARSERS)


def photos_named(kind: str, data: Mapping[str, Any]) -> list[int]:
    """The photos a correction names (they must belong to its batch)."""
    if kind in ("photo.room", "photo.exclude"):
        return list(data["photoIds"])
    if kind in ("photo.item", "photo.relabel"):
        return [data["photoId"]]
    return []


# -- replaying corrections ---------------------------------------------------------------


class CorrectedPhoto:
    """A photo row with the corrections applied; every other attribute is the row's."""

    def __init__(self, row: Any) -> None:
        self._row = row
        self.room_type: str | None = row.room_type
        self.room_name: str | None = getattr(row, "room_name", None)
        self.room_source: str | None = getattr(row, "room_source", None)
        self.items: list[dict[str, Any]] = [dict(item) for item in row.items or []]
        self.excluded = False
        self.corrected = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._row, name)

    @property
    def detected_items(self) -> list[dict[str, Any]]:
        return list(self._row.items or [])


@dataclass
class RoomEdits:
    """Room-level corrections, by the room's key after every rename and merge."""

    lines: dict[RoomKey, dict[str, dict[str, Any]]] = field(default_factory=dict)
    flags: dict[RoomKey, dict[str, dict[str, Any]]] = field(default_factory=dict)
    header: dict[str, Any] = field(default_factory=dict)
    name: str | None = None
    moves: dict[RoomKey, RoomKey] = field(default_factory=dict)

    def move(self, source: RoomKey, target: RoomKey) -> None:
        """Everything said of `source` now belongs to `target` (a rename or a merge)."""
        for table in (self.lines, self.flags):
            moved = table.pop(source, None)
            if moved:
                into = table.setdefault(target, {})
                for label_key, value in moved.items():
                    into[label_key] = {**value, **into.get(label_key, {})}
        for key, where in list(self.moves.items()):
            if where == source:
                self.moves[key] = target
        self.moves[source] = target


def apply(
    photos: Iterable[Any], corrections: Iterable[Correction]
) -> tuple[list[CorrectedPhoto], RoomEdits]:
    """Replay `corrections` (active ones, in order) over `photos` (the pipeline's rows)."""
    views = [CorrectedPhoto(photo) for photo in photos]
    by_id = {view.id: view for view in views}
    edits = RoomEdits()
    for correction in corrections:
        _APPLY[correction.kind](correction.data, by_id, views, edits)
    return views, edits


def _key(view: CorrectedPhoto) -> RoomKey:
    return (view.room_type or UNKNOWN_ROOM, view.room_name)


def _as_key(raw: Mapping[str, Any]) -> RoomKey:
    return (raw["roomType"], raw.get("roomName"))


def _apply_photo_room(data, by_id, _views, _edits) -> None:
    for photo_id in data["photoIds"]:
        view = by_id.get(photo_id)
        if view is not None:
            view.room_type, view.room_name = data["roomType"], data.get("roomName")
            view.room_source, view.corrected = "hand", True


def _apply_photo_exclude(data, by_id, _views, _edits) -> None:
    for photo_id in data["photoIds"]:
        view = by_id.get(photo_id)
        if view is not None:
            view.excluded, view.corrected = bool(data["excluded"]), True


def _apply_photo_item(data, by_id, _views, _edits) -> None:
    view = by_id.get(data["photoId"])
    if view is None:
        return
    wanted, kept, others = data["quantity"], [], []
    for item in view.items:
        (kept if item.get("label") == data["label"] else others).append(item)
    have = 0
    trimmed = []
    for item in kept:  # keep the detector's boxes while they fit in the wanted count
        count = max(0, int(item.get("quantity", 1)))
        if have + count <= wanted:
            trimmed.append(item)
            have += count
    if wanted > have:
        trimmed.append({"label": data["label"], "quantity": wanted - have, "source": "hand"})
    view.items, view.corrected = others + trimmed, True


def _apply_photo_relabel(data, by_id, _views, _edits) -> None:
    view = by_id.get(data["photoId"])
    if view is None:
        return
    for item in view.items:
        if item.get("label") == data["label"]:
            item.update(label=data["to"], source="hand", relabeledFrom=data["label"])
    view.corrected = True


def _move_room(source: RoomKey, target: RoomKey, views, edits: RoomEdits) -> None:
    for view in views:
        if _key(view) == source:
            view.room_type, view.room_name = target
            view.room_source, view.corrected = "hand", True
    edits.move(source, target)


def _apply_room_rename(data, _by_id, views, edits) -> None:
    source = _as_key(data["room"])
    _move_room(source, (source[0], data["name"]), views, edits)


def _apply_room_merge(data, _by_id, views, edits) -> None:
    _move_room(_as_key(data["room"]), _as_key(data["into"]), views, edits)


def _apply_room_item(data, _by_id, _views, edits) -> None:
    line = {"quantity": data["quantity"]}
    if data.get("name") is not None:
        line.update(name=data["name"], volume_m3=data["volume_m3"])
    edits.lines.setdefault(_as_key(data["room"]), {})[data["label"]] = line


def _apply_room_flags(data, _by_id, _views, edits) -> None:
    flags = {k: v for k, v in data.items() if k not in ("room", "label")}
    room_flags = edits.flags.setdefault(_as_key(data["room"]), {})
    room_flags[data["label"]] = {**room_flags.get(data["label"], {}), **flags}


def _apply_batch_header(data, _by_id, _views, edits) -> None:
    edits.header.update(data)


def _apply_batch_rename(data, _by_id, _views, edits) -> None:
    edits.name = data["name"]


_APPLY = {
    "photo.room": _apply_photo_room,
    "photo.exclude": _apply_photo_exclude,
    "photo.item": _apply_photo_item,
    "photo.relabel": _apply_photo_relabel,
    "room.rename": _apply_room_rename,
    "room.merge": _apply_room_merge,
    "room.item": _apply_room_item,
    "room.flags": _apply_room_flags,
    "batch.header": _apply_batch_header,
    "batch.rename": _apply_batch_rename,
}
