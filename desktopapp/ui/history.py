"""The batch history: most recent first, each with its status badge and percent.

`BatchHistoryModel` holds the rows of `GET /api/batches`, and takes live updates
from the streams the window follows (`update`), so a running batch's row moves
without any polling. `HistoryDelegate` paints a row:

    Lot #12                                    [EN COURS]
    Projet Default · 14:02                          66 %
    ▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁ (thin bar)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QRectF,
    QSize,
    Qt,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from desktopapp.ui import theme
from desktopapp.ui.i18n import Translator
from desktopapp.ui.plain_text import plain_tip

BatchRole = Qt.ItemDataRole.UserRole + 1
BatchIdRole = Qt.ItemDataRole.UserRole + 2

Index = QModelIndex | QPersistentModelIndex


def when(created_at: Any, lang: str) -> str:
    """'14:02' today, else '29/11 14:02' (fr) or '11/29 14:02' (en)."""
    try:
        moment = datetime.fromtimestamp(float(created_at))
    except (TypeError, ValueError, OverflowError, OSError):
        return ""
    if moment.date() == datetime.now().date():
        return moment.strftime("%H:%M")
    return moment.strftime("%d/%m %H:%M" if lang == "fr" else "%m/%d %H:%M")


class BatchHistoryModel(QAbstractListModel):
    def __init__(self, translator: Translator, parent: Any = None) -> None:
        super().__init__(parent)
        self._tr = translator
        self._rows: list[dict[str, Any]] = []

    def set_batches(self, batches: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self._rows = [dict(batch) for batch in batches if batch.get("batchId") is not None]
        self._rows.sort(key=lambda b: (-(float(b.get("createdAt") or 0)), -int(b["batchId"])))
        self.endResetModel()

    def batches(self) -> list[dict[str, Any]]:
        return [dict(row) for row in self._rows]

    def row_of(self, batch_id: int) -> int | None:
        for row, batch in enumerate(self._rows):
            if batch["batchId"] == batch_id:
                return row
        return None

    def get(self, batch_id: int) -> dict[str, Any] | None:
        row = self.row_of(batch_id)
        return dict(self._rows[row]) if row is not None else None

    def update(self, batch_id: int, **fields: Any) -> None:
        """Insert (at the top) or update one batch's row."""
        row = self.row_of(batch_id)
        if row is None:
            self.beginInsertRows(QModelIndex(), 0, 0)
            self._rows.insert(0, {"batchId": batch_id, **fields})
            self.endInsertRows()
            return
        current = self._rows[row]
        news = {key: value for key, value in fields.items() if current.get(key) != value}
        if news:
            current.update(news)
            index = self.index(row)
            self.dataChanged.emit(index, index)

    def remove(self, batch_id: int) -> bool:
        """Drop one batch's row (it was deleted); False when it was not listed."""
        row = self.row_of(batch_id)
        if row is None:
            return False
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._rows[row]
        self.endRemoveRows()
        return True

    def title(self, batch: dict[str, Any]) -> str:
        """The user's name for the batch, else "Lot #12"."""
        return str(batch.get("name") or "") or self._tr("list.batch", id=batch["batchId"])

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        batch = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.title(batch)
        if role in (Qt.ItemDataRole.AccessibleTextRole, Qt.ItemDataRole.ToolTipRole):
            status = self._tr.status(batch.get("status"))
            text = f"{self.title(batch)}, {status}, " + self._tr.percent(
                int(batch.get("progress") or 0)
            )
            return plain_tip(text) if role == Qt.ItemDataRole.ToolTipRole else text
        if role == BatchRole:
            return batch
        if role == BatchIdRole:
            return batch["batchId"]
        return None


class _HistoryFonts:
    """Fonts and metrics of one base font, made once instead of for every painted row."""

    def __init__(self, base: QFont) -> None:
        self.badge = QFont(base)
        self.badge.setWeight(QFont.Weight.Bold)
        self.badge.setPointSizeF(max(6.5, self.badge.pointSizeF() * 0.75))
        self.badge_metrics = QFontMetrics(self.badge)
        self.title = QFont(base)
        self.title.setWeight(QFont.Weight.DemiBold)
        self.title_metrics = QFontMetrics(self.title)
        self.metrics = QFontMetrics(base)


class HistoryDelegate(QStyledItemDelegate):
    def __init__(self, translator: Translator, parent: Any = None) -> None:
        super().__init__(parent)
        self._tr = translator
        self._fonts: dict[str, _HistoryFonts] = {}

    def _fonts_for(self, font: QFont) -> _HistoryFonts:
        fonts = self._fonts.get(font.key())
        if fonts is None:
            fonts = self._fonts[font.key()] = _HistoryFonts(font)
        return fonts

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        metrics = QFontMetrics(option.font)
        return QSize(240, metrics.height() * 2 + 30)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        model = index.model()  # asked directly, not through QVariant (see photo_delegate)
        batch: dict[str, Any] = model.data(index, BatchRole) or {}
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette: QPalette = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hovered = bool(option.state & QStyle.StateFlag.State_MouseOver)
        card = QRectF(option.rect).adjusted(4, 3, -4, -3)
        if selected or hovered:
            fill = QColor(palette.color(QPalette.ColorRole.Highlight))
            fill.setAlphaF(0.16 if selected else 0.07)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(fill)
            painter.drawRoundedRect(card, 9, 9)
        text = palette.color(QPalette.ColorRole.Text)
        muted = theme.secondary_text(palette)
        inner = card.adjusted(12, 8, -12, -8).toRect()
        status = batch.get("status")
        progress = int(batch.get("progress") or 0)

        # badge (top right)
        fonts = self._fonts_for(option.font)
        badge_font, badge_metrics = fonts.badge, fonts.badge_metrics
        label = self._tr.status(status)
        badge_w = badge_metrics.horizontalAdvance(label) + 14
        badge_h = badge_metrics.height() + 4
        badge = QRectF(inner.right() - badge_w, inner.top(), badge_w, badge_h)
        colors = theme.status_colors(status, palette)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colors.background)
        painter.drawRoundedRect(badge, badge_h / 2, badge_h / 2)
        painter.setFont(badge_font)
        painter.setPen(colors.text)
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, label)

        # title and subline
        title_font, title_metrics, metrics = fonts.title, fonts.title_metrics, fonts.metrics
        painter.setFont(title_font)
        painter.setPen(text)
        title_rect = QRect(
            inner.left(), inner.top(), inner.width() - badge_w - 8, title_metrics.height()
        )
        painter.drawText(
            title_rect,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            model.data(index) or "",
        )
        sub_top = inner.top() + title_metrics.height() + 2
        percent = self._tr.percent(progress)
        percent_w = metrics.horizontalAdvance(percent)
        painter.setFont(option.font)
        painter.setPen(muted)
        parts = [
            self._tr.project(batch.get("project")),
            when(batch.get("createdAt"), self._tr.lang),
        ]
        sub = " · ".join(part for part in parts if part)
        sub_rect = QRect(inner.left(), sub_top, inner.width() - percent_w - 8, metrics.height())
        painter.drawText(
            sub_rect,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            metrics.elidedText(sub, Qt.TextElideMode.ElideRight, sub_rect.width()),
        )
        painter.setPen(text)
        painter.drawText(
            QRect(inner.right() - percent_w, sub_top, percent_w, metrics.height()),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            percent,
        )

        # thin progress line
        track = QRectF(inner.left(), inner.bottom() - 3, inner.width(), 4)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(theme.subtle_fill(palette, 0.09))
        painter.drawRoundedRect(track, 2, 2)
        if progress > 0:
            fill = QRectF(track.left(), track.top(), max(4.0, track.width() * progress / 100), 4)
            painter.setBrush(colors.bar)
            painter.drawRoundedRect(fill, 2, 2)
        painter.restore()
