"""`BatchProgressWidget`: the native twin of the seed's `BatchProgressBar`.

    ┌ Traitement du lot  [EN COURS]                              66 % ┐
    │ Lot #12 · Projet Default                                2/3 photos │
    │ ██████████████████████░░░░░░░░░░                                    │
    │ [ 0 En attente ] [ 1 En cours ] [ 2 Réussies ] [ 0 Échouées ]       │
    │ ● Temps réel actif · mis à jour 14:02:11   [Relancer] [Navigateur] [CSV] │
    └─────────────────────────────────────────────────────────────────────┘
    ┌ Inventaire (when finished) ┐   ┌ Photos: thumbnail, name, room, status ┐

Its only data source is an `SseClient` (`set_client`); actions go through `ApiClient`.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSaveFile, Qt, QUrl, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktopapp.ui import theme
from desktopapp.ui.api_client import ApiClient, ApiResult
from desktopapp.ui.batch_state import is_final
from desktopapp.ui.i18n import Translator
from desktopapp.ui.icons import set_icon
from desktopapp.ui.list_view import RowUpdatesListView
from desktopapp.ui.live_indicator import LiveIndicator
from desktopapp.ui.photo_delegate import PhotoDelegate, SpinnerAnimator, SpinnerClock
from desktopapp.ui.photo_model import PhotoListModel
from desktopapp.ui.services import DesktopServices
from desktopapp.ui.sse_client import Connection, SseClient
from desktopapp.ui.summary_widget import InventorySummary
from desktopapp.ui.throttle import Throttle
from desktopapp.ui.thumbnails import ThumbnailLoader
from desktopapp.ui.widgets import (
    Card,
    CounterTile,
    StatusBadge,
    StatusProgressBar,
    muted_label,
    roomy,
)

LAYOUT_BATCH = 200  # rows laid out per event-loop turn after a snapshot
COUNTERS = (("queued", "gray"), ("processing", "blue"), ("completed", "green"), ("failed", "red"))


class BatchProgressWidget(QWidget):
    message = Signal(str, str)  # (kind: info | success | warning | error, text)

    def __init__(
        self,
        api: ApiClient,
        translator: Translator,
        thumbnails: ThumbnailLoader | None = None,
        services: DesktopServices | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._api = api
        self._tr = translator
        self._services = services or DesktopServices()
        self._client: SseClient | None = None
        self._retrying = False
        self.model = PhotoListModel(translator, thumbnails, self)
        self._render_throttle = Throttle(self._render_all, parent=self)
        self._build()

    # -- layout ------------------------------------------------------------------------
    def _build(self) -> None:
        tr = self._tr
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(12)

        header = Card(self)
        box = QVBoxLayout(header)
        box.setContentsMargins(20, 16, 20, 16)
        box.setSpacing(10)
        top = QHBoxLayout()
        top.setSpacing(10)
        self.title = QLabel(tr("batch.title"), header)
        self.title.setFont(theme.scaled_font(self.title, 1.45, QFont.Weight.DemiBold))
        self.badge = StatusBadge(tr, header)
        self.percent = QLabel("0%", header)
        self.percent.setFont(theme.scaled_font(self.percent, 2.3, QFont.Weight.Bold))
        self.percent.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        top.addWidget(self.title)
        top.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignVCenter)
        top.addStretch(1)
        top.addWidget(self.percent)
        box.addLayout(top)
        sub = QHBoxLayout()
        self.subtitle = muted_label("", header)
        self.subtitle.setTextFormat(Qt.TextFormat.PlainText)
        self.done_total = muted_label("", header)
        self.done_total.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        sub.addWidget(self.subtitle, 1)
        sub.addWidget(self.done_total)
        box.addLayout(sub)
        box.addSpacing(2)
        self.bar = StatusProgressBar(header)
        self.bar.setAccessibleName(tr("batch.progressLabel"))
        box.addWidget(self.bar)
        box.addSpacing(4)
        tiles = QHBoxLayout()
        tiles.setSpacing(10)
        self.counters: dict[str, CounterTile] = {}
        for key, hue in COUNTERS:
            tile = CounterTile(tr(f"count.{key}"), hue, header)
            self.counters[key] = tile
            tiles.addWidget(tile, 1)
        box.addLayout(tiles)
        box.addSpacing(2)
        bottom = QHBoxLayout()
        bottom.setSpacing(8)
        self.live = LiveIndicator(tr, header)
        self.live.retryRequested.connect(self.retry_connection)
        bottom.addWidget(self.live, 1)
        self.retry_failed_button = QPushButton(tr("action.retryFailed"), header)
        set_icon(self.retry_failed_button, "retry")
        self.retry_failed_button.clicked.connect(self.retry_failed)
        self.browser_button = QPushButton(tr("action.openBrowser"), header)
        set_icon(self.browser_button, "browser")
        self.browser_button.clicked.connect(self.open_in_browser)
        self.export_button = QPushButton(tr("action.export"), header)
        set_icon(self.export_button, "export")
        self.export_button.clicked.connect(self.export_csv)
        for button in (self.retry_failed_button, self.browser_button, self.export_button):
            button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            roomy(button)
            bottom.addWidget(button)
        box.addLayout(bottom)
        outer.addWidget(header)

        self.summary = InventorySummary(tr, self)
        self.summary.hide()
        outer.addWidget(self.summary)

        photos = Card(self)
        pbox = QVBoxLayout(photos)
        pbox.setContentsMargins(6, 12, 6, 6)
        pbox.setSpacing(6)
        heading = QHBoxLayout()
        heading.setContentsMargins(14, 0, 14, 0)
        label = QLabel(tr("photos.heading"), photos)
        label.setFont(theme.scaled_font(label, 1.15, QFont.Weight.DemiBold))
        self.photo_count = muted_label("", photos)
        heading.addWidget(label)
        heading.addWidget(self.photo_count)
        heading.addStretch(1)
        pbox.addLayout(heading)
        self.list = RowUpdatesListView(photos)
        self.list.setModel(self.model)
        self._clock = SpinnerClock()
        self.delegate = PhotoDelegate(self._clock, self.list)
        self.list.setItemDelegate(self.delegate)
        self.list.setUniformItemSizes(True)
        # Laying out N rows asks the (Python) model N times for its row count; under a batch
        # each call waits for the GIL. In batches the layout yields to the event loop.
        self.list.setLayoutMode(QListView.LayoutMode.Batched)
        self.list.setBatchSize(LAYOUT_BATCH)
        self.list.setFrameShape(QListView.Shape.NoFrame)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.list.setMouseTracking(True)
        self.list.viewport().setAutoFillBackground(False)
        self.list.setAccessibleName(tr("photos.heading"))
        pbox.addWidget(self.list, 1)
        outer.addWidget(photos, 1)
        self.spinner = SpinnerAnimator(self.list, self.model, self.delegate)

    # -- following a batch ---------------------------------------------------------------
    @property
    def client(self) -> SseClient | None:
        return self._client

    @property
    def batch_id(self) -> int | None:
        return self._client.batch_id if self._client is not None else None

    def set_client(self, client: SseClient | None) -> None:
        if client is self._client:
            return
        if self._client is not None:
            for signal, slot in self._connections():
                signal.disconnect(slot)
        self._client = client
        self._retrying = False
        if client is not None:
            for signal, slot in self._connections():
                signal.connect(slot)
        self.model.set_state(client.state if client is not None else None)
        self.bar.set_percent(client.state.progress if client else 0, animate=False)
        self._render_throttle.cancel()
        self._render_all()
        self.spinner.refresh()

    def _connections(self) -> list[tuple[Any, Any]]:
        client = self._client
        assert client is not None
        return [
            (client.stateChanged, self._on_state_changed),
            (client.connectionChanged, self._on_connection_changed),
            (client.errorChanged, self._on_connection_changed),
        ]

    def _on_state_changed(self, change: dict[str, Any]) -> None:
        self.model.apply_change(change)  # rows: Qt repaints only those on screen
        self.spinner.refresh()
        client = self._client
        if client is not None and is_final(client.state.status):
            self._render_throttle.cancel()
            self._render_all()  # the final figures show at once
        else:
            self._render_throttle.request()

    def _on_connection_changed(self, *_args: Any) -> None:
        self._render_connection()

    # -- rendering ----------------------------------------------------------------------
    def _render_all(self) -> None:
        self._render_header()
        self._render_connection()

    def counter_values(self) -> dict[str, int]:
        return {key: tile.value() for key, tile in self.counters.items()}

    def _render_header(self) -> None:
        tr = self._tr
        client = self._client
        state = client.state if client is not None else None
        status = state.status if state is not None else None
        counts = state.counts if state is not None else {}
        self.badge.set_status(status)
        self.bar.set_status(status)
        progress = state.progress if state is not None else 0
        self.percent.setText(tr.percent(progress))
        self.bar.set_percent(progress)
        done = counts.get("completed", 0) + counts.get("failed", 0)
        total = counts.get("total", 0)
        self.done_total.setText(
            tr("batch.photosDone", done=tr.number(done), total=tr.number(total))
        )
        for key, tile in self.counters.items():
            value = int(counts.get(key, 0))
            tile.set_value(value, tr.number(value))
        parts = []
        if client is not None:
            parts.append(tr("batch.name", id=client.batch_id))
        if state is not None and state.project:
            parts.append(tr("batch.project", name=state.project))
        if state is not None and state.skipped:
            parts.append(tr("intake.skipped", n=len(state.skipped)))
            self.subtitle.setToolTip(
                "\n".join(f"{s.get('name')}: {s.get('reason')}" for s in state.skipped[:30])
            )
        self.subtitle.setText(" · ".join(parts))
        self.photo_count.setText(f"({tr.number(len(state))})" if state is not None else "")
        final = state is not None and is_final(status)
        self.summary.setVisible(final)
        if final and state is not None and self.summary.summary != state.inventory_summary:
            self.summary.set_summary(state.inventory_summary)
        has_batch = client is not None
        self.retry_failed_button.setEnabled(
            has_batch and not self._retrying and counts.get("failed", 0) > 0
        )
        self.retry_failed_button.setText(
            tr("action.retrying") if self._retrying else tr("action.retryFailed")
        )
        self.browser_button.setEnabled(has_batch)
        self.export_button.setEnabled(has_batch and state is not None and state.has_snapshot)

    def _render_connection(self) -> None:
        client = self._client
        if client is None:
            self.live.set_state("idle")
            return
        self.live.set_state(
            client.connection.value,
            updated=client.lastUpdate,
            attempt=client.attempt,
            max_attempts=client.max_attempts,
            detail=client.error,
        )

    # -- actions ------------------------------------------------------------------------
    def retry_connection(self) -> None:
        if self._client is not None and self._client.connection != Connection.FINISHED:
            self._client.retry()

    def retry_failed(self) -> None:
        client = self._client
        if client is None or self._retrying:
            return
        self._retrying = True
        self._render_header()
        self._api.retry_failed(client.batch_id, lambda result: self._retried(client, result))

    def _retried(self, client: SseClient, result: ApiResult) -> None:
        self._retrying = False
        if result.ok:
            count = int((result.data or {}).get("requeued", 0))
            self.message.emit("success", self._tr("action.retryFailedDone", n=count))
            client.resume()  # a finished stream follows the batch again
        else:
            self.message.emit("error", self._tr("action.retryFailedError", message=result.message))
        if client is self._client:
            self._render_header()

    def open_in_browser(self) -> None:
        """A fresh one-time link from the server, then the desktop's browser."""
        if self._client is not None:
            self._api.browser_link(self._client.batch_id, self._browser_link_ready)

    def _browser_link_ready(self, result: ApiResult) -> None:
        url = self._api.page_url(result)
        if url is None:
            self.message.emit("error", self._tr("action.openBrowserError", message=result.message))
            return
        self._services.open_url(QUrl(url))

    def export_csv(self) -> None:
        client = self._client
        if client is None:
            return
        path = self._services.save_file(
            self,
            self._tr("action.exportTitle"),
            f"photolot-batch-{client.batch_id}.csv",
            self._tr("action.exportFilter"),
        )
        if path:
            self._api.export(client.batch_id, lambda result: self._exported(path, result))

    def _exported(self, path: str, result: ApiResult) -> None:
        if not result.ok:
            self.message.emit("error", self._tr("action.exportError", message=result.message))
            return
        file = QSaveFile(path)
        if (
            file.open(QSaveFile.OpenModeFlag.WriteOnly)
            and file.write(result.body) >= 0
            and (file.commit())
        ):
            self.message.emit("success", self._tr("action.exportDone", path=path))
        else:
            self.message.emit("error", self._tr("action.exportError", message=file.errorString()))

    def shutdown(self) -> None:
        self._render_throttle.cancel()
        self.spinner.stop()
        self.bar.stop_animation()
        self.set_client(None)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.spinner.refresh()
