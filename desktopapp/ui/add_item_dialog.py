"""`AddItemDialog`: add a line to a room, from the catalogue or an item of the user's own.

    ┌ Ajouter un objet — Salon ──────────────────────────────┐
    │ [ Catalogue ] [ Objet personnel ]                        │
    │ 🔍 chai                                                  │
    │  Chaise                         Chair          0,14 m³   │
    │  Chaise haute                   High chair     0,20 m³   │
    │ Quantité : [ 1 ]   Déjà 2 dans cette pièce : …           │
    │                               [Annuler] [Ajouter]        │
    └──────────────────────────────────────────────────────────┘

The photo viewer uses it to pick a catalogue item for one photo: `photo=True` (no item of
one's own, the counts are the photo's), `ask_quantity=False` to relabel ("Not this…").

The search asks `GET /api/catalogue?q=` (French and English names), at most one request
at a time, 150 ms after the last keystroke. `fields()` gives the `room.item` correction:
{"label", "quantity"} (the room's new quantity: what it had plus what is added), or
{"name", "volume_m3", "quantity"} for an item of the user's own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktopapp.ui.api_client import ApiClient, ApiResult
from desktopapp.ui.i18n import Translator
from desktopapp.ui.inventory_view import room_name
from desktopapp.ui.widgets import muted_label

SEARCH_DELAY_MS = 150
LabelRole = Qt.ItemDataRole.UserRole + 1


class AddItemDialog(QDialog):
    def __init__(
        self,
        api: ApiClient,
        translator: Translator,
        room: Mapping[str, Any],
        parent: QWidget | None = None,
        *,
        title: str | None = None,
        photo: bool = False,
        have: Mapping[str, int] | None = None,
        ask_quantity: bool = True,
        accept_text: str | None = None,
        exclude: str | None = None,
    ) -> None:
        super().__init__(parent)
        tr = self._tr = translator
        self._api = api
        self.room = dict(room)
        self._photo = photo
        self._exclude = exclude  # a label not to offer (the one being replaced)
        self._have = (
            {str(label): int(n) for label, n in have.items()}
            if have is not None
            else {
                str(line.get("label")): int(line.get("quantity") or 0)
                for line in room.get("items") or []
                if isinstance(line, Mapping)
            }
        )
        self._searching = False
        self._query_sent: str | None = None
        self.setWindowTitle(title or tr("add.title", room=room_name(tr, room)))
        self.setMinimumSize(520, 440)
        box = QVBoxLayout(self)
        self.tabs = QTabWidget(self)
        box.addWidget(self.tabs, 1)

        page = QWidget(self.tabs)
        pbox = QVBoxLayout(page)
        self.search = QLineEdit(page)
        self.search.setPlaceholderText(tr("add.search"))
        self.search.setClearButtonEnabled(True)
        pbox.addWidget(self.search)
        self.results = QListWidget(page)
        self.results.setAlternatingRowColors(True)
        pbox.addWidget(self.results, 1)
        self.status = muted_label("", page, 0.9)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        pbox.addWidget(self.status)
        self.tabs.addTab(page, tr("add.catalogue"))

        own = QWidget(self.tabs)
        obox = QVBoxLayout(own)
        hint = muted_label(tr("add.customHint"), own, 0.9)
        hint.setWordWrap(True)
        obox.addWidget(hint)
        form = QFormLayout()
        self.custom_name = QLineEdit(own)
        self.custom_name.setMaxLength(100)
        self.custom_volume = QDoubleSpinBox(own)
        self.custom_volume.setRange(0.01, 20.0)
        self.custom_volume.setDecimals(2)
        self.custom_volume.setSingleStep(0.05)
        self.custom_volume.setValue(0.1)
        self.custom_volume.setSuffix(" m³")
        form.addRow(tr("add.name"), self.custom_name)
        form.addRow(tr("add.volume"), self.custom_volume)
        obox.addLayout(form)
        obox.addStretch(1)
        self.tabs.addTab(own, tr("add.custom"))
        if photo:  # a photo's items are catalogue items only
            self.tabs.setTabVisible(1, False)
            self.tabs.tabBar().hide()

        row = QHBoxLayout()
        row.addWidget(QLabel(tr("add.quantity"), self))
        self.quantity = QSpinBox(self)
        self.quantity.setRange(1, 1000)
        row.addWidget(self.quantity)
        self.already = muted_label("", self, 0.9)
        self.already.setTextFormat(Qt.TextFormat.PlainText)
        row.addWidget(self.already, 1)
        self.quantity_row = QWidget(self)
        self.quantity_row.setLayout(row)
        row.setContentsMargins(0, 0, 0, 0)
        self.quantity_row.setVisible(ask_quantity)
        box.addWidget(self.quantity_row)
        self.buttons = QDialogButtonBox(self)
        self.add_button = self.buttons.addButton(
            accept_text or tr("add.add"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.buttons.addButton(tr("dialog.cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        box.addWidget(self.buttons)

        self._timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._timer.timeout.connect(self._ask)
        self.search.textChanged.connect(lambda _text: self._timer.start())
        self.results.currentItemChanged.connect(lambda *_: self._update())
        self.results.itemDoubleClicked.connect(lambda _item: self.accept())
        self.custom_name.textChanged.connect(lambda _text: self._update())
        self.quantity.valueChanged.connect(lambda _value: self._update())
        self.tabs.currentChanged.connect(lambda _index: self._update())
        self._ask()
        self._update()

    # -- searching ---------------------------------------------------------------------
    def _ask(self) -> None:
        if self._searching:
            return  # the answer asks again if the text changed meanwhile
        self._searching = True
        self._query_sent = self.search.text().strip()
        self.status.setText(self._tr("add.searching"))
        self._api.catalogue(self._query_sent, self._answered)

    def _answered(self, result: ApiResult) -> None:
        self._searching = False
        if self._query_sent != self.search.text().strip():
            self._ask()
            return
        if not result.ok:
            self.status.setText(self._tr("add.error", message=result.message))
            return
        items = (result.data or {}).get("items") or []
        self.show_items([item for item in items if isinstance(item, Mapping)])

    def show_items(self, items: list[Mapping[str, Any]]) -> None:
        tr = self._tr
        self.results.clear()
        for entry in items:
            if self._exclude is not None and entry.get("label") == self._exclude:
                continue
            name = str(entry.get("fr") if tr.lang == "fr" else entry.get("en"))
            other = str(entry.get("en") if tr.lang == "fr" else entry.get("fr"))
            volume = tr.volume(float(entry.get("unitVolume_m3") or 0.0), 2)
            item = QListWidgetItem(f"{name}  ·  {volume}")
            item.setToolTip(other)
            item.setData(LabelRole, entry.get("label"))
            self.results.addItem(item)
        if self.results.count():
            self.results.setCurrentRow(0)
        self.status.setText("" if items else tr("add.noMatch"))
        self._update()

    # -- the answer ------------------------------------------------------------------------
    @property
    def custom(self) -> bool:
        return self.tabs.currentIndex() == 1

    def label(self) -> str | None:
        item = self.results.currentItem()
        return item.data(LabelRole) if item is not None else None

    def fields(self) -> dict[str, Any] | None:
        """The `room.item` correction's fields (without the room), or None: nothing chosen."""
        quantity = self.quantity.value()
        if self.custom:
            name = self.custom_name.text().strip()
            if not name:
                return None
            volume = round(self.custom_volume.value(), 3)
            return {"name": name, "volume_m3": volume, "quantity": quantity}
        label = self.label()
        if not label:
            return None
        return {"label": label, "quantity": self._have.get(label, 0) + quantity}

    def _update(self) -> None:
        label = None if self.custom else self.label()
        have = self._have.get(label, 0) if label else 0
        key = "viewer.already" if self._photo else "add.already"
        self.already.setText(
            self._tr(key, n=have, total=have + self.quantity.value()) if have else ""
        )
        self.add_button.setEnabled(self.fields() is not None)

    def accept(self) -> None:
        if self.fields() is not None:
            super().accept()


__all__ = ["AddItemDialog"]
