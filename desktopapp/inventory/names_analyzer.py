"""The analyzer without a detector: the room from folder and file names, no items."""

from __future__ import annotations

from desktopapp.inventory.base import ROOM_FROM_NAME, Analysis, PhotoInput
from desktopapp.inventory.room_names import room_from_names, standard_user_folders


class NamesAnalyzer:
    name = "names"
    error: str | None = None

    def prepare(self) -> bool:
        return True

    def __init__(self) -> None:
        self._user_folders = standard_user_folders()

    def analyze(self, photo: PhotoInput) -> Analysis:
        named = room_from_names(photo.source_path, ignore=self._user_folders)
        if named is None:
            return Analysis(room_type=None)
        return Analysis(named.room_type, ROOM_FROM_NAME, room_name=named.folder, room_cue=named.cue)
