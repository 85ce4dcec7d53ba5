"""The connection line under the progress bar: a dot, a sentence, and Retry when needed.

● Temps réel actif · mis à jour 14:02:11        (green dot, softly pulsing)
● Connexion en cours…                           (blue)
● Connexion perdue, reconnexion 2/5…            (orange)
● Connexion impossible au suivi en temps réel.  [Réessayer]   (red)
● Traitement terminé · mis à jour 14:05:40      (grey)
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QRectF, QSize, Qt, QVariantAnimation, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QSizePolicy, QWidget

from desktopapp.ui import theme
from desktopapp.ui.i18n import Translator
from desktopapp.ui.icons import live_dot, set_icon
from desktopapp.ui.widgets import muted_label

_HUES = {
    "connecting": "blue",
    "live": "green",
    "reconnecting": "orange",
    "error": "red",
    "finished": "gray",
    "idle": "gray",
}


def clock(moment: datetime | None) -> str:
    """Always 24-hour HH:MM:SS, like the web page."""
    return (moment or datetime.now()).strftime("%H:%M:%S")


class _Dot(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hue = "gray"
        self.halo = 0.0
        self.setFixedSize(QSize(14, 14))

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        color = theme.accent(self.hue, self.palette())
        if self.hue == "gray":
            color = theme.secondary_text(self.palette())
        live_dot(painter, QRectF(self.rect()), color, self.halo)


class LiveIndicator(QWidget):
    retryRequested = Signal()

    def __init__(self, translator: Translator, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tr = translator
        self.state = "idle"
        self._dot = _Dot(self)
        self.label = muted_label("", self)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.retry_button = QPushButton(translator("conn.retry"), self)
        set_icon(self.retry_button, "retry")
        self.retry_button.setToolTip("F5")
        self.retry_button.clicked.connect(self.retryRequested)
        self.retry_button.hide()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self._dot, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.retry_button)
        self._pulse = QVariantAnimation(self)
        self._pulse.setStartValue(0.0)
        self._pulse.setEndValue(1.0)
        self._pulse.setDuration(1600)
        self._pulse.setLoopCount(-1)
        self._pulse.valueChanged.connect(self._on_pulse)

    def text(self) -> str:
        return self.label.text()

    def set_state(
        self,
        state: str,
        *,
        updated: datetime | None = None,
        attempt: int = 0,
        max_attempts: int = 5,
        detail: str | None = None,
    ) -> None:
        self.state = state
        if state == "live":
            text = (
                self._tr("conn.live", time=clock(updated)) if updated else self._tr("conn.waiting")
            )
        elif state == "reconnecting":
            text = self._tr("conn.reconnecting", n=max(1, attempt), max=max_attempts)
        elif state == "error":
            text = self._tr("conn.error")
        elif state == "finished":
            text = self._tr("conn.finished", time=clock(updated))
        elif state == "connecting":
            text = self._tr("conn.connecting")
        else:
            text = ""
        self.label.setText(text)
        self.label.setToolTip(detail or "")
        self.retry_button.setVisible(state == "error")
        self._dot.hue = _HUES.get(state, "gray")
        if state == "live" and self.isVisible():
            if self._pulse.state() != QVariantAnimation.State.Running:
                self._pulse.start()
        else:
            self._pulse.stop()
            self._dot.halo = 0.0
        self._dot.update()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self.state == "live" and self._pulse.state() != QVariantAnimation.State.Running:
            self._pulse.start()

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        self._pulse.stop()

    def _on_pulse(self, value: float) -> None:
        self._dot.halo = float(value)
        self._dot.update()
