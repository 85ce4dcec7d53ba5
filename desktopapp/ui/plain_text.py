"""User text shown as typed: a room named "<b>Salon</b>" shows those very characters.

Labels take `Qt.PlainText`; item views paint text as it is. Two places still read markup
on their own: tooltips (Qt renders one as HTML when it looks like HTML) and menu entries
(a lone "&" marks a mnemonic). These helpers make both literal.
"""

from __future__ import annotations

import html

from PySide6 import QtGui


def plain_tip(text: str) -> str:
    """A tooltip showing `text` literally (escaped only when Qt would take it for HTML)."""
    if not text or not QtGui.Qt.mightBeRichText(text):
        return text or ""
    body = html.escape(text).replace("\n", "<br>")
    return f"<p style='white-space:pre-wrap'>{body}</p>"


def menu_text(text: str) -> str:
    """A user's text as a menu entry: "R&D" stays "R&D" (not "RD" with D underlined)."""
    return text.replace("&", "&&")


__all__ = ["menu_text", "plain_tip"]
