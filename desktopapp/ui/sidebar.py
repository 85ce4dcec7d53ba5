"""The window's left column (brand, drop zone, batch history) and the empty state."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListView,
    QVBoxLayout,
    QWidget,
)

from desktopapp.ui import theme
from desktopapp.ui.drop_zone import DropZone
from desktopapp.ui.history import BatchHistoryModel, HistoryDelegate
from desktopapp.ui.i18n import Translator
from desktopapp.ui.icons import app_icon
from desktopapp.ui.list_view import RowUpdatesListView
from desktopapp.ui.widgets import muted_label


class Sidebar(QWidget):
    """PhotoLot's name, the drop zone, then "Recent batches" (or "No batch yet.")."""

    def __init__(self, translator: Translator, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        tr = translator
        box = QVBoxLayout(self)
        box.setContentsMargins(16, 16, 8, 16)
        box.setSpacing(12)
        brand = QHBoxLayout()
        brand.setContentsMargins(4, 0, 0, 2)
        brand.setSpacing(10)
        logo = QLabel(self)
        logo.setPixmap(app_icon().pixmap(QSize(30, 30), self.devicePixelRatioF()))
        name = QLabel(tr("app.name"), self)
        name.setFont(theme.scaled_font(name, 1.35, QFont.Weight.Bold))
        brand.addWidget(logo)
        brand.addWidget(name)
        brand.addStretch(1)
        box.addLayout(brand)
        self.drop_zone = DropZone(tr, self)
        box.addWidget(self.drop_zone)
        heading = QLabel(tr("list.heading"), self)
        heading.setFont(theme.scaled_font(heading, 1.05, QFont.Weight.DemiBold))
        heading.setContentsMargins(4, 6, 0, 0)
        box.addWidget(heading)
        self.history_model = BatchHistoryModel(tr, self)
        self.history = RowUpdatesListView(self)
        self.history.setModel(self.history_model)
        self.history.setItemDelegate(HistoryDelegate(tr, self.history))
        self.history.setFrameShape(QListView.Shape.NoFrame)
        self.history.setUniformItemSizes(True)
        self.history.setMouseTracking(True)
        self.history.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.history.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.history.viewport().setAutoFillBackground(False)
        self.history.setAccessibleName(tr("list.heading"))
        box.addWidget(self.history, 1)
        self.history_empty = muted_label(tr("list.empty"), self)
        self.history_empty.setContentsMargins(6, 0, 0, 0)
        box.addWidget(self.history_empty, 1, Qt.AlignmentFlag.AlignTop)
        self.setMinimumWidth(280)
        self.update_empty()

    def update_empty(self) -> None:
        empty = self.history_model.rowCount() == 0
        self.history_empty.setVisible(empty)
        self.history.setVisible(not empty)


class EmptyState(QWidget):
    """What the right side shows before any batch is chosen."""

    def __init__(self, translator: Translator, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        box = QVBoxLayout(self)
        box.addStretch(1)
        art = QLabel(self)
        art.setPixmap(app_icon().pixmap(QSize(96, 96), self.devicePixelRatioF()))
        art.setAlignment(Qt.AlignmentFlag.AlignCenter)
        box.addWidget(art)
        box.addSpacing(8)
        title = QLabel(translator("empty.title"), self)
        title.setFont(theme.scaled_font(title, 1.4, QFont.Weight.DemiBold))
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        body = muted_label(translator("empty.body"), self)
        tagline = muted_label(translator("app.tagline"), self, 0.9)
        box.addWidget(title)
        for label in (body, tagline):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setWordWrap(True)
            box.addWidget(label)
        box.addStretch(2)
