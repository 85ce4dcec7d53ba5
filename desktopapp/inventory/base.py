"""The analyzer interface: one photo in, a room and a list of items out."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from PIL import Image

# Where a photo's room came from (`roomSource`).
ROOM_FROM_NAME = "name"  # a folder or file name ("Salon/", "chambre-2.jpg")
ROOM_FROM_ITEMS = "items"  # what the photo shows (a bed: a bedroom)


@dataclass(frozen=True)
class PhotoInput:
    """What an analyzer may look at: names, the stored file, and the decoded picture."""

    photo_id: int
    file_name: str
    source_path: str
    stored_path: Path
    thumbnail_path: Path
    width: int
    height: int
    image: Image.Image | None = None  # oriented RGB, reduced; None: decode stored_path


@dataclass(frozen=True)
class ModelCost:
    """What asking a vision model cost for one photo: the seconds spent waiting for its
    answers (every attempt, not the pauses between them) and the tokens its server
    reported (`usage`), None when it reported none."""

    seconds: float
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    total_tokens: int | None = None

    def as_timings(self) -> dict[str, Any]:
        """The photo's `timings` entries: {"model": s, "tokens": {...}} (no "tokens" when
        the server reported none)."""
        out: dict[str, Any] = {"model": round(self.seconds, 4)}
        tokens = {
            name: value
            for name, value in (
                ("prompt", self.prompt_tokens),
                ("completion", self.completion_tokens),
                ("total", self.total_tokens),
            )
            if value is not None
        }
        if tokens:
            out["tokens"] = tokens
        return out


@dataclass(frozen=True)
class Analysis:
    """`items`: [{"label" (catalogue key), "quantity", "confidence", "box", "source"}];
    `notices`: stable codes about the analysis itself (e.g. "no_analyzer");
    `cost`: what asking a model cost (None: no model was asked)."""

    room_type: str | None
    room_source: str | None = None
    items: list[dict[str, Any]] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    room_name: str | None = None  # the folder that named the room ("Chambre 2")
    room_cue: str | None = None  # what decided: the name that matched, or an item's label
    cost: ModelCost | None = None


class Analyzer(Protocol):
    name: str

    def analyze(self, photo: PhotoInput) -> Analysis: ...
