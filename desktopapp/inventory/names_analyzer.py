"""The analyzer without a detector: the room from folder and file names, no items."""

from __future__ import annotations

from desktopapp.inventory.base import ROOM_FROM_NAME, Analysis, PhotoInput
from desktopapp.inventory.room_names import room_from_names


class NamesAnalyzer:
    name = "names"
    error: str | None = None

    def prepare(self) -> bool:
        return True

    def analyze(self, photo: PhotoInput) -> Analysis:
        named = room_from_names(photo.source_path)
        if named is None:
            return Analysis(room_type=None)
        return Analysis(named.room_type, ROOM_FROM_NAME, room_name=named.folder, room_cue=named.cue)
