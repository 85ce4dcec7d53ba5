"""Encoding Server-Sent Events (WHATWG HTML, "Server-sent events"): pure functions."""

from __future__ import annotations

import json
import re
from typing import Any

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def to_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def encode_event(event: str, data: Any, event_id: int | None = None) -> bytes:
    """One event block; `data` is JSON-encoded (one `data:` line per line of text)."""
    if _LINE_BREAK.search(event):
        raise ValueError("an event name cannot contain a line break")
    lines = [f"event: {event}"]
    if event_id is not None:
        lines.append(f"id: {int(event_id)}")
    text = data if isinstance(data, str) else to_json(data)
    lines.extend(f"data: {line}" for line in _LINE_BREAK.split(text))
    return ("\n".join(lines) + "\n\n").encode("utf-8")


def encode_retry(milliseconds: int) -> bytes:
    return f"retry: {int(milliseconds)}\n\n".encode("ascii")


def parse_last_event_id(raw: str | None) -> int | None:
    """A usable journal id (ASCII digits only, at most 18 of them), else None."""
    if raw is None:
        return None
    raw = raw.strip()
    if not raw or len(raw) > 18 or not (raw.isascii() and raw.isdigit()):
        return None
    return int(raw)
