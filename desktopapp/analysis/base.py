"""The analyzer interface: one photo in, a room and a list of items out."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol


@dataclass(frozen=True)
class PhotoInput:
    """What an analyzer may look at: names, the stored file, its thumbnail."""

    photo_id: int
    file_name: str
    source_path: str
    stored_path: Path
    thumbnail_path: Path
    width: int
    height: int


@dataclass(frozen=True)
class Analysis:
    """`items`: [{"label", "quantity", "volume_m3" (per unit), ...}]."""

    room_type: str | None
    items: list[dict[str, Any]] = field(default_factory=list)


class Analyzer(Protocol):
    name: str

    def analyze(self, photo: PhotoInput) -> Analysis: ...
