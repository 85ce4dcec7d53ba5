"""Fixing one photo's items in the window's viewer, end to end: a real Core with the default
detector, the real server on port 0, the real window, a real living-room photo (the sofa
of mock-home-1.jpg).

Each step drives the viewer's widgets (a count's spin box, "Not this…", "Add an item…",
remove), then waits until the viewer shows what the stream says AND the core agrees.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from desktopapp.ui.add_item_dialog import AddItemDialog
from desktopapp.ui.photo_items import photo_lines
from tests.ui_helpers import OFFSCREEN_QUIRKS, LiveStack, open_window

DOCS = Path(__file__).resolve().parents[1] / "docs"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
SOFA_PHOTO = "photos/shandutta__homematch-v2/mock-home-1.jpg"
pytestmark = OFFSCREEN_QUIRKS
WAIT = 10_000


@pytest.fixture
def stack(data_dir):
    live = LiveStack(data_dir, workers=1)  # the default analyzer: the bundled detector
    live.start_server()
    yield live
    live.stop()


@pytest.fixture
def window(qtbot, stack, data_dir):
    window = open_window(qtbot, stack, data_dir, lang="fr", size=(1240, 860))
    yield window
    window.close()


def core_items(stack: LiveStack, batch_id: int) -> dict[str, int]:
    (photo,) = stack.core.snapshot(batch_id)["photos"]
    return {line["label"]: line["quantity"] for line in photo_lines(photo["items"])}


def pick(qtbot, dialog: AddItemDialog, query: str, label: str) -> None:
    """Type in the catalogue search, wait for the answer, choose `label`'s row."""
    qtbot.keyClicks(dialog.search, query)

    def found() -> bool:
        for row in range(dialog.results.count()):
            if dialog.results.item(row).data(Qt.ItemDataRole.UserRole + 1) == label:
                dialog.results.setCurrentRow(row)
                return True
        return False

    qtbot.waitUntil(found, timeout=WAIT)


def test_fix_a_photos_items_in_the_viewer(qtbot, window, stack, corpus, tmp_path):
    folder = tmp_path / "Maison" / "Salon"
    folder.mkdir(parents=True)
    shutil.copy(corpus / SOFA_PHOTO, folder / "salon.jpg")
    window.create_batch([str(folder.parent)])
    progress = window.progress
    qtbot.waitUntil(lambda: progress.client is not None, timeout=WAIT)
    qtbot.waitUntil(lambda: progress.client.is_finished, timeout=90_000)
    batch_id = progress.batch_id
    detected = core_items(stack, batch_id)
    assert detected.get("sofa", 0) >= 1, detected

    # Enter on the photo opens the viewer, with the photo's items to fix
    progress.list.setFocus()
    progress.list.setCurrentIndex(progress.model.index(0))
    qtbot.keyClick(progress.list, Qt.Key.Key_Return)
    viewer = progress.viewer
    assert viewer is not None and viewer.isVisible() and viewer.editable
    editor = viewer.editor
    assert editor.isVisible() and set(editor.rows) == set(detected)
    assert editor.rows["sofa"].name.text() == "Canapé"
    assert not editor.detected.isVisible()  # not corrected yet
    assert viewer.unboxed.isHidden() and viewer.items.isHidden()

    # a count: the spin box's value is sent once the person stops clicking
    sofa = editor.rows["sofa"]
    sofa.spin.stepUp()
    assert sofa.spin.value() == detected["sofa"] + 1
    qtbot.waitUntil(
        lambda: core_items(stack, batch_id)["sofa"] == detected["sofa"] + 1, timeout=WAIT
    )
    qtbot.waitUntil(lambda: editor.rows["sofa"].quantity == detected["sofa"] + 1, timeout=WAIT)
    # the pipeline's own result shows, muted, now that the photo was corrected
    qtbot.waitUntil(lambda: editor.detected.isVisible(), timeout=WAIT)
    assert editor.detected.text().startswith("Détection d'origine : ")
    assert f"Canapé ×{detected['sofa']}" in editor.detected.text()
    # the inventory follows the same stream
    qtbot.waitUntil(
        lambda: any(
            line[0].startswith("Canapé") and str(detected["sofa"] + 1) in line
            for line in progress.summary.tree.lines()
        ),
        timeout=WAIT,
    )

    # "Add an item…": a catalogue item seen in the photo, two of them
    editor.add_button.click()
    dialog = viewer.dialog
    assert isinstance(dialog, AddItemDialog) and dialog.isVisible()
    assert dialog.tabs.tabBar().isHidden()  # catalogue items only, on a photo
    pick(qtbot, dialog, "lampadaire", "floor_lamp")
    dialog.quantity.setValue(2)
    dialog.add_button.click()
    qtbot.waitUntil(lambda: core_items(stack, batch_id).get("floor_lamp") == 2, timeout=WAIT)
    qtbot.waitUntil(lambda: "floor_lamp" in editor.rows, timeout=WAIT)
    lamp = editor.rows["floor_lamp"]
    assert lamp.spin.value() == 2 and lamp.note.text() == "ajouté à la main"
    assert lamp.name.text() == "Lampadaire"

    # "Not this…": the sofa is an armchair (its box stays, named anew)
    sofa_boxes = sum(1 for box in viewer.canvas.boxes if box.text.startswith("Canapé"))
    editor.rows["sofa"].relabel_button.click()
    dialog = viewer.dialog
    assert dialog is not None and dialog.quantity_row.isHidden()
    assert dialog.add_button.text() == "Remplacer"
    pick(qtbot, dialog, "fauteuil", "armchair")
    dialog.add_button.click()
    qtbot.waitUntil(lambda: "armchair" in core_items(stack, batch_id), timeout=WAIT)
    assert "sofa" not in core_items(stack, batch_id)
    qtbot.waitUntil(lambda: "armchair" in editor.rows and "sofa" not in editor.rows, timeout=WAIT)
    assert editor.rows["armchair"].note.text() == "au lieu de : Canapé"
    assert sum(1 for box in viewer.canvas.boxes if box.text.startswith("Fauteuil")) == sofa_boxes

    if os.environ.get("PHOTOLOT_SCREENSHOTS") or os.environ.get("PHOTOLOT_UPDATE_DOCS"):
        ARTIFACTS.mkdir(exist_ok=True)
        viewer.resize(1180, 720)
        qtbot.waitUntil(lambda: viewer.canvas.image is not None, timeout=WAIT)
        image = viewer.grab()
        assert image.save(str(ARTIFACTS / "review-viewer-window.png"))
        if os.environ.get("PHOTOLOT_UPDATE_DOCS"):
            assert image.save(str(DOCS / "review-viewer-window.png"))

    # remove: a count of 0 takes the line off the photo
    editor.rows["floor_lamp"].remove_button.click()
    qtbot.waitUntil(lambda: "floor_lamp" not in core_items(stack, batch_id), timeout=WAIT)
    qtbot.waitUntil(lambda: "floor_lamp" not in editor.rows, timeout=WAIT)

    # Undo (the window's) puts the lamps back: the viewer follows the stream
    progress.review.undo()
    qtbot.waitUntil(lambda: "floor_lamp" in editor.rows, timeout=WAIT)
    assert core_items(stack, batch_id)["floor_lamp"] == 2
    viewer.close()
