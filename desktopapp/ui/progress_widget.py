"""`BatchProgressWidget`: the native twin of the seed's `BatchProgressBar`.

    ┌ Traitement du lot  [EN COURS]                              66 % ┐
    │ Lot #12 · Projet Default                                2/3 photos │
    │ ██████████████████████░░░░░░░░░░                                    │
    │ [ 0 En attente ] [ 1 En cours ] [ 2 Réussies ] [ 0 Échouées ]       │
    │ ● Temps réel actif · mis à jour 14:02:11   [Pause] [En tête de file] [Annuler…] │
    │                                      [Relancer] [Navigateur] [CSV] [PDF] │
    └─────────────────────────────────────────────────────────────────────┘
    ┌ Inventaire: totals, rooms and their items (live while the batch runs) ┐
    ├╌╌╌ (a splitter) ╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌┤
    └ Photos: thumbnail, name, room · items · flags, status ┘   (Enter / double-click: viewer)

Its only data source is an `SseClient` (`set_client`); actions go through `ApiClient`.

The inventory shows as soon as a photo is done. It is the server's `inventorySummary`, as
it came, whenever the newest event that changed the inventory carried one: a final batch,
and a batch the user corrected (each of its events carries the corrected summary). For an
uncorrected running batch, whose events carry photos only, it is the window's own view of
the photos so far (`inventory_view.LiveInventory`, the server's rule).

The review (corrections, `review_actions`): the inventory's and the photo list's context
menus, a line's quantity and a room's name edited in place, Undo / Redo (Ctrl+Z,
Ctrl+Shift+Z; the tooltip says what), the move's details, the batch's name (the title),
deleting the batch (`batchDeleted`). Errors go to `message`, the window's banner.

The window's streams follow finished batches (`SseClient(follow=True)`), so corrections
made elsewhere (the page, the API) show at once. A client that does not follow has closed
its stream at `complete`: it resumes after each of the window's own corrections
(`ReviewActions`) and when the window is activated again (`catch_up`). Item names and unit
volumes come from the server's summaries: when a photo shows a label none of them named
yet, the window asks `GET /api/batches/{id}` for the current one (at most every 2 s, one
request at a time, never for batches above `LEARN_MAX_PHOTOS` photos, whose state is too
large to decode on the GUI thread; their volumes then fill in at the end).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QDir,
    QElapsedTimer,
    QEvent,
    QFileInfo,
    QModelIndex,
    QPoint,
    QSaveFile,
    QStandardPaths,
    Qt,
    QTimer,
    QUrl,
    Signal,
)
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QLabel,
    QListView,
    QMenu,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktopapp.platform.redirect_file import write_redirect_file
from desktopapp.ui import theme
from desktopapp.ui.add_item_dialog import AddItemDialog
from desktopapp.ui.api_client import ApiClient, ApiResult
from desktopapp.ui.batch_dialogs import (
    HeaderDialog,
    RenameBatchDialog,
    confirm_delete,
    header_summary,
)
from desktopapp.ui.batch_state import is_final
from desktopapp.ui.i18n import Translator
from desktopapp.ui.icons import set_icon
from desktopapp.ui.inventory_view import ItemBook, LiveInventory
from desktopapp.ui.link_dialog import LinkDialog
from desktopapp.ui.list_view import RowUpdatesListView
from desktopapp.ui.live_indicator import LiveIndicator
from desktopapp.ui.photo_delegate import PhotoDelegate, SpinnerAnimator, SpinnerClock
from desktopapp.ui.photo_model import PhotoListModel
from desktopapp.ui.photo_viewer import PhotoViewer, PreviewLoader
from desktopapp.ui.plain_text import plain_tip
from desktopapp.ui.queue_actions import QueueActions, QueueButtons
from desktopapp.ui.review_actions import ReviewActions, room_ref
from desktopapp.ui.services import DesktopServices
from desktopapp.ui.sse_client import Connection, SseClient
from desktopapp.ui.summary_widget import InventorySummary
from desktopapp.ui.throttle import Throttle
from desktopapp.ui.thumbnails import ThumbnailLoader
from desktopapp.ui.ui_settings import UiSettings
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
REFRESH_INTERVAL_MS = 2000  # a finished batch's stream resumes at most this often
# The vision model's notices on a photo it could not complete (core.reanalysis).
MODEL_NOTICES = ("model_unavailable", "model_bad_answer")

# Failures no retry can fix (the server's own list, desktopapp/core/tasks.py): the file is
# not a picture, or not one PhotoLot reads. "Retry failed photos" is off when only these.
PERMANENT_ERRORS = frozenset(
    {"empty_file", "not_an_image", "unsupported", "too_large", "too_small"}
)
RETRY_NAMES_SHOWN = 3  # the banner names this many files that cannot be retried, then "+N"


def retry_reason(tr: Translator, code: Any, message: Any) -> str:
    """Why a photo is not retried, in a few words ("not a picture"), else the full text."""
    key = f"retry.reason.{code}"
    if code and tr.has(key):
        return tr(key)
    return tr.photo_error(str(code) if code else None, str(message) if message else None)


class BatchProgressWidget(QWidget):
    message = Signal(str, str)  # (kind: info | success | warning | error, text)
    batchDeleted = Signal(int)  # the user deleted the batch on screen (it is gone)

    def __init__(
        self,
        api: ApiClient,
        translator: Translator,
        thumbnails: ThumbnailLoader | None = None,
        services: DesktopServices | None = None,
        parent: QWidget | None = None,
        settings: UiSettings | None = None,
    ) -> None:
        super().__init__(parent)
        self._api = api
        self._tr = translator
        self._services = services or DesktopServices()
        self._settings = settings  # remembers the last export folder
        self._client: SseClient | None = None
        self._retrying = False
        self.items = ItemBook()  # item names and volumes, learned from the server's summaries
        self.model = PhotoListModel(translator, thumbnails, self, items=self.items)
        self.inventory = LiveInventory(self.items)
        self._summary_version = -1  # the item book's version the shown summary used
        self._showing_live = False  # the summary shown is the window's live view
        self._review_shown: Any = None  # the review state last rendered (a correction: now)
        # Whether the state's inventorySummary counts every photo change seen: the delta that
        # makes a batch final comes before `complete`, which brings the final summary.
        self._summary_fresh = False
        self._learning = False
        self._asked_labels: set[str] = set()
        self._learn_clock = QElapsedTimer()
        self._refresh_clock = QElapsedTimer()
        self._learn_timer = QTimer(self, singleShot=True)
        self._learn_timer.timeout.connect(self._learn_unknown)
        self.previews = PreviewLoader(api, self)
        self.viewer: PhotoViewer | None = None
        self._render_throttle = Throttle(self._render_all, parent=self)
        self.review = ReviewActions(api, translator, self)
        self.review.message.connect(self.message)
        self.review.batchDeleted.connect(lambda batch_id, _n: self.batchDeleted.emit(batch_id))
        self.review.busyChanged.connect(lambda _busy: self._render_review())
        self.dialog: QDialog | None = None  # the review dialog open now (tests drive it)
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
        self.title.setTextFormat(Qt.TextFormat.PlainText)  # the user's name for the batch
        self.badge = StatusBadge(tr, header)
        self.percent = QLabel("0%", header)
        self.percent.setFont(theme.scaled_font(self.percent, 2.3, QFont.Weight.Bold))
        self.percent.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        # room for "100 %" from the start: a narrow header must not cut the figure
        self.percent.setMinimumWidth(self.percent.fontMetrics().horizontalAdvance("100\u202f%") + 4)
        top.addWidget(self.title)
        top.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignVCenter)
        top.addStretch(1)
        top.addWidget(self.percent)
        box.addLayout(top)
        self.move_line = QLabel("", header)  # the move's details, under the batch's name
        self.move_line.setTextFormat(Qt.TextFormat.PlainText)
        self.move_line.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.move_line.hide()
        box.addWidget(self.move_line)
        sub = QHBoxLayout()
        self.subtitle = muted_label("", header)
        self.subtitle.setTextFormat(Qt.TextFormat.PlainText)
        self.done_total = muted_label("", header)
        self.done_total.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        sub.addWidget(self.subtitle, 1)
        sub.addWidget(self.done_total)
        box.addLayout(sub)
        box.addLayout(self._build_review_row(header))
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
        # the queue's controls for this batch (pause / resume, to the front, cancel…)
        # share the connection's line: they hide once the batch is final
        live_row = QHBoxLayout()
        live_row.setSpacing(8)
        live_row.addWidget(self.live, 1)
        self.queue_actions = QueueActions(self._api, tr, self)
        self.queue_actions.message.connect(self.message)
        self.queue_buttons = QueueButtons(self.queue_actions, tr, header)
        live_row.addWidget(self.queue_buttons, 0, Qt.AlignmentFlag.AlignVCenter)
        box.addLayout(live_row)
        bottom = QHBoxLayout()
        bottom.setSpacing(8)
        bottom.addStretch(1)
        self.reanalyse_button = QPushButton(tr("reanalyse.batch"), header)
        self.reanalyse_button.setObjectName("reanalyseBatch")
        set_icon(self.reanalyse_button, "retry")
        self.reanalyse_button.clicked.connect(lambda: self.review.reanalyse(None))
        self.reanalyse_button.hide()  # only while some photo lacks the model's items
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
            self.reanalyse_button,
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
        tree = self.summary.tree
        tree.quantityEdited.connect(self._quantity_edited)
        tree.roomRenamed.connect(self._room_renamed)
        tree.contextRequested.connect(self._inventory_context)
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
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._photo_context)
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

    def _build_review_row(self, parent: QWidget) -> QHBoxLayout:
        """Undo, Redo, the move's details and the batch's menu (rename, delete)."""
        tr = self._tr
        row = QHBoxLayout()
        row.setSpacing(6)

        def tool(text: str, icon: str, slot: Any) -> QToolButton:
            button = QToolButton(parent)
            button.setText(text)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setAutoRaise(True)
            set_icon(button, icon)
            if slot is not None:
                button.clicked.connect(slot)
            row.addWidget(button)
            return button

        self.undo_button = tool(tr("review.undo"), "undo", lambda: self.review.undo())
        self.redo_button = tool(tr("review.redo"), "redo", lambda: self.review.redo())
        row.addStretch(1)
        self.details_button = tool(tr("review.details"), "edit", lambda: self.edit_header())
        self.more_button = tool("", "more", None)
        self.more_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        self.more_button.setToolTip(tr("review.more"))
        self.more_button.setAccessibleName(tr("review.more"))
        self.more_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.more_button.setStyleSheet("QToolButton::menu-indicator { image: none; width: 0; }")
        self.batch_menu = QMenu(self.more_button)
        self.rename_action = self.batch_menu.addAction(tr("review.renameBatch"))
        self.rename_action.triggered.connect(lambda: self.rename_batch())
        self.batch_menu.addSeparator()
        self.delete_action = self.batch_menu.addAction(tr("review.deleteBatch"))
        self.delete_action.triggered.connect(lambda: self.delete_batch())
        self.more_button.setMenu(self.batch_menu)
        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        self.undo_shortcut = QShortcut(QKeySequence.StandardKey.Undo, self)
        self.redo_shortcut = QShortcut(QKeySequence("Ctrl+Shift+Z"), self)
        self.redo_shortcut_alt = QShortcut(QKeySequence("Ctrl+Y"), self)
        self.undo_shortcut.activated.connect(lambda: self.review.undo())
        for shortcut in (self.redo_shortcut, self.redo_shortcut_alt):
            shortcut.activated.connect(lambda: self.review.redo())
        for shortcut in (self.undo_shortcut, self.redo_shortcut, self.redo_shortcut_alt):
            shortcut.setContext(context)
        return row

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
        # a corrected batch's every event carries the summary: the last one is current
        self._summary_fresh = client is not None and (
            client.is_finished or bool((client.state.review or {}).get("corrections"))
        )
        self.review.set_client(client)
        if self.dialog is not None:
            self.dialog.close()
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
        fresh = change.get("summaryFresh")
        if fresh is not None:  # several events in one chunk: what the newest one said
            self._summary_fresh = bool(fresh)
        elif change.get("summaryChanged"):
            self._summary_fresh = True
        elif change.get("full") or change.get("added") or change.get("changed"):
            self._summary_fresh = False
        summary = client.state.inventory_summary if client is not None else None
        if change.get("summaryChanged") and self.items.learn(summary):
            self.model.names_changed()
        self.model.apply_change(change)  # rows: Qt repaints only those on screen
        self.spinner.refresh()
        if client is not None:
            self.inventory.update(client.state, change)  # the changed photos only
        review = client.state.review if client is not None else None
        if client is not None and (is_final(client.state.status) or review != self._review_shown):
            self._review_shown = dict(review) if isinstance(review, dict) else review
            self._render_throttle.cancel()
            self._render_all()  # the final figures, and a correction's effect, show at once
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
        self.done_total.setText(tr("batch.photosDone", done=tr.number(done), n=tr.number(total)))
        for key, tile in self.counters.items():
            value = int(counts.get(key, 0))
            tile.set_value(value, tr.number(value))
        review = state.review if state is not None and isinstance(state.review, dict) else {}
        name = str(review.get("name") or "")
        title = name or tr("batch.title")
        if self.title.text() != title:
            self.title.setText(title)
        self.title.setToolTip(plain_tip(name))
        move = header_summary(tr, review.get("header"))
        if self.move_line.text() != move:
            self.move_line.setText(move)
            notes = str((review.get("header") or {}).get("notes") or "")
            self.move_line.setToolTip(plain_tip("\n".join(p for p in (move, notes) if p)))
            self.move_line.setVisible(bool(move))
        parts = []
        if client is not None:
            parts.append(tr("batch.name", id=client.batch_id))
        if state is not None and state.project:
            parts.append(tr.project_label(state.project))
        if state is not None and state.skipped:
            parts.append(tr("intake.skipped", n=len(state.skipped)))
            self.subtitle.setToolTip(
                "\n".join(f"{s.get('name')}: {s.get('reason')}" for s in state.skipped[:30])
            )
        self.subtitle.setText(" · ".join(parts))
        self.photo_count.setText(f"({tr.number(len(state))})" if state is not None else "")
        self._render_summary()
        has_batch = client is not None
        retryable = self._retryable() if counts.get("failed", 0) > 0 else None
        self.retry_failed_button.setEnabled(has_batch and not self._retrying and bool(retryable))
        self.retry_failed_button.setToolTip(
            tr("retry.nothingRetryable") if retryable is False and not self._retrying else ""
        )
        self.retry_failed_button.setText(
            tr("action.retrying") if self._retrying else tr("action.retryFailed")
        )
        missed = self.model_missed()
        self.reanalyse_button.setVisible(bool(missed))
        self.reanalyse_button.setToolTip(tr("reanalyse.batchTip", n=missed) if missed else "")
        self.browser_button.setEnabled(has_batch)
        self.export_button.setEnabled(has_batch and state is not None and state.has_snapshot)
        self.export_pdf_button.setEnabled(self.export_button.isEnabled())
        self.queue_buttons.set_batch(
            client.batch_id if client is not None else None,
            status,
            name or tr("batch.name", id=client.batch_id) if client is not None else "",
            int(counts.get("queued", 0)),
        )
        self._render_review()

    def model_missed(self) -> int:
        """Finished photos with the detector's items only: the vision model failed them."""
        client = self._client
        if client is None:
            return 0
        return sum(
            1
            for photo in client.state.photos.values()
            if photo.get("status") == "DONE"
            and any(flag in MODEL_NOTICES for flag in photo.get("flags") or ())
        )

    def _retryable(self) -> bool | None:
        """Whether a failed photo may succeed if tried again: None without failures, False
        when each one's errorCode is a permanent one (not a picture, empty, too large…)."""
        client = self._client
        if client is None:
            return None
        codes = [
            photo.get("errorCode")
            for photo in client.state.photos.values()
            if photo.get("status") == "ERROR"
        ]
        if not codes:
            return None
        return any(code not in PERMANENT_ERRORS for code in codes)

    def _render_review(self) -> None:
        """Undo / Redo enabled from the review state; their tooltips say what."""
        tr = self._tr
        client = self._client
        review = client.state.review if client is not None else None
        review = review if isinstance(review, dict) else {}
        busy = self.review.busy
        for which, button in (("undo", self.undo_button), ("redo", self.redo_button)):
            entry = review.get(which)
            button.setEnabled(bool(entry) and not busy)
            if entry:
                tip = tr(f"review.{which}Tip", what=self.review.describe(entry))
            else:
                tip = tr("review.nothingToUndo" if which == "undo" else "review.nothingToRedo")
            button.setToolTip(plain_tip(tip))
        has_batch = client is not None
        for widget in (self.details_button, self.more_button):
            widget.setEnabled(has_batch)

    def _render_summary(self) -> None:
        """The server's summary whenever the newest event that changed the inventory carried
        one (a final batch, a corrected one); the live view of the photos otherwise."""
        client = self._client
        state = client.state if client is not None else None
        if state is None:
            self.summary.hide()
            return
        final = is_final(state.status)
        server = state.inventory_summary
        if server is not None and self._summary_fresh:
            self.summary.set_summary(server, provisional=not final)
            self._showing_live = False
            self._show_summary(final or bool(server.get("rooms")))
            return
        if (
            self.inventory.dirty
            or self._summary_version != self.items.version
            or not self._showing_live
        ):
            analyzer = server.get("analyzer") if isinstance(server, dict) else None
            self.summary.set_summary(self.inventory.summary(analyzer), provisional=True)
            # (provisional also when final: the server's summary is on its way)
            self._summary_version = self.items.version
            self._showing_live = True
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
            self.viewer = PhotoViewer(
                self.model, self.previews, self._tr, self, review=self.review, api=self._api
            )
            self.viewer.currentRowChanged.connect(self._follow_viewer)
        self.viewer.show_row(index.row())

    def _follow_viewer(self, row: int) -> None:
        index = self.model.index(row)
        if self.list.currentIndex() != index:
            self.list.setCurrentIndex(index)
        self.list.scrollTo(index)

    # -- the review: corrections from the inventory and the photo list -------------------
    def _summary_rooms(self) -> list[dict[str, Any]]:
        return list(self.summary.rooms.values())

    def _quantity_edited(self, key: str, quantity: int) -> None:
        entry = self.summary.lines.get(key)
        if entry is not None:
            room, line = entry
            fields = {"room": room_ref(room), "label": line.get("label"), "quantity": quantity}
            self.review.correct("room.item", fields)

    def _room_renamed(self, key: str, name: str) -> None:
        room = self.summary.rooms.get(key)
        if room is not None:
            self.review.correct("room.rename", {"room": room_ref(room), "name": name})

    def _inventory_context(self, key: str, pos: QPoint) -> None:
        menu = self.inventory_menu(key)
        if menu is not None:
            menu.popup(pos)

    def inventory_menu(self, key: str) -> QMenu | None:
        """The menu of a room (rename, merge into, add an item) or of a line (flags...)."""
        tree = self.summary.tree
        if key in self.summary.lines:
            room, line = self.summary.lines[key]
            return self.review.line_menu(room, line, tree, lambda: tree.edit_quantity(key))
        room = self.summary.rooms.get(key)
        if room is None:
            return None
        return self.review.room_menu(
            room,
            self._summary_rooms(),
            tree,
            lambda: tree.rename_room(key),
            lambda: self.add_item(room),
        )

    def add_item(self, room: dict[str, Any]) -> AddItemDialog:
        dialog = AddItemDialog(self._api, self._tr, room, self)
        self._open_dialog(dialog)
        dialog.accepted.connect(
            lambda: self.review.correct("room.item", {"room": room_ref(room), **dialog.fields()})
        )
        return dialog

    def selected_photo_ids(self) -> list[Any]:
        rows = sorted(index.row() for index in self.list.selectionModel().selectedIndexes())
        return [self.model.photo(row).get("id") for row in rows]

    def _photo_context(self, pos: QPoint) -> None:
        index = self.list.indexAt(pos)
        if index.isValid() and not self.list.selectionModel().isSelected(index):
            self.list.setCurrentIndex(index)
        menu = self.photo_menu()
        if menu is not None:
            menu.popup(self.list.viewport().mapToGlobal(pos))

    def photo_menu(self) -> QMenu | None:
        """The selected photos' menu: move to a room (one correction for all), exclude."""
        ids = self.selected_photo_ids()
        if not ids or self._client is None:
            return None
        photos = [self._client.state.photos[pid] for pid in ids]
        return self.review.photo_menu(ids, photos, self._summary_rooms(), self.list)

    def edit_header(self) -> HeaderDialog | None:
        client = self._client
        if client is None:
            return None
        dialog = HeaderDialog(self._tr, (client.state.review or {}).get("header"), self)
        self._open_dialog(dialog)

        def save() -> None:
            fields = dialog.fields()
            if fields:
                self.review.correct("batch.header", fields)

        dialog.accepted.connect(save)
        return dialog

    def rename_batch(self) -> RenameBatchDialog | None:
        client = self._client
        if client is None:
            return None
        name = (client.state.review or {}).get("name")
        dialog = RenameBatchDialog(self._tr, client.batch_id, name, self)
        self._open_dialog(dialog)

        def save() -> None:
            if dialog.value() != (name or ""):
                self.review.correct("batch.rename", {"name": dialog.value()})

        dialog.accepted.connect(save)
        return dialog

    def delete_batch(self) -> QDialog | None:
        client = self._client
        if client is None:
            return None
        box = confirm_delete(self._tr, client.batch_id, len(client.state), self)
        self._open_dialog(box)
        box.buttonClicked.connect(
            lambda button: self.review.delete_batch() if button is box.delete_button else None
        )
        return box

    def _open_dialog(self, dialog: QDialog) -> None:
        if self.dialog is not None:
            self.dialog.close()
        self.dialog = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda *_: self._dialog_gone(dialog))
        dialog.open()  # window-modal, without a nested event loop

    def _dialog_gone(self, dialog: QDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None

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
            kind, text = self.retry_message(result.data)
            self.message.emit(kind, text)
            client.resume()  # a finished stream follows the batch again
        else:
            self.message.emit("error", self._tr("action.retryFailedError", message=result.message))
        if client is self._client:
            self._render_header()

    def retry_message(self, data: Any) -> tuple[str, str]:
        """What was retried and what cannot be (names and why), for the banner."""
        tr = self._tr
        data = data if isinstance(data, dict) else {}
        count = int(data.get("requeued") or 0)
        left = [entry for entry in data.get("notRetried") or [] if isinstance(entry, dict)]
        parts = [tr("action.retryFailedDone", n=count)] if count else []
        if left:
            named = [
                tr(
                    "retry.why",
                    name=str(entry.get("fileName") or "?"),
                    why=retry_reason(tr, entry.get("errorCode"), entry.get("errorMessage")),
                )
                for entry in left[:RETRY_NAMES_SHOWN]
            ]
            if len(left) > RETRY_NAMES_SHOWN:
                named.append(tr("retry.more", n=len(left) - RETRY_NAMES_SHOWN))
            parts.append(tr("retry.notRetried", n=len(left), names="; ".join(named)))
        if not parts:
            parts.append(tr("retry.nothing"))
        kind = "success" if count and not left else "warning"
        return kind, " ".join(parts)

    def open_in_browser(self) -> None:
        """A fresh one-time link from the server, then the desktop's browser."""
        if self._client is not None:
            self._api.browser_link(self._client.batch_id, self._browser_link_ready)

    def _browser_link_ready(self, result: ApiResult) -> None:
        url = self._api.page_url(result)
        if url is None:
            self.message.emit("error", self._tr("action.openBrowserError", message=result.message))
            return
        # the ticket must not reach xdg-open's command line: a user-only file redirects
        try:
            target = QUrl.fromLocalFile(str(write_redirect_file(url)))
        except OSError:
            target = None
        if target is None or not self._services.open_url(target):
            # no browser started (none set, xdg-open missing or failing): the link to copy
            self._open_dialog(LinkDialog(self._tr, url, self))

    def export_csv(self) -> None:
        client = self._client
        if client is None:
            return
        path = self._services.save_file(
            self,
            self._tr("action.exportTitle"),
            self.export_suggestion(f"photolot-batch-{client.batch_id}.csv"),
            self._tr("action.exportFilter"),
        )
        if path:
            self._remember_export_folder(path)
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
            self.export_suggestion(f"photolot-batch-{client.batch_id}.pdf"),
            self._tr("action.exportPdfFilter"),
        )
        if path:
            self._remember_export_folder(path)
            self._api.report_pdf(
                client.batch_id, self._tr.lang, lambda result: self._exported(path, result)
            )

    def export_folder(self) -> str:
        """Where the save dialog opens: the last export's folder while it exists, else the
        user's Documents (else their home folder)."""
        last = self._settings.export_dir if self._settings is not None else None
        if last and QDir(last).exists():
            return last
        documents = QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.DocumentsLocation
        )
        if documents and QDir(documents).exists():
            return documents
        return QDir.homePath()

    def export_suggestion(self, file_name: str) -> str:
        return QDir(self.export_folder()).filePath(file_name)

    def _remember_export_folder(self, path: str) -> None:
        if self._settings is not None:
            self._settings.export_dir = QFileInfo(path).absolutePath()
            self._settings.sync()

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

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.ActivationChange and self.isActiveWindow():
            self.catch_up()

    def catch_up(self) -> None:
        """A finished batch's stream is closed: ask what happened since (corrections made
        in the page or through the API), at most every REFRESH_INTERVAL_MS."""
        client = self._client
        if client is None or client.connection != Connection.FINISHED:
            return
        if getattr(client, "follow", False):
            return  # its stream stayed open: the corrections arrive as they are made
        if len(client.state) > LEARN_MAX_PHOTOS:
            return  # its `complete` is the whole batch again: not on every activation
        if self._refresh_clock.isValid() and self._refresh_clock.elapsed() < REFRESH_INTERVAL_MS:
            return
        self._refresh_clock.start()
        client.resume()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.spinner.refresh()
