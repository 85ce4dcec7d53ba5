"""The inventory summary shown once a batch is finished: rooms, items, volume (m³)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from desktopapp.ui import theme
from desktopapp.ui.i18n import Translator
from desktopapp.ui.widgets import Card, CounterTile, muted_label

MAX_ROOM_LINES = 12


class InventorySummary(Card):
    def __init__(self, translator: Translator, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tr = translator
        self.summary: dict[str, Any] | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 14)
        layout.setSpacing(10)
        header = QHBoxLayout()
        title = QLabel(translator("summary.heading"), self)
        title.setFont(theme.scaled_font(title, 1.15, QFont.Weight.DemiBold))
        header.addWidget(title)
        header.addStretch(1)
        self.analyzer = muted_label("", self, 0.9)
        header.addWidget(self.analyzer)
        layout.addLayout(header)
        tiles = QHBoxLayout()
        tiles.setSpacing(10)
        self.rooms_tile = CounterTile(translator("summary.rooms"), "blue", self)
        self.items_tile = CounterTile(translator("summary.totalItems"), "green", self)
        self.volume_tile = CounterTile(translator("summary.totalVolume"), "orange", self)
        for tile in (self.rooms_tile, self.items_tile, self.volume_tile):
            tiles.addWidget(tile, 1)
        layout.addLayout(tiles)
        self._rooms = QGridLayout()
        self._rooms.setHorizontalSpacing(16)
        self._rooms.setVerticalSpacing(4)
        self._rooms.setColumnStretch(0, 1)
        layout.addLayout(self._rooms)

    def set_summary(self, summary: dict[str, Any] | None) -> None:
        self.summary = summary
        summary = summary or {}
        rooms = [room for room in summary.get("rooms") or [] if isinstance(room, dict)]
        self.rooms_tile.set_value(len(rooms))
        items = int(summary.get("totalItems") or 0)
        self.items_tile.set_value(items, self._tr.number(items))
        volume = float(summary.get("totalVolume") or 0.0)
        self.volume_tile.set_value(round(volume), self._tr.volume(volume))
        name = summary.get("analyzer")
        self.analyzer.setText(self._tr("summary.analyzer", name=name) if name else "")
        while self._rooms.count():
            item = self._rooms.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        for row, room in enumerate(rooms[:MAX_ROOM_LINES]):
            label = QLabel(self._tr.room(room.get("roomType")), self)
            figures = muted_label(
                self._tr(
                    "summary.roomLine",
                    photos=int(room.get("photos") or 0),
                    items=int(room.get("itemsCount") or 0),
                    volume=self._tr.volume(float(room.get("volume_m3") or 0.0)),
                ),
                self,
            )
            figures.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self._rooms.addWidget(label, row, 0)
            self._rooms.addWidget(figures, row, 1)
