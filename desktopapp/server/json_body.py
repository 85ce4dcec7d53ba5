"""Reading a request's JSON object: bounded, and every bad body a 400 that says so.

Python's json module raises ValueError for malformed text and for integers of more than
4,300 digits, and RecursionError for deep nesting (100,000 brackets): all of them are the
client's mistake, never a 500.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from desktopapp.server.config import Limits
from desktopapp.server.errors import ApiError


async def read_json_object(request: web.Request, limits: Limits, shape: str) -> dict[str, Any]:
    """The body as a JSON object; `shape` shows the expected one in the error message."""
    if request.content_length and request.content_length > limits.max_json_bytes:
        raise ApiError(413, "too_large", "The request body is larger than PhotoLot accepts.")
    raw = await request.read()
    try:
        body = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ApiError(400, "bad_json", "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", f"Send a JSON object: {shape}.")
    return body
