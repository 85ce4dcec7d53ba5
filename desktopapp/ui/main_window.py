"""`MainWindow`: drop zone and batch history on the left, the live batch on the right.

    window = MainWindow(ApiClient(base_url, token), data_dir, lang="fr")
    window.quitRequested.connect(app.quit)      # after it closed its streams
    window.show()

Everything goes through the local server (`ApiClient`, one `SseClient` per followed
batch); the window never touches the database. Settings live in `<data-dir>/ui.ini`.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QItemSelectionModel, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QMainWindow,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktopapp.ui.api_client import ApiClient, ApiResult
from desktopapp.ui.app_menus import AppMenus
from desktopapp.ui.batch_monitor import MAX_LIVE_STREAMS, BatchMonitor
from desktopapp.ui.batch_state import is_final
from desktopapp.ui.drop_zone import local_paths
from desktopapp.ui.duplicate_check import DuplicateCheck
from desktopapp.ui.history import BatchIdRole
from desktopapp.ui.i18n import Translator, install_qt_translations
from desktopapp.ui.icons import app_icon, refresh_icons
from desktopapp.ui.notifier import Banner, BannerSlot, Notifier
from desktopapp.ui.progress_widget import BatchProgressWidget
from desktopapp.ui.queue_panel import QueueEntry
from desktopapp.ui.samples import install_sample_offer
from desktopapp.ui.screen_fit import fit_window, fits
from desktopapp.ui.services import DesktopServices
from desktopapp.ui.sidebar import EmptyState, Sidebar
from desktopapp.ui.sse_client import SseClient
from desktopapp.ui.throttle import Throttle
from desktopapp.ui.thumbnails import ThumbnailLoader
from desktopapp.ui.ui_settings import UiSettings


class MainWindow(QMainWindow):
    quitRequested = Signal()
    batchShown = Signal(int)

    def __init__(
        self,
        api: ApiClient,
        data_dir: Path,
        *,
        lang: str | None = None,
        services: DesktopServices | None = None,
        use_tray: bool | None = None,
        client_factory: Any = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.api = api
        self.tr_ = Translator.for_locale(lang)
        install_qt_translations(self.tr_.lang)  # Qt's file dialogs and buttons too
        self.services = services or DesktopServices()
        self.settings = UiSettings(data_dir)
        self.data_dir = Path(data_dir)
        self.accepting = True
        self._closed = False
        self._waiting_drops: list[list[str]] = []  # forwarded while a batch was being made
        self.thumbnails = ThumbnailLoader(api, parent=self)
        self.monitor = BatchMonitor(
            client_factory
            or (lambda batch_id: SseClient(api.base_url, api.token, batch_id, follow=True)),
            self,
        )
        # history rows follow their batches at most every 100 ms (Throttle's docstring)
        self._history_pending: dict[int, dict[str, Any]] = {}
        self._history_throttle = Throttle(self._flush_history, parent=self)
        self.monitor.batchUpdated.connect(self._on_batch_updated)
        self.monitor.batchFinished.connect(self._on_batch_finished)
        self.setWindowTitle(self.tr_("app.name"))
        self.setWindowIcon(app_icon())
        self.setAcceptDrops(True)
        self._build()
        self.duplicates = DuplicateCheck(
            api,
            self.tr_,
            self,
            lambda batch_id: (self.history_model.get(batch_id) or {}).get("name"),
        )
        self.notifier = Notifier(self.tr_, self.banner, use_tray, self)
        self.notifier.showBatchRequested.connect(self._show_from_notification)
        self.notifier.showWindowRequested.connect(self.bring_to_front)
        self.notifier.quitRequested.connect(self.close)
        self._build_menu()
        self._restore()
        self._update_history_empty()
        self.refresh_history()

    # -- building ------------------------------------------------------------------------
    def _build(self) -> None:
        tr = self.tr_
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.setChildrenCollapsible(False)
        splitter.setHandleWidth(1)
        self.splitter = splitter

        self.sidebar = Sidebar(tr, splitter)
        self.drop_zone = self.sidebar.drop_zone
        self.drop_zone.pathsDropped.connect(self.create_batch)
        self.drop_zone.addPhotosRequested.connect(self.add_photos)
        self.drop_zone.addFolderRequested.connect(self.add_folder)
        self.history_model = self.sidebar.history_model
        self.history = self.sidebar.history
        self.history.selectionModel().currentChanged.connect(self._on_history_current)

        main = QWidget(splitter)
        main_box = QVBoxLayout(main)
        main_box.setContentsMargins(8, 16, 16, 16)
        main_box.setSpacing(12)
        self.banner = Banner(tr, main)
        main_box.addWidget(BannerSlot(self.banner, main))  # its height stays: nothing jumps
        self.stack = QStackedWidget(main)
        self.empty = EmptyState(tr, self.stack)
        self.sample_offer = install_sample_offer(self)  # first run: no batch yet
        self.progress = BatchProgressWidget(
            self.api, tr, self.thumbnails, self.services, self.stack, settings=self.settings
        )
        self.progress.message.connect(
            lambda kind, text: self.banner.show_message(
                kind, text, timeout_ms=8000 if kind == "success" else 15000
            )
        )
        self.progress.batchDeleted.connect(self._on_batch_deleted)
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.progress)
        main_box.addWidget(self.stack, 1)
        splitter.addWidget(self.sidebar)
        splitter.addWidget(main)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([390, 850])
        self.setCentralWidget(splitter)

    def _build_menu(self) -> None:
        tr = self.tr_
        menu = self.menuBar().addMenu(tr("menu.file"))
        actions = [
            (tr("menu.addPhotos"), QKeySequence.StandardKey.Open, self.add_photos),
            (tr("menu.addFolder"), QKeySequence("Ctrl+Shift+O"), self.add_folder),
            None,
            (tr("menu.retry"), QKeySequence(Qt.Key.Key_F5), self.retry_connection),
            None,
            (tr("menu.quit"), QKeySequence("Ctrl+Q"), self.close),
        ]
        self.actions_by_shortcut: dict[str, QAction] = {}
        for entry in actions:
            if entry is None:
                menu.addSeparator()
                continue
            text, shortcut, slot = entry
            action = QAction(text, self)
            action.setShortcut(shortcut)
            action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
            action.triggered.connect(slot)
            menu.addAction(action)
            self.addAction(action)
            self.actions_by_shortcut[action.shortcut().toString()] = action
        self.app_menus = AppMenus(self, menu)  # File → Settings…, Help → About
        self.queue_entry = QueueEntry(self, menu)  # File → Queue… (Ctrl+J)

    def _restore(self) -> None:
        geometry = self.settings.geometry
        if geometry is None or not self.restoreGeometry(geometry):
            fit_window(self, QSize(1200, 780))  # within the screen's available area
        elif self.screen() is not None and not fits(self.size(), self.screen().availableGeometry()):
            fit_window(self, self.size())  # saved on a larger screen
        splitter = self.settings.splitter
        if splitter is not None:
            self.splitter.restoreState(splitter)
        self._wanted_batch = self.settings.last_batch

    # -- history -------------------------------------------------------------------------
    def refresh_history(self) -> None:
        self.api.list_batches(self._on_batches)

    def _on_batches(self, result: ApiResult) -> None:
        if self._closed:
            return
        if not result.ok:
            self.banner.show_message("error", self.tr_("list.error", message=result.message))
            return
        batches = (result.data or {}).get("batches") or []
        current = self.monitor.current
        self.history_model.set_batches(batches)
        for batch in self.history_model.batches():  # live rows for what still runs
            client = self.monitor.client(batch["batchId"])
            if client is not None and client.state.status:
                self._on_batch_updated(
                    batch["batchId"],
                    {"status": client.state.status, "progress": client.state.progress},
                )
        running = [b["batchId"] for b in batches if not is_final(b.get("status"))]
        for batch_id in running[:MAX_LIVE_STREAMS]:
            self.monitor.follow(batch_id)
        self._update_history_empty()
        wanted = current if current is not None else self._wanted_batch
        if wanted is not None and self.history_model.row_of(wanted) is not None:
            self.show_batch(wanted)

    def _update_history_empty(self) -> None:
        self.sidebar.update_empty()

    def _on_history_current(self, current, _previous) -> None:
        batch_id = current.data(BatchIdRole) if current.isValid() else None
        if batch_id is not None and batch_id != self.monitor.current:
            self.show_batch(int(batch_id))

    def _on_batch_updated(self, batch_id: int, fields: dict[str, Any]) -> None:
        known = {key: value for key, value in fields.items() if value is not None}
        self._history_pending.setdefault(batch_id, {}).update(known)
        if is_final(known.get("status")):
            self._flush_history()
        else:
            self._history_throttle.request()

    def _flush_history(self) -> None:
        self._history_throttle.cancel()
        pending, self._history_pending = self._history_pending, {}
        for batch_id, fields in pending.items():
            self.history_model.update(batch_id, **fields)
        self._update_history_empty()

    def _on_batch_deleted(self, batch_id: int) -> None:
        """The user deleted a batch: its stream, its row and its panel go."""
        self._history_pending.pop(batch_id, None)
        if self.monitor.current == batch_id:
            self.progress.set_client(None)
            self.stack.setCurrentWidget(self.empty)
            self.setWindowTitle(self.tr_("app.name"))
        self.monitor.forget(batch_id)
        if self.history.currentIndex().data(BatchIdRole) == batch_id:
            self.history.selectionModel().clear()  # no neighbour is opened in its place
        self.history_model.remove(batch_id)
        if self.settings.last_batch == batch_id:
            self.settings.last_batch = None
        self._update_history_empty()

    def _on_batch_finished(self, batch_id: int, final: dict[str, Any]) -> None:
        counts = final.get("counts") or {}
        self.notifier.batch_finished(
            batch_id,
            str(final.get("status")),
            int(counts.get("completed", 0)),
            int(counts.get("failed", 0)),
            offer_show=batch_id != self.monitor.current,
        )

    # -- showing a batch -----------------------------------------------------------------
    def show_batch(self, batch_id: int) -> None:
        if self._closed:
            return
        client = self.monitor.follow(batch_id, current=True)
        if client is None:
            return
        self.progress.set_client(client)
        self.stack.setCurrentWidget(self.progress)
        row = self.history_model.row_of(batch_id)
        if row is not None:
            index = self.history_model.index(row)
            if self.history.currentIndex() != index:
                self.history.selectionModel().setCurrentIndex(
                    index, QItemSelectionModel.SelectionFlag.ClearAndSelect
                )
            self.history.scrollTo(index)
        self.settings.last_batch = batch_id
        self.setWindowTitle(f"{self.tr_('batch.name', id=batch_id)} — {self.tr_('app.name')}")
        self.batchShown.emit(batch_id)

    def _show_from_notification(self, batch_id: int) -> None:
        self.bring_to_front()
        self.show_batch(batch_id)

    def bring_to_front(self) -> None:
        if self.isMinimized():
            self.showNormal()
        self.show()
        self.raise_()
        self.activateWindow()

    def retry_connection(self) -> None:
        """F5: reconnect the shown batch's stream now, and reload the history."""
        self.monitor.retry_current()
        self.refresh_history()

    # -- new batches ---------------------------------------------------------------------
    def add_photos(self) -> None:
        if self.accepting and not self.drop_zone.busy:
            paths = self.services.open_photos(
                self, self.tr_("drop.photosDialog"), self.tr_("drop.filter")
            )
            if paths:
                self.create_batch(list(paths))

    def add_folder(self) -> None:
        if self.accepting and not self.drop_zone.busy:
            folder = self.services.open_folder(self, self.tr_("drop.folderDialog"))
            if folder:
                self.create_batch([folder])

    def handle_forwarded(self, paths: list[str]) -> None:
        """A second launch forwarded its files (single instance): show up, import them."""
        self.bring_to_front()
        if paths:
            self.create_batch(paths)

    def create_batch(self, paths: list[str]) -> None:
        """One new batch from these files and folders (queued if one is being created)."""
        if not self.accepting or not paths:
            return
        if self.drop_zone.busy:
            self._waiting_drops.append(list(paths))
            return
        self.drop_zone.set_busy(True)
        # the same files imported before? ask (open it / import anyway / cancel) first
        self.duplicates.check(
            [str(Path(p)) for p in paths], self._import, self._open_instead, self._drop_done
        )

    def _import(self, paths: list[str]) -> None:
        if not self._closed:
            self.api.create_batch(paths, self._on_created)

    def _open_instead(self, batch_id: int) -> None:
        self._drop_done()
        self.show_batch(batch_id)

    def _drop_done(self) -> None:
        if self._closed:
            return
        self.drop_zone.set_busy(False)
        if self._waiting_drops:
            QTimer.singleShot(0, lambda: self.create_batch(self._waiting_drops.pop(0)))

    def _on_created(self, result: ApiResult) -> None:
        if self._closed:
            return
        self._drop_done()
        tr = self.tr_
        if not result.ok:
            if result.error_code == "nothing_to_import":
                self.banner.show_message("warning", tr("drop.nothing"))
            else:
                self.banner.show_message("error", tr("drop.failed", message=result.message))
            return
        data = result.data or {}
        batch_id = int(data["batchId"])
        count = int(data.get("photosCount") or 0)
        self.monitor.expect_completion(batch_id)
        self.history_model.update(
            batch_id,
            status="QUEUED",
            progress=0,
            createdAt=time.time(),
            counts={"queued": count, "processing": 0, "completed": 0, "failed": 0, "total": count},
        )
        self._update_history_empty()
        self.show_batch(batch_id)
        text = tr("drop.created", id=batch_id, n=count)
        skipped = data.get("skipped") or []
        if skipped or data.get("notices"):
            extra = [tr("intake.skipped", n=len(skipped))] if skipped else []
            extra.extend(tr.notice(n) for n in data.get("notices") or [])
            self.banner.show_message("info", " · ".join([text, *extra]), timeout_ms=10000)
        else:
            self.banner.show_message("success", text, timeout_ms=5000)

    # -- whole-window drops ----------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self.accepting and not self.drop_zone.busy and local_paths(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = local_paths(event.mimeData())
        if self.accepting and paths and not self.drop_zone.busy:
            event.acceptProposedAction()
            self.create_batch(paths)
        else:
            event.ignore()

    # -- appearance and quitting -----------------------------------------------------------
    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            refresh_icons(self)

    def shutdown(self) -> None:
        """Stop taking drops, remember the window, close every stream and request."""
        if self._closed:
            return
        self._closed = True
        self.accepting = False
        self.setAcceptDrops(False)
        self.drop_zone.set_accepting(False)
        self.settings.geometry = self.saveGeometry()
        self.settings.splitter = self.splitter.saveState()
        if self.monitor.current is not None:
            self.settings.last_batch = self.monitor.current
        self.settings.sync()
        self.duplicates.close()
        self.queue_entry.close()
        self.progress.shutdown()
        self.monitor.close_all()
        self.thumbnails.close()
        self.api.abort_all()
        self.notifier.close()
        self.quitRequested.emit()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        event.accept()
