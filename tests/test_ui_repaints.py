"""What the window repaints and how often while a batch streams in: row-level updates,
throttled header and history renders."""

from __future__ import annotations

from PySide6.QtCore import QElapsedTimer, QEvent, QObject, QRect
from PySide6.QtWidgets import QApplication

from desktopapp.ui.batch_state import BatchState
from desktopapp.ui.i18n import Translator
from desktopapp.ui.list_view import RowUpdatesListView
from desktopapp.ui.photo_delegate import PhotoDelegate, SpinnerClock
from desktopapp.ui.photo_model import PhotoListModel
from desktopapp.ui.throttle import Throttle
from tests.ui_helpers import OFFSCREEN_QUIRKS, payload, photo

pytestmark = OFFSCREEN_QUIRKS
EN = Translator("en")


class PaintRegions(QObject):
    """Records the region of every paint event of a widget."""

    def __init__(self, widget) -> None:
        super().__init__()
        self.regions: list[list[QRect]] = []
        widget.installEventFilter(self)

    def eventFilter(self, _obj, event) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.regions.append(list(event.region()))
        return False


def photo_list(qtbot, n: int) -> tuple[RowUpdatesListView, PhotoListModel, BatchState]:
    state = BatchState(1)
    photos = [photo(i, "PENDING") for i in range(1, n + 1)]
    state.apply(payload(1, photos, "QUEUED", 0, snapshot=True))
    model = PhotoListModel(EN)
    view = RowUpdatesListView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.setItemDelegate(PhotoDelegate(SpinnerClock(), view))
    view.setUniformItemSizes(True)
    view.resize(500, 400)
    model.set_state(state)
    view.show()
    qtbot.waitExposed(view)
    return view, model, state


def change(model: PhotoListModel, state: BatchState, photo_id: int, status: str) -> None:
    state.apply(payload(1, [photo(photo_id, status)], "PROCESSING", 10))
    model.apply_change({"changed": [photo_id]})


def test_a_change_repaints_only_its_row_and_off_screen_changes_nothing(qtbot):
    view, model, state = photo_list(qtbot, 500)
    paints = PaintRegions(view.viewport())
    qtbot.waitUntil(lambda: bool(paints.regions))  # the first full paint
    paints.regions.clear()

    for far in (300, 301, 302, 450):  # far below the viewport, as while a batch streams
        change(model, state, far, "DONE")
    change(model, state, 2, "PROCESSING")  # the second row, on screen
    qtbot.waitUntil(lambda: bool(paints.regions))
    QApplication.processEvents()

    row = view.visualRect(model.index(1))
    painted = [rect for region in paints.regions for rect in region]
    assert painted and all(row.contains(rect) for rect in painted), (row, painted)


def test_the_view_repaints_every_changed_row_in_a_range(qtbot):
    view, model, state = photo_list(qtbot, 50)
    paints = PaintRegions(view.viewport())
    qtbot.waitUntil(lambda: bool(paints.regions))
    paints.regions.clear()
    for photo_id in (1, 2, 3):
        state.apply(payload(1, [photo(photo_id, "DONE")], "PROCESSING", 6))
    model.dataChanged.emit(model.index(0), model.index(2))
    qtbot.waitUntil(lambda: bool(paints.regions))
    covered = QRect()
    for region in paints.regions:
        for rect in region:
            covered = covered.united(rect)
    expected = view.visualRect(model.index(0)).united(view.visualRect(model.index(2)))
    assert covered == expected


def test_throttle_runs_at_once_then_at_most_once_per_interval(qtbot):
    runs: list[int] = []
    clock = QElapsedTimer()
    clock.start()
    throttle = Throttle(lambda: runs.append(clock.elapsed()), interval_ms=80)
    throttle.request()
    assert len(runs) == 1  # the first request runs now
    for _ in range(50):
        throttle.request()
    assert len(runs) == 1 and throttle.pending
    qtbot.waitUntil(lambda: len(runs) == 2, timeout=2000)  # the 50 requests: one run
    assert runs[1] - runs[0] >= 75
    assert not throttle.pending


def test_throttle_flush_runs_a_pending_render_now_and_cancel_drops_it(qtbot):
    runs: list[str] = []
    throttle = Throttle(lambda: runs.append("run"), interval_ms=10_000)
    throttle.request()
    throttle.flush()
    assert runs == ["run"]  # nothing pending: flush does nothing more
    throttle.request()
    assert throttle.pending
    throttle.flush()
    assert runs == ["run", "run"] and not throttle.pending
    throttle.request()
    throttle.cancel()
    assert not throttle.pending and runs == ["run", "run"]
