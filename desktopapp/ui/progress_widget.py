"""`BatchProgressWidget`: the native twin of the seed's `BatchProgressBar`.

    ┌ Traitement du lot  [EN COURS]                              66 % ┐
    │ Lot #12 · Projet Default                                2/3 photos │
    │ ██████████████████████░░░░░░░░░░                                    │
    │ [ 0 En attente ] [ 1 En cours ] [ 2 Réussies ] [ 0 Échouées ]       │
    │ ● Temps réel actif · mis à jour 14:02:11  [Relancer] [Navigateur] [CSV] [PDF] │
    └─────────────────────────────────────────────────────────────────────┘
    ┌ Inventaire: totals, rooms and their items (live while the batch runs) ┐
    ├╌╌╌ (a splitter) ╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌┤
    └ Photos: thumbnail, name, room · items · flags, status ┘   (Enter / double-click: viewer)

Its only data source is an `SseClient` (`set_client`); actions go through `ApiClient`.

The inventory shows as soon as a photo is done. While the batch runs it is the window's
own view of the photos so far (`inventory_view.LiveInventory`, the server's rule); once the
batch is final it is the server's `inventorySummary`, as it came. Item names and unit
volumes come from the server's summaries: when a photo shows a label none of them named
yet, the window asks `GET /api/batches/{id}` for the current one (at most every 2 s, one
request at a time, never for batches above `LEARN_MAX_PHOTOS` photos, whose state is too
large to decode on the GUI thread; their volumes then fill in at the end).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QElapsedTimer, QModelIndex, QSaveFile, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktopapp.ui import theme
from desktopapp.ui.api_client import ApiClient, ApiResult
from desktopapp.ui.batch_state import is_final
from desktopapp.ui.i18n import Translator
from desktopapp.ui.icons import set_icon
from desktopapp.ui.inventory_view import ItemBook, LiveInventory
from desktopapp.ui.list_view import RowUpdatesListView
from desktopapp.ui.live_indicator import LiveIndicator
from desktopapp.ui.photo_delegate import PhotoDelegate, SpinnerAnimator, SpinnerClock
from desktopapp.ui.photo_model import PhotoListModel
from desktopapp.ui.photo_viewer import PhotoViewer, PreviewLoader
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
SUMMARY_SHARE = 0.62  # at most this share of the height goes to the inventory by itself
LEARN_INTERVAL_MS = 2000  # item names: at most one `GET /api/batches/{id}` per interval
LEARN_MAX_PHOTOS = 2000  # ... and only for batches whose state decodes in a few ms


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
        self.items = ItemBook()  # item names and volumes, learned from the server's summaries
        self.model = PhotoListModel(translator, thumbnails, self, items=self.items)
        self.inventory = LiveInventory(self.items)
        self._summary_version = -1  # the item book's version the shown summary used
        # Whether the state's inventorySummary counts every photo change seen: the delta that
        # makes a batch final comes before `complete`, which brings the final summary.
        self._summary_fresh = False
        self._learning = False
        self._asked_labels: set[str] = set()
        self._learn_clock = QElapsedTimer()
        self._learn_timer = QTimer(self, singleShot=True)
        self._learn_timer.timeout.connect(self._learn_unknown)
        self.previews = PreviewLoader(api, self)
        self.viewer: PhotoViewer | None = None
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
        # the connection's state on its own line, the actions under it: with four actions
        # on one line with it, the French labels made the panel wider than the window
        self.live = LiveIndicator(tr, header)
        self.live.retryRequested.connect(self.retry_connection)
        box.addWidget(self.live)
        bottom = QHBoxLayout()
        bottom.setSpacing(8)
        bottom.addStretch(1)
        self.retry_failed_button = QPushButton(tr("action.retryFailed"), header)
        set_icon(self.retry_failed_button, "retry")
        self.retry_failed_button.clicked.connect(self.retry_failed)
        self.browser_button = QPushButton(tr("action.openBrowser"), header)
        set_icon(self.browser_button, "browser")
        self.browser_button.clicked.connect(self.open_in_browser)
        self.export_button = QPushButton(tr("action.export"), header)
        set_icon(self.export_button, "export")
        self.export_button.clicked.connect(self.export_csv)
        self.export_pdf_button = QPushButton(tr("action.exportPdf"), header)
        set_icon(self.export_pdf_button, "export")
        self.export_pdf_button.clicked.connect(self.export_pdf)
        for button in (
            self.retry_failed_button,
            self.browser_button,
            self.export_button,
            self.export_pdf_button,
        ):
            button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            roomy(button)
            bottom.addWidget(button)
        box.addLayout(bottom)
        outer.addWidget(header)

        self.body = QSplitter(Qt.Orientation.Vertical, self)
        self.body.setChildrenCollapsible(False)
        self.body.setHandleWidth(12)
        self.summary = InventorySummary(tr, self.body)
        self.summary.hide()
        self.summary.heightWanted.connect(self._fit_summary)
        self.body.addWidget(self.summary)
        # The inventory takes the height its rows need (up to SUMMARY_SHARE of the space),
        # the photos the rest, until the user drags the splitter: then it is theirs.
        self._user_sized = False
        self.body.splitterMoved.connect(self._on_splitter_moved)

        photos = Card(self.body)
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
        self.list.activated.connect(self.open_viewer)  # Enter, double-click
        self.body.addWidget(photos)
        self.body.setStretchFactor(0, 0)
        self.body.setStretchFactor(1, 1)
        outer.addWidget(self.body, 1)
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
        self._asked_labels.clear()
        self._summary_fresh = client is not None and client.is_finished
        if client is not None:
            for signal, slot in self._connections():
                signal.connect(slot)
            if self.items.learn(client.state.inventory_summary):
                self._summary_version = -1
        self.model.set_state(client.state if client is not None else None)
        self.inventory.reset(client.state if client is not None else None)
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
        client = self._client
        if change.get("summaryChanged") and client is not None:
            self._summary_fresh = True
            if self.items.learn(client.state.inventory_summary):
                self.model.names_changed()
        elif change.get("full") or change.get("added") or change.get("changed"):
            self._summary_fresh = False
        self.model.apply_change(change)  # rows: Qt repaints only those on screen
        self.spinner.refresh()
        if client is not None:
            self.inventory.update(client.state, change)  # the changed photos only
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
        self._render_summary()
        has_batch = client is not None
        self.retry_failed_button.setEnabled(
            has_batch and not self._retrying and counts.get("failed", 0) > 0
        )
        self.retry_failed_button.setText(
            tr("action.retrying") if self._retrying else tr("action.retryFailed")
        )
        self.browser_button.setEnabled(has_batch)
        self.export_button.setEnabled(has_batch and state is not None and state.has_snapshot)
        self.export_pdf_button.setEnabled(self.export_button.isEnabled())

    def _render_summary(self) -> None:
        """The server's summary once the batch is final; the live view before."""
        client = self._client
        state = client.state if client is not None else None
        if state is None:
            self.summary.hide()
            return
        final = is_final(state.status)
        server = state.inventory_summary
        if final and server is not None and self._summary_fresh:
            if self.summary.provisional or self.summary.summary != server:
                self.summary.set_summary(server)
            self._show_summary(True)
            return
        if (
            self.inventory.dirty
            or self._summary_version != self.items.version
            or not self.summary.provisional
        ):
            analyzer = server.get("analyzer") if isinstance(server, dict) else None
            self.summary.set_summary(self.inventory.summary(analyzer), provisional=True)
            # (provisional also when final: the server's summary is on its way)
            self._summary_version = self.items.version
        self._show_summary(final or self.inventory.rooms > 0)
        if not final:
            self._learn_unknown()

    def _show_summary(self, visible: bool) -> None:
        if self.summary.isHidden() == visible:
            self.summary.setVisible(visible)
            self._fit_summary()

    def _on_splitter_moved(self, *_args: Any) -> None:
        self._user_sized = True

    def _fit_summary(self) -> None:
        """The inventory as tall as its rows (within SUMMARY_SHARE), the photos the rest."""
        if self._user_sized or self.summary.isHidden():
            return
        total = sum(self.body.sizes())
        if total <= 0:
            return
        want = min(self.summary.preferred_height(), int(total * SUMMARY_SHARE))
        want = max(want, self.summary.minimumSizeHint().height())
        if self.body.sizes()[0] != want:
            self.body.setSizes([want, max(0, total - want)])

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_summary()

    def _learn_unknown(self) -> None:
        """Ask the server for its current summary when photos show labels not named yet."""
        client = self._client
        if client is None or self._learning or client.state.is_final:
            return
        if len(client.state) > LEARN_MAX_PHOTOS:
            return
        unknown = self.inventory.unknown_labels() - self._asked_labels
        if not unknown:
            return
        if self._learn_clock.isValid() and self._learn_clock.elapsed() < LEARN_INTERVAL_MS:
            if not self._learn_timer.isActive():
                self._learn_timer.start(LEARN_INTERVAL_MS - self._learn_clock.elapsed())
            return
        self._learning = True
        self._learn_clock.start()
        self._asked_labels |= unknown  # one ask per label: a label the server cannot
        # name (an old server, a race) does not make the window ask again and again
        self._api.get_batch(client.batch_id, self._learned)

    def _learned(self, result: ApiResult) -> None:
        self._learning = False
        if self._client is None:
            return
        data = result.data if result.ok and isinstance(result.data, dict) else {}
        if self.items.learn(data.get("inventorySummary")):
            self.model.names_changed()
            self._render_throttle.request()
        if self.inventory.unknown_labels() - self._asked_labels:
            self._learn_timer.start(LEARN_INTERVAL_MS)

    # -- the photo viewer ------------------------------------------------------------------
    def open_viewer(self, index: QModelIndex) -> None:
        """Enter or double-click on a processed photo: the viewer, on that photo."""
        if not index.isValid() or self.model.photo(index.row()).get("status") != "DONE":
            return
        if self.viewer is None:
            self.viewer = PhotoViewer(self.model, self.previews, self._tr, self)
            self.viewer.currentRowChanged.connect(self._follow_viewer)
        self.viewer.show_row(index.row())

    def _follow_viewer(self, row: int) -> None:
        index = self.model.index(row)
        if self.list.currentIndex() != index:
            self.list.setCurrentIndex(index)
        self.list.scrollTo(index)

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
            self._api.export(
                client.batch_id,
                lambda result: self._exported(path, result),
                lang=self._tr.lang,
            )

    def export_pdf(self) -> None:
        """The inventory report, in the window's language, saved where the user says."""
        client = self._client
        if client is None:
            return
        path = self._services.save_file(
            self,
            self._tr("action.exportPdfTitle"),
            f"photolot-batch-{client.batch_id}.pdf",
            self._tr("action.exportPdfFilter"),
        )
        if path:
            self._api.report_pdf(
                client.batch_id, self._tr.lang, lambda result: self._exported(path, result)
            )

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
        self._learn_timer.stop()
        if self.viewer is not None:
            self.viewer.close()
        self.previews.close()
        self.spinner.stop()
        self.bar.stop_animation()
        self.set_client(None)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.spinner.refresh()
