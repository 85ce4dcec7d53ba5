"""Guess the room from folder and file names, in French and English."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path, PurePath

# room type → name fragments (already accent-folded and lower-case). Longer,
# more specific phrases are tried first so "salle a manger" beats "salle".
ROOM_HINTS: dict[str, tuple[str, ...]] = {
    "living_room": ("living room", "livingroom", "lounge", "sejour", "salon", "family room"),
    "bedroom": ("bedroom", "chambre", "master room", "nursery", "guest room"),
    "kitchen": ("kitchen", "cuisine", "kitchenette"),
    "bathroom": ("salle de bain", "salle d eau", "bathroom", "shower", "toilettes", "wc"),
    "dining_room": ("salle a manger", "dining room", "diningroom", "dining"),
    "office": ("home office", "office", "bureau", "study"),
    "hall": ("entree", "entryway", "hallway", "hall", "couloir", "corridor", "foyer"),
    "garage": ("garage",),
    "cellar": ("cave", "cellar", "basement", "sous sol"),
    "attic": ("grenier", "attic", "combles", "loft"),
    "laundry": ("buanderie", "laundry", "utility room"),
    "garden": ("jardin", "garden", "terrasse", "terrace", "balcon", "balcony", "patio", "yard"),
    "kids_room": ("chambre enfant", "kids room", "playroom", "salle de jeux"),
    "storage": ("debarras", "storage", "cellier"),
}

_PHRASES = sorted(
    ((phrase, room) for room, phrases in ROOM_HINTS.items() for phrase in phrases),
    key=lambda pair: -len(pair[0]),
)
_PATTERNS = [(re.compile(rf"(?<![a-z]){re.escape(p)}(?![a-z])"), room) for p, room in _PHRASES]


def normalise(text: str) -> str:
    """'Salle_à-Manger2' → 'salle a manger 2'."""
    folded = unicodedata.normalize("NFKD", text)
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch)).lower()
    folded = re.sub(r"[^a-z0-9]+", " ", folded)
    folded = re.sub(r"(?<=[a-z])(?=[0-9])|(?<=[0-9])(?=[a-z])", " ", folded)
    return folded.strip()


@dataclass(frozen=True)
class NamedRoom:
    room_type: str
    folder: str | None  # the folder that named it ("Chambre 2"); None for a file name
    cue: str  # the folder or file name that matched


def _room_in(text: str) -> str | None:
    folded = normalise(text)
    for pattern, room in _PATTERNS:
        if pattern.search(folded):
            return room
    return None


def standard_user_folders() -> frozenset[PurePath]:
    """The user's own standard folders (home, Desktop, Documents, Pictures, Downloads...):
    their names say nothing about a room, even when they read like one (the French
    desktop is "Bureau", an office)."""
    import platformdirs

    found = {Path.home()}
    for getter in (
        platformdirs.user_desktop_dir,
        platformdirs.user_documents_dir,
        platformdirs.user_pictures_dir,
        platformdirs.user_downloads_dir,
    ):
        try:
            found.add(Path(getter()))
        except Exception:  # a platform without such a folder
            continue
    return frozenset(PurePath(folder) for folder in found)


def room_from_names(
    path: str | PurePath, depth: int = 3, ignore: frozenset[PurePath] = frozenset()
) -> NamedRoom | None:
    """The file name is asked first, then its folders, nearest first. A folder naming the
    same room as the file still names the room ("Chambre 1/chambre-parents.jpg" is in the
    room "Chambre 1", not in an unnamed bedroom). Folders in `ignore` (and their parents)
    are never asked."""
    folders = []
    for parent in list(PurePath(path).parents)[:depth]:
        if parent in ignore:
            break  # the user's own folder: it and everything above it name no room
        if parent.name:
            folders.append(parent.name)
    named_folders = [(folder, room) for folder in folders if (room := _room_in(folder))]
    stem = PurePath(path).stem
    from_file = _room_in(stem)
    if from_file is not None:
        folder = next((f for f, room in named_folders if room == from_file), None)
        return NamedRoom(from_file, folder, stem)
    if named_folders:
        folder, room = named_folders[0]
        return NamedRoom(room, folder, folder)
    return None


def guess_room(path: str | PurePath, depth: int = 3) -> str | None:
    named = room_from_names(path, depth)
    return named.room_type if named else None
