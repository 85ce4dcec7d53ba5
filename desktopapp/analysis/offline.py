"""The default analyzer: works offline, room from the names, no items."""

from __future__ import annotations

from desktopapp.analysis.base import Analysis, PhotoInput
from desktopapp.analysis.rooms import guess_room


class OfflineAnalyzer:
    name = "offline"

    def analyze(self, photo: PhotoInput) -> Analysis:
        return Analysis(room_type=guess_room(photo.source_path))
