"""The report's words: the catalogue the window and the web page read too
(`resources/i18n/strings.json`, through `desktopapp.platform.i18n`).

What only the report says is under "report.*" ("report.title", "report.truck.van"…); room
names ("room.kitchen"), counts ("n.photos", "n.items") and photo errors ("error.truncated")
are the keys the window and the page use.
"""

from __future__ import annotations

from desktopapp.platform.i18n import LANGUAGES, Words

__all__ = ["LANGUAGES", "Words", "words"]


def words(lang: str) -> Words:
    """The catalogue in `lang` ("fr" or "en"; anything else is English)."""
    return Words(lang if lang in LANGUAGES else "en")
