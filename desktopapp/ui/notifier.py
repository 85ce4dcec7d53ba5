"""Telling the person something happened: the tray, or a banner in the window.

`Banner` is an in-window message strip (info, success, warning, error) with an
optional action button. It sits in a `BannerSlot`, which keeps a one-line banner's height
whether a message shows or not: showing or hiding a message never moves the buttons
under it (the pointer may be on one). A taller message grows the slot; when it goes, the
slot shrinks back (animated) once the pointer is off the panel below it.
`Notifier.batch_finished(...)` uses a system-tray
notification when the desktop has a tray, else the banner; clicking either shows
the batch (`showBatchRequested`).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import (
    QEasingCurve,
    QEvent,
    QObject,
    QRectF,
    QSize,
    Qt,
    QTimer,
    QVariantAnimation,
    Signal,
)
from PySide6.QtGui import QAction, QColor, QCursor, QFontMetrics, QPainter
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


SHRINK_MS = 160


class BannerSlot(QWidget):
    """The banner's place in the layout: at least one line's height, always."""

    def __init__(self, banner: Banner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.banner = banner
        banner.setParent(self)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(banner, 0, Qt.AlignmentFlag.AlignTop)
        banner.installEventFilter(self)
        self._watched: QWidget | None = None  # the panel the pointer must leave first
        self._animation = QVariantAnimation(self)
        self._animation.setDuration(SHRINK_MS)
        self._animation.setEasingCurve(QEasingCurve.Type.OutCubic)
        self._animation.valueChanged.connect(lambda value: self.setFixedHeight(int(value)))
        self._fit_later = QTimer(self, singleShot=True, interval=0)  # after the banner's
        self._fit_later.timeout.connect(self._fit)  # layout took its new text
        self.setFixedHeight(self.reserved_height())

    def reserved_height(self) -> int:
        """A one-line banner's height (with its action button): always kept."""
        banner = self.banner
        margins = banner.layout().contentsMargins()
        inner = max(
            20,
            QFontMetrics(banner.label.font()).height(),
            banner.close_button.sizeHint().height(),
            banner.action_button.sizeHint().height(),
        )
        return inner + margins.top() + margins.bottom()

    def wanted_height(self) -> int:
        if self.banner.isHidden():
            return self.reserved_height()
        layout = self.banner.layout()
        width = self.width() if self.width() > 0 else self.banner.sizeHint().width()
        needed = layout.heightForWidth(width) if layout.hasHeightForWidth() else -1
        return max(self.reserved_height(), needed, self.banner.minimumSizeHint().height())

    def _fit(self) -> None:
        wanted = self.wanted_height()
        if wanted >= self.height() or not self.banner.isHidden():
            self._stop_waiting()
            self._animation.stop()
            if self.height() != wanted:
                self.setFixedHeight(wanted)
            return
        # the banner went and the slot is taller than one line: shrink, but never under
        # the pointer (what is below would slide away from it)
        panel = self.parentWidget()
        if panel is not None and panel.isVisible() and self._pointer_over(panel):
            if self._watched is None:
                self._watched = panel
                panel.installEventFilter(self)
            return
        self._stop_waiting()
        self._animation.stop()
        self._animation.setStartValue(self.height())
        self._animation.setEndValue(wanted)
        self._animation.start()

    @staticmethod
    def _pointer_over(widget: QWidget) -> bool:
        return widget.rect().contains(widget.mapFromGlobal(QCursor.pos()))

    def _stop_waiting(self) -> None:
        if self._watched is not None:
            self._watched.removeEventFilter(self)
            self._watched = None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if watched is self.banner and kind in (
            QEvent.Type.Show,
            QEvent.Type.Hide,
            QEvent.Type.LayoutRequest,
        ):
            self._fit_later.start()
        elif watched is self._watched and kind == QEvent.Type.Leave:
            self._stop_waiting()
            self._fit()
        return False

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if event.oldSize().width() != event.size().width() and not self.banner.isHidden():
            self._fit_later.start()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._fit_later.start()


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
            "notify.body",
            completed=self._tr("n.done", n=completed),
            failed=self._tr("n.failed", n=failed),
            status=self._tr.status(status),
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
