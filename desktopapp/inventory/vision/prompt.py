"""The request: one photo, the catalogue, and the answer's exact shape."""

from __future__ import annotations

import base64
from typing import Any

from desktopapp.inventory.catalogue import Catalogue
from desktopapp.inventory.room_names import ROOM_HINTS

ROOMS = (*ROOM_HINTS, "unknown")

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "room": {"type": "string", "enum": list(ROOMS)},
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "label": {"type": "string"},
                    "quantity": {"type": "integer", "minimum": 1},
                },
                "required": ["label", "quantity"],
            },
        },
    },
    "required": ["room", "items"],
}


def system_prompt(catalogue: Catalogue) -> str:
    lines = [f"- {item.key}: {item.en} / {item.fr}" for item in catalogue if not item.built_in]
    return (
        "You list the furniture and household objects a mover would move in one photo of a "
        "room. Answer with JSON only, no prose, no code fence, exactly: "
        '{"room": "<room key>", "items": [{"label": "<item key>", "quantity": <integer>}]}. '
        f"Room keys: {', '.join(ROOMS)}. Item keys (English / French names):\n"
        + "\n".join(lines)
        + "\nUse only these item keys; count each kind of object once, with how many are seen."
    )


def chat_request(model: str, jpeg: bytes, catalogue: Catalogue) -> dict[str, Any]:
    image = "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")
    return {
        "model": model,
        "temperature": 0,
        "messages": [
            {"role": "system", "content": system_prompt(catalogue)},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "The room and the objects in this photo, as JSON."},
                    {"type": "image_url", "image_url": {"url": image}},
                ],
            },
        ],
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "photolot_inventory", "schema": SCHEMA, "strict": True},
        },
    }
