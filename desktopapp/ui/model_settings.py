"""Settings → Vision model: an optional OpenAI-compatible server (Ollama, LM Studio, vLLM,
a cloud key) that sees what the bundled detector cannot.

    page = ModelSettingsPage(tr, key_store, check=api.check_model)
    page.set_values(config); config = page.values(config)   # the address, model, limits
    page.save_key()                     # on Save: a typed key to the keychain (or file)

The key is never shown back: the page says where it is stored, a new one replaces it, and
"Forget the key" removes it on Save. "Test connection" asks the model about a bundled
sample photo through the local server and shows its answer (or why there is none).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktopapp.platform.secret_store import FILE, KEYCHAIN, KeyRefused, KeyStore, check_key
from desktopapp.platform.user_config import (
    LOOPBACK_HOSTS,
    MODEL_CONCURRENCY_RANGE,
    MODEL_TIMEOUT_RANGE,
    UserConfig,
    check_model_url,
)
from desktopapp.ui import theme
from desktopapp.ui.i18n import Translator
from desktopapp.ui.widgets import muted_label

KEY_ENV = "PHOTOLOT_ANALYZER_KEY"
DEFAULT_TIMEOUT = 60
HINT_WIDTH = 380

# (url, model, key or None, timeout, callback(result)) → starts the check (ApiClient)
CheckModel = Callable[..., Any]


class ModelSettingsPage(QWidget):
    def __init__(
        self,
        translator: Translator,
        key_store: KeyStore,
        check: CheckModel | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._tr = tr = translator
        self.key_store = key_store
        self._check = check
        self.forget_key = False
        # where the key is stored, read once (a keychain call is not for every keystroke)
        self._stored_where = key_store.where()
        self.checking = False
        box = QVBoxLayout(self)
        box.setContentsMargins(4, 12, 4, 4)
        box.setSpacing(10)
        intro = QLabel(tr("settings.model.intro"), self)
        intro.setWordWrap(True)
        box.addWidget(intro)

        self.url = QLineEdit(self)
        self.url.setPlaceholderText("http://127.0.0.1:11434/v1")
        self.url.setClearButtonEnabled(True)
        self.model = QLineEdit(self)
        self.model.setPlaceholderText(tr("settings.model.namePlaceholder"))
        self.key = QLineEdit(self)
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key.setClearButtonEnabled(True)
        self.forget_button = QPushButton(tr("settings.model.forgetKey"), self)
        self.forget_button.clicked.connect(self._forget)
        key_row = QHBoxLayout()
        key_row.setSpacing(8)
        key_row.addWidget(self.key, 1)
        key_row.addWidget(self.forget_button)
        self.concurrency = QSpinBox(self)
        self.concurrency.setRange(*MODEL_CONCURRENCY_RANGE)
        self.timeout = QSpinBox(self)
        self.timeout.setRange(*(int(v) for v in MODEL_TIMEOUT_RANGE))
        self.timeout.setSuffix(tr("settings.model.secondsSuffix"))
        for field in (self.url, self.model, self.key, self.concurrency, self.timeout):
            field.setMinimumWidth(260)

        form = QFormLayout()
        form.setHorizontalSpacing(14)
        form.setVerticalSpacing(6)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.addRow(tr("settings.model.url"), self.url)
        form.addRow("", self._hint(tr("settings.model.urlHint")))
        self.where = self._hint("")
        form.addRow("", self.where)
        form.addRow(tr("settings.model.name"), self.model)
        form.addRow(tr("settings.model.key"), key_row)
        self.key_hint = self._hint("")
        form.addRow("", self.key_hint)
        low, high = MODEL_CONCURRENCY_RANGE
        form.addRow(tr("settings.model.concurrency"), self.concurrency)
        form.addRow("", self._hint(tr("settings.model.concurrencyHint", min=low, max=high)))
        low_s, high_s = (int(v) for v in MODEL_TIMEOUT_RANGE)
        form.addRow(tr("settings.model.timeout"), self.timeout)
        form.addRow("", self._hint(tr("settings.model.timeoutHint", min=low_s, max=high_s)))
        box.addLayout(form)

        test_row = QHBoxLayout()
        self.test_button = QPushButton(tr("settings.model.test"), self)
        self.test_button.clicked.connect(self.test_connection)
        self.test_button.setVisible(check is not None)
        test_row.addWidget(self.test_button)
        test_row.addStretch(1)
        box.addLayout(test_row)
        self.test_result = QLabel("", self)
        self.test_result.setWordWrap(True)
        self.test_result.setTextFormat(Qt.TextFormat.PlainText)
        self.test_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.test_result.setVisible(False)
        box.addWidget(self.test_result)
        box.addStretch(1)

        self.url.textChanged.connect(self._update_where)
        self.key.textChanged.connect(self._update_key_hint)

    def _hint(self, text: str) -> QLabel:
        label = muted_label(text, self, 0.9)
        label.setWordWrap(True)
        label.setFixedWidth(HINT_WIDTH)
        label.setMinimumHeight(max(0, label.heightForWidth(HINT_WIDTH)))
        return label

    # -- values -----------------------------------------------------------------------------
    def set_values(self, config: UserConfig) -> None:
        self.url.setText(config.model_url or "")
        self.model.setText(config.model_name or "")
        self.concurrency.setValue(config.model_concurrency or 1)
        self.timeout.setValue(round(config.model_timeout or DEFAULT_TIMEOUT))
        self.key.clear()
        self.forget_key = False
        self._update_where()
        self._update_key_hint()

    def values(self, config: UserConfig) -> UserConfig:
        """`config` with this page's fields (defaults as None)."""
        url = self.url.text().strip().rstrip("/") or None
        name = self.model.text().strip() or None
        concurrency = self.concurrency.value()
        timeout = self.timeout.value()
        return replace(
            config,
            model_url=url,
            model_name=name,
            model_concurrency=None if concurrency == 1 else concurrency,
            model_timeout=None if timeout == DEFAULT_TIMEOUT else float(timeout),
        )

    def problems(self) -> list[str]:
        tr = self._tr
        messages = []
        url, name = self.url.text().strip(), self.model.text().strip()
        if url and (problem := check_model_url(url)):
            messages.append(tr("settings.invalid.other", message=problem))
        if bool(url) != bool(name):
            messages.append(tr("settings.invalid.modelPair"))
        if self.key.text():
            try:
                check_key(self.key.text())
            except KeyRefused as exc:
                messages.append(tr("settings.invalid.key", message=exc))
        return messages

    def save_key(self) -> str | None:
        """On Save: store a typed key, or forget the stored one; where it is now."""
        if self.key.text().strip():
            self._stored_where = self.key_store.save(self.key.text())
        elif self.forget_key:
            self.key_store.forget()
            self._stored_where = None
        return self._stored_where

    @property
    def key_changed(self) -> bool:
        return bool(self.key.text().strip()) or self.forget_key

    # -- the key's and the photos' whereabouts ------------------------------------------------
    def _forget(self) -> None:
        self.key.clear()
        self.forget_key = True
        self._update_key_hint()

    def _update_key_hint(self) -> None:
        tr = self._tr
        where = None if self.forget_key else self._stored_where
        if self.key.text():
            text = tr("settings.model.keyHint.new")
        elif os.environ.get(KEY_ENV):
            text = tr("settings.model.keyHint.env")
        elif self.forget_key:
            text = tr("settings.model.keyHint.forgotten")
        elif where == KEYCHAIN:
            text = tr("settings.model.keyHint.keychain")
        elif where == FILE:
            text = tr("settings.model.keyHint.file", path=self.key_store.file)
        else:
            text = tr("settings.model.keyHint.none")
        self.key.setPlaceholderText(
            tr("settings.model.keyStored") if where and not self.forget_key else ""
        )
        self.forget_button.setEnabled(bool(where) and not self.forget_key)
        self._set_hint(self.key_hint, text)

    def _update_where(self) -> None:
        url = self.url.text().strip()
        host = urlsplit(url).hostname if url and not check_model_url(url) else None
        if host is None:
            self._set_hint(self.where, "")
            self.where.setVisible(False)
            return
        leaves = host not in LOOPBACK_HOSTS
        text = self._tr("settings.model.leaves" if leaves else "settings.model.stays", host=host)
        self._set_hint(self.where, text)
        palette = self.where.palette()
        color = theme.accent("orange" if leaves else "green")
        palette.setColor(QPalette.ColorRole.WindowText, color)
        self.where.setPalette(palette)
        self.where.setVisible(True)

    @staticmethod
    def _set_hint(label: QLabel, text: str) -> None:
        label.setText(text)
        label.setMinimumHeight(max(0, label.heightForWidth(HINT_WIDTH)))

    # -- Test connection -----------------------------------------------------------------------
    def test_connection(self) -> None:
        tr = self._tr
        url, name = self.url.text().strip().rstrip("/"), self.model.text().strip()
        if self._check is None or self.checking:
            return
        problems = self.problems()
        if not url or not name or problems:
            self._show_result("\n".join(problems) or tr("settings.model.testNeeds"), "red")
            return
        self.checking = True
        self.test_button.setEnabled(False)
        self._show_result(tr("settings.model.testing", model=name), None)
        key = self.key.text().strip() or None
        self._check(url, name, key, float(self.timeout.value()), self._checked)

    def _checked(self, result: Any) -> None:
        tr = self._tr
        self.checking = False
        self.test_button.setEnabled(True)
        data = result.data if isinstance(result.data, dict) else {}
        if not result.ok:
            self._show_result(tr("settings.model.testFailed", message=result.message), "red")
        elif not data.get("ok"):
            message = data.get("message") or data.get("code") or "?"
            self._show_result(tr("settings.model.testFailed", message=message), "red")
        else:
            self._show_result(self._answer_text(data), "green")

    def _answer_text(self, data: dict[str, Any]) -> str:
        tr = self._tr
        name_key = "nameFr" if tr.lang == "fr" else "nameEn"
        items = [
            f"{item.get('quantity', 1)} × {item.get(name_key) or item.get('label')}"
            for item in data.get("items") or []
        ]
        room = data.get("room")
        text = tr(
            "settings.model.testOk",
            model=self.model.text().strip(),
            seconds=tr.number(float(data.get("seconds") or 0), 1),
            room=tr.room(room) if room else tr("settings.model.testNoRoom"),
            items=", ".join(items) if items else tr("settings.model.testNothing"),
        )
        if isinstance(data.get("tokens"), int):
            text += " " + tr("settings.model.testTokens", tokens=tr.number(data["tokens"]))
        return text

    def _show_result(self, text: str, accent: str | None) -> None:
        self.test_result.setText(text)
        palette = self.test_result.palette()
        if accent:
            palette.setColor(QPalette.ColorRole.WindowText, theme.accent(accent))
        else:
            palette.setColor(
                QPalette.ColorRole.WindowText, self.palette().color(QPalette.ColorRole.WindowText)
            )
        self.test_result.setPalette(palette)
        self.test_result.setVisible(True)
