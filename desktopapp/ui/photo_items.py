"""`PhotoItemsEditor`: the viewer's list of what one photo shows, with its counts to fix.

    ┌ Objets repérés (3) ──────────────────────────────┐
    │ ■ Canapé                        [  1 ▴▾]  ✎  ✕    │
    │ ■ Chaise                        [  2 ▴▾]  ✎  ✕    │
    │ □ Lampe  ajouté à la main       [  1 ▴▾]  ✎  ✕    │
    │ [+ Ajouter un objet…]                             │
    │ Corrigez les quantités : 0 retire l'objet.        │
    │ Détection d'origine : Canapé ×1, Chaise ×3         │
    └───────────────────────────────────────────────────┘

One row per label (a photo's boxes of one label are counted together): its box colour
(■, or □ without a box on the photo), its name, a quantity spin box, "Not this…" (✎:
another catalogue item) and remove (✕, a quantity of 0). The editor only says what the
person asked (`quantityChanged`, `relabelRequested`, `addRequested`); the viewer sends
the corrections, and what the photo becomes comes back on the batch's stream
(`set_photo`). A spin box sends its value when the person stops: Enter, leaving the box,
or QUANTITY_DELAY_MS after the last arrow click; a row being edited keeps what the person
typed while updates arrive.

`detected` (the pipeline's own result, present once the photo was corrected) shows in a
small muted line under the list, so the person sees what was changed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktopapp.ui import theme
from desktopapp.ui.i18n import Translator
from desktopapp.ui.icons import set_icon
from desktopapp.ui.widgets import muted_label

QUANTITY_DELAY_MS = 700  # arrow clicks settle this long before the count is sent
MAX_QUANTITY = 1000


def photo_lines(items: Any) -> list[dict[str, Any]]:
    """A photo's items grouped by label, in the photo's order: {"label", "quantity",
    "boxed", "hand", "from"} (from: the label it was relabelled from, if any)."""
    lines: dict[str, dict[str, Any]] = {}
    for item in items or []:
        if not isinstance(item, Mapping) or not isinstance(item.get("label"), str):
            continue
        try:
            quantity = max(0, int(item.get("quantity", 1)))
        except (TypeError, ValueError):
            quantity = 1
        line = lines.setdefault(
            item["label"],
            {"label": item["label"], "quantity": 0, "boxed": False, "hand": False, "from": None},
        )
        line["quantity"] += quantity
        line["boxed"] = line["boxed"] or isinstance(item.get("box"), list | tuple)
        line["hand"] = line["hand"] or item.get("source") == "hand"
        if isinstance(item.get("relabeledFrom"), str):
            line["from"] = item["relabeledFrom"]
    return [line for line in lines.values() if line["quantity"] > 0]


def swatch(color: QColor | None, size: int, dpr: float) -> QPixmap:
    """The box colour of a label (■), or a hollow square (□) for items without a box."""
    pixmap = QPixmap(round(size * dpr), round(size * dpr))
    pixmap.setDevicePixelRatio(dpr)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    if color is not None:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawRoundedRect(1, 1, size - 2, size - 2, 2, 2)
    else:
        pen = QColor("#9ca3af")
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(1.5, 1.5, size - 3, size - 3, 2, 2)
    painter.end()
    return pixmap


class ItemRow(QWidget):
    """One label of the photo: swatch, name (and where it came from), count, actions."""

    def __init__(self, label: str, translator: Translator, parent: QWidget | None = None):
        super().__init__(parent)
        self._tr = translator
        self.label = label
        self.quantity = 0  # what the photo has now (the server's)
        self.sent: int | None = None  # a count sent, not back on the stream yet
        self.setObjectName(f"item:{label}")
        box = QHBoxLayout(self)
        box.setContentsMargins(0, 2, 0, 2)
        box.setSpacing(6)
        self.swatch = QLabel(self)
        self.swatch.setFixedSize(14, 14)
        box.addWidget(self.swatch, 0, Qt.AlignmentFlag.AlignVCenter)
        words = QVBoxLayout()
        words.setSpacing(0)
        self.name = QLabel(self)
        self.name.setTextFormat(Qt.TextFormat.PlainText)
        self.name.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.note = muted_label("", self, 0.85)
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        self.note.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.note.hide()
        words.addWidget(self.name)
        words.addWidget(self.note)
        box.addLayout(words, 1)
        self.spin = QSpinBox(self)
        self.spin.setRange(0, MAX_QUANTITY)
        self.spin.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.spin.setKeyboardTracking(False)  # typed digits count once Enter / focus out
        self.spin.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.UpDownArrows)
        self.spin.setFixedWidth(self.spin.fontMetrics().horizontalAdvance("0000") + 40)
        box.addWidget(self.spin)
        self.relabel_button = QToolButton(self)
        set_icon(self.relabel_button, "edit")
        self.relabel_button.setAutoRaise(True)
        self.remove_button = QToolButton(self)
        set_icon(self.remove_button, "close")
        self.remove_button.setAutoRaise(True)
        for button in (self.relabel_button, self.remove_button):
            button.setIconSize(QSize(16, 16))
            box.addWidget(button)
        self.timer = QTimer(self, singleShot=True, interval=QUANTITY_DELAY_MS)

    def set_line(self, line: Mapping[str, Any], name: str, color: QColor | None, note: str):
        tr = self._tr
        self.quantity = int(line["quantity"])
        if self.sent == self.quantity:
            self.sent = None  # the correction is back
        self.name.setText(name)
        self.name.setToolTip(name)
        self.note.setText(note)
        self.note.setVisible(bool(note))
        self.swatch.setPixmap(swatch(color, 12, self.devicePixelRatioF()))
        self.swatch.setToolTip("" if color is not None else tr("viewer.unboxed"))
        if not self.editing:
            self.spin.blockSignals(True)
            self.spin.setValue(self.quantity)
            self.spin.blockSignals(False)
        self.spin.setAccessibleName(tr("viewer.quantity", name=name))
        self.relabel_button.setToolTip(tr("viewer.relabelTip", name=name))
        self.relabel_button.setAccessibleName(tr("viewer.relabelTip", name=name))
        self.remove_button.setToolTip(tr("viewer.remove", name=name))
        self.remove_button.setAccessibleName(tr("viewer.remove", name=name))

    @property
    def editing(self) -> bool:
        """The person changed the count, and it was not sent yet or is not back yet."""
        return self.timer.isActive() or self.sent is not None

    def reset(self) -> None:
        """Show the server's count again (a correction was refused)."""
        self.timer.stop()
        self.sent = None
        self.spin.blockSignals(True)
        self.spin.setValue(self.quantity)
        self.spin.blockSignals(False)


class PhotoItemsEditor(QWidget):
    quantityChanged = Signal(str, int)  # label, the photo's new count of it (0 removes)
    relabelRequested = Signal(str)  # label: pick another catalogue item for it
    addRequested = Signal()

    def __init__(
        self,
        translator: Translator,
        name_of: Callable[[str], str],
        color_of: Callable[[str], QColor],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        tr = self._tr = translator
        self._name_of = name_of
        self._color_of = color_of
        self.rows: dict[str, ItemRow] = {}
        self.photo_id: int | None = None
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(4)
        self.heading = QLabel(self)
        self.heading.setFont(theme.scaled_font(self.heading, 1.0, QFont.Weight.DemiBold))
        box.addWidget(self.heading)
        self.empty = muted_label(tr("viewer.noItems"), self, 0.9)
        self.empty.setWordWrap(True)
        box.addWidget(self.empty)
        self.list_box = QVBoxLayout()
        self.list_box.setSpacing(0)
        box.addLayout(self.list_box)
        box.addSpacing(4)
        self.add_button = QPushButton(tr("viewer.add"), self)
        set_icon(self.add_button, "plus")
        self.add_button.setAutoDefault(False)
        self.add_button.clicked.connect(self.addRequested)
        add_row = QHBoxLayout()
        add_row.addWidget(self.add_button)
        add_row.addStretch(1)
        box.addLayout(add_row)
        self.hint = muted_label(tr("viewer.editHint"), self, 0.85)
        self.hint.setWordWrap(True)
        box.addWidget(self.hint)
        box.addSpacing(6)
        self.detected = muted_label("", self, 0.85)
        self.detected.setWordWrap(True)
        self.detected.setTextFormat(Qt.TextFormat.PlainText)
        self.detected.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detected.hide()
        box.addWidget(self.detected)

    # -- content -------------------------------------------------------------------------
    def quantities(self) -> dict[str, int]:
        """The photo's counts by label, as the server last said."""
        return {label: row.quantity for label, row in self.rows.items()}

    def set_photo(self, photo: Mapping[str, Any], room_of: Callable[[Any], str]) -> None:
        tr = self._tr
        photo_id = photo.get("id")
        if photo_id != self.photo_id:  # another photo: nothing typed carries over
            for row in self.rows.values():
                row.reset()
            self.photo_id = photo_id if isinstance(photo_id, int) else None
        lines = photo_lines(photo.get("items"))
        self.heading.setText(tr("viewer.items", n=sum(line["quantity"] for line in lines)))
        wanted = [line["label"] for line in lines]
        for label in list(self.rows):
            if label not in wanted:
                row = self.rows.pop(label)
                row.timer.stop()
                self.list_box.removeWidget(row)
                row.deleteLater()
        for index, line in enumerate(lines):
            row = self.rows.get(line["label"])
            if row is None:
                row = self._new_row(line["label"])
            self.list_box.insertWidget(index, row)  # the photo's order
            name = self._name_of(line["label"])
            notes = []
            if line["from"]:
                notes.append(tr("viewer.relabeledFrom", name=self._name_of(line["from"])))
            elif line["hand"]:
                notes.append(tr("viewer.byHand"))
            color = self._color_of(line["label"]) if line["boxed"] else None
            row.set_line(line, name, color, " · ".join(notes))
        self.empty.setVisible(not lines)
        self.detected.setText(self._detected_text(photo, room_of))
        self.detected.setVisible(bool(self.detected.text()))

    def _detected_text(self, photo: Mapping[str, Any], room_of: Callable[[Any], str]) -> str:
        detected = photo.get("detected")
        if not isinstance(detected, Mapping):
            return ""
        tr = self._tr
        found = photo_lines(detected.get("items"))
        words = [
            tr("viewer.itemLine", name=self._name_of(line["label"]), n=line["quantity"])
            for line in found
        ]
        text = ", ".join(words) or tr("viewer.detectedNone")
        if (detected.get("roomType"), detected.get("roomName")) != (
            photo.get("roomType"),
            photo.get("roomName"),
        ):
            text = f"{room_of(detected)} · {text}"
        return tr("viewer.detected", items=text)

    def _new_row(self, label: str) -> ItemRow:
        row = ItemRow(label, self._tr, self)
        self.rows[label] = row
        row.spin.valueChanged.connect(lambda _value: row.timer.start())
        row.spin.editingFinished.connect(lambda: self._send(row))
        row.timer.timeout.connect(lambda: self._send(row))
        row.relabel_button.clicked.connect(lambda: self.relabelRequested.emit(label))
        row.remove_button.clicked.connect(lambda: self._remove(row))
        return row

    def _send(self, row: ItemRow) -> None:
        row.timer.stop()
        value = row.spin.value()
        if value != row.quantity and value != row.sent:
            row.sent = value
            self.quantityChanged.emit(row.label, value)
        elif value == row.quantity:
            row.sent = None

    def _remove(self, row: ItemRow) -> None:
        row.timer.stop()
        row.spin.blockSignals(True)
        row.spin.setValue(0)
        row.spin.blockSignals(False)
        if row.sent != 0:
            row.sent = 0
            self.quantityChanged.emit(row.label, 0)

    def reset(self) -> None:
        """Every row shows the server's count again (a correction failed)."""
        for row in self.rows.values():
            row.reset()

    def flush(self) -> None:
        """Send what the person typed and has not sent yet (the viewer moves on)."""
        for row in list(self.rows.values()):
            if row.editing:
                self._send(row)


__all__ = ["PhotoItemsEditor", "photo_lines"]
