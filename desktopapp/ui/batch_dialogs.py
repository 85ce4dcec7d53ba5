"""The batch's own dialogs: the move's details (header), its name, and deleting it.

    dialog = HeaderDialog(translator, state.review["header"], parent)
    dialog.fields()        # the `batch.header` correction: only what the user changed
    header_summary(tr, header)   # "Dupont · 12 rue A (étage 3, ascenseur) → … · 5 décembre 2026"

Every text is shown as typed (Qt.PlainText): the user's words are never markup.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QDate, QLocale, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktopapp.ui.i18n import Translator

TEXT_FIELDS = {
    "customer": 200,
    "fromAddress": 200,
    "toAddress": 200,
    "fromFloor": 20,
    "toFloor": 20,
}
NOTES_MAX = 2000
LIFTS = (None, True, False)  # the combo box's entries: not said, yes, no


def _date(text: Any) -> QDate | None:
    date = QDate.fromString(str(text or ""), "yyyy-MM-dd")
    return date if date.isValid() else None


def format_date(tr: Translator, text: Any) -> str:
    date = _date(text)
    if date is None:
        return str(text or "")
    locale = QLocale(QLocale.Language.French if tr.lang == "fr" else QLocale.Language.English)
    return locale.toString(date, "d MMMM yyyy" if tr.lang == "fr" else "MMMM d, yyyy")


def _end(tr: Translator, header: Mapping[str, Any], side: str) -> str:
    address = str(header.get(f"{side}Address") or "").strip()
    floor = str(header.get(f"{side}Floor") or "").strip()
    lift = header.get(f"{side}Lift")
    details = []
    if floor:
        details.append(tr("header.floorShort", floor=floor))
    if lift is True:
        details.append(tr("header.withLift"))
    elif lift is False:
        details.append(tr("header.noLift"))
    if details:
        extra = ", ".join(details)
        return f"{address} ({extra})" if address else extra
    return address


def header_summary(tr: Translator, header: Any) -> str:
    """The move in one line (empty when nothing is known yet)."""
    if not isinstance(header, Mapping):
        return ""
    parts = []
    customer = str(header.get("customer") or "").strip()
    if customer:
        parts.append(customer)
    start, end = _end(tr, header, "from"), _end(tr, header, "to")
    if start or end:
        parts.append(f"{start or '?'} → {end or '?'}")
    if header.get("date"):
        parts.append(format_date(tr, header.get("date")))
    return " · ".join(parts)


def _buttons(dialog: QDialog, tr: Translator, ok: str) -> QDialogButtonBox:
    buttons = QDialogButtonBox(dialog)
    dialog.ok_button = buttons.addButton(ok, QDialogButtonBox.ButtonRole.AcceptRole)
    buttons.addButton(tr("dialog.cancel"), QDialogButtonBox.ButtonRole.RejectRole)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


class HeaderDialog(QDialog):
    def __init__(self, translator: Translator, header: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        tr = self._tr = translator
        self._before: dict[str, Any] = dict(header) if isinstance(header, Mapping) else {}
        self.setWindowTitle(tr("header.title"))
        self.setMinimumWidth(560)
        box = QVBoxLayout(self)
        top = QFormLayout()
        self.customer = QLineEdit(self)
        self.customer.setMaxLength(TEXT_FIELDS["customer"])
        top.addRow(tr("header.customer"), self.customer)
        dates = QHBoxLayout()
        self.date_set = QCheckBox(tr("header.dateSet"), self)
        self.date = QDateEdit(self)
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("dd/MM/yyyy" if tr.lang == "fr" else "yyyy-MM-dd")
        self.date.setDate(QDate.currentDate())
        self.date_set.toggled.connect(self.date.setEnabled)
        dates.addWidget(self.date_set)
        dates.addWidget(self.date, 1)
        top.addRow(tr("header.date"), dates)
        box.addLayout(top)
        ends = QHBoxLayout()
        self.address: dict[str, QLineEdit] = {}
        self.floor: dict[str, QLineEdit] = {}
        self.lift: dict[str, QComboBox] = {}
        for side in ("from", "to"):
            group = QGroupBox(tr(f"header.{side}"), self)
            form = QFormLayout(group)
            address = self.address[side] = QLineEdit(group)
            address.setMaxLength(TEXT_FIELDS[f"{side}Address"])
            floor = self.floor[side] = QLineEdit(group)
            floor.setMaxLength(TEXT_FIELDS[f"{side}Floor"])
            lift = self.lift[side] = QComboBox(group)
            for value in LIFTS:
                key = {None: "unknown", True: "yes", False: "no"}[value]
                lift.addItem(tr(f"lift.{key}"), value)
            form.addRow(tr("header.address"), address)
            form.addRow(tr("header.floor"), floor)
            form.addRow(tr("header.lift"), lift)
            ends.addWidget(group, 1)
        box.addLayout(ends)
        box.addWidget(QLabel(tr("header.notes"), self))
        self.notes = QPlainTextEdit(self)
        self.notes.setTabChangesFocus(True)
        self.notes.setMinimumHeight(90)
        box.addWidget(self.notes, 1)
        box.addWidget(_buttons(self, tr, tr("dialog.save")))
        self._load(self._before)

    def _load(self, header: Mapping[str, Any]) -> None:
        self.customer.setText(str(header.get("customer") or ""))
        date = _date(header.get("date"))
        self.date_set.setChecked(date is not None)
        self.date.setEnabled(date is not None)
        if date is not None:
            self.date.setDate(date)
        for side in ("from", "to"):
            self.address[side].setText(str(header.get(f"{side}Address") or ""))
            self.floor[side].setText(str(header.get(f"{side}Floor") or ""))
            lift = header.get(f"{side}Lift")
            self.lift[side].setCurrentIndex(LIFTS.index(lift) if lift in LIFTS else 0)
        self.notes.setPlainText(str(header.get("notes") or ""))

    def values(self) -> dict[str, Any]:
        """Every field as the dialog shows it now."""
        out: dict[str, Any] = {"customer": self.customer.text().strip()}
        out["date"] = self.date.date().toString("yyyy-MM-dd") if self.date_set.isChecked() else ""
        for side in ("from", "to"):
            out[f"{side}Address"] = self.address[side].text().strip()
            out[f"{side}Floor"] = self.floor[side].text().strip()
            out[f"{side}Lift"] = self.lift[side].currentData()
        out["notes"] = self.notes.toPlainText()[:NOTES_MAX]
        return out

    def fields(self) -> dict[str, Any]:
        """The `batch.header` correction: only the fields that changed (merged server-side)."""
        before = self._before
        changed = {}
        for key, value in self.values().items():
            old = before.get(key)
            if key.endswith("Lift"):
                if old != value:
                    changed[key] = value
            elif (old or "") != value:
                changed[key] = value
        return changed


class RenameBatchDialog(QDialog):
    def __init__(
        self, translator: Translator, batch_id: int, name: str | None, parent: QWidget | None
    ) -> None:
        super().__init__(parent)
        tr = translator
        self.setWindowTitle(tr("review.renameBatch").rstrip("…"))
        self.setMinimumWidth(420)
        box = QVBoxLayout(self)
        label = QLabel(tr("review.batchNameLabel", id=batch_id), self)
        label.setTextFormat(Qt.TextFormat.PlainText)
        box.addWidget(label)
        self.name = QLineEdit(self)
        self.name.setMaxLength(100)
        self.name.setText(name or "")
        self.name.selectAll()
        box.addWidget(self.name)
        box.addWidget(_buttons(self, tr, tr("dialog.save")))

    def value(self) -> str:
        return self.name.text().strip()


def confirm_delete(
    translator: Translator, batch_id: int, photos: int, parent: QWidget | None
) -> QMessageBox:
    """The delete confirmation (not shown yet): its `delete_button` confirms."""
    tr = translator
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setWindowTitle(tr("review.deleteTitle", id=batch_id))
    box.setText(tr("review.deleteTitle", id=batch_id))
    box.setInformativeText(tr("review.deleteBody", n=photos))
    box.delete_button = box.addButton(
        tr("review.deleteConfirm"), QMessageBox.ButtonRole.DestructiveRole
    )
    cancel = box.addButton(tr("dialog.cancel"), QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(cancel)
    return box


__all__ = ["HeaderDialog", "RenameBatchDialog", "confirm_delete", "format_date", "header_summary"]
