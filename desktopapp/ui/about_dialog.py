"""Help → About PhotoLot: version, where the data and the log are, the local server, and
every bundled part with its licence (models, fonts, sample photos, Qt, Python, packages).

    AboutDialog(tr, data_dir, server_url, open_url, parent).exec()

Paths are links: a click opens the folder or file with the desktop (`open_url`, the
window's `DesktopServices.open_url`, so tests can record it).
"""

from __future__ import annotations

import html
import platform
from collections.abc import Callable
from pathlib import Path

import PySide6
from PySide6.QtCore import QSize, Qt, QUrl, qVersion
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktopapp import __version__
from desktopapp.platform.logging_setup import LOG_FILE
from desktopapp.platform.paths import DataPaths, resources_dir
from desktopapp.ui import theme
from desktopapp.ui.about_info import (
    font_licences,
    model_licences,
    package_licences,
    sample_sources,
)
from desktopapp.ui.i18n import Translator
from desktopapp.ui.icons import app_icon
from desktopapp.ui.widgets import muted_label


def _link(path: Path) -> str:
    url = QUrl.fromLocalFile(str(path)).toString()
    return f'<a href="{html.escape(url)}">{html.escape(str(path))}</a>'


def _file_link(path: Path | None, text: str) -> str:
    if path is None:
        return ""
    url = QUrl.fromLocalFile(str(path)).toString()
    return f'<a href="{html.escape(url)}">{html.escape(text)}</a>'


def components_html(tr: Translator, resources: Path) -> str:
    """The "bundled components" part, as the HTML subset Qt's rich text renders."""
    muted = theme.rgba(theme.secondary_text())
    parts = [
        "<style>"
        "h3 { margin-top: 14px; margin-bottom: 4px; }"
        f".muted {{ color: {muted}; }}"
        "td { padding: 2px 12px 2px 0; vertical-align: top; }"
        "th { text-align: left; padding: 2px 12px 4px 0; }"
        "</style>"
    ]

    parts.append(f"<h3>{html.escape(tr('about.models'))}</h3>")
    for model in model_licences(resources):
        names = ", ".join(model.licences) or "?"
        links = " · ".join(
            link
            for link in (
                _file_link(model.licence_file, tr("about.modelLicenceFile")),
                _file_link(model.provenance, tr("about.modelProvenance")),
            )
            if link
        )
        parts.append(
            f"<p><b>{html.escape(model.model_file)}</b> — <b>{html.escape(names)}</b><br>"
            f'<span class="muted">{html.escape(model.detail)}</span><br>{links}</p>'
        )

    fonts, font_licence = font_licences(resources)
    parts.append(f"<h3>{html.escape(tr('about.fonts'))}</h3>")
    font_names = ", ".join(path.name for path in fonts)
    licence_link = _file_link(font_licence, font_licence.name) if font_licence else ""
    parts.append(
        f"<p>{html.escape(tr('about.fontsBody'))}<br>"
        f'<span class="muted">{html.escape(font_names)}</span>'
        f"{' · ' + licence_link if licence_link else ''}</p>"
    )

    sources_file, sources_text = sample_sources(resources)
    parts.append(f"<h3>{html.escape(tr('about.samples'))}</h3>")
    if sources_file is not None:
        body = html.escape(sources_text).replace("\n", "<br>")
        parts.append(
            f'<p class="muted" style="white-space: pre-wrap; font-family: monospace; '
            f'font-size: small">{body}</p>'
            f"<p>{_file_link(sources_file, sources_file.name)}</p>"
        )
    else:
        parts.append(f'<p class="muted">{html.escape(tr("about.missing"))}</p>')

    parts.append(f"<h3>{html.escape(tr('about.qt'))}</h3>")
    qt_body = tr("about.qtBody", qt=qVersion(), pyside=PySide6.__version__)
    parts.append(f"<p>{html.escape(qt_body)}</p>")
    parts.append(f"<h3>{html.escape(tr('about.python'))}</h3>")
    python_body = tr("about.pythonBody", version=platform.python_version())
    parts.append(f"<p>{html.escape(python_body)}</p>")

    parts.append(f"<h3>{html.escape(tr('about.packages'))}</h3>")
    rows = [
        "<tr>"
        + "".join(
            f"<th>{html.escape(tr(key))}</th>"
            for key in ("about.col.package", "about.col.version", "about.col.licence")
        )
        + "</tr>"
    ]
    for package in package_licences():
        rows.append(
            f"<tr><td>{html.escape(package.name)}</td>"
            f'<td class="muted">{html.escape(package.version or "—")}</td>'
            f"<td>{html.escape(package.licence or '?')}</td></tr>"
        )
    parts.append(f'<table cellspacing="0">{"".join(rows)}</table>')
    return "".join(parts)


class AboutDialog(QDialog):
    def __init__(
        self,
        translator: Translator,
        data_dir: Path,
        server_url: str,
        open_url: Callable[[QUrl], object],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        tr = translator
        self._open_url = open_url
        self.data_dir = Path(data_dir)
        self.log_file = DataPaths(self.data_dir).logs / LOG_FILE
        self.server_url = server_url
        self.setWindowTitle(tr("about.title"))
        self.setObjectName("aboutDialog")
        box = QVBoxLayout(self)
        box.setContentsMargins(24, 22, 24, 16)
        box.setSpacing(14)

        head = QHBoxLayout()
        head.setSpacing(16)
        logo = QLabel(self)
        logo.setPixmap(app_icon().pixmap(QSize(64, 64), self.devicePixelRatioF()))
        logo.setAlignment(Qt.AlignmentFlag.AlignTop)
        head.addWidget(logo)
        titles = QVBoxLayout()
        titles.setSpacing(2)
        name = QLabel(tr("app.name"), self)
        name.setFont(theme.scaled_font(name, 1.6, QFont.Weight.Bold))
        self.version = QLabel(tr("about.version", version=__version__), self)
        self.version.setFont(theme.scaled_font(self.version, 1.05, QFont.Weight.DemiBold))
        self.version.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        tagline = muted_label(tr("app.tagline"), self)
        tagline.setWordWrap(True)
        licence = muted_label(tr("about.licence"), self)
        for widget in (name, self.version, tagline, licence):
            titles.addWidget(widget)
        head.addLayout(titles, 1)
        box.addLayout(head)

        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(6)
        self.data_link = self._path_label(self.data_dir)
        self.log_link = self._path_label(self.log_file)
        self.server_label = QLabel(server_url, self)
        self.server_label.setTextFormat(Qt.TextFormat.PlainText)
        self.server_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        rows = (
            ("about.dataDir", self.data_link),
            ("about.logFile", self.log_link),
            ("about.server", self.server_label),
        )
        for row, (key, value) in enumerate(rows):
            label = muted_label(tr(key), self)
            grid.addWidget(label, row, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(value, row, 1)
        grid.setColumnStretch(1, 1)
        box.addLayout(grid)

        rule = QFrame(self)
        rule.setFrameShape(QFrame.Shape.HLine)
        rule.setFrameShadow(QFrame.Shadow.Plain)
        box.addWidget(rule)
        heading = QLabel(tr("about.components"), self)
        heading.setFont(theme.scaled_font(heading, 1.1, QFont.Weight.DemiBold))
        box.addWidget(heading)
        self.components = QTextBrowser(self)
        self.components.setOpenLinks(False)
        self.components.anchorClicked.connect(self._open)
        self.components.setHtml(components_html(tr, resources_dir()))
        self.components.document().setDocumentMargin(10)
        box.addWidget(self.components, 1)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(tr("about.close"))
        buttons.rejected.connect(self.reject)
        box.addWidget(buttons)
        self.resize(680, 720)

    def _path_label(self, path: Path) -> QLabel:
        label = QLabel(_link(path), self)
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        label.setOpenExternalLinks(False)
        label.setWordWrap(True)
        label.linkActivated.connect(lambda url: self._open(QUrl(url)))
        return label

    def _open(self, url: QUrl) -> None:
        self._open_url(url)

    def text(self) -> str:
        """Everything the dialog says, as plain text (for tests and screen readers)."""
        labels = [label.text() for label in self.findChildren(QLabel)]
        return "\n".join([*labels, self.components.toPlainText()])
