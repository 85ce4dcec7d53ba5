"""The window's review side, end to end: a real Core ("names" analyzer: rooms from the
folders Salon/, Cuisine/, Chambre/), the real server on port 0, the real window.

Each step drives the widgets (menus, in-place editors, dialogs, buttons, shortcuts), then
waits until the window shows the change AND the core agrees, with totals computed by hand
from resources/inventory/catalogue.json and desktopapp/inventory/packing.py:

    sofa   1.416 m³, not fragile, not dismountable: packed ×1.05, ×2.0 once fragile
    chair  0.142 m³, dismountable: packed ×1.05 ×0.70
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QSpinBox

from desktopapp.ui.add_item_dialog import AddItemDialog
from desktopapp.ui.batch_dialogs import HeaderDialog, RenameBatchDialog
from desktopapp.ui.main_window import MainWindow
from desktopapp.ui.review_actions import menu_action
from tests.helpers import make_photo
from tests.ui_helpers import OFFSCREEN_QUIRKS, Gate, LiveStack, open_window

DOCS = Path(__file__).resolve().parents[1] / "docs"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
pytestmark = OFFSCREEN_QUIRKS
WAIT = 10_000

SOFA, CHAIR = 1.416, 0.142
SALON = ("living_room", "Salon")
CUISINE = ("kitchen", "Cuisine")
CHAMBRE = ("bedroom", "Chambre")


@pytest.fixture
def stack(data_dir):
    live = LiveStack(data_dir, workers=2, analyzer="names")
    live.start_server()
    yield live
    live.stop()


@pytest.fixture
def make_window(qtbot, stack, data_dir):
    windows: list[MainWindow] = []

    def make(lang: str = "fr", size: tuple[int, int] = (1240, 860)) -> MainWindow:
        window = open_window(qtbot, stack, data_dir, lang=lang, size=size)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()


def three_rooms(root: Path) -> Path:
    folder = root / "Appartement"
    for i, room in enumerate(("Salon", "Cuisine", "Chambre")):
        for j in range(2):
            make_photo(folder / room / f"{room.lower()}-{j}.jpg", seed=10 * i + j)
    return folder


def start_batch(qtbot, window: MainWindow, folder: Path, final: bool = True) -> int:
    window.create_batch([str(folder)])
    progress = window.progress
    qtbot.waitUntil(lambda: progress.client is not None, timeout=WAIT)
    if final:
        qtbot.waitUntil(lambda: progress.client.is_finished, timeout=60_000)
        qtbot.waitUntil(lambda: len(progress.summary.rooms) == 3, timeout=WAIT)
    return progress.client.batch_id


def ref(room: tuple[str, str | None]) -> dict:
    return {"roomType": room[0], "roomName": room[1]}


def key(room: tuple[str, str | None]) -> str:
    return repr(room)


def line_key(room: tuple[str, str | None], label: str) -> str:
    return repr((room, label))


def rows(window: MainWindow) -> dict[str, tuple[str, ...]]:
    return {line[0]: line for line in window.progress.summary.tree.lines()}


def core_room(stack: LiveStack, batch_id: int, name: str) -> dict | None:
    rooms = stack.core.snapshot(batch_id)["inventorySummary"]["rooms"]
    return next((room for room in rooms if room["roomName"] == name), None)


def core_line(stack: LiveStack, batch_id: int, room: str, label: str) -> dict | None:
    found = core_room(stack, batch_id, room)
    return next((line for line in found["items"] if line["label"] == label), None)


def photo_rows(window: MainWindow) -> dict[str, int]:
    model = window.progress.model
    return {model.photo(row)["fileName"]: row for row in range(model.rowCount())}


def select_photos(window: MainWindow, names: list[str]) -> None:
    progress = window.progress
    selection = progress.list.selectionModel()
    selection.clearSelection()
    wanted = photo_rows(window)
    for name in names:
        selection.select(
            progress.model.index(wanted[name]), QItemSelectionModel.SelectionFlag.Select
        )


def add_from_catalogue(qtbot, window: MainWindow, room, query: str, label: str, n: int) -> None:
    progress = window.progress
    menu_action(progress.inventory_menu(key(room)), "add").trigger()
    dialog = progress.dialog
    assert isinstance(dialog, AddItemDialog) and dialog.isVisible()
    qtbot.keyClicks(dialog.search, query)
    qtbot.waitUntil(lambda: dialog.label() == label, timeout=WAIT)
    dialog.quantity.setValue(n)
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)


def test_review_from_the_window(qtbot, make_window, stack, tmp_path):
    window = make_window("fr")
    progress = window.progress
    tree = progress.summary.tree
    batch_id = start_batch(qtbot, window, three_rooms(tmp_path))
    core = stack.core
    assert not progress.undo_button.isEnabled() and not progress.redo_button.isEnabled()

    # a catalogue item through the dialog, searched in French
    add_from_catalogue(qtbot, window, SALON, "canap", "sofa", 1)
    qtbot.waitUntil(lambda: "Canapé" in rows(window), timeout=WAIT)
    assert rows(window)["Canapé"][1] == "1"
    line = core_line(stack, batch_id, "Salon", "sofa")
    assert line["quantity"] == 1 and line["source"] == "hand"
    assert line["packedVolume_m3"] == pytest.approx(SOFA * 1.05, abs=1e-3)
    qtbot.waitUntil(progress.undo_button.isEnabled, timeout=WAIT)  # once the POST answered

    # and one searched in English, into the kitchen: four chairs
    add_from_catalogue(qtbot, window, CUISINE, "chair", "chair", 4)
    qtbot.waitUntil(lambda: rows(window).get("Chaise", ("", ""))[1] == "4", timeout=WAIT)
    assert core_line(stack, batch_id, "Cuisine", "chair")["quantity"] == 4

    # the quantity edited in place: double-click the line, a spin box, Enter
    chair = tree.item_of(line_key(CUISINE, "chair"))
    qtbot.mouseDClick(
        tree.viewport(),
        Qt.MouseButton.LeftButton,
        pos=tree.visualItemRect(chair).center(),
    )
    editor = tree.viewport().findChild(QSpinBox)
    assert editor is not None and editor.value() == 4
    editor.setValue(6)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: rows(window)["Chaise"][1] == "6", timeout=WAIT)
    summary = core.snapshot(batch_id)["inventorySummary"]
    assert core_line(stack, batch_id, "Cuisine", "chair")["quantity"] == 6
    assert summary["totalItems"] == 7
    assert summary["totalVolume"] == pytest.approx(SOFA + 6 * CHAIR, abs=1e-3)

    # a flag: the sofa is fragile (packed ×2 instead of ×1.05)
    menu_action(progress.inventory_menu(line_key(SALON, "sofa")), "fragile").trigger()
    packed = SOFA * 2.0 + 6 * CHAIR * 1.05 * 0.70
    qtbot.waitUntil(lambda: "Fragile" in rows(window)["Canapé"][4], timeout=WAIT)
    assert core.snapshot(batch_id)["inventorySummary"]["totalPackedVolume"] == pytest.approx(
        packed, abs=2e-3
    )
    tr = window.tr_
    assert progress.summary.packed_tile.figure.text() == tr.volume(round(packed, 3), 2)
    # ... and "Not moving": sold; the line is kept, its volume is 0
    menu_action(progress.inventory_menu(line_key(SALON, "sofa")), "notMoving", "sold").trigger()
    qtbot.waitUntil(lambda: "Vendu" in rows(window)["Canapé"][4], timeout=WAIT)
    assert rows(window)["Canapé"][2] == "—"
    assert core_line(stack, batch_id, "Salon", "sofa")["notMoving"] == "sold"
    assert core.snapshot(batch_id)["inventorySummary"]["totalItems"] == 6

    # undo / redo, with the buttons and the shortcuts; the tooltip says what
    assert "Vendu" not in progress.undo_button.toolTip()
    assert "Canapé" in progress.undo_button.toolTip()
    qtbot.waitUntil(progress.undo_button.isEnabled, timeout=WAIT)  # the last POST answered
    qtbot.mouseClick(progress.undo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Vendu" not in rows(window)["Canapé"][4], timeout=WAIT)
    assert core_line(stack, batch_id, "Salon", "sofa")["notMoving"] is None
    qtbot.waitUntil(progress.redo_button.isEnabled, timeout=WAIT)  # the POST answered too
    window.activateWindow()  # shortcuts act in the active window
    window.windowHandle().requestActivate()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT)
    progress.list.setFocus()
    qtbot.keyClick(progress.list, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # fragile
    qtbot.waitUntil(lambda: "Fragile" not in rows(window)["Canapé"][4], timeout=WAIT)
    assert core_line(stack, batch_id, "Salon", "sofa")["fragile"] is False
    shift_ctrl = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.waitUntil(progress.redo_button.isEnabled, timeout=WAIT)
    qtbot.keyClick(progress.list, Qt.Key.Key_Z, shift_ctrl)
    qtbot.waitUntil(lambda: "Fragile" in rows(window)["Canapé"][4], timeout=WAIT)
    assert core_line(stack, batch_id, "Salon", "sofa")["fragile"] is True

    # a room renamed in place; markup in a name shows as typed
    menu_action(progress.inventory_menu(key(CHAMBRE)), "rename").trigger()
    name_editor = tree.viewport().findChild(QLineEdit)
    assert name_editor is not None and name_editor.text() == "Chambre"
    name_editor.setText("Chambre <b>bleue</b>")
    qtbot.keyClick(name_editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Chambre <b>bleue</b>" in rows(window), timeout=WAIT)
    assert core_room(stack, batch_id, "Chambre <b>bleue</b>")["roomType"] == "bedroom"
    blue = ("bedroom", "Chambre <b>bleue</b>")

    # two photos selected, moved to the living room in one correction
    select_photos(window, ["chambre-0.jpg", "chambre-1.jpg"])
    assert len(progress.selected_photo_ids()) == 2
    menu_action(progress.photo_menu(), "moveTo", "living_room|Salon").trigger()
    qtbot.waitUntil(lambda: key(blue) not in progress.summary.rooms, timeout=WAIT)
    assert rows(window)["Salon"][4] == "4 photos"
    assert core_room(stack, batch_id, "Salon")["photos"] == 4
    assert core_room(stack, batch_id, "Chambre <b>bleue</b>") is None
    moved = progress.model.photo(photo_rows(window)["chambre-0.jpg"])
    assert moved["roomName"] == "Salon" and moved["roomSource"] == "hand"

    # a photo excluded: dimmed in the list, out of its room's count
    select_photos(window, ["cuisine-1.jpg"])
    menu_action(progress.photo_menu(), "exclude").trigger()
    row = photo_rows(window)["cuisine-1.jpg"]
    qtbot.waitUntil(lambda: progress.model.photo(row).get("excluded") is True, timeout=WAIT)
    qtbot.waitUntil(lambda: rows(window)["Cuisine"][4] == "1 photo", timeout=WAIT)
    from desktopapp.ui.photo_model import Role

    assert "Exclue de l'inventaire" in progress.model.index(row).data(Role.Detail)
    excluded = [p for p in core.snapshot(batch_id)["photos"] if p["excluded"]]
    assert [p["fileName"] for p in excluded] == ["cuisine-1.jpg"]
    assert menu_action(progress.photo_menu(), "include")  # the menu now offers the way back

    # the move's details, through the dialog
    qtbot.mouseClick(progress.details_button, Qt.MouseButton.LeftButton)
    dialog = progress.dialog
    assert isinstance(dialog, HeaderDialog)
    qtbot.keyClicks(dialog.customer, "Mme Dupont & fils")
    qtbot.keyClicks(dialog.address["from"], "12 rue des Lilas, Lyon")
    qtbot.keyClicks(dialog.floor["from"], "3")
    dialog.lift["from"].setCurrentIndex(2)  # no lift
    qtbot.keyClicks(dialog.address["to"], "4 avenue Foch, Paris")
    dialog.lift["to"].setCurrentIndex(1)  # a lift
    dialog.date_set.setChecked(True)
    from PySide6.QtCore import QDate

    dialog.date.setDate(QDate(2026, 12, 5))
    dialog.notes.setPlainText("Piano au 3e\n<i>fragile</i>")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    expected = (
        "Mme Dupont & fils · 12 rue des Lilas, Lyon (étage 3, sans ascenseur) → "
        "4 avenue Foch, Paris (ascenseur) · 5 décembre 2026"
    )
    qtbot.waitUntil(lambda: progress.move_line.text() == expected, timeout=WAIT)
    header = core.snapshot(batch_id)["review"]["header"]
    assert header["customer"] == "Mme Dupont & fils" and header["fromLift"] is False
    assert header["toLift"] is True and header["date"] == "2026-12-05"
    assert header["notes"] == "Piano au 3e\n<i>fragile</i>"
    assert progress.move_line.textFormat() == Qt.TextFormat.PlainText

    # undone and redone
    assert "détails du déménagement" in progress.undo_button.toolTip()
    qtbot.waitUntil(progress.undo_button.isEnabled, timeout=WAIT)  # the last POST answered
    qtbot.mouseClick(progress.undo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: progress.move_line.isHidden(), timeout=WAIT)
    assert not core.snapshot(batch_id)["review"]["header"].get("customer")
    qtbot.waitUntil(progress.redo_button.isEnabled, timeout=WAIT)
    qtbot.mouseClick(progress.redo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: progress.move_line.text() == expected, timeout=WAIT)
    assert core.snapshot(batch_id)["review"]["header"]["customer"] == "Mme Dupont & fils"

    # the batch renamed: the title, and the history row
    progress.rename_action.trigger()
    rename = progress.dialog
    assert isinstance(rename, RenameBatchDialog)
    rename.name.setText("Dupont <Lyon → Paris>")
    qtbot.mouseClick(rename.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: progress.title.text() == "Dupont <Lyon → Paris>", timeout=WAIT)
    assert progress.title.textFormat() == Qt.TextFormat.PlainText
    assert core.snapshot(batch_id)["review"]["name"] == "Dupont <Lyon → Paris>"

    # a room's menu: merge the kitchen into the living room
    merge = menu_action(progress.inventory_menu(key(CUISINE)), "merge", "living_room|Salon")
    assert merge.text() == "Salon"
    merge.trigger()
    qtbot.waitUntil(lambda: key(CUISINE) not in progress.summary.rooms, timeout=WAIT)
    assert [room["roomName"] for room in core.snapshot(batch_id)["inventorySummary"]["rooms"]] == [
        "Salon"
    ]
    assert rows(window)["Chaise"][1] == "6"

    # an error from the server goes to the banner (a room that no longer exists)
    progress.review.correct(
        "room.rename", {"room": {"roomType": "kitchen", "roomName": "Cuisine"}, "name": "x"}
    )
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=WAIT)


def test_custom_item_and_delete(qtbot, make_window, stack, tmp_path):
    window = make_window("en")
    progress = window.progress
    batch_id = start_batch(qtbot, window, three_rooms(tmp_path))
    menu_action(progress.inventory_menu(key(CHAMBRE)), "add").trigger()
    dialog = progress.dialog
    assert isinstance(dialog, AddItemDialog)
    dialog.tabs.setCurrentIndex(1)
    assert not dialog.add_button.isEnabled()
    qtbot.keyClicks(dialog.custom_name, "Grandfather clock")
    dialog.custom_volume.setValue(0.6)
    dialog.quantity.setValue(2)
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Grandfather clock" in rows(window), timeout=WAIT)
    line = rows(window)["Grandfather clock"]
    assert line[1] == "2" and "Added" in line[4]
    room = core_room(stack, batch_id, "Chambre")
    assert room["items"][0]["custom"] is True and room["volume_m3"] == pytest.approx(1.2)
    assert room["packedVolume_m3"] == pytest.approx(1.2 * 1.05, abs=1e-3)

    # the line's menu: remove it
    label = room["items"][0]["label"]
    menu_action(progress.inventory_menu(line_key(CHAMBRE, label)), "remove").trigger()
    qtbot.waitUntil(lambda: "Grandfather clock" not in rows(window), timeout=WAIT)
    assert core_room(stack, batch_id, "Chambre")["items"] == []

    # deleting the batch: confirmed, it leaves the history and the panel
    assert window.history_model.row_of(batch_id) is not None
    progress.delete_action.trigger()
    box = progress.dialog
    qtbot.mouseClick(box.delete_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.history_model.row_of(batch_id) is None, timeout=WAIT)
    assert window.stack.currentWidget() is window.empty
    assert window.monitor.client(batch_id) is None
    from desktopapp.core.state import BatchNotFound

    with pytest.raises(BatchNotFound):
        stack.core.snapshot(batch_id)


def test_a_correction_made_elsewhere_shows_at_once(qtbot, make_window, stack, tmp_path):
    """A correction made through the core (as the page or the REST API would) is on screen
    within a few ms: while the batch runs, and once it is finished (the window's stream
    follows it after `complete`)."""
    window = make_window("fr")
    progress = window.progress
    gate = Gate(stack.core, free=4, furniture=False)  # two photos stay pending
    try:
        batch_id = start_batch(qtbot, window, three_rooms(tmp_path), final=False)
        qtbot.waitUntil(lambda: progress.client.state.processed >= 4, timeout=30_000)
        qtbot.waitUntil(lambda: len(progress.summary.rooms) >= 2, timeout=WAIT)
        room = next(iter(progress.summary.rooms.values()))
        old = room["roomName"]
        seen: list[float] = []

        def shown() -> None:  # connected after the widget's own slot: it has rendered
            if not seen and "Renommée" in rows(window):
                seen.append(time.perf_counter())

        progress.client.stateChanged.connect(shown)
        start = time.perf_counter()
        stack.core.correct(
            batch_id,
            "room.rename",
            {"room": {"roomType": room["roomType"], "roomName": old}, "name": "Renommée"},
        )
        qtbot.waitUntil(lambda: bool(seen), timeout=WAIT)
        delay = (seen[0] - start) * 1000
        print(f"\ncorrection → window (live stream): {delay:.1f} ms")
        assert delay < 100
        assert not progress.client.state.is_final  # shown while the batch still runs
        assert not progress.summary.provisional or progress.summary.summary is not None
    finally:
        gate.open()
    qtbot.waitUntil(lambda: progress.client.is_finished, timeout=60_000)
    assert "Renommée" in rows(window)

    # finished: the window's stream follows the batch after `complete`, corrections included
    assert progress.client.follow
    seen.clear()
    progress.client.stateChanged.disconnect(shown)

    def titled() -> None:
        if not seen and progress.title.text() == "Fait ailleurs":
            seen.append(time.perf_counter())

    progress.client.stateChanged.connect(titled)
    start = time.perf_counter()
    stack.core.correct(batch_id, "batch.rename", {"name": "Fait ailleurs"})
    qtbot.waitUntil(lambda: bool(seen), timeout=WAIT)
    delay = (seen[0] - start) * 1000
    print(f"correction → window (finished batch, followed stream): {delay:.1f} ms")
    assert delay < 100


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_screenshot_of_a_corrected_batch(qtbot, make_window, stack, tmp_path, lang):
    window = make_window(lang, (1280, 1040))
    progress = window.progress
    gate = Gate(stack.core, free=100, furniture=True)  # a detector's furniture, at once
    try:
        batch_id = start_batch(qtbot, window, three_rooms(tmp_path))
    finally:
        gate.restore()
    core = stack.core
    for kind, data in (
        (
            "room.item",
            {
                "room": ref(SALON),
                "label": "armchair",
                "quantity": 2,
            },
        ),
        (
            "room.flags",
            {"room": ref(SALON), "label": "sofa", "fragile": True},
        ),
        (
            "room.item",
            {"room": ref(CUISINE), "label": "chair", "quantity": 6},
        ),
        (
            "room.flags",
            {
                "room": ref(CUISINE),
                "label": "dining_table",
                "packedBy": "customer",
            },
        ),
        (
            "room.item",
            {"room": ref(CHAMBRE), "label": "bed", "quantity": 1},
        ),
        (
            "room.item",
            {
                "room": ref(CHAMBRE),
                "name": "Horloge <comtoise>",
                "volume_m3": 0.6,
                "quantity": 1,
            },
        ),
        (
            "room.flags",
            {
                "room": ref(SALON),
                "label": "bookcase",
                "notMoving": "stays",
            },
        ),
        ("batch.rename", {"name": "Dupont — Lyon → Paris"}),
        (
            "batch.header",
            {
                "customer": "Mme Dupont",
                "fromAddress": "12 rue des Lilas, Lyon",
                "fromFloor": "3",
                "fromLift": False,
                "toAddress": "4 avenue Foch, Paris",
                "toLift": True,
                "date": "2026-12-05",
            },
        ),
    ):
        core.correct(batch_id, kind, data)
    select_photos(window, ["cuisine-1.jpg"])
    menu_action(progress.photo_menu(), "exclude").trigger()
    qtbot.waitUntil(
        lambda: (
            progress.title.text() == "Dupont — Lyon → Paris"
            and progress.model.photo(photo_rows(window)["cuisine-1.jpg"]).get("excluded")
        ),
        timeout=WAIT,
    )
    progress.list.clearSelection()
    window.banner.hide()
    qtbot.waitUntil(lambda: not progress.bar.animating, timeout=WAIT)
    QApplication.processEvents()  # the layout settles before the picture
    # tests/artifacts on every run; docs/ only when asked (no churn in committed PNGs)
    picture = window.grab()
    ARTIFACTS.mkdir(exist_ok=True)
    assert picture.save(str(ARTIFACTS / f"review-window-{lang}.png"))
    if os.environ.get("PHOTOLOT_UPDATE_DOCS") == "1":
        assert picture.save(str(DOCS / f"review-window-{lang}.png"))
