"""Telling the person something happened: the tray, or a banner in the window.

`Banner` is an in-window message strip (info, success, warning, error) with an
optional action button. `Notifier.batch_finished(...)` uses a system-tray
notification when the desktop has a tray, else the banner; clicking either shows
the batch (`showBatchRequested`).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QPainter
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSystemTrayIcon,
    QToolButton,
    QWidget,
)

from desktopapp.ui import theme
from desktopapp.ui.i18n import Translator
from desktopapp.ui.icons import app_icon, line_icon, set_icon

_KIND_HUE = {"info": "blue", "success": "green", "warning": "orange", "error": "red"}
_KIND_ICON = {"info": "live", "success": "check", "warning": "warning", "error": "warning"}


class Banner(QWidget):
    actionTriggered = Signal()

    def __init__(self, translator: Translator, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tr = translator
        self.kind = "info"
        self._action: Callable[[], None] | None = None
        self.icon = QLabel(self)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.action_button = QPushButton(self)
        self.action_button.clicked.connect(self._on_action)
        self.close_button = QToolButton(self)
        set_icon(self.close_button, "close")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip(translator("banner.close"))
        self.close_button.setAccessibleName(translator("banner.close"))
        self.close_button.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 8, 8, 8)
        layout.setSpacing(10)
        layout.addWidget(self.icon)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.action_button)
        layout.addWidget(self.close_button)
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self.hide)
        self.hide()

    def text(self) -> str:
        return self.label.text()

    def show_message(
        self,
        kind: str,
        text: str,
        action_text: str | None = None,
        action: Callable[[], None] | None = None,
        timeout_ms: int = 0,
    ) -> None:
        self.kind = kind if kind in _KIND_HUE else "info"
        self.label.setText(text)
        self._action = action
        self.action_button.setVisible(bool(action_text))
        self.action_button.setText(action_text or "")
        hue = _KIND_HUE[self.kind]
        self.icon.setPixmap(
            line_icon(_KIND_ICON[self.kind], theme.accent(hue, self.palette())).pixmap(
                QSize(20, 20), self.devicePixelRatioF()
            )
        )
        self.setAccessibleName(text)
        self.show()
        self.update()
        if timeout_ms:
            self._timer.start(timeout_ms)
        else:
            self._timer.stop()

    def _on_action(self) -> None:
        self.hide()
        if self._action is not None:
            self._action()
        self.actionTriggered.emit()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        hue = _KIND_HUE[self.kind]
        fill = QColor(theme.accent(hue, self.palette()))
        fill.setAlphaF(0.13)
        edge = QColor(theme.accent(hue, self.palette()))
        edge.setAlphaF(0.45)
        painter.setPen(edge)
        painter.setBrush(fill)
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 10, 10)


class Notifier(QObject):
    showBatchRequested = Signal(int)
    quitRequested = Signal()
    showWindowRequested = Signal()

    def __init__(
        self,
        translator: Translator,
        banner: Banner,
        use_tray: bool | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._tr = translator
        self._banner = banner
        self._last_batch: int | None = None
        if use_tray is None:
            use_tray = QSystemTrayIcon.isSystemTrayAvailable()
        self.tray: QSystemTrayIcon | None = None
        if use_tray:
            self.tray = QSystemTrayIcon(app_icon(), self)
            self.tray.setToolTip(translator("app.name"))
            menu = QMenu()
            show = QAction(translator("tray.show"), menu)
            show.triggered.connect(self.showWindowRequested)
            quit_action = QAction(translator("tray.quit"), menu)
            quit_action.triggered.connect(self.quitRequested)
            menu.addAction(show)
            menu.addSeparator()
            menu.addAction(quit_action)
            self._menu = menu
            self.tray.setContextMenu(menu)
            self.tray.messageClicked.connect(self._on_message_clicked)
            self.tray.activated.connect(self._on_tray_activated)
            self.tray.show()

    @property
    def uses_tray(self) -> bool:
        return self.tray is not None

    def batch_finished(
        self, batch_id: int, status: str, completed: int, failed: int, offer_show: bool = True
    ) -> None:
        """Announce a finished batch; `offer_show`: add a button that shows it."""
        title = self._tr("notify.title", id=batch_id)
        body = self._tr(
            "notify.body", completed=completed, failed=failed, status=self._tr.status(status)
        )
        self._last_batch = batch_id
        kind = {"COMPLETED": "success", "PARTIAL": "warning", "FAILED": "error"}.get(status, "info")
        if self.tray is not None and QSystemTrayIcon.supportsMessages():
            icons = QSystemTrayIcon.MessageIcon
            icon = icons.Warning if kind in ("warning", "error") else icons.Information
            self.tray.showMessage(title, body, icon, 8000)
            return
        self._banner.show_message(
            kind,
            f"{title} — {body}",
            self._tr("notify.show") if offer_show else None,
            (lambda: self.showBatchRequested.emit(batch_id)) if offer_show else None,
        )

    def _on_message_clicked(self) -> None:
        if self._last_batch is not None:
            self.showBatchRequested.emit(self._last_batch)

    def _on_tray_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:
            self.showWindowRequested.emit()

    def close(self) -> None:
        if self.tray is not None:
            self.tray.hide()
