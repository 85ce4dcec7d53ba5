"""Queue control from the window: pause, resume, cancel, move to the front, retry, clean.

    actions = QueueActions(api, translator, parent_widget)
    actions.message.connect(banner)            # (kind, text): what happened, or why not
    actions.pause(12, "Lot #12"); actions.resume(12, "Lot #12")
    box = actions.cancel(12, "Lot #12", queued=40)    # asks first (box.confirm_button)
    actions.clean(30)                                  # asks first too

    buttons = QueueButtons(actions, translator, parent)   # the batch header's row
    buttons.set_batch(12, "PAUSED", "Lot #12", queued=40)

Nothing changes on screen from here: each action is journaled by the server, and the
batch's stream (the header) and the queue stream (the panel) bring the new state. A
refusal (409 `batch_final`: the batch finished meanwhile) goes to the banner.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QMessageBox, QSizePolicy, QToolButton, QWidget

from desktopapp.ui.api_client import ApiClient, ApiResult
from desktopapp.ui.batch_state import is_final
from desktopapp.ui.i18n import Translator
from desktopapp.ui.icons import set_icon

ACTIONS = ("pause", "resume", "cancel", "front", "retry")


def allowed(action: str, status: str | None, failed: int = 0) -> bool:
    """Whether `action` makes sense for a batch in `status` (the server decides anyway)."""
    if status is None:
        return False
    if action == "pause":
        return status in ("QUEUED", "PROCESSING")
    if action == "resume":
        return status == "PAUSED"
    if action in ("cancel", "front"):
        return not is_final(status)
    if action == "retry":
        return failed > 0 and status != "CANCELLED"
    return False


class QueueActions(QObject):
    message = Signal(str, str)  # (info | success | warning | error, text)
    busyChanged = Signal()
    finished = Signal(str, int, object)  # (action, batch id, ApiResult)

    def __init__(self, api: ApiClient, translator: Translator, parent: QWidget) -> None:
        super().__init__(parent)
        self._api = api
        self._tr = translator
        self._widget = parent
        self.busy: set[tuple[str, int]] = set()  # requests in flight
        self.dialog: QMessageBox | None = None  # the confirmation shown now (tests)

    def is_busy(self, batch_id: int | None) -> bool:
        return any(key[1] == batch_id for key in self.busy)

    # -- the batch's actions ------------------------------------------------------------
    def pause(self, batch_id: int, label: str) -> None:
        self._send("pause", batch_id, label, self._api.pause)

    def resume(self, batch_id: int, label: str) -> None:
        self._send("resume", batch_id, label, self._api.resume)

    def front(self, batch_id: int, label: str) -> None:
        self._send("front", batch_id, label, self._api.move_to_front)

    def retry(self, batch_id: int, label: str) -> None:
        self._send("retry", batch_id, label, self._api.retry_failed)

    def cancel(self, batch_id: int, label: str, queued: int) -> QMessageBox:
        """Ask first (photos not started yet are cancelled for good), then cancel."""
        tr = self._tr
        box = QMessageBox(self._widget)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setWindowTitle(tr("queuePanel.cancelTitle", name=label))
        box.setText(tr("queuePanel.cancelTitle", name=label))
        box.setInformativeText(tr("queuePanel.cancelBody", n=tr.number(queued)))
        box.confirm_button = box.addButton(
            tr("queuePanel.cancelConfirm"), QMessageBox.ButtonRole.DestructiveRole
        )
        keep = box.addButton(tr("queuePanel.cancelKeep"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.buttonClicked.connect(
            lambda button: (
                self._send("cancel", batch_id, label, self._api.cancel)
                if button is box.confirm_button
                else None
            )
        )
        self._open(box)
        return box

    def clean(self, days: int) -> QMessageBox:
        tr = self._tr
        box = QMessageBox(self._widget)
        box.setIcon(QMessageBox.Icon.Question)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setWindowTitle(tr("queuePanel.cleanTitle"))
        box.setText(tr("queuePanel.cleanTitle"))
        box.setInformativeText(tr("queuePanel.cleanBody", n=days))
        box.confirm_button = box.addButton(
            tr("queuePanel.cleanConfirm"), QMessageBox.ButtonRole.DestructiveRole
        )
        keep = box.addButton(tr("dialog.cancel"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)

        def clicked(button: Any) -> None:
            if button is box.confirm_button:
                key = ("clean", 0)
                self.busy.add(key)
                self.busyChanged.emit()
                self._api.clean_queue(days, lambda result: self._cleaned(key, result))

        box.buttonClicked.connect(clicked)
        self._open(box)
        return box

    # -- plumbing ---------------------------------------------------------------------------
    def _open(self, box: QMessageBox) -> None:
        if self.dialog is not None:
            self.dialog.close()
        self.dialog = box
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.destroyed.connect(lambda *_: self._gone(box))
        box.open()  # window-modal, no nested event loop

    def _gone(self, box: QMessageBox) -> None:
        if self.dialog is box:
            self.dialog = None

    def _send(self, action: str, batch_id: int, label: str, call: Any) -> None:
        key = (action, batch_id)
        if key in self.busy:
            return
        self.busy.add(key)
        self.busyChanged.emit()
        call(batch_id, lambda result: self._done(key, label, result))

    def _done(self, key: tuple[str, int], label: str, result: ApiResult) -> None:
        self.busy.discard(key)
        action, batch_id = key
        tr = self._tr
        data = result.data if isinstance(result.data, dict) else {}
        if not result.ok:
            if result.error_code == "batch_final":
                text = tr("queuePanel.errorFinal", name=label)
            else:
                text = tr("queuePanel.error", name=label, message=result.message)
            self.message.emit("error", text)
        elif action == "pause":
            self.message.emit("info", tr("queuePanel.paused", name=label))
        elif action == "resume":
            self.message.emit("success", tr("queuePanel.resumed", name=label))
        elif action == "cancel":
            n = int(data.get("cancelled") or 0)
            self.message.emit("info", tr("queuePanel.cancelled", name=label, n=tr.number(n)))
        elif action == "front":
            self.message.emit("success", tr("queuePanel.movedFront", name=label))
        elif action == "retry":
            n = int(data.get("requeued") or 0)
            left = len(data.get("notRetried") or [])
            kind = "success" if n and not left else "warning"
            self.message.emit(
                kind,
                tr("queuePanel.retried", name=label, n=tr.number(n), left=tr.number(left)),
            )
        self.busyChanged.emit()
        self.finished.emit(action, batch_id, result)

    def _cleaned(self, key: tuple[str, int], result: ApiResult) -> None:
        self.busy.discard(key)
        tr = self._tr
        if result.ok:
            n = int((result.data or {}).get("deleted") or 0)
            self.message.emit("success", tr("queuePanel.cleaned", n=n))
        else:
            self.message.emit("error", tr("queuePanel.cleanError", message=result.message))
        self.busyChanged.emit()
        self.finished.emit("clean", 0, result)


class QueueButtons(QWidget):
    """Pause or Resume, Cancel…, Move to front: the shown batch's row in its header.

    Pause and Resume take turns in one place; the whole row hides for a finished batch
    (nothing is left to control)."""

    def __init__(
        self, actions: QueueActions, translator: Translator, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.actions = actions
        tr = translator
        self.batch_id: int | None = None
        self.status: str | None = None
        self.label = ""
        self.queued = 0
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)

        def tool(text: str, icon: str, slot: Any, tip: str = "") -> QToolButton:
            button = QToolButton(self)
            button.setText(text)
            button.setToolTip(tip or text)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setAutoRaise(True)
            set_icon(button, icon)
            button.clicked.connect(slot)
            layout.addWidget(button)
            return button

        self.pause_button = tool(
            tr("queuePanel.pause"), "pause", self._pause, tr("queuePanel.pauseTip")
        )
        self.resume_button = tool(tr("queuePanel.resume"), "play", self._resume)
        self.front_button = tool(
            tr("queuePanel.front"), "front", self._front, tr("queuePanel.frontTip")
        )
        self.cancel_button = tool(tr("queuePanel.cancel"), "stop", self._cancel)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        actions.busyChanged.connect(self._render)
        self._render()

    def set_batch(self, batch_id: int | None, status: str | None, label: str, queued: int) -> None:
        self.batch_id, self.status, self.label, self.queued = batch_id, status, label, queued
        self._render()

    def _render(self) -> None:
        status = self.status if self.batch_id is not None else None
        busy = self.actions.is_busy(self.batch_id)
        live = status is not None and not is_final(status)
        self.setVisible(live)
        paused = status == "PAUSED"
        self.pause_button.setVisible(not paused)
        self.resume_button.setVisible(paused)
        self.pause_button.setEnabled(allowed("pause", status) and not busy)
        self.resume_button.setEnabled(allowed("resume", status) and not busy)
        self.cancel_button.setEnabled(allowed("cancel", status) and not busy)
        self.front_button.setEnabled(allowed("front", status) and not busy)

    def _pause(self) -> None:
        if self.batch_id is not None:
            self.actions.pause(self.batch_id, self.label)

    def _resume(self) -> None:
        if self.batch_id is not None:
            self.actions.resume(self.batch_id, self.label)

    def _front(self) -> None:
        if self.batch_id is not None:
            self.actions.front(self.batch_id, self.label)

    def _cancel(self) -> QMessageBox | None:
        if self.batch_id is None:
            return None
        return self.actions.cancel(self.batch_id, self.label, self.queued)


__all__ = ["ACTIONS", "QueueActions", "QueueButtons", "allowed"]
