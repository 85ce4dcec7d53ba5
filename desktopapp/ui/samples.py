"""First run: "Try with sample photos" imports the bundled sample photos as a batch.

    install_sample_offer(window)     # under the empty state; shown while there is no batch

The photos are `resources/samples/*.jpg` (the ones `photolot --self-test` uses); they
are handed to the window's `create_batch`, exactly as if they had been dropped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QPushButton, QVBoxLayout, QWidget

from desktopapp.platform.paths import resources_dir
from desktopapp.ui.i18n import Translator
from desktopapp.ui.icons import set_icon
from desktopapp.ui.widgets import muted_label, roomy


def samples_dir() -> Path:
    return resources_dir() / "samples"


def sample_photos() -> list[Path]:
    """The bundled sample photos (none when the bundle lacks them)."""
    return sorted(samples_dir().glob("*.jpg"))


class SampleOffer(QWidget):
    """A button and one line saying what the samples are; `requested` when clicked."""

    requested = Signal()

    def __init__(self, translator: Translator, count: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.list_loaded = False  # until the server's batch list arrived, nothing is offered
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 18, 0, 0)
        box.setSpacing(8)
        self.button = QPushButton(translator("samples.offer"), self)
        set_icon(self.button, "photos")
        roomy(self.button, 28, 36)
        self.button.clicked.connect(self.requested)
        self.hint = muted_label(translator("samples.hint", n=count), self, 0.9)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setWordWrap(True)
        box.addWidget(self.button, 0, Qt.AlignmentFlag.AlignHCenter)
        box.addWidget(self.hint)


def install_sample_offer(window: Any) -> SampleOffer | None:
    """Put the offer under `window.empty`'s text; shown once the batch list has loaded
    and is empty, hidden as soon as a batch exists. None when no sample is bundled."""
    photos = sample_photos()
    if not photos:
        return None
    offer = SampleOffer(window.tr_, len(photos), window.empty)
    layout = window.empty.layout()
    layout.insertWidget(max(0, layout.count() - 1), offer)  # above the closing stretch
    offer.setVisible(False)
    model = window.history_model

    def update() -> None:
        offer.setVisible(offer.list_loaded and model.rowCount() == 0)

    def on_reset() -> None:  # set_batches: the server's list arrived
        offer.list_loaded = True
        update()

    model.modelReset.connect(on_reset)
    model.rowsInserted.connect(update)
    model.rowsRemoved.connect(update)
    offer.requested.connect(lambda: window.create_batch([str(p) for p in sample_photos()]))
    return offer
