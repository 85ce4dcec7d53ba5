"""A vision model server on loopback for re-analysis tests (no tests here): it speaks the
chat-completions wire format and answers as `answer` says at the time of each request, so
a test can make the model fail for a batch, then come back before the re-analysis.

    with ModelServer() as model:            # model.answer = "prose" | 500 | "good"
        core = vision_core(data_dir, model)  # a real Core with the real VisionAnalyzer
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from unittest import mock

from desktopapp.core.services import Core
from desktopapp.platform.settings import Settings
from tests.helpers import make_photo
from tests.model_server import ModelServer as ChatServer
from tests.model_server import completion

GOOD = (
    '{"room": "living_room", "items": [{"label": "sofa", "quantity": 1}, '
    '{"label": "wardrobe", "quantity": 2}]}'
)
PROSE = "I see a cosy living room with a sofa, a wardrobe and some light."


class ModelServer(ChatServer):
    """The loopback chat-completions server (tests/model_server.py), answering every
    request as `answer` says now: "good", "prose", or an HTTP status."""

    def __init__(self) -> None:
        super().__init__()
        self.answer = "prose"

    @property
    def answer(self) -> Any:
        return self._answer

    @answer.setter
    def answer(self, answer: Any) -> None:
        self._answer = answer
        if isinstance(answer, int):
            self.default = (answer, {}, b'{"error": "down"}')
        else:
            self.default = completion(GOOD if answer == "good" else PROSE)

    @property
    def asked(self) -> int:
        return len(self.requests)


def vision_core(data_dir: Path, model: ModelServer, workers: int = 2) -> Core:
    """A real Core (not started) whose analyzer asks `model` after the names analyzer
    (rooms from folder names, no items of its own: every item is the model's)."""
    with mock.patch.dict(os.environ, model.environ()):
        return Core(Settings(data_dir=data_dir, workers=workers, analyzer="names"))


def drop(folder: Path, count: int = 3) -> Path:
    for seed in range(count):
        (folder / "Salon").mkdir(parents=True, exist_ok=True)
        make_photo(folder / "Salon" / f"p{seed}.jpg", seed, size=(320, 240))
    return folder


def labels(photo: dict[str, Any]) -> dict[str, tuple[int, str]]:
    return {item["label"]: (item["quantity"], item.get("source", "")) for item in photo["items"]}
