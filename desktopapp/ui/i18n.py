"""The window's words in French and English (the web page's vocabulary, `common.js`).

tr = Translator.for_locale(lang)        # "fr", "en", or None: the system locale
tr("conn.live", time="14:02:11")         # "Temps réel actif · mis à jour 14:02:11"
tr.room("living_room"); tr.status("PARTIAL"); tr.photo_error(code, message)
"""

from __future__ import annotations

import locale as _locale
import os
from collections.abc import Mapping

from desktopapp.ui.i18n_strings import ROOMS, STRINGS

SUPPORTED = ("fr", "en")


def language_from(names: list[str]) -> str:
    """The first meaningful locale name decides: 'fr' for French, else 'en'."""
    for name in names:
        code = (name or "").lower().replace("-", "_").split(".")[0].split("_")[0]
        if code in SUPPORTED:
            return code
        if code and code not in ("c", "posix"):
            return "en"
    return "en"


def system_language() -> str:
    """'fr' when the system prefers French, else 'en'."""
    from PySide6.QtCore import QLocale

    system = QLocale.system()
    names = [*system.uiLanguages(), system.name()]
    names += [os.environ.get("LC_ALL", ""), os.environ.get("LANG", "")]
    names.append(_locale.getlocale()[0] or "")
    return language_from(names)


class Translator:
    def __init__(self, lang: str = "en") -> None:
        self.lang = lang if lang in SUPPORTED else "en"
        self._strings: Mapping[str, str] = STRINGS[self.lang]

    @classmethod
    def for_locale(cls, lang: str | None = None) -> Translator:
        return cls(lang if lang in SUPPORTED else system_language())

    def __call__(self, key: str, **values: object) -> str:
        text = self._strings.get(key)
        if text is None:
            text = STRINGS["en"].get(key, key)
        if values:
            for name, value in values.items():
                text = text.replace("{" + name + "}", str(value))
        return text

    def has(self, key: str) -> bool:
        return key in self._strings

    def status(self, status: str | None) -> str:
        return self(f"status.{status}") if status and self.has(f"status.{status}") else "…"

    def photo_status(self, status: str | None) -> str:
        return self(f"photo.{status}") if status else ""

    def room(self, room_type: str | None) -> str:
        if not room_type or room_type == "unknown":
            return self("room.unknown")
        known = ROOMS[self.lang].get(room_type)
        if known:
            return known
        words = room_type.replace("_", " ")
        return words[:1].upper() + words[1:]

    def flag(self, flag: str) -> str:
        key = f"flag.{flag}"
        return self(key) if self.has(key) else flag.replace("_", " ")

    def photo_error(self, code: str | None, message: str | None) -> str:
        """A photo's error: the translated stable code (French), else the server's text."""
        key = f"error.{code}"
        if self.lang != "en" and code and self.has(key):
            return self(key)
        return message or (self(key) if code and key in STRINGS["en"] else code or "")

    def number(self, value: float, decimals: int = 0) -> str:
        text = f"{value:,.{decimals}f}"
        if self.lang == "fr":
            text = text.replace(",", "\u202f").replace(".", ",")
        return text

    def volume(self, m3: float, decimals: int | None = None) -> str:
        """ "5,25 m³"; one decimal when that is exact, unless `decimals` is fixed (columns)."""
        value = float(m3 or 0)
        if decimals is None:
            decimals = 1 if abs(value - round(value, 1)) < 1e-9 else 2
        return f"{self.number(value, decimals)} m³"

    def percent(self, value: int) -> str:
        return f"{value}\u202f%" if self.lang == "fr" else f"{value}%"
