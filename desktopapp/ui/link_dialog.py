"""`LinkDialog`: the page's link, to copy, when no browser could be started.

    ┌ Ouvrir dans le navigateur ────────────────────────────────────┐
    │ ⚠ Aucun navigateur n'a pu être lancé. Copiez ce lien et        │
    │   collez-le dans votre navigateur (valable 10 minutes, une     │
    │   seule fois) :                                                │
    │ [ http://127.0.0.1:8765/batches/12?token=…          ] [Copier] │
    │                                                     [Fermer]   │
    └────────────────────────────────────────────────────────────────┘

Shown when `QDesktopServices.openUrl` says no (no default browser, `xdg-open` missing or
failing). The link holds a one-time ticket, never the install token.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QFontMetrics, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktopapp.ui import theme
from desktopapp.ui.i18n import Translator
from desktopapp.ui.icons import line_icon, set_icon

COPIED_MS = 2500  # "Copied" shows this long on the button


class LinkDialog(QDialog):
    def __init__(self, translator: Translator, url: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        tr = self._tr = translator
        self.url = url
        self.setWindowTitle(tr("link.title"))
        box = QVBoxLayout(self)
        box.setContentsMargins(20, 18, 20, 14)
        box.setSpacing(12)
        top = QHBoxLayout()
        top.setSpacing(12)
        icon = QLabel(self)
        icon.setPixmap(
            line_icon("warning", theme.accent("orange", self.palette())).pixmap(
                QSize(28, 28), self.devicePixelRatioF()
            )
        )
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        top.addWidget(icon)
        self.explanation = QLabel(tr("link.explain"), self)
        self.explanation.setWordWrap(True)
        self.explanation.setTextFormat(Qt.TextFormat.PlainText)
        top.addWidget(self.explanation, 1)
        box.addLayout(top)
        row = QHBoxLayout()
        row.setSpacing(8)
        self.field = QLineEdit(url, self)
        self.field.setReadOnly(True)
        self.field.setAccessibleName(tr("link.field"))
        self.field.setCursorPosition(0)
        width = QFontMetrics(self.field.font()).horizontalAdvance(url) + 24
        self.field.setMinimumWidth(min(max(360, width), 620))
        row.addWidget(self.field, 1)
        self.copy_button = QPushButton(tr("link.copy"), self)
        set_icon(self.copy_button, "copy")
        self.copy_button.setDefault(True)
        self.copy_button.clicked.connect(self.copy)
        row.addWidget(self.copy_button)
        box.addLayout(row)
        buttons = QDialogButtonBox(self)
        self.close_button = buttons.addButton(
            tr("viewer.close"), QDialogButtonBox.ButtonRole.RejectRole
        )
        self.close_button.setAutoDefault(False)
        buttons.rejected.connect(self.reject)
        box.addWidget(buttons)
        self._reset = QTimer(self, singleShot=True, interval=COPIED_MS)
        self._reset.timeout.connect(lambda: self.copy_button.setText(self._tr("link.copy")))

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.url)
        self.field.selectAll()
        self.copy_button.setText(self._tr("link.copied"))
        self._reset.start()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.field.setFocus()
        self.field.selectAll()


__all__ = ["LinkDialog"]
