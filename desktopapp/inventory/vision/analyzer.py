"""The detector's analysis, completed by a vision model; never blocked by it.

The detector always runs. The model's items are merged in: a label both saw in the photo
counts once (the larger count; the detector's boxes kept), the others come with
`source: "model"`. The room: a folder's name first, then the model's, then the
detector's guess. When the model cannot answer (down, a refused key, 429, 5xx, a timeout)
or answers something else (prose, cut JSON), the photo is still DONE with the detector's
items and the notice `model_unavailable` or `model_bad_answer`. Retries are bounded (with
the server's Retry-After, at most `MAX_WAIT` s), and after `breaker_after` failures in a
row the model is left alone for `breaker_seconds` (its photos get the notice at once).

Each analysis carries what asking cost (`Analysis.cost`): the seconds spent waiting for
the model's answers (every attempt, not the pauses between them) and the tokens its
server reported in `usage`. Counted per call, in the caller's own `_Spent`: the analyzer
serves several workers at once and keeps no per-photo state.
"""

from __future__ import annotations

import io
import logging
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from PIL import Image, ImageOps

from desktopapp.inventory.base import (
    ROOM_FROM_ITEMS,
    ROOM_FROM_NAME,
    Analysis,
    Analyzer,
    ModelCost,
    PhotoInput,
)
from desktopapp.inventory.catalogue import Catalogue
from desktopapp.inventory.vision.answer import BadAnswer, ModelAnswer, parse_answer
from desktopapp.inventory.vision.client import ChatClient, ModelUnavailable, Reply
from desktopapp.inventory.vision.config import VisionConfig
from desktopapp.inventory.vision.prompt import chat_request

log = logging.getLogger(__name__)

MODEL_UNAVAILABLE = "model_unavailable"
MODEL_BAD_ANSWER = "model_bad_answer"
MAX_WAIT = 30.0  # seconds: the longest Retry-After honoured before giving up on a photo


class VisionAnalyzer:
    def __init__(
        self, detector: Analyzer, client: ChatClient, catalogue: Catalogue, config: VisionConfig
    ) -> None:
        self.detector = detector
        self.client = client
        self.catalogue = catalogue
        self.config = config
        self.name = f"{detector.name}+model:{config.model}"
        self._slots = threading.BoundedSemaphore(max(1, config.concurrency))
        self._lock = threading.Lock()
        self._failures = 0
        self._open_until = 0.0

    def prepare(self) -> bool:
        prepare = getattr(self.detector, "prepare", None)
        return prepare() if prepare is not None else True

    @property
    def privacy_notice(self) -> str | None:
        """Said on every batch when the photos go to another machine (before any does)."""
        if not self.config.leaves_the_machine:
            return None
        host = urlsplit(self.config.base_url).hostname
        return (
            f"The photos of this batch are sent to {host} for analysis: they leave this computer."
        )

    @property
    def error(self) -> str | None:
        return getattr(self.detector, "error", None)

    def analyze(self, photo: PhotoInput) -> Analysis:
        base = self.detector.analyze(photo)
        spent = _Spent()  # this call's own: other workers analyse at the same time
        try:
            answer = self._ask(photo, spent)
        except BadAnswer as exc:
            log.info("photo %s: the model's answer was unusable (%s)", photo.photo_id, exc)
            return replace(_with_notice(base, MODEL_BAD_ANSWER), cost=spent.cost())
        except ModelUnavailable as exc:
            log.info("photo %s: the model could not be asked (%s)", photo.photo_id, exc)
            return replace(_with_notice(base, MODEL_UNAVAILABLE), cost=spent.cost())
        return replace(_merged(base, answer), cost=spent.cost())

    def _ask(self, photo: PhotoInput, spent: _Spent) -> ModelAnswer:
        with self._lock:
            if time.monotonic() < self._open_until:
                raise ModelUnavailable("left alone after failures in a row")
        payload = chat_request(
            self.config.model, _jpeg(photo, self.config.image_side), self.catalogue
        )
        attempt = 0
        while True:
            try:
                with self._slots:
                    started = time.monotonic()
                    try:
                        reply = self.client.complete(payload)
                    finally:
                        spent.asked(time.monotonic() - started)
                spent.answered(reply)
                answer = parse_answer(reply.content, self.catalogue)
            except ModelUnavailable as exc:
                attempt += 1
                wait = exc.retry_after if exc.retry_after is not None else 0.5 * 2**attempt
                if exc.final or attempt > self.config.retries or wait > MAX_WAIT:
                    self._failed()
                    raise
                time.sleep(wait)  # the server's own pace (Retry-After) or a short backoff
                continue
            except BadAnswer:
                self._failed()
                raise
            with self._lock:
                self._failures = 0
            return answer

    def forget_failures(self) -> None:
        """The user asks again (re-analysis): try the model now, breaker or not."""
        with self._lock:
            self._failures = 0
            self._open_until = 0.0

    def _failed(self) -> None:
        with self._lock:
            self._failures += 1
            if self._failures >= self.config.breaker_after:
                self._open_until = time.monotonic() + self.config.breaker_seconds
                self._failures = 0
                log.warning(
                    "the model failed %d times in a row: left alone for %g s",
                    self.config.breaker_after,
                    self.config.breaker_seconds,
                )


@dataclass
class _Spent:
    """What one photo's questions to the model cost so far."""

    attempts: int = 0
    seconds: float = 0.0
    tokens: dict[str, int] = field(default_factory=dict)

    def asked(self, seconds: float) -> None:
        self.attempts += 1
        self.seconds += seconds

    def answered(self, reply: Reply) -> None:
        usage = _usage(reply.usage)
        for name, value in usage.items():
            self.tokens[name] = self.tokens.get(name, 0) + value

    def cost(self) -> ModelCost | None:
        """None when nothing was sent (the breaker was open)."""
        if not self.attempts:
            return None
        return ModelCost(
            self.seconds,
            self.tokens.get("prompt"),
            self.tokens.get("completion"),
            self.tokens.get("total"),
        )


def _usage(usage: dict[str, Any]) -> dict[str, int]:
    """The server's token counts (`prompt_tokens`, `completion_tokens`, `total_tokens`), the
    ones it gave as whole numbers; the total from the other two when it left it out."""

    def count(key: str) -> int | None:
        value = usage.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            return None
        return value

    found = {
        name: value
        for name, value in (
            ("prompt", count("prompt_tokens")),
            ("completion", count("completion_tokens")),
            ("total", count("total_tokens")),
        )
        if value is not None
    }
    if "total" not in found and "prompt" in found and "completion" in found:
        found["total"] = found["prompt"] + found["completion"]
    return found


def _jpeg(photo: PhotoInput, side: int) -> bytes:
    if photo.image is not None:  # decoded by the pipeline: oriented already
        return reduced_jpeg(photo.image, side)
    return file_jpeg(photo.stored_path, side)


def file_jpeg(path: Path, side: int) -> bytes:
    """A photo file as the model sees it: oriented (EXIF), reduced, JPEG."""
    with Image.open(path) as opened:
        return reduced_jpeg(ImageOps.exif_transpose(opened), side)


def reduced_jpeg(image: Image.Image, side: int) -> bytes:
    """`image` with its longest side at most `side` px, as a JPEG (the original untouched)."""
    image = image.convert("RGB")  # a copy, also of an RGB image
    image.thumbnail((side, side))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def _with_notice(base: Analysis, notice: str) -> Analysis:
    return Analysis(
        base.room_type,
        base.room_source,
        base.items,
        [*base.notices, notice],
        base.room_name,
        base.room_cue,
    )


def _merged(base: Analysis, answer: ModelAnswer) -> Analysis:
    items = [dict(item) for item in base.items]
    seen: dict[str, int] = {}
    for item in items:
        seen[item["label"]] = seen.get(item["label"], 0) + int(item.get("quantity", 1))
    for item in answer.items:
        have = seen.get(item["label"], 0)
        if item["quantity"] > have:  # the model saw more of it: the difference, from it
            items.append({**item, "quantity": item["quantity"] - have})
    if base.room_source == ROOM_FROM_NAME or answer.room is None:
        return Analysis(
            base.room_type, base.room_source, items, base.notices, base.room_name, base.room_cue
        )
    return Analysis(answer.room, ROOM_FROM_ITEMS, items, base.notices, room_cue="model")
