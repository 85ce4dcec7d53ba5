"""PhotoLot's words: one catalogue, `resources/i18n/strings.json`, for the window, the web
page (served as `/static/i18n.js`), the PDF report, the CSV export and the command line.

The file is {"fr": {key: value}, "en": {key: value}}. A value is a string with
`{placeholders}`, or plural forms {"one": "...", "other": "..."} chosen by the `n` value:
in French "one" for 0 and 1, in English for exactly 1 (`plural_form`; the page's common.js
applies the same rule).

    words = Words("fr")
    words("conn.live", time="14:02:11")     # "Temps réel actif · mis à jour 14:02:11"
    words("n.photos", n=1)                   # "1 photo"; n=0 → "0 photo"; en, n=0 → "0 photos"
    words.room("living_room"); words.status("PARTIAL"); words.project("Default")
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from desktopapp.platform.paths import resources_dir

LANGUAGES = ("fr", "en")
PLURAL_FORMS = ("one", "other")
# The room types the analyzers give (`room.<type>` names each one in the catalogue).
ROOM_TYPES = (
    "living_room",
    "bedroom",
    "kitchen",
    "bathroom",
    "dining_room",
    "office",
    "hall",
    "garage",
    "cellar",
    "attic",
    "laundry",
    "garden",
    "kids_room",
    "storage",
)
DEFAULT_PROJECT = "Default"  # the project name stored when none is given (core.intake)
PLACEHOLDER = re.compile(r"\{(\w+)\}")
PIXELS = re.compile(r"\((\d+) x (\d+) pixels\)")
# the intake's notices come in English (core.intake); the known ones are translated
IDENTICAL = re.compile(r"^(\d+) identical file\(s\) in this drop were counted once\.$")
SCRIPT_NAME = "i18n.js"  # what the web pages load before common.js

Value = str | dict[str, str]


def catalogue_path() -> Path:
    return resources_dir() / "i18n" / "strings.json"


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, Value]]:
    """The whole catalogue, read once."""
    with open(catalogue_path(), encoding="utf-8") as file:
        data = json.load(file)
    return {lang: dict(data[lang]) for lang in LANGUAGES}


@lru_cache(maxsize=1)
def script() -> bytes:
    """The catalogue as the web page's script: `window.PHOTOLOT_STRINGS = {...};`."""
    body = json.dumps(catalogue(), ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    body = body.replace("</", "<\\/")  # never an end tag, whatever a string holds
    return f"window.PHOTOLOT_STRINGS = {body};\n".encode()


def plural_form(lang: str, n: float) -> str:
    """ "one" or "other": French singular for 0 and 1 (and 1.5), English for exactly 1."""
    if lang == "fr":
        return "one" if abs(n) < 2 else "other"
    return "one" if n == 1 else "other"


def count_of(value: object) -> float:
    """The number a plural is chosen by: an int, or a formatted one ("1 234", "1,234")."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return value
    digits = re.sub(r"[^0-9.-]", "", str(value).replace(",", "."))
    try:
        return float(digits) if "." in digits else int(digits)
    except ValueError:
        return 0


def fill(text: str, values: Mapping[str, object]) -> str:
    """`{name}` replaced by its value; an unknown placeholder is left as it is."""
    if not values:
        return text
    return PLACEHOLDER.sub(
        lambda match: str(values[match[1]]) if values.get(match[1]) is not None else match[0],
        text,
    )


def placeholders(value: Value) -> set[str]:
    texts = value.values() if isinstance(value, dict) else [value]
    return {name for text in texts for name in PLACEHOLDER.findall(text)}


class Words:
    """The catalogue in one language; English when a key is missing, else the key."""

    def __init__(self, lang: str = "en") -> None:
        self.lang = lang if lang in LANGUAGES else "en"
        self._strings: Mapping[str, Value] = catalogue()[self.lang]

    def __call__(self, key: str, **values: Any) -> str:
        text = self._strings.get(key)
        if text is None:
            text = catalogue()["en"].get(key, key)
        if isinstance(text, dict):
            text = text.get(plural_form(self.lang, count_of(values.get("n", 0)))) or text["other"]
        return fill(text, values)

    def has(self, key: str) -> bool:
        return key in self._strings

    def status(self, status: str | None) -> str:
        key = f"status.{status}"
        return self(key) if status and self.has(key) else self("status.UNKNOWN")

    def room(self, room_type: str | None) -> str:
        """A room type's name ("Salon"); an unknown type as words ("Wine cellar")."""
        if not room_type or room_type == "unknown":
            return self("room.unknown")
        key = f"room.{room_type}"
        if room_type in ROOM_TYPES:
            return self(key)
        words = room_type.replace("_", " ")
        return words[:1].upper() + words[1:]

    def room_display(self, room_type: str | None, room_name: str | None) -> str:
        """A room as people name it: the folder that named it ("Chambre 2"), else its type."""
        return str(room_name) if room_name else self.room(room_type)

    def flag(self, flag: str) -> str:
        key = f"flag.{flag}"
        return self(key) if self.has(key) else flag.replace("_", " ")

    def photo_error(self, code: str | None, message: str | None) -> str:
        """A photo's error: the translated stable code (French), else the server's text."""
        key = f"error.{code}"
        if self.lang != "en" and code and self.has(key):
            size = PIXELS.search(message or "")  # the figures the server's sentence carries
            return self(key) + (f" ({size[1]} × {size[2]} pixels)" if size else "")
        return message or (self(key) if code and self.has(key) else code or "")

    def notice(self, text: object) -> str:
        """An intake notice in this language (the known ones; others as they are)."""
        identical = IDENTICAL.match(str(text))
        return self("notice.identical", n=int(identical[1])) if identical else str(text)

    def project(self, name: str | None) -> str:
        """A project's name as shown: the one made when none was given is "Default project"
        ("Projet par défaut"); its stored name stays "Default". No name: ""."""
        if name == DEFAULT_PROJECT:
            return self("project.default")
        return str(name or "")

    def project_label(self, name: str | None) -> str:
        """ "Projet Dupont", or "Projet par défaut" for the default project; no name: ""."""
        if name == DEFAULT_PROJECT:
            return self("project.default")
        return self("batch.project", name=name) if name else ""

    def analyzer(self, name: str | None) -> str:
        """What recognised the photos, in words: the bundled detectors, names only, or the
        name itself when PhotoLot does not know it."""
        text = str(name or "")
        if text in ("names", "offline"):
            return self(f"analyzer.{text}")
        if text == "detector" or "ssd" in text or "nanodet" in text:
            return self("analyzer.detector")
        return text
