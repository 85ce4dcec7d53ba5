"""The model's answer, checked against the catalogue."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from desktopapp.inventory.catalogue import Catalogue, fold_text
from desktopapp.inventory.vision.prompt import ROOMS

MAX_QUANTITY = 50  # per label and photo: more is a model's mistake, not a room
OTHER = "other"
_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.S)


class BadAnswer(ValueError):
    """The model did not answer the JSON asked for."""


@dataclass
class ModelAnswer:
    room: str | None
    items: list[dict[str, Any]] = field(default_factory=list)


def parse_answer(text: str, catalogue: Catalogue) -> ModelAnswer:
    fenced = _FENCE.match(text or "")
    raw = fenced.group(1) if fenced else (text or "").strip()
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise BadAnswer("the answer is not JSON (prose, or cut short)") from None
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise BadAnswer('the answer lacks "items"')
    room = data.get("room")
    room = room if isinstance(room, str) and room in ROOMS and room != "unknown" else None
    counts: dict[str, dict[str, Any]] = {}
    for entry in data["items"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("label"), str):
            continue
        quantity = entry.get("quantity", 1)
        if isinstance(quantity, bool) or not isinstance(quantity, int | float):
            continue
        quantity = max(1, min(MAX_QUANTITY, int(quantity)))
        label, text_seen = _label(entry["label"], catalogue)
        item = counts.setdefault(label, {"label": label, "quantity": 0, "source": "model"})
        item["quantity"] = min(MAX_QUANTITY, item["quantity"] + quantity)
        if text_seen:
            item["text"] = text_seen
    return ModelAnswer(room, list(counts.values()))


def _label(raw: str, catalogue: Catalogue) -> tuple[str, str | None]:
    """A catalogue key: the label itself, else the closest item by its names (FR or EN),
    else `other`, keeping what the model said."""
    key = raw.strip().lower().replace(" ", "_")
    if key in catalogue:
        return key, None
    wanted = fold_text(raw)
    for item in catalogue:  # a name said exactly ("Armoire" is "Armoire / penderie")
        names = [item.en, item.fr, *(a for aliases in item.aliases.values() for a in aliases)]
        parts = {fold_text(part) for name in names for part in re.split(r"[/,(]", name)}
        if wanted in parts:
            return item.key, None
    found = catalogue.search(raw.strip(), 1)
    if found:
        return found[0].key, None
    return OTHER, raw.strip()[:80]
