"""The queue panel (File → Queue…, Ctrl+J): every batch, the workers, each photo's times.

    ┌ File d'attente ───────────────────────────── 42 photos/min · 2 travailleurs ┐
    │ ● Temps réel actif · mis à jour 14:02:11                                     │
    │ [Pause] [Reprendre] [En tête de file] [Annuler…] [Relancer les échecs]        │
    │ Lot        Statut      Progression  Att. Cours Réus. Éch. Ann.  Débit  … Fin  │
    │ Salon      [EN COURS]  ████░░ 40 %   88    1   59    2    0   31/min … ≈ 2 min│
    │ Lot #13    [EN PAUSE]  ░░░░░░  0 %  150    0    0    0    0    —     …  —   │
    ├╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌┤
    │ Travailleurs                │ Photos du lot : attempts, wait, copy … error      │
    │ Nettoyer les lots terminés depuis plus de [30] jours  [Nettoyer…]              │
    └──────────────────────────────────────────────────────────────────────────────┘

Its only source is `QueueStream` (`GET /api/queue/stream`): each event is the whole
dashboard, pushed by the server after every change; nothing polls. The stream runs while
the panel is open. A batch's photos (`GET /api/queue/batches/{id}`) are asked on demand,
when it is selected and again when its counts change in a newer event (one request at a
time). Actions go through `QueueActions`; their results come back on the stream.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QFont, QFontMetrics, QKeySequence, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from desktopapp.ui import theme
from desktopapp.ui.api_client import ApiClient, ApiResult
from desktopapp.ui.batch_state import is_final
from desktopapp.ui.i18n import Translator
from desktopapp.ui.icons import set_icon
from desktopapp.ui.live_indicator import LiveIndicator
from desktopapp.ui.queue_actions import QueueActions, allowed
from desktopapp.ui.queue_stream import QueueStream
from desktopapp.ui.widgets import Card, muted_label

BatchIdRole = Qt.ItemDataRole.UserRole + 1
StatusRole = Qt.ItemDataRole.UserRole + 2
ProgressRole = Qt.ItemDataRole.UserRole + 3
MutedRole = Qt.ItemDataRole.UserRole + 4

COUNT_COLUMNS = ("queued", "processing", "completed", "failed", "cancelled")
BATCH_COLUMNS = (
    "name",
    "status",
    "progress",
    *COUNT_COLUMNS,
    "throughput",
    "wait",
    "work",
    "model",
    "tokens",
    "eta",
)
MODEL_COLUMNS = ("model", "tokens")  # shown only when a model was asked (data["model"])
PHOTO_COLUMNS = (
    "file",
    "status",
    "attempts",
    "wait",
    "copy",
    "decode",
    "detect",
    "model",
    "write",
    "error",
)
STAGES = ("copy", "decode", "detect", "write")
CLEAN_DEFAULT_DAYS = 30
SHORTCUT = "Ctrl+J"  # like a browser's downloads: the work going on


# -- words ------------------------------------------------------------------------------
def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def format_eta(tr: Translator, seconds: Any) -> str:
    """ "≈ 45 s", "≈ 2 min 30 s", "≈ 1 h 5 min"; "" when there is no estimate."""
    value = _number(seconds)
    if value is None or value < 0:
        return ""
    total = round(value)
    if total < 60:
        return tr("queuePanel.etaS", s=total)
    if total < 3600:
        return tr("queuePanel.etaMS", m=total // 60, s=total % 60)
    return tr("queuePanel.etaHM", h=total // 3600, m=(total % 3600) // 60)


def format_duration(tr: Translator, seconds: Any) -> str:
    """ "0,42 s", "12,3 s", "2 min 5 s"; "—" when unknown."""
    value = _number(seconds)
    if value is None or value < 0:
        return "—"
    if value < 10:
        return tr("queuePanel.seconds", s=tr.number(value, 2))
    if value < 60:
        return tr("queuePanel.seconds", s=tr.number(value, 1))
    total = round(value)
    return tr("queuePanel.minutes", m=total // 60, s=total % 60)


def format_pair(tr: Translator, times: Any) -> str:
    """p50 / p95 of a batch's wait or processing times: "0,42 s / 1,10 s"."""
    times = times if isinstance(times, dict) else {}
    if _number(times.get("p50")) is None:
        return "—"
    return f"{format_duration(tr, times.get('p50'))} / {format_duration(tr, times.get('p95'))}"


def _cost(value: Any) -> dict[str, Any]:
    """A dashboard's `model` entry (what asking the vision model cost), or {}."""
    if not isinstance(value, dict) or not _number(value.get("photos")):
        return {}
    return value


def format_model_time(tr: Translator, model: Any) -> str:
    """The model's mean seconds per photo sent to it; "—" when none was."""
    cost = _cost(model)
    return format_duration(tr, cost.get("secondsPerPhoto")) if cost else "—"


def format_tokens(tr: Translator, model: Any) -> str:
    """The mean tokens per photo the model's server reported; "—" when it reported none."""
    tokens = _cost(model).get("tokens")
    per_photo = _number(tokens.get("perPhoto")) if isinstance(tokens, dict) else None
    return tr.number(per_photo) if per_photo is not None else "—"


def model_tip(tr: Translator, model: Any) -> str:
    """ "3 photos sent to the model · 4,2 s waiting in all" and, when reported, "2 300 tokens
    in all over 2 photos (prompt 2 200, completion 100)"."""
    cost = _cost(model)
    if not cost:
        return ""
    lines = [
        tr(
            "queuePanel.modelTip",
            n=int(cost["photos"]),
            time=format_duration(tr, cost.get("seconds")),
        )
    ]
    tokens = cost.get("tokens")
    if isinstance(tokens, dict) and _number(tokens.get("photos")):

        def count(key: str) -> str:
            value = _number(tokens.get(key))
            return tr.number(value) if value is not None else "—"

        lines.append(
            tr(
                "queuePanel.tokensTip",
                n=int(tokens["photos"]),
                total=count("total"),
                prompt=count("prompt"),
                completion=count("completion"),
            )
        )
    return "\n".join(lines)


def batch_label(tr: Translator, batch: dict[str, Any]) -> str:
    name = str(batch.get("name") or "").strip()
    return name or tr("batch.name", id=batch.get("batchId"))


def _count(batch: dict[str, Any], key: str) -> int:
    counts = batch.get("counts") if isinstance(batch.get("counts"), dict) else {}
    value = _number(counts.get(key))
    return int(value) if value is not None and value > 0 else 0


# -- the batches ------------------------------------------------------------------------
class QueueModel(QAbstractTableModel):
    def __init__(self, translator: Translator, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tr = translator
        self.batches: list[dict[str, Any]] = []

    def set_batches(self, batches: list[dict[str, Any]]) -> bool:
        """Take the newest list; True when rows were kept (only their content changed)."""
        fresh = [b for b in batches if isinstance(b, dict) and b.get("batchId") is not None]
        if [b["batchId"] for b in fresh] == [b["batchId"] for b in self.batches]:
            self.batches = fresh
            if fresh:
                last = self.index(len(fresh) - 1, len(BATCH_COLUMNS) - 1)
                self.dataChanged.emit(self.index(0, 0), last)
            return True
        self.beginResetModel()
        self.batches = fresh
        self.endResetModel()
        return False

    def row_of(self, batch_id: int | None) -> int | None:
        for row, batch in enumerate(self.batches):
            if batch["batchId"] == batch_id:
                return row
        return None

    def batch(self, batch_id: int | None) -> dict[str, Any] | None:
        row = self.row_of(batch_id)
        return self.batches[row] if row is not None else None

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.batches)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(BATCH_COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        column = BATCH_COLUMNS[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._tr(f"queuePanel.col.{column}")
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tr(f"queuePanel.tip.{column}")
        if role == Qt.ItemDataRole.TextAlignmentRole and section > 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.batches):
            return None
        batch = self.batches[index.row()]
        column = BATCH_COLUMNS[index.column()]
        tr = self._tr
        if role == BatchIdRole:
            return batch["batchId"]
        if role == StatusRole:
            return batch.get("status")
        if role == ProgressRole:
            return int(_number(batch.get("progress")) or 0)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if index.column() > 2:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        if role == MutedRole:
            return column in COUNT_COLUMNS and _count(batch, column) == 0
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(batch, column)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            if column == "status":
                return tr.status(batch.get("status"))
            if column == "progress":
                return tr.percent(int(_number(batch.get("progress")) or 0))
            return self._text(batch, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tip(batch, column)
        return None

    def _text(self, batch: dict[str, Any], column: str) -> str:
        tr = self._tr
        if column == "name":
            return batch_label(tr, batch)
        if column in COUNT_COLUMNS:
            return tr.number(_count(batch, column))
        if column == "throughput":
            minute = _number((batch.get("throughput") or {}).get("lastMinute"))
            if minute is None or (minute == 0 and is_final(batch.get("status"))):
                return "—"
            return tr("queuePanel.perMinute", n=tr.number(minute))
        if column == "wait":
            return format_pair(tr, batch.get("wait"))
        if column == "work":
            return format_pair(tr, batch.get("processing"))
        if column == "model":
            return format_model_time(tr, batch.get("model"))
        if column == "tokens":
            return format_tokens(tr, batch.get("model"))
        if column == "eta":
            status = batch.get("status")
            if is_final(status):
                return "—"
            if status == "PAUSED":
                return tr("queuePanel.etaPaused")
            return format_eta(tr, batch.get("eta_s")) or tr("queuePanel.etaUnknown")
        return ""

    def _tip(self, batch: dict[str, Any], column: str) -> str:
        tr = self._tr
        if column == "name":
            parts = [tr("batch.name", id=batch["batchId"])]
            if batch.get("project"):
                parts.append(tr.project_label(batch["project"]))
            parts.append(tr("n.photos", n=_count(batch, "total")))
            return " · ".join(parts)
        if column == "throughput":
            throughput = batch.get("throughput") or {}
            per_minute = _number(throughput.get("perMinute"))
            overall = tr.number(per_minute, 1) if per_minute is not None else "—"
            return tr("queuePanel.throughputTip", n=overall)
        if column in MODEL_COLUMNS:
            return model_tip(tr, batch.get("model"))
        return ""


class QueueDelegate(QStyledItemDelegate):
    """The status as the window's pill, the progress as a thin bar with its percent."""

    def __init__(self, translator: Translator, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tr = translator

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        size = super().sizeHint(option, index)
        height = option.fontMetrics.height() + 14
        column = BATCH_COLUMNS[index.column()] if index.column() < len(BATCH_COLUMNS) else ""
        if column == "status":
            text = self._tr.status(index.data(StatusRole))
            metrics = QFontMetrics(self._badge_font(option))
            size.setWidth(metrics.horizontalAdvance(text) + 34)
        elif column == "progress":
            size.setWidth(150)
        return QSize(size.width(), max(size.height(), height))

    @staticmethod
    def _badge_font(option: QStyleOptionViewItem) -> QFont:
        font = QFont(option.font)
        font.setWeight(QFont.Weight.Bold)
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.82))
        return font

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        column = BATCH_COLUMNS[index.column()]
        if column not in ("status", "progress"):
            if index.data(MutedRole):
                option = QStyleOptionViewItem(option)
                self.initStyleOption(option, index)
                color = theme.secondary_text(option.palette)
                option.palette.setColor(QPalette.ColorRole.Text, color)
                option.palette.setColor(QPalette.ColorRole.HighlightedText, color)
                style = option.widget.style() if option.widget else None
                if style is not None:
                    style.drawControl(
                        QStyle.ControlElement.CE_ItemViewItem, option, painter, option.widget
                    )
                    return
            super().paint(painter, option, index)
            return
        # the background (selection, hover) as the style draws it, without text
        background = QStyleOptionViewItem(option)
        self.initStyleOption(background, index)
        background.text = ""
        style = option.widget.style() if option.widget else None
        if style is not None:
            style.drawControl(
                QStyle.ControlElement.CE_ItemViewItem, background, painter, option.widget
            )
        status = index.data(StatusRole)
        colors = theme.status_colors(status, option.palette)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(option.rect).adjusted(6, 0, -6, 0)
        if column == "status":
            font = self._badge_font(option)
            painter.setFont(font)
            text = self._tr.status(status)
            metrics = painter.fontMetrics()
            width = min(rect.width(), metrics.horizontalAdvance(text) + 20)
            height = metrics.height() + 6
            pill = QRectF(rect.x(), rect.center().y() - height / 2, width, height)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(colors.background)
            painter.drawRoundedRect(pill, height / 2, height / 2)
            painter.setPen(colors.text)
            painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, text)
        else:
            percent = max(0, min(100, int(index.data(ProgressRole) or 0)))
            text = self._tr.percent(percent)
            metrics = option.fontMetrics
            label_width = metrics.horizontalAdvance(self._tr.percent(100)) + 6
            track = QRectF(
                rect.x(), rect.center().y() - 3, max(10.0, rect.width() - label_width), 6
            )
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(theme.subtle_fill(option.palette, 0.12))
            painter.drawRoundedRect(track, 3, 3)
            if percent:
                filled = QRectF(track.x(), track.y(), track.width() * percent / 100, 6)
                painter.setBrush(colors.bar)
                painter.drawRoundedRect(filled, 3, 3)
            selected = bool(option.state & QStyle.StateFlag.State_Selected)
            role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
            painter.setPen(option.palette.color(role))
            label = QRect(
                int(track.right()) + 4, option.rect.y(), label_width, option.rect.height()
            )
            painter.drawText(
                label, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, text
            )
        painter.restore()


class RoomyDelegate(QStyledItemDelegate):
    """The default look, with the batches table's row height (easier to read)."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(size.width() + 8, max(size.height(), option.fontMetrics.height() + 10))


# -- a batch's photos ---------------------------------------------------------------------
class PhotoTimesModel(QAbstractTableModel):
    def __init__(self, translator: Translator, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tr = translator
        self.photos: list[dict[str, Any]] = []
        self.batch_id: int | None = None

    def set_photos(self, batch_id: int | None, photos: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self.batch_id = batch_id
        self.photos = [p for p in photos if isinstance(p, dict)]
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.photos)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(PHOTO_COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._tr(f"queuePanel.photoCol.{PHOTO_COLUMNS[section]}")
        if role == Qt.ItemDataRole.TextAlignmentRole and 2 <= section < len(PHOTO_COLUMNS) - 1:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.photos):
            return None
        photo = self.photos[index.row()]
        column = PHOTO_COLUMNS[index.column()]
        tr = self._tr
        timings = photo.get("timings") if isinstance(photo.get("timings"), dict) else {}
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if 2 <= index.column() < len(PHOTO_COLUMNS) - 1:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and column == "status":
            hue = theme.PHOTO_HUE.get(str(photo.get("status")), "gray")
            return theme.accent(hue)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == "error" and photo.get("errorCode"):
                return f"{photo.get('errorCode')}: {photo.get('errorMessage') or ''}"
            if column == "file":
                total = format_duration(tr, timings.get("total"))
                return tr("queuePanel.photoTotal", name=str(photo.get("fileName")), time=total)
            if column == "model" and "model" in timings:
                return model_tip(tr, _photo_cost(timings))
            return None
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if column == "file":
            return str(photo.get("fileName") or "")
        if column == "status":
            return tr.photo_status(photo.get("status"))
        if column == "attempts":
            return tr.number(int(_number(photo.get("attempts")) or 0))
        if column in ("wait", "model", *STAGES):
            return format_duration(tr, timings.get(column))
        if column == "error":
            code = photo.get("errorCode")
            if not code:
                return ""
            message = tr.photo_error(str(code), str(photo.get("errorMessage") or "") or None)
            return f"{code} · {message}"
        return ""


def _photo_cost(timings: dict[str, Any]) -> dict[str, Any]:
    """One photo's timings as a dashboard's `model` entry (for the same tooltip)."""
    tokens = timings.get("tokens") if isinstance(timings.get("tokens"), dict) else None
    return {
        "photos": 1,
        "seconds": timings.get("model"),
        "tokens": {**tokens, "photos": 1} if tokens and "total" in tokens else None,
    }


def _view(parent: QWidget, model: QAbstractTableModel, name: str) -> QTreeView:
    view = QTreeView(parent)
    view.setModel(model)
    view.setRootIsDecorated(False)
    view.setItemsExpandable(False)
    view.setUniformRowHeights(True)
    view.setAlternatingRowColors(False)
    view.setAllColumnsShowFocus(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setFrameShape(QTreeView.Shape.NoFrame)
    view.setAccessibleName(name)
    view.header().setStretchLastSection(False)
    view.header().setSectionsMovable(False)
    return view


def _heading(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setFont(theme.scaled_font(label, 1.1, QFont.Weight.DemiBold))
    return label


# -- the panel ----------------------------------------------------------------------------
class QueuePanel(QWidget):
    message = Signal(str, str)  # (kind, text): the window's banner
    showBatchRequested = Signal(int)  # a batch double-clicked: show it in the window
    snapshotShown = Signal()  # a `queue` event was rendered (tests)
    photosShown = Signal(int)  # a batch's photos were loaded (tests)

    def __init__(
        self,
        api: ApiClient,
        translator: Translator,
        parent: QWidget | None = None,
        stream: QueueStream | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self._api = api
        self._tr = tr = translator
        self.setWindowTitle(f"{tr('queuePanel.title')} — {tr('app.name')}")
        self.stream = stream or QueueStream(api.base_url, api.token, parent=self)
        self.stream.snapshotChanged.connect(self._on_snapshot)
        self.stream.connectionChanged.connect(lambda _state: self._render_connection())
        self.queue_actions = QueueActions(api, translator, self)
        self.queue_actions.message.connect(self.message)
        self.queue_actions.busyChanged.connect(self._render_actions)
        self.model = QueueModel(translator, self)
        self.photo_model = PhotoTimesModel(translator, self)
        self.data: dict[str, Any] = {}
        self.updated: datetime | None = None
        self._photos_loading: int | None = None  # the batch whose photos are on their way
        self._photos_again = False  # its counts changed meanwhile: ask once more
        self._photos_counts: dict[str, Any] | None = None  # the counts the list shows
        self._build()
        self.resize(1180, 760)

    # -- layout -------------------------------------------------------------------------
    def _build(self) -> None:
        tr = self._tr
        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 14, 16, 14)
        outer.setSpacing(10)

        top = QHBoxLayout()
        title = QLabel(tr("queuePanel.title"), self)
        title.setFont(theme.scaled_font(title, 1.45, QFont.Weight.DemiBold))
        self.totals = muted_label("", self)
        self.totals.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        top.addWidget(title)
        top.addStretch(1)
        top.addWidget(self.totals)
        outer.addLayout(top)
        self.live = LiveIndicator(tr, self)
        self.live.retryRequested.connect(self.stream.retry)
        outer.addWidget(self.live)

        bar = QHBoxLayout()
        bar.setSpacing(4)
        self.buttons: dict[str, QToolButton] = {}
        for action, icon in (
            ("pause", "pause"),
            ("resume", "play"),
            ("front", "front"),
            ("cancel", "stop"),
            ("retry", "retry"),
        ):
            button = QToolButton(self)
            button.setText(tr(f"queuePanel.{action}"))
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setAutoRaise(True)
            set_icon(button, icon)
            button.clicked.connect(lambda _=False, a=action: self.act(a))
            self.buttons[action] = button
            bar.addWidget(button)
        self.buttons["pause"].setToolTip(tr("queuePanel.pauseTip"))
        self.buttons["front"].setToolTip(tr("queuePanel.frontTip"))
        bar.addStretch(1)
        self.selection_label = muted_label("", self)
        bar.addWidget(self.selection_label)
        outer.addLayout(bar)

        split = QSplitter(Qt.Orientation.Vertical, self)
        split.setChildrenCollapsible(False)
        split.setHandleWidth(10)
        batches = Card(split)
        bbox = QVBoxLayout(batches)
        bbox.setContentsMargins(6, 10, 6, 6)
        self.view = _view(batches, self.model, tr("queuePanel.batches"))
        self.view.setItemDelegate(QueueDelegate(tr, self.view))
        header = self.view.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(48)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.doubleClicked.connect(self._double_clicked)
        self.view.selectionModel().currentRowChanged.connect(lambda *_: self._selection_changed())
        self.empty = muted_label(tr("queuePanel.empty"), batches)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        bbox.addWidget(self.view, 1)
        bbox.addWidget(self.empty)
        split.addWidget(batches)

        lower = QSplitter(Qt.Orientation.Horizontal, split)
        lower.setChildrenCollapsible(False)
        lower.setHandleWidth(10)
        workers = Card(lower)
        wbox = QVBoxLayout(workers)
        wbox.setContentsMargins(14, 10, 14, 10)
        wbox.setSpacing(6)
        self.workers_heading = _heading(tr("queuePanel.workers"), workers)
        wbox.addWidget(self.workers_heading)
        self.workers_box = QVBoxLayout()
        self.workers_box.setSpacing(4)
        wbox.addLayout(self.workers_box)
        wbox.addStretch(1)
        self.worker_labels: list[QLabel] = []
        lower.addWidget(workers)

        photos = Card(lower)
        pbox = QVBoxLayout(photos)
        pbox.setContentsMargins(6, 10, 6, 6)
        pbox.setSpacing(6)
        self.photos_heading = _heading(tr("queuePanel.photos"), photos)
        self.photos_heading.setContentsMargins(8, 0, 8, 0)
        self.photos_heading.setTextFormat(Qt.TextFormat.PlainText)
        pbox.addWidget(self.photos_heading)
        self.photo_view = _view(photos, self.photo_model, tr("queuePanel.photos"))
        pheader = self.photo_view.header()
        pheader.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        pheader.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        pheader.setStretchLastSection(True)
        self.photo_view.setItemDelegate(RoomyDelegate(self.photo_view))
        pheader.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        self.photo_view.setColumnWidth(0, 190)
        metrics = self.photo_view.fontMetrics()
        longest = max(
            metrics.horizontalAdvance(tr.photo_status(s))
            for s in ("PENDING", "PROCESSING", "DONE", "ERROR", "CANCELLED")
        )
        self.photo_view.setColumnWidth(1, longest + 24)
        pbox.addWidget(self.photo_view, 1)
        self.photos_hint = muted_label(tr("queuePanel.pickBatch"), photos)
        self.photos_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        pbox.addWidget(self.photos_hint)
        lower.addWidget(photos)
        lower.setStretchFactor(0, 0)
        lower.setStretchFactor(1, 1)
        lower.setSizes([330, 830])
        split.addWidget(lower)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setSizes([270, 400])
        self.split = split
        outer.addWidget(split, 1)

        clean = QHBoxLayout()
        clean.setSpacing(8)
        clean.addWidget(QLabel(tr("queuePanel.cleanBefore"), self))
        self.clean_days = QSpinBox(self)
        self.clean_days.setRange(0, 3650)
        self.clean_days.setValue(CLEAN_DEFAULT_DAYS)
        self.clean_days.setAccessibleName(tr("queuePanel.cleanBefore"))
        clean.addWidget(self.clean_days)
        clean.addWidget(QLabel(tr("queuePanel.cleanAfter"), self))
        self.clean_button = QPushButton(tr("queuePanel.clean"), self)
        set_icon(self.clean_button, "clean")
        self.clean_button.clicked.connect(self.clean)
        self.clean_button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        clean.addWidget(self.clean_button)
        clean.addStretch(1)
        outer.addLayout(clean)
        self._render_workers({})
        self._render_actions()
        self._render_photos_hint()
        self._render_model_columns()

    # -- the stream -----------------------------------------------------------------------
    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.stream.start()

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        self.stream.close()  # nothing runs while the panel is closed
        self._render_connection()

    def shutdown(self) -> None:
        self.stream.close()
        self.close()

    def _on_snapshot(self, data: dict[str, Any]) -> None:
        self.data = data
        self.updated = datetime.now()
        selected = self.selected_batch_id()
        batches = data.get("batches") if isinstance(data.get("batches"), list) else []
        kept = self.model.set_batches(batches)
        if not kept and selected is not None:
            self.select_batch(selected, scroll=False)
        self.empty.setVisible(not self.model.batches)
        self._render_model_columns()
        self._render_totals()
        self._render_workers(data.get("workers") or {})
        self._render_connection()
        self._render_actions()
        self._refresh_photos_if_changed()
        self.snapshotShown.emit()

    # -- selection ------------------------------------------------------------------------
    def selected_batch_id(self) -> int | None:
        index = self.view.currentIndex()
        if not index.isValid() or not self.view.selectionModel().isRowSelected(
            index.row(), QModelIndex()
        ):
            return None
        value = index.data(BatchIdRole)
        return int(value) if value is not None else None

    def selected_batch(self) -> dict[str, Any] | None:
        return self.model.batch(self.selected_batch_id())

    def select_batch(self, batch_id: int, scroll: bool = True) -> bool:
        row = self.model.row_of(batch_id)
        if row is None:
            return False
        index = self.model.index(row, 0)
        flags = (
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows
        )
        self.view.selectionModel().setCurrentIndex(index, flags)
        if scroll:
            self.view.scrollTo(index)
        return True

    def _selection_changed(self) -> None:
        self._render_actions()
        batch_id = self.selected_batch_id()
        if batch_id != self.photo_model.batch_id:
            self.photo_model.set_photos(None, [])
            self._photos_counts = None
        self._render_photos_hint()
        if batch_id is not None:
            self.load_photos(batch_id)

    # -- a batch's photos --------------------------------------------------------------------
    def load_photos(self, batch_id: int) -> None:
        if self._photos_loading is not None:
            self._photos_again = True
            return
        batch = self.model.batch(batch_id) or {}
        self._photos_loading = batch_id
        self._photos_again = False
        counts = dict(batch.get("counts") or {})
        self._api.queue_batch_photos(
            batch_id, lambda result: self._photos_loaded(batch_id, counts, result)
        )

    def _photos_loaded(self, batch_id: int, counts: dict[str, Any], result: ApiResult) -> None:
        self._photos_loading = None
        current = self.selected_batch_id()
        if current == batch_id:
            if result.ok and isinstance(result.data, dict):
                self.photo_model.set_photos(batch_id, list(result.data.get("photos") or []))
                self._render_model_columns()
                self._photos_counts = counts
                self._render_photos_hint()
                self.photosShown.emit(batch_id)
            elif result.error_code != "batch_not_found":
                self.message.emit(
                    "error", self._tr("queuePanel.photosError", message=result.message)
                )
        if current is not None and (self._photos_again or current != batch_id):
            self._photos_again = False
            self.load_photos(current)
        else:
            self._refresh_photos_if_changed()

    def _refresh_photos_if_changed(self) -> None:
        batch = self.selected_batch()
        if batch is None or self._photos_loading is not None:
            if batch is not None:
                self._photos_again = self._photos_again or (
                    batch.get("counts") != self._photos_counts
                )
            return
        if batch.get("counts") != self._photos_counts:
            self.load_photos(batch["batchId"])

    def _render_photos_hint(self) -> None:
        tr = self._tr
        batch = self.selected_batch()
        self.photos_hint.setVisible(batch is None)
        self.photo_view.setVisible(batch is not None)
        if batch is None:
            self.photos_heading.setText(tr("queuePanel.photos"))
        else:
            self.photos_heading.setText(
                tr(
                    "queuePanel.photosOf",
                    name=batch_label(tr, batch),
                    n=tr.number(len(self.photo_model.photos)),
                )
            )

    # -- rendering ------------------------------------------------------------------------
    def _render_connection(self) -> None:
        stream = self.stream
        state = stream.connection
        self.live.set_state(
            state,
            updated=self.updated if state == "live" else None,
            attempt=stream.attempt,
            max_attempts=stream.max_attempts,
            detail=stream.error,
        )

    def _render_model_columns(self) -> None:
        """The model's columns only when a model was asked: no clutter without one."""
        used = bool(_cost(self.data.get("model")))
        for column in MODEL_COLUMNS:
            self.view.setColumnHidden(BATCH_COLUMNS.index(column), not used)
        asked = any(
            isinstance(p.get("timings"), dict) and "model" in p["timings"]
            for p in self.photo_model.photos
        )
        self.photo_view.setColumnHidden(PHOTO_COLUMNS.index("model"), not asked)

    def _render_totals(self) -> None:
        tr = self._tr
        data = self.data
        throughput = data.get("throughput") or {}
        minute = int(_number(throughput.get("lastMinute")) or 0)
        workers = data.get("workers") or {}
        count = int(_number(workers.get("count")) or 0)
        running = sum(1 for b in self.model.batches if not is_final(b.get("status")))
        parts = [
            tr("queuePanel.running", n=running),
            tr("queuePanel.perMinuteAll", n=tr.number(minute)),
            tr("queuePanel.workerCount", n=count),
        ]
        cost = _cost(data.get("model"))
        if cost:  # what the model costs, over the batches listed
            parts.append(tr("queuePanel.modelTotals", time=format_model_time(tr, cost)))
            if isinstance(cost.get("tokens"), dict):
                parts.append(tr("queuePanel.modelTokens", n=format_tokens(tr, cost)))
        self.totals.setText(" · ".join(parts))
        self.totals.setToolTip(model_tip(tr, cost))

    def _render_workers(self, workers: dict[str, Any]) -> None:
        tr = self._tr
        busy = [w for w in workers.get("busy") or [] if isinstance(w, dict)]
        count = max(int(_number(workers.get("count")) or 0), len(busy))
        lines: list[tuple[str, str, bool]] = []
        for worker in busy:
            stage = str(worker.get("stage") or "")
            stage_text = (
                tr(f"queuePanel.stage.{stage}") if tr.has(f"queuePanel.stage.{stage}") else stage
            )
            owner = self.model.batch(worker.get("batchId"))
            text = tr(
                "queuePanel.workerBusy",
                batch=batch_label(tr, owner or {"batchId": worker.get("batchId")}),
                file=str(worker.get("fileName") or "?"),
                stage=stage_text,
                time=format_duration(tr, worker.get("seconds")),
            )
            tip = tr(
                "queuePanel.workerTip",
                worker=str(worker.get("worker") or ""),
                batch=tr("batch.name", id=worker.get("batchId")),
            )
            lines.append((text, tip, False))
        for _ in range(count - len(busy)):
            lines.append((tr("queuePanel.workerIdle"), "", True))
        while len(self.worker_labels) < len(lines):
            label = QLabel(self)
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            self.workers_box.addWidget(label)
            self.worker_labels.append(label)
        for i, label in enumerate(self.worker_labels):
            if i >= len(lines):
                label.hide()
                continue
            text, tip, idle = lines[i]
            label.setText(f"{i + 1}. {text}")
            label.setToolTip(tip)
            palette = self.palette()
            if idle:
                palette.setColor(QPalette.ColorRole.WindowText, theme.secondary_text(palette))
            label.setPalette(palette)
            label.show()
        self.workers_heading.setText(
            tr("queuePanel.workersBusy", busy=len(busy), n=count)
            if count
            else tr("queuePanel.workers")
        )

    def worker_lines(self) -> list[str]:
        return [label.text() for label in self.worker_labels if not label.isHidden()]

    def _render_actions(self) -> None:
        batch = self.selected_batch()
        status = batch.get("status") if batch else None
        busy = self.queue_actions.is_busy(batch["batchId"]) if batch else False
        failed = _count(batch, "failed") if batch else 0
        for action, button in self.buttons.items():
            button.setEnabled(allowed(action, status, failed) and not busy)
        self.clean_button.setEnabled(not self.queue_actions.is_busy(0))
        self.selection_label.setText(batch_label(self._tr, batch) if batch else "")

    # -- actions ------------------------------------------------------------------------------
    def act(self, action: str, batch_id: int | None = None) -> QMessageBox | None:
        batch = self.model.batch(batch_id if batch_id is not None else self.selected_batch_id())
        if batch is None:
            return None
        label = batch_label(self._tr, batch)
        bid = int(batch["batchId"])
        if action == "pause":
            self.queue_actions.pause(bid, label)
        elif action == "resume":
            self.queue_actions.resume(bid, label)
        elif action == "front":
            self.queue_actions.front(bid, label)
        elif action == "retry":
            self.queue_actions.retry(bid, label)
        elif action == "cancel":
            return self.queue_actions.cancel(bid, label, _count(batch, "queued"))
        return None

    def clean(self) -> QMessageBox:
        return self.queue_actions.clean(self.clean_days.value())

    @property
    def dialog(self) -> QMessageBox | None:
        return self.queue_actions.dialog

    def context_menu(self, batch_id: int) -> QMenu | None:
        batch = self.model.batch(batch_id)
        if batch is None:
            return None
        tr = self._tr
        menu = QMenu(self.view)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        status = batch.get("status")
        busy = self.queue_actions.is_busy(batch_id)
        show = menu.addAction(tr("queuePanel.show"))
        show.triggered.connect(lambda: self.showBatchRequested.emit(batch_id))
        menu.addSeparator()
        for action in ("pause", "resume", "front", "retry", "cancel"):
            entry = menu.addAction(tr(f"queuePanel.{action}"))
            entry.setEnabled(allowed(action, status, _count(batch, "failed")) and not busy)
            entry.triggered.connect(lambda _=False, a=action: self.act(a, batch_id))
        return menu

    def _context_menu(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        if not index.isValid():
            return
        self.select_batch(int(index.data(BatchIdRole)), scroll=False)
        menu = self.context_menu(int(index.data(BatchIdRole)))
        if menu is not None:
            menu.popup(self.view.viewport().mapToGlobal(pos))

    def _double_clicked(self, index: QModelIndex) -> None:
        value = QPersistentModelIndex(index).data(BatchIdRole)
        if value is not None:
            self.showBatchRequested.emit(int(value))


class QueueEntry(QObject):
    """File → Queue… (Ctrl+J): opens the panel (one, non-modal), after "Add a folder"."""

    def __init__(self, window: Any, file_menu: QMenu) -> None:
        super().__init__(window)
        self.window = window
        self.panel: QueuePanel | None = None
        tr = window.tr_
        action = QAction(tr("menu.queue"), window)
        action.setShortcut(QKeySequence(SHORTCUT))
        action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        action.triggered.connect(self.open)
        entries = file_menu.actions()
        # Add photos | Add a folder | Queue… ─ Reconnect …: before the first separator
        separator = next((entry for entry in entries if entry.isSeparator()), None)
        if separator is not None:
            file_menu.insertAction(separator, action)
        else:
            file_menu.addAction(action)
        window.addAction(action)
        shortcuts = getattr(window, "actions_by_shortcut", None)
        if isinstance(shortcuts, dict):
            shortcuts[action.shortcut().toString()] = action
        self.action = action

    def open(self) -> QueuePanel:
        window = self.window
        if self.panel is None:
            panel = QueuePanel(window.api, window.tr_, window)
            panel.message.connect(
                lambda kind, text: window.banner.show_message(kind, text, timeout_ms=10000)
            )
            panel.showBatchRequested.connect(self._show_batch)
            self.panel = panel
        self.panel.show()
        self.panel.raise_()
        self.panel.activateWindow()
        return self.panel

    def _show_batch(self, batch_id: int) -> None:
        self.window.bring_to_front()
        self.window.show_batch(batch_id)

    def close(self) -> None:
        if self.panel is not None:
            self.panel.shutdown()


__all__ = [
    "PhotoTimesModel",
    "QueueEntry",
    "QueueModel",
    "QueuePanel",
    "format_duration",
    "format_eta",
    "format_model_time",
    "format_pair",
    "format_tokens",
]
