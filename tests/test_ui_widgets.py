"""The widgets without a server: photo model at 10,000 rows, spinner, badge, drop zone,
banner, history, translations."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QListView

from desktopapp.ui import theme
from desktopapp.ui.batch_state import BatchState
from desktopapp.ui.drop_zone import DropZone
from desktopapp.ui.history import BatchHistoryModel
from desktopapp.ui.i18n import Translator, language_from, system_language
from desktopapp.ui.live_indicator import LiveIndicator
from desktopapp.ui.notifier import Banner, Notifier
from desktopapp.ui.photo_delegate import PhotoDelegate, SpinnerAnimator, SpinnerClock
from desktopapp.ui.photo_model import PhotoListModel, Role, contiguous_ranges
from desktopapp.ui.ui_settings import UiSettings
from desktopapp.ui.widgets import StatusBadge, StatusProgressBar
from tests.ui_helpers import OFFSCREEN_QUIRKS, drag_and_drop, payload, photo

pytestmark = OFFSCREEN_QUIRKS
FR, EN = Translator("fr"), Translator("en")


def big_state(n: int, processing: tuple[int, ...] = ()) -> BatchState:
    photos = [photo(i, "PROCESSING" if i in processing else "PENDING") for i in range(1, n + 1)]
    state = BatchState(1)
    state.apply(payload(1, photos, "PROCESSING", 0, snapshot=True))
    return state


def test_model_is_consistent(qtmodeltester):
    state = big_state(5)
    model = PhotoListModel(EN)
    model.set_state(state)
    qtmodeltester.check(model, force_py=True)
    assert model.index(0).data() == "photo-1.jpg"
    assert model.index(0).data(Role.StatusText) == "Queued"


def test_ten_thousand_rows_update_in_place(qtbot):
    state = big_state(10_000)
    model = PhotoListModel(FR)
    view = QListView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.setItemDelegate(PhotoDelegate(SpinnerClock(), view))
    view.setUniformItemSizes(True)
    view.resize(600, 500)
    view.show()
    model.set_state(state)
    changed_rows: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda a, b, roles=(): changed_rows.append((a.row(), b.row())))
    resets_before = model.resets
    started = time.perf_counter()
    for pid in range(1, 10_001):  # every photo goes PROCESSING then DONE: 20,000 events
        for status in ("PROCESSING", "DONE"):
            change = state.apply({"photos": [photo(pid, status, roomType="kitchen")]})
            model.apply_change(change.as_dict())
        if pid % 500 == 0:
            QApplication.processEvents()  # the view repaints as it goes
    elapsed = time.perf_counter() - started
    assert model.resets == resets_before  # never a full reset
    assert len(changed_rows) == 20_000
    assert all(first == last for first, last in changed_rows)  # one row each time
    assert model.rowCount() == 10_000
    assert elapsed < 10, f"20,000 updates took {elapsed:.1f} s"
    assert model.index(9_999).data(Role.Room) == "Cuisine"


def test_added_rows_are_inserted_not_reset(qtbot):
    state = big_state(3)
    model = PhotoListModel(EN)
    model.set_state(state)
    inserted = []
    model.rowsInserted.connect(lambda _parent, first, last: inserted.append((first, last)))
    change = state.apply({"photos": [photo(4), photo(5)]})
    model.apply_change(change.as_dict())
    assert inserted == [(3, 4)] and model.rowCount() == 5


def test_snapshot_with_other_photos_resets(qtbot):
    state = big_state(3)
    model = PhotoListModel(EN)
    model.set_state(state)
    change = state.apply(payload(1, [photo(9)], "QUEUED", 0, snapshot=True))
    model.apply_change(change.as_dict())
    assert model.rowCount() == 1 and model.resets == 2


def test_contiguous_ranges():
    assert contiguous_ranges([5, 1, 2, 3, 9, 2]) == [(1, 3), (5, 5), (9, 9)]


def test_tooltip_is_the_error_and_detail_lines(qtbot):
    state = BatchState(1)
    state.apply(
        payload(
            1,
            [
                photo(1, "ERROR", errorCode="corrupt", errorMessage="The picture is damaged."),
                photo(
                    2,
                    "DONE",
                    roomType="bedroom",
                    itemsCount=3,
                    flags=["blurry"],
                    thumbnailUrl="/api/photos/2/thumbnail",
                ),
                photo(3, "PENDING", attempts=1),
            ],
            "PARTIAL",
            66,
            snapshot=True,
        )
    )
    fr, en = PhotoListModel(FR), PhotoListModel(EN)
    fr.set_state(state)
    en.set_state(state)
    assert en.index(0).data(Qt.ItemDataRole.ToolTipRole) == "The picture is damaged."
    assert fr.index(0).data(Qt.ItemDataRole.ToolTipRole).startswith("L'image est endommagée")
    assert fr.index(1).data(Role.Detail) == "Chambre · 3 objets · Floue"
    assert en.index(2).data(Role.Detail) == "attempt 2"


def test_spinner_repaints_only_visible_processing_rows(qtbot):
    state = big_state(2_000, processing=(2, 3, 1_900))
    model = PhotoListModel(EN)
    view = QListView()
    qtbot.addWidget(view)
    view.setModel(model)
    delegate = PhotoDelegate(SpinnerClock(), view)
    view.setItemDelegate(delegate)
    view.resize(500, 400)
    model.set_state(state)
    view.show()
    qtbot.waitExposed(view)
    spinner = SpinnerAnimator(view, model, delegate)
    spinner.refresh()
    assert spinner.running
    spinner.tick()
    assert spinner.repaints == 2  # rows 2 and 3 are on screen, 1,900 is not
    for pid in (2, 3, 1_900):
        model.apply_change(state.apply({"photos": [photo(pid, "DONE")]}).as_dict())
    spinner.refresh()
    assert not spinner.running and model.processing == set()


@pytest.mark.parametrize(
    ("status", "background", "text"),
    [
        ("QUEUED", "#f3f4f6", "#1f2937"),
        ("PROCESSING", "#dbeafe", "#1e40af"),
        ("PARTIAL", "#ffedd5", "#9a3412"),
        ("COMPLETED", "#dcfce7", "#166534"),
        ("FAILED", "#fee2e2", "#991b1b"),
    ],
)
def test_status_colours_are_the_seeds(status, background, text):
    light = QPalette(QColor("#f5f5f5"))
    colors = theme.status_colors(status, light)
    assert (colors.background.name(), colors.text.name()) == (background, text)


def test_dark_palette_keeps_the_hue_and_reads_well():
    dark = QPalette(QColor("#202124"))
    assert theme.is_dark(dark)
    colors = theme.status_colors("COMPLETED", dark)
    assert colors.text.lightness() > 150 and colors.background.alpha() < 255


def test_badge_and_bar(qtbot):
    badge = StatusBadge(FR)
    qtbot.addWidget(badge)
    badge.set_status("PROCESSING")
    assert badge.text() == "EN COURS"
    assert badge.sizeHint().width() > badge.fontMetrics().horizontalAdvance("EN COURS")
    bar = StatusProgressBar(duration_ms=120)
    qtbot.addWidget(bar)
    bar.show()
    bar.set_percent(40)
    assert bar.animating
    bar.set_percent(60)  # retargets the running glide
    qtbot.waitUntil(lambda: not bar.animating, timeout=3000)
    assert bar.value() == 600 and bar.target_percent == 60


def test_live_indicator_texts(qtbot):
    from datetime import datetime

    live = LiveIndicator(FR)
    qtbot.addWidget(live)
    live.show()
    moment = datetime(2025, 10, 8, 14, 2, 11)
    live.set_state("live", updated=moment)
    assert live.text() == "Temps réel actif · mis à jour 14:02:11"
    live.set_state("reconnecting", attempt=2, max_attempts=5)
    assert live.text() == "Connexion perdue, reconnexion 2/5…"
    live.set_state("error", detail="refused")
    assert live.retry_button.isVisible() and live.label.toolTip() == "refused"
    english = LiveIndicator(EN)
    qtbot.addWidget(english)
    english.set_state("live", updated=moment)
    assert english.text() == "Live · updated 14:02:11"


def test_drop_zone_takes_files_and_folders(qtbot, tmp_path):
    zone = DropZone(EN)
    qtbot.addWidget(zone)
    (tmp_path / "a.jpg").write_bytes(b"x")
    with qtbot.waitSignal(zone.pathsDropped, timeout=1000) as blocker:
        assert drag_and_drop(
            zone,
            [
                QUrl.fromLocalFile(str(tmp_path / "a.jpg")),
                QUrl.fromLocalFile(str(tmp_path)),
                QUrl("https://example.com/b.jpg"),
            ],
        ) == (True, True)
    assert blocker.args[0] == [str(tmp_path / "a.jpg"), str(tmp_path)]
    zone.set_accepting(False)
    assert drag_and_drop(zone, [QUrl.fromLocalFile(str(tmp_path))]) == (False, False)


def test_banner_when_there_is_no_tray(qtbot):
    banner = Banner(FR)
    qtbot.addWidget(banner)
    notifier = Notifier(FR, banner, use_tray=False)
    assert not notifier.uses_tray
    notifier.batch_finished(7, "COMPLETED", 12, 0)
    assert banner.isVisibleTo(None) or not banner.isHidden()
    assert "Lot #7 terminé" in banner.text() and banner.kind == "success"
    with qtbot.waitSignal(notifier.showBatchRequested, timeout=1000) as blocker:
        banner.action_button.click()
    assert blocker.args == [7]
    notifier.batch_finished(8, "FAILED", 0, 3, offer_show=False)
    assert banner.kind == "error" and banner.action_button.isHidden()


def test_history_is_most_recent_first_and_updates_live(qtbot):
    model = BatchHistoryModel(FR)
    model.set_batches(
        [
            {"batchId": 1, "createdAt": 100.0, "status": "COMPLETED", "progress": 100},
            {"batchId": 2, "createdAt": 200.0, "status": "PROCESSING", "progress": 40},
        ]
    )
    assert [b["batchId"] for b in model.batches()] == [2, 1]
    changed = []
    model.dataChanged.connect(lambda a, b, roles=(): changed.append(a.row()))
    model.update(2, status="PROCESSING", progress=40)  # no news: no signal
    model.update(2, progress=60)
    assert changed == [0] and model.get(2)["progress"] == 60
    model.update(3, status="QUEUED", progress=0)
    assert model.batches()[0]["batchId"] == 3
    assert model.index(0).data() == "Lot #3"


def test_translations():
    assert FR.room("living_room") == "Salon" and EN.room("living_room") == "Living room"
    assert FR.room(None) == "Pièce non reconnue" and EN.room("wine_cellar") == "Wine cellar"
    assert FR.status("PARTIAL") == "PARTIEL" and EN.status(None) == "…"
    assert FR.photo_error("source_missing", "gone").startswith("Le fichier d'origine")
    assert EN.photo_error("source_missing", "It is gone.") == "It is gone."
    assert FR.volume(5.25) == "5,25 m³" and EN.volume(5) == "5.0 m³"
    assert FR.percent(66) == "66\u202f%" and EN.percent(66) == "66%"
    assert FR("conn.live", time="12:00:00") == "Temps réel actif · mis à jour 12:00:00"
    assert Translator("de").lang == "en"


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["fr-FR", "en-US"], "fr"),
        (["fr_CA.UTF-8"], "fr"),
        (["en-GB", "fr-FR"], "en"),
        (["de-DE"], "en"),
        (["C", "POSIX", "fr_BE"], "fr"),
        (["", "C"], "en"),
    ],
)
def test_language_from_the_locale(names, expected):
    assert language_from(names) == expected


def test_language_is_forced_or_from_the_system():
    assert Translator.for_locale("fr").lang == "fr"
    assert Translator.for_locale("en").lang == "en"
    assert Translator.for_locale(None).lang == system_language() in ("fr", "en")


def test_ui_settings_live_in_the_data_dir(qtbot, tmp_path):
    settings = UiSettings(tmp_path)
    settings.last_batch = 12
    settings.sync()
    assert (tmp_path / "ui.ini").is_file()
    assert UiSettings(tmp_path).last_batch == 12
    settings.last_batch = None
    assert settings.last_batch is None
