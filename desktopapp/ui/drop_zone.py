"""`DropZone`: the large target for photos and folders, with "Add photos…" / "Add folder…".

It takes any drag that carries local file URLs (files and folders alike), highlights
while one hovers, and emits `pathsDropped(list[str])`. Folders are walked by the
server's intake, not here. `set_accepting(False)` refuses drops (while quitting).
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDropEvent,
    QFont,
    QPainter,
    QPalette,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import QBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktopapp.ui import theme
from desktopapp.ui.i18n import Translator
from desktopapp.ui.icons import line_icon, set_icon
from desktopapp.ui.widgets import muted_label, roomy


def local_paths(mime: QMimeData | None) -> list[str]:
    """The local files and folders a drag carries (remote URLs are ignored)."""
    if mime is None or not mime.hasUrls():
        return []
    paths = []
    for url in mime.urls():
        if url.isLocalFile():
            path = url.toLocalFile()
            if path:
                paths.append(path)
    return paths


class DropZone(QWidget):
    pathsDropped = Signal(list)
    addPhotosRequested = Signal()
    addFolderRequested = Signal()

    def __init__(self, translator: Translator, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tr = translator
        self._hover = False
        self._icons: dict[tuple[bool, int, float], QPixmap] = {}
        self._busy = False
        self.accepting = True
        self.setAcceptDrops(True)
        self.setMinimumHeight(210)
        self.setAccessibleName(translator("drop.title"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 22, 20, 20)
        layout.setSpacing(8)
        self.icon = QLabel(self)
        self.icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title = QLabel(translator("drop.title"), self)
        self.title.setFont(theme.scaled_font(self.title, 1.15, QFont.Weight.DemiBold))
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title.setWordWrap(True)
        self.hint = muted_label(translator("drop.hint"), self, 0.9)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setWordWrap(True)
        buttons = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        buttons.setSpacing(8)
        self._buttons = buttons
        self.add_photos = QPushButton(translator("drop.addPhotos"), self)
        set_icon(self.add_photos, "photos")
        self.add_photos.setToolTip("Ctrl+O")
        self.add_photos.clicked.connect(self.addPhotosRequested)
        self.add_folder = QPushButton(translator("drop.addFolder"), self)
        set_icon(self.add_folder, "folder")
        self.add_folder.clicked.connect(self.addFolderRequested)
        roomy(self.add_photos, 12)
        roomy(self.add_folder, 12)
        same = max(self.add_photos.minimumWidth(), self.add_folder.minimumWidth())
        self.add_photos.setMinimumWidth(same)
        self.add_folder.setMinimumWidth(same)
        buttons.addStretch(1)
        buttons.addWidget(self.add_photos, 0, Qt.AlignmentFlag.AlignHCenter)
        buttons.addWidget(self.add_folder, 0, Qt.AlignmentFlag.AlignHCenter)
        buttons.addStretch(1)
        layout.addStretch(1)
        layout.addWidget(self.icon)
        layout.addWidget(self.title)
        layout.addWidget(self.hint)
        layout.addSpacing(6)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self._refresh_icon()

    def resizeEvent(self, event) -> None:
        """Side by side when they fit, else one above the other (a narrow sidebar)."""
        super().resizeEvent(event)
        margins = self.layout().contentsMargins()
        needed = (
            self.add_photos.minimumWidth()
            + self.add_folder.minimumWidth()
            + self._buttons.spacing()
            + margins.left()
            + margins.right()
        )
        direction = (
            QBoxLayout.Direction.LeftToRight
            if self.width() >= needed
            else QBoxLayout.Direction.TopToBottom
        )
        if self._buttons.direction() != direction:
            self._buttons.setDirection(direction)

    # -- state ---------------------------------------------------------------------------
    def set_accepting(self, accepting: bool) -> None:
        self.accepting = accepting
        self.setAcceptDrops(accepting)
        self.add_photos.setEnabled(accepting and not self._busy)
        self.add_folder.setEnabled(accepting and not self._busy)
        self.title.setText(self._tr("drop.title" if accepting else "drop.disabled"))

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.title.setText(self._tr("drop.creating" if busy else "drop.title"))
        self.add_photos.setEnabled(self.accepting and not busy)
        self.add_folder.setEnabled(self.accepting and not busy)

    @property
    def busy(self) -> bool:
        return self._busy

    def _refresh_icon(self) -> None:
        """The arrow, accent-coloured while a drag hovers (pixmaps kept per look)."""
        palette, dpr = self.palette(), self.devicePixelRatioF()
        key = (self._hover, palette.cacheKey(), dpr)
        pixmap = self._icons.get(key)
        if pixmap is None:
            color = (
                palette.color(QPalette.ColorRole.Highlight)
                if self._hover
                else theme.secondary_text(palette)
            )
            pixmap = line_icon("drop", color).pixmap(QSize(40, 40), dpr)
            if len(self._icons) > 8:  # palettes come and go (theme switches)
                self._icons.clear()
            self._icons[key] = pixmap
        self.icon.setPixmap(pixmap)

    def _set_hover(self, hover: bool) -> None:
        if hover != self._hover:
            self._hover = hover
            self.title.setText(self._tr("drop.release" if hover else "drop.title"))
            self._refresh_icon()
            self.update()

    # -- drag and drop -------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self.accepting and not self._busy and local_paths(event.mimeData()):
            event.acceptProposedAction()
            self._set_hover(True)
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        if self.accepting and not self._busy and local_paths(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragLeaveEvent(self, event) -> None:
        self._set_hover(False)
        event.accept()

    def dropEvent(self, event: QDropEvent) -> None:
        self._set_hover(False)
        paths = local_paths(event.mimeData())
        if not self.accepting or self._busy or not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        self.pathsDropped.emit(paths)

    # -- painting ------------------------------------------------------------------------
    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.PaletteChange:
            self._refresh_icon()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(1.5, 1.5, -1.5, -1.5)
        palette = self.palette()
        if self._hover:
            accent = QColor(palette.color(QPalette.ColorRole.Highlight))
            fill = QColor(accent)
            fill.setAlphaF(0.1)
            pen = QPen(accent, 2.0, Qt.PenStyle.DashLine)
        else:
            fill = palette.color(QPalette.ColorRole.Base)
            pen = QPen(theme.subtle_fill(palette, 0.28), 1.6, Qt.PenStyle.DashLine)
        pen.setDashPattern([4.0, 3.0])
        painter.setPen(pen)
        painter.setBrush(fill)
        painter.drawRoundedRect(rect, 14, 14)
