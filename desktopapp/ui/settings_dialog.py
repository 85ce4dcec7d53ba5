"""File → Settings…: language, photos processed at once, recognition, largest photo, port;
and on a second tab an optional vision model (`model_settings`).

    dialog = SettingsDialog(tr, parent=window, check_model=api.check_model)
    if dialog.exec() == QDialog.DialogCode.Accepted and dialog.changed: ...

It edits the user's preferences file (`desktopapp.platform.user_config`) and nothing
else: PhotoLot reads that file when it starts, so every change takes effect at the next
start (the dialog says so; the window offers to restart). Values are checked on Save:
a refused value is named under the form and nothing is written.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QLabel,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktopapp.platform.secret_store import KeyRefused, KeyStore, default_key_store
from desktopapp.platform.settings import DEFAULT_PORT, default_workers
from desktopapp.platform.user_config import (
    MEGAPIXELS_RANGE,
    PORT_RANGE,
    WORKERS_RANGE,
    ConfigError,
    UserConfig,
    check_field,
    config_path,
    load_user_config,
    save_user_config,
)
from desktopapp.ui import theme
from desktopapp.ui.i18n import Translator, system_language
from desktopapp.ui.model_settings import CheckModel, ModelSettingsPage
from desktopapp.ui.widgets import muted_label

HINT_WIDTH = 380  # px: the hints under the fields


class SettingsDialog(QDialog):
    def __init__(
        self,
        translator: Translator,
        path: Path | None = None,
        parent: QWidget | None = None,
        check_model: CheckModel | None = None,
        key_store: KeyStore | None = None,
    ) -> None:
        super().__init__(parent)
        self._tr = tr = translator
        self.path = path or config_path()
        self.initial, self.load_problems = load_user_config(self.path)
        self.saved: UserConfig | None = None
        self.key_saved = False
        self.setWindowTitle(tr("settings.title"))
        self.setObjectName("settingsDialog")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(20, 16, 20, 16)
        outer.setSpacing(10)
        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        outer.addWidget(self.tabs)
        general = QWidget(self.tabs)
        box = QVBoxLayout(general)
        box.setContentsMargins(4, 8, 4, 4)
        box.setSpacing(10)
        self.tabs.addTab(general, tr("settings.tab.general"))
        self.model_page = ModelSettingsPage(
            tr, key_store or default_key_store(self.path), check_model, self.tabs
        )
        self.tabs.addTab(self.model_page, tr("settings.tab.model"))

        self.language = QComboBox(self)
        system_name = tr(f"settings.language.{system_language()}")
        self.language.addItem(tr("settings.language.system", name=system_name), None)
        self.language.addItem(tr("settings.language.fr"), "fr")
        self.language.addItem(tr("settings.language.en"), "en")

        self.workers = QSpinBox(self)
        self.workers.setRange(0, WORKERS_RANGE[1])
        self.workers.setSpecialValueText(tr("settings.workers.auto", n=default_workers()))
        self.analyzer = QComboBox(self)
        self.analyzer.addItem(tr("analyzer.detector"), "detector")
        self.analyzer.addItem(tr("analyzer.names"), "names")
        self.megapixels = QSpinBox(self)
        self.megapixels.setRange(0, int(MEGAPIXELS_RANGE[1]))
        self.megapixels.setSuffix(tr("settings.megapixelsSuffix"))
        self.megapixels.setSpecialValueText(tr("settings.megapixels.default"))
        self.port = QSpinBox(self)
        self.port.setRange(0, PORT_RANGE[1])
        self.port.setSpecialValueText(tr("settings.port.any"))
        for spin in (self.workers, self.megapixels, self.port):
            spin.setAccelerated(True)
            spin.setMinimumWidth(220)
        for combo in (self.language, self.analyzer):
            combo.setMinimumWidth(220)

        form = self._form(box)  # one form: both sections' labels line up
        self._section(form, tr("settings.general"), first=True)
        form.addRow(tr("settings.language"), self.language)
        self._section(form, tr("settings.processing"))
        low, high = WORKERS_RANGE
        form.addRow(tr("settings.workers"), self.workers)
        form.addRow("", self._hint(tr("settings.workersHint", min=low, max=high)))
        form.addRow(tr("settings.analyzer"), self.analyzer)
        form.addRow("", self._hint(tr("settings.analyzerHint")))
        low_mp, high_mp = (int(v) for v in MEGAPIXELS_RANGE)
        form.addRow(tr("settings.megapixels"), self.megapixels)
        form.addRow("", self._hint(tr("settings.megapixelsHint", min=low_mp, max=high_mp)))
        low, high = PORT_RANGE
        form.addRow(tr("settings.port"), self.port)
        form.addRow(
            "", self._hint(tr("settings.portHint", default=DEFAULT_PORT, min=low, max=high))
        )

        box.addStretch(1)
        note = QFrame(self)
        note.setObjectName("restartNote")
        note_box = QVBoxLayout(note)
        note_box.setContentsMargins(12, 10, 12, 10)
        note_box.setSpacing(4)
        self.restart_note = QLabel(tr("settings.restartNote"), note)
        self.restart_note.setWordWrap(True)
        self.file_label = muted_label(tr("settings.file", path=self.path), note, 0.9)
        self.file_label.setWordWrap(True)
        self.file_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        note_box.addWidget(self.restart_note)
        note_box.addWidget(self.file_label)
        tint = theme.accent("blue")
        tint.setAlphaF(0.10)
        note.setStyleSheet(
            f"#restartNote {{ background: {theme.rgba(tint)}; border-radius: 8px; }}"
        )
        outer.addWidget(note)

        self.error = QLabel("", self)
        self.error.setWordWrap(True)
        palette = self.error.palette()
        palette.setColor(QPalette.ColorRole.WindowText, theme.accent("red"))
        self.error.setPalette(palette)
        self.error.setVisible(False)
        outer.addWidget(self.error)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.RestoreDefaults,
            self,
        )
        buttons.button(QDialogButtonBox.StandardButton.Save).setText(tr("dialog.save"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("dialog.cancel"))
        defaults = buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults)
        defaults.setText(tr("settings.defaults"))
        defaults.clicked.connect(lambda: self.set_values(UserConfig()))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        outer.addWidget(buttons)
        self.set_values(self.initial)
        self.adjustSize()

    # -- layout helpers -------------------------------------------------------------------
    def _section(self, form: QFormLayout, text: str, first: bool = False) -> None:
        label = QLabel(text, self)
        label.setFont(theme.scaled_font(label, 1.08, QFont.Weight.DemiBold))
        label.setContentsMargins(0, 0 if first else 12, 0, 2)
        form.addRow(label)

    def _form(self, box: QVBoxLayout) -> QFormLayout:
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.setHorizontalSpacing(14)
        form.setVerticalSpacing(6)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        box.addLayout(form)
        return form

    def _hint(self, text: str) -> QLabel:
        label = muted_label(text, self, 0.9)
        label.setWordWrap(True)
        # a wrapped label's height depends on its width, which a dialog's layout does not
        # ask for: fix both, or the dialog opens with its hints cut off
        label.setFixedWidth(HINT_WIDTH)
        label.setMinimumHeight(label.heightForWidth(HINT_WIDTH))
        return label

    # -- values -----------------------------------------------------------------------------
    def set_values(self, config: UserConfig) -> None:
        self.language.setCurrentIndex(max(0, self.language.findData(config.language)))
        self.workers.setValue(config.workers or 0)
        self.analyzer.setCurrentIndex(max(0, self.analyzer.findData(config.analyzer or "detector")))
        self.megapixels.setValue(round(config.max_megapixels or 0))
        self.port.setValue(DEFAULT_PORT if config.port is None else config.port)
        self.model_page.set_values(config)
        self.error.setVisible(False)

    def values(self) -> UserConfig:
        """What the form says, defaults as None (so a later default change applies)."""
        analyzer = self.analyzer.currentData()
        general = UserConfig(
            language=self.language.currentData(),
            workers=self.workers.value() or None,
            port=None if self.port.value() == DEFAULT_PORT else self.port.value(),
            max_megapixels=float(self.megapixels.value()) or None,
            analyzer=None if analyzer == "detector" else analyzer,
        )
        return self.model_page.values(general)

    def problems(self, config: UserConfig) -> list[str]:
        tr = self._tr
        messages = []
        if check_field("workers", config.workers):
            messages.append(
                tr("settings.invalid.workers", min=WORKERS_RANGE[0], max=WORKERS_RANGE[1])
            )
        if check_field("port", config.port):
            messages.append(tr("settings.invalid.port", min=PORT_RANGE[0], max=PORT_RANGE[1]))
        if check_field("max_megapixels", config.max_megapixels):
            low, high = (int(v) for v in MEGAPIXELS_RANGE)
            messages.append(tr("settings.invalid.megapixels", min=low, max=high))
        for name in ("language", "analyzer"):
            problem = check_field(name, getattr(config, name))
            if problem:
                messages.append(tr("settings.invalid.other", message=problem))
        return messages + self.model_page.problems()

    @property
    def changed(self) -> bool:
        return self.saved is not None and (self.saved != self.initial or self.key_saved)

    def accept(self) -> None:
        config = self.values()
        problems = self.problems(config)
        if problems:
            self._show_error("\n".join(problems))
            if problems == self.model_page.problems():  # only the model's: show its tab
                self.tabs.setCurrentWidget(self.model_page)
            return
        try:
            key_changed = self.model_page.key_changed
            self.model_page.save_key()
            save_user_config(config, self.path)
        except (ConfigError, KeyRefused, OSError) as exc:
            self._show_error(self._tr("settings.saveError", message=exc))
            return
        self.key_saved = key_changed
        self.saved = config
        super().accept()

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(True)
