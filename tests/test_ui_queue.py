"""The window's side of the queue (issue 14): the batch header's Pause / Resume / Move to
front / Cancel, and the queue panel (File → Queue…, Ctrl+J) that follows
`/api/queue/stream`, on the real parts: a real core ("names" analyzer), the real server on
port 0, the real window. Each step presses the widgets, then waits until the window shows
the change AND the core agrees (the journal: `desktopapp.core.journal.events_after`)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from desktopapp.core import journal, state
from desktopapp.ui.i18n import Translator
from desktopapp.ui.main_window import MainWindow
from desktopapp.ui.queue_panel import (
    BATCH_COLUMNS,
    QueuePanel,
    format_duration,
    format_eta,
)
from tests.helpers import make_photo
from tests.ui_helpers import OFFSCREEN_QUIRKS, LiveStack, open_window

DOCS = Path(__file__).resolve().parents[1] / "docs"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
pytestmark = OFFSCREEN_QUIRKS
WAIT = 15_000
LONG = 120_000


def photos(folder: Path, count: int, seed: int = 0, size=(160, 120)) -> Path:
    for i in range(count):
        make_photo(folder / f"p{i:03d}.jpg", seed + i, size=size)
    return folder


class Turnstile:
    """Holds every photo in the analyzer until `release(n)` lets n of them through."""

    def __init__(self, core) -> None:
        self._analyzer = core.analyzer
        inner = type(core.analyzer).analyze.__get__(core.analyzer)
        self._tokens = threading.Semaphore(0)
        self._lock = threading.Lock()
        self.waiting = 0

        def analyze(photo):
            with self._lock:
                self.waiting += 1
            self._tokens.acquire(timeout=120)
            with self._lock:
                self.waiting -= 1
            return inner(photo)

        core.analyzer.analyze = analyze

    def release(self, n: int = 1) -> None:
        for _ in range(n):
            self._tokens.release()

    def restore(self) -> None:
        self._analyzer.__dict__.pop("analyze", None)
        self.release(1000)


@pytest.fixture
def make_stack(data_dir):
    made: list[LiveStack] = []

    def make(workers: int = 2) -> LiveStack:
        stack = LiveStack(data_dir, workers=workers, analyzer="names")
        stack.start_server()
        made.append(stack)
        return stack

    yield make
    for stack in made:
        stack.stop()


@pytest.fixture
def make_window(qtbot, data_dir):
    windows: list[MainWindow] = []

    def make(stack: LiveStack, lang: str = "fr") -> MainWindow:
        window = open_window(qtbot, stack, data_dir, lang=lang, size=(1240, 860))
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()


def open_panel(qtbot, window: MainWindow) -> QueuePanel:
    action = window.actions_by_shortcut["Ctrl+J"]
    assert action is window.queue_entry.action
    action.trigger()
    panel = window.queue_entry.panel
    assert panel is not None and panel.isVisible()
    qtbot.waitUntil(lambda: panel.stream.connection == "live", timeout=WAIT)
    return panel


def row(panel: QueuePanel, batch_id: int) -> dict:
    batch = panel.model.batch(batch_id)
    assert batch is not None, [b["batchId"] for b in panel.model.batches]
    return batch


def cell(panel: QueuePanel, batch_id: int, column: str) -> str:
    index = panel.model.index(panel.model.row_of(batch_id), BATCH_COLUMNS.index(column))
    return index.data()


def create(qtbot, window: MainWindow, folder: Path) -> int:
    before = window.progress.batch_id
    window.create_batch([str(folder)])
    qtbot.waitUntil(
        lambda: window.progress.client is not None and window.progress.batch_id != before,
        timeout=WAIT,
    )
    return window.progress.batch_id


def events(batch_id: int) -> list[journal.JournalEntry]:
    return journal.events_after(batch_id, 0, 1_000_000)


def test_words():
    fr, en = Translator("fr"), Translator("en")
    assert format_eta(fr, 150) == "≈ 2 min 30 s"
    assert format_eta(en, 42.4) == "≈ 42 s" and format_eta(fr, 3900) == "≈ 1 h 5 min"
    assert format_eta(fr, None) == ""
    assert format_duration(fr, 0.4234) == "0,42 s" and format_duration(en, 12.34) == "12.3 s"
    assert format_duration(en, 125) == "2 min 5 s" and format_duration(fr, None) == "—"


def test_the_panel_follows_a_batch_live_to_completed(qtbot, make_stack, make_window, tmp_path):
    stack = make_stack(workers=1)
    gate = Turnstile(stack.core)
    try:
        window = make_window(stack)
        panel = open_panel(qtbot, window)
        assert panel.empty.isVisible()
        seen: list[int] = []
        panel.snapshotShown.connect(
            lambda: seen.extend(_count(b, "completed") for b in panel.model.batches)
        )
        batch_id = create(qtbot, window, photos(tmp_path / "drop", 6))
        qtbot.waitUntil(lambda: panel.model.batch(batch_id) is not None, timeout=WAIT)
        assert cell(panel, batch_id, "name") == f"Lot #{batch_id}"
        # select it: its photos come on demand, then again as its counts change
        assert panel.select_batch(batch_id)
        qtbot.waitUntil(lambda: panel.photo_model.rowCount() == 6, timeout=WAIT)
        for step in range(1, 7):  # one photo at a time: the counts move live
            gate.release()
            qtbot.waitUntil(
                lambda s=step: _count(row(panel, batch_id), "completed") == s, timeout=WAIT
            )
        qtbot.waitUntil(lambda: row(panel, batch_id)["status"] == "COMPLETED", timeout=WAIT)
        assert {1, 2, 3, 4, 5, 6} <= set(seen)
        batch = row(panel, batch_id)
        assert batch["counts"]["completed"] == 6 and cell(panel, batch_id, "eta") == "—"
        assert cell(panel, batch_id, "completed") == "6"
        assert batch["processing"]["p50"] is not None and cell(panel, batch_id, "work") != "—"
        # the photo list followed the counts: every photo done, with its stage times
        qtbot.waitUntil(
            lambda: all(p["status"] == "DONE" for p in panel.photo_model.photos), timeout=WAIT
        )
        first = panel.photo_model.photos[0]
        assert first["attempts"] == 1 and first["timings"]["detect"] is not None
        assert panel.photo_model.index(0, 2).data() == "1"
        assert panel.photo_model.index(0, 6).data().endswith(" s")  # detection time
        assert "6 photos" in panel.photos_heading.text()
        # the workers: the one worker, idle now
        qtbot.waitUntil(lambda: panel.worker_lines() == ["1. Libre"], timeout=WAIT)
        assert "1 travailleur" in panel.totals.text()
        # double-click: the window shows that batch
        panel.showBatchRequested.emit(batch_id)
        assert window.progress.batch_id == batch_id
    finally:
        gate.restore()


def _count(batch: dict, key: str) -> int:
    return int((batch.get("counts") or {}).get(key) or 0)


def test_pause_from_the_panel_stops_the_batch_and_resume_completes_it(
    qtbot, make_stack, make_window, tmp_path
):
    stack = make_stack(workers=1)
    folder = photos(tmp_path / "drop", 150, size=(640, 480))
    window = make_window(stack)
    panel = open_panel(qtbot, window)
    batch_id = create(qtbot, window, folder)
    qtbot.waitUntil(
        lambda: _count(panel.model.batch(batch_id) or {}, "completed") >= 5, timeout=LONG
    )
    assert panel.select_batch(batch_id)
    button = panel.buttons["pause"]
    assert button.isEnabled() and not panel.buttons["resume"].isEnabled()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    # the window's own stream (the batch header) says PAUSED, the panel too
    qtbot.waitUntil(lambda: window.progress.client.state.status == "PAUSED", timeout=WAIT)
    qtbot.waitUntil(lambda: window.progress.badge.status == "PAUSED", timeout=WAIT)
    qtbot.waitUntil(lambda: row(panel, batch_id)["status"] == "PAUSED", timeout=WAIT)
    qtbot.waitUntil(lambda: "en pause" in window.banner.text(), timeout=WAIT)
    header = window.progress.queue_buttons
    assert header.resume_button.isVisibleTo(header) and header.resume_button.isEnabled()
    assert header.pause_button.isHidden()
    assert cell(panel, batch_id, "eta") == "en pause"
    qtbot.waitUntil(lambda: row(panel, batch_id)["counts"]["processing"] == 0, timeout=LONG)
    counts = state.batch_counts(batch_id)
    assert counts.processing == 0 and counts.queued > 0 and counts.completed < 150
    # no photo of the batch started after the pause event
    log = events(batch_id)
    (paused,) = [e for e in log if e.type == "batch.paused"]
    assert not [e for e in log if e.type == "photo.processing" and e.id > paused.id]
    assert panel.buttons["resume"].isEnabled() and not panel.buttons["pause"].isEnabled()
    qtbot.mouseClick(panel.buttons["resume"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.progress.client.state.status == "COMPLETED", timeout=LONG)
    assert window.progress.client.state.counts["completed"] == 150
    qtbot.waitUntil(lambda: row(panel, batch_id)["status"] == "COMPLETED", timeout=WAIT)
    assert window.progress.queue_buttons.isHidden()  # nothing left to control
    done = [e for e in events(batch_id) if e.type == "photo.done"]
    assert len({p["id"] for e in done for p in e.payload["photos"]}) == 150


def test_cancel_from_the_header_asks_then_the_batch_is_final(
    qtbot, make_stack, make_window, tmp_path
):
    stack = make_stack(workers=1)
    gate = Turnstile(stack.core)
    try:
        window = make_window(stack)
        panel = open_panel(qtbot, window)
        batch_id = create(qtbot, window, photos(tmp_path / "drop", 20))
        gate.release(3)
        qtbot.waitUntil(lambda: window.progress.client.state.counts["completed"] == 3, timeout=WAIT)
        header = window.progress.queue_buttons
        assert header.isVisible() and header.cancel_button.isEnabled()
        qtbot.mouseClick(header.cancel_button, Qt.MouseButton.LeftButton)
        box = window.progress.queue_actions.dialog
        assert box is not None and box.isVisible()
        assert box.windowTitle() == f"Annuler « Lot #{batch_id} » ?"
        qtbot.mouseClick(box.confirm_button, Qt.MouseButton.LeftButton)
        # the queued photos are cancelled at once; the running one may finish
        qtbot.waitUntil(lambda: _count(row(panel, batch_id), "cancelled") == 16, timeout=WAIT)
        qtbot.waitUntil(lambda: "16 photos annulées" in window.banner.text(), timeout=WAIT)
        gate.release(5)  # the photo that was running finishes; nothing else starts
        qtbot.waitUntil(lambda: window.progress.client.state.status == "CANCELLED", timeout=WAIT)
        qtbot.waitUntil(lambda: row(panel, batch_id)["status"] == "CANCELLED", timeout=WAIT)
        assert state.batch_counts(batch_id).processing == 0
        assert _count(row(panel, batch_id), "completed") == 4
        counts = row(panel, batch_id)["counts"]
        assert counts["completed"] + counts["failed"] + counts["cancelled"] == 20
        assert counts["cancelled"] == 16 and cell(panel, batch_id, "cancelled") == "16"
        assert header.isHidden()
        # the panel's buttons follow: nothing to pause, resume, cancel or move any more
        panel.select_batch(batch_id)
        assert not any(panel.buttons[a].isEnabled() for a in ("pause", "resume", "cancel"))
        # an action on a batch finished meanwhile: the server's 409 goes to the banner
        # (after the window's own "batch finished" message, which comes with `complete`)
        qtbot.waitUntil(lambda: window.progress.client.is_finished, timeout=WAIT)
        panel.queue_actions.pause(batch_id, f"Lot #{batch_id}")
        qtbot.waitUntil(lambda: "est terminé" in window.banner.text(), timeout=WAIT)
        assert window.banner.kind == "error"
    finally:
        gate.restore()


def test_move_to_front_with_two_batches(qtbot, make_stack, make_window, tmp_path):
    stack = make_stack(workers=1)
    gate = Turnstile(stack.core)
    try:
        window = make_window(stack)
        panel = open_panel(qtbot, window)
        first = create(qtbot, window, photos(tmp_path / "a", 8))
        second = create(qtbot, window, photos(tmp_path / "b", 5, seed=100))
        qtbot.waitUntil(
            lambda: [b["batchId"] for b in panel.model.batches] == [first, second], timeout=WAIT
        )
        assert panel.select_batch(second)
        qtbot.mouseClick(panel.buttons["front"], Qt.MouseButton.LeftButton)
        qtbot.waitUntil(
            lambda: [b["batchId"] for b in panel.model.batches] == [second, first], timeout=WAIT
        )
        assert panel.selected_batch_id() == second  # the selection followed its row
        qtbot.waitUntil(lambda: "passe en tête" in window.banner.text(), timeout=WAIT)
        gate.release(1000)
        qtbot.waitUntil(
            lambda: (
                row(panel, first)["status"] == "COMPLETED"
                and row(panel, second)["status"] == "COMPLETED"
            ),
            timeout=LONG,
        )

        def done_ids(batch_id: int) -> list[int]:
            return [e.id for e in events(batch_id) if e.type == "photo.done"]

        # the second batch was done while the first still had photos to do (at most the
        # one photo that was running when it moved)
        later = [i for i in done_ids(first) if i > max(done_ids(second))]
        assert len(later) >= 6, (done_ids(first), done_ids(second))
    finally:
        gate.restore()


def test_clean_finished_batches(qtbot, make_stack, make_window, tmp_path):
    stack = make_stack(workers=2)
    window = make_window(stack)
    panel = open_panel(qtbot, window)
    batch_id = create(qtbot, window, photos(tmp_path / "drop", 3))
    qtbot.waitUntil(
        lambda: (panel.model.batch(batch_id) or {}).get("status") == "COMPLETED", timeout=WAIT
    )
    panel.clean_days.setValue(0)
    qtbot.mouseClick(panel.clean_button, Qt.MouseButton.LeftButton)
    box = panel.dialog
    assert box is not None and "0 jour" in box.informativeText()
    qtbot.mouseClick(box.confirm_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.model.batch(batch_id) is None, timeout=WAIT)
    qtbot.waitUntil(lambda: window.banner.text() == "1 lot terminé supprimé.", timeout=WAIT)
    assert panel.empty.isVisible()


def test_screenshots_of_the_queue_panel_and_the_header(qtbot, make_stack, make_window, tmp_path):
    """Two batches running (one photo of each on a worker) and one paused, in French."""
    stack = make_stack(workers=2)
    gate = Turnstile(stack.core)
    try:
        window = make_window(stack)
        panel = open_panel(qtbot, window)
        a = create(qtbot, window, photos(tmp_path / "Salon", 24))
        qtbot.waitUntil(lambda: gate.waiting == 2, timeout=WAIT)  # both workers on `a`
        b = create(qtbot, window, photos(tmp_path / "Cuisine", 18, seed=50))
        c = create(qtbot, window, photos(tmp_path / "Chambre", 12, seed=90))
        window.api.pause(c)
        window.api.move_to_front(b)
        qtbot.waitUntil(
            lambda: (panel.model.batch(c) or {}).get("status") == "PAUSED", timeout=WAIT
        )
        qtbot.waitUntil(
            lambda: [x["batchId"] for x in panel.model.batches][:1] == [b], timeout=WAIT
        )
        gate.release(1)  # a worker takes the front batch's first photo next
        qtbot.waitUntil(
            lambda: (
                _count(panel.model.batch(b) or {}, "processing") == 1
                and _count(panel.model.batch(a) or {}, "processing") == 1
            ),
            timeout=WAIT,
        )
        panel.select_batch(b)
        qtbot.waitUntil(lambda: panel.photo_model.rowCount() == 18, timeout=WAIT)
        qtbot.waitUntil(
            lambda: len([t for t in panel.worker_lines() if "·" in t]) == 2, timeout=WAIT
        )
        panel.resize(1180, 760)
        qtbot.waitUntil(lambda: panel.photos_heading.text().startswith("Lot #"), timeout=WAIT)
        picture = panel.grab()
        ARTIFACTS.mkdir(exist_ok=True)
        assert picture.save(str(ARTIFACTS / "queue-window.png"))
        if os.environ.get("PHOTOLOT_UPDATE_DOCS") == "1":
            assert picture.save(str(DOCS / "queue-window.png"))
        # the batch header with its queue buttons: the paused batch, then a running one
        window.show_batch(c)
        qtbot.waitUntil(lambda: window.progress.client.state.status == "PAUSED", timeout=WAIT)
        header = window.progress.queue_buttons
        assert header.resume_button.isVisibleTo(header) and header.cancel_button.isEnabled()
        assert window.progress.queue_buttons.isVisible()
        qtbot.waitUntil(lambda: header.width() == header.sizeHint().width(), timeout=WAIT)
        assert window.grab().save(str(ARTIFACTS / "queue-header-paused.png"))
        window.show_batch(b)
        qtbot.waitUntil(lambda: window.progress.client.state.status == "PROCESSING", timeout=WAIT)
        assert header.pause_button.isVisibleTo(header) and header.pause_button.isEnabled()
        qtbot.waitUntil(lambda: header.width() == header.sizeHint().width(), timeout=WAIT)
        assert window.grab().save(str(ARTIFACTS / "queue-header-running.png"))
        for button in (header.pause_button, header.front_button, header.cancel_button):
            assert button.width() >= button.sizeHint().width(), button.text()
    finally:
        gate.restore()
