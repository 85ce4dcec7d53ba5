"""Guess the room from what a photo shows, when no folder or file name says it.

Each cue votes for a room with its weight × the detector's confidence × the square root of
the share of the picture the object covers: the objects that fill the frame say where the
camera stands (a kitchen seen through a living room's doorway loses to its sofa).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# catalogue key → (room type, weight)
ROOM_CUES: dict[str, tuple[str, float]] = {
    "bed": ("bedroom", 3.0),
    "crib": ("kids_room", 3.0),
    "toilet": ("bathroom", 3.0),
    "bathtub": ("bathroom", 3.0),
    "refrigerator": ("kitchen", 2.0),
    "oven_stove": ("kitchen", 2.0),
    "microwave": ("kitchen", 1.5),
    "dishwasher": ("kitchen", 1.5),
    "sink": ("kitchen", 1.0),  # a bathroom's basin too: a weak cue
    "sofa": ("living_room", 2.0),
    "tv": ("living_room", 1.0),
    "washing_machine": ("laundry", 2.0),
    "desk": ("office", 1.5),
}
# A dining table says "dining room" only with chairs around it (alone, it is any table).
DINING_TABLE = "dining_table"
DINING_SEATS = frozenset({"chair", "stool", "bench"})
DINING_WEIGHT = 1.5
MIN_AREA = 0.01  # an object's share of the picture counts at least this much


@dataclass(frozen=True)
class RoomGuess:
    room_type: str
    cue: str  # the catalogue key that weighed most for that room


def _area(item: Mapping[str, Any]) -> float:
    box = item.get("box")
    if not box:
        return 0.25  # an item without a box (a model's list): a typical share
    x0, y0, x1, y1 = box
    return max(MIN_AREA, (x1 - x0) * (y1 - y0))


def room_from_items(items: Iterable[Mapping[str, Any]]) -> RoomGuess | None:
    items = list(items)
    labels = {item["label"] for item in items}
    votes: dict[str, float] = {}
    best_cue: dict[str, tuple[float, str]] = {}
    for item in items:
        label = item["label"]
        if label in ROOM_CUES:
            room, weight = ROOM_CUES[label]
        elif label == DINING_TABLE and labels & DINING_SEATS:
            room, weight = "dining_room", DINING_WEIGHT
        else:
            continue
        vote = weight * float(item.get("confidence") or 1.0) * math.sqrt(_area(item))
        votes[room] = votes.get(room, 0.0) + vote
        if vote > best_cue.get(room, (0.0, ""))[0]:
            best_cue[room] = (vote, label)
    if not votes:
        return None
    room = max(votes, key=lambda name: (votes[name], name))
    return RoomGuess(room, best_cue[room][1])
