"""The inventory by room: totals, then each room with its item lines.

    ┌ Inventaire             Provisoire · se complète…   Reconnaissance : détection d'objets ┐
    │ [ 3 Pièces ] [ 12 Objets ] [ 4,2 m³ Volume des meubles ] [ 4,6 m³ Volume emballé ]      │
    │ Pièce / objet                  Qté    Volume   Emballé   Remarques                      │
    │ ▾ Salon                          3   2,12 m³   2,25 m³   2 photos                       │
    │     Canapé                       1   1,42 m³   1,49 m³                                  │
    │     Lampe                        2   0,06 m³   0,12 m³   (Fragile)                      │
    │ ▾ Cuisine                        0      0 m³      0 m³   1 photo                        │
    │     Évier                        1         —         —   (Intégré · non déménagé)       │
    └─────────────────────────────────────────────────────────────────────────────────────────┘

`set_summary(summary, provisional)` takes the server's `inventorySummary` shape (or the
window's live view of it, `inventory_view.LiveInventory`). While a batch runs it is called
at most every 100 ms; only the cells whose text changed are touched, and the tree is
rebuilt only when rooms or item lines come or go.

Editing (the corrections; `review_actions.ReviewActions` sends them): a line's quantity in
place (double-click or F2: a spin box), a room's name in place (its menu's "Rename", F2);
right-click asks for a room's or a line's menu (`contextRequested`). Nothing is changed
here: the server's corrected summary comes back on the stream. Lines a hand added or
corrected say so discreetly (a small pill); lines that do not move are muted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPoint, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSpinBox,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktopapp.ui import theme
from desktopapp.ui.i18n import Translator
from desktopapp.ui.inventory_view import item_name, room_name
from desktopapp.ui.plain_text import plain_tip
from desktopapp.ui.widgets import Card, CounterTile, muted_label

NAME, QUANTITY, VOLUME, PACKED, NOTES = range(5)
MarkersRole = Qt.ItemDataRole.UserRole + 1  # [(text, hue)] painted as small pills
KeyRole = Qt.ItemDataRole.UserRole + 2  # repr of a row's key: a room's, or (room, label)
NUMERIC = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


@dataclass(frozen=True)
class _Line:
    key: Any
    texts: tuple[str, str, str, str, str]
    markers: tuple[tuple[str, str], ...] = ()
    built_in: bool = False
    tooltip: str = ""


ROW_PADDING = 6  # extra height per row: the default rows are cramped for a table
NOTES_INDENT = 10  # the notes column keeps clear of the right-aligned figures before it


class MarkerDelegate(QStyledItemDelegate):
    """Roomier rows, and the notes column: an item's markers as small tinted pills (fonts
    made once per base font). Its editors: a line's quantity (spin box), a room's name."""

    def __init__(self, parent: InventoryTree | None = None) -> None:
        super().__init__(parent)
        self._tree = parent
        self._font_key: str | None = None
        self._font = QFont()
        self._metrics = QFontMetrics(self._font)

    def _fonts(self, base: QFont) -> tuple[QFont, QFontMetrics]:
        if base.key() != self._font_key:
            self._font_key = base.key()
            self._font = QFont(base)
            size = base.pointSizeF()
            if size > 0:
                self._font.setPointSizeF(max(7.0, size * 0.86))
            self._font.setWeight(QFont.Weight.DemiBold)
            self._metrics = QFontMetrics(self._font)
        return self._font, self._metrics

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        if index.column() != NOTES:
            super().paint(painter, option, index)
            return
        markers = index.data(MarkersRole)
        if not markers:
            indented = QStyleOptionViewItem(option)
            indented.rect = option.rect.adjusted(NOTES_INDENT, 0, 0, 0)
            super().paint(painter, indented, index)
            return
        widget = option.widget
        style = widget.style() if widget is not None else None
        if style is not None:
            panel = QStyle.PrimitiveElement.PE_PanelItemViewItem
            style.drawPrimitive(panel, option, painter, widget)
        font, metrics = self._fonts(option.font)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setFont(font)
        rect: QRect = option.rect
        height = metrics.height() + 4
        top = rect.top() + (rect.height() - height) / 2
        left = rect.left() + NOTES_INDENT
        dark = theme.is_dark(option.palette)
        for text, hue in markers:
            width = metrics.horizontalAdvance(text) + 12
            if left + width > rect.right():
                break  # the column is too narrow: the tooltip and the text say it all
            pill = QRectF(left, top, width, height)
            background = theme.shade(hue, "500")
            background.setAlpha(60 if dark else 32)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(background)
            painter.drawRoundedRect(pill, height / 2, height / 2)
            painter.setPen(theme.shade(hue, "300" if dark else "800"))
            painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, text)
            left += width + 4
        painter.restore()

    # -- editing: the tree is told, the item is not written (the server's answer is) ----
    def createEditor(
        self, parent: QWidget, option: QStyleOptionViewItem, index: QModelIndex
    ) -> QWidget | None:
        tree = self._tree
        if tree is None:
            return None
        line = index.parent().isValid()
        if line and index.column() == QUANTITY:
            editor = QSpinBox(parent)
            editor.setRange(0, 1000)
            editor.setAlignment(NUMERIC)
            editor.setFrame(False)
            return editor
        if not line and index.column() == NAME and not tree.double_clicking:
            editor = QLineEdit(parent)
            editor.setMaxLength(100)
            editor.setFrame(False)
            return editor
        return None

    def setEditorData(self, editor: QWidget, index: QModelIndex) -> None:
        tree = self._tree
        key = index.siblingAtColumn(NAME).data(KeyRole)
        if isinstance(editor, QSpinBox) and tree is not None:
            editor.setValue(tree.quantity_of(key))
            editor.selectAll()
        elif isinstance(editor, QLineEdit) and tree is not None:
            editor.setText(tree.room_label(key))
            editor.selectAll()

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: QModelIndex) -> None:
        tree = self._tree
        key = index.siblingAtColumn(NAME).data(KeyRole)
        if tree is None:
            return
        if isinstance(editor, QSpinBox):
            editor.interpretText()
            if editor.value() != tree.quantity_of(key):
                tree.quantityEdited.emit(key, editor.value())
        elif isinstance(editor, QLineEdit):
            text = editor.text().strip()
            if text and text != tree.room_label(key):
                tree.roomRenamed.emit(key, text)

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        hint = super().sizeHint(option, index)
        hint.setHeight(hint.height() + ROW_PADDING)
        markers = index.data(MarkersRole) if index.column() == NOTES else None
        if markers:
            _font, metrics = self._fonts(option.font)
            width = sum(metrics.horizontalAdvance(text) + 16 for text, _hue in markers) + 4
            hint.setWidth(max(hint.width(), width))
        return hint


class InventoryTree(QTreeWidget):
    """Rooms and their item lines, updated in place: a line whose figures changed is the
    only one touched; rows that came, went or moved are inserted, taken or moved one by
    one (the user's folded rooms stay folded). What is shown is kept on the Python side,
    so a render that changes nothing makes no call into Qt."""

    structureChanged = Signal()  # rows came or went, or a room was folded: a new height
    quantityEdited = Signal(str, int)  # (a line's key, as KeyRole has it; new quantity)
    roomRenamed = Signal(str, str)  # (a room's key; its new name)
    contextRequested = Signal(str, QPoint)  # (the row's key, global position)

    def __init__(self, translator: Translator, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        tr = translator
        self.setColumnCount(5)
        self.setHeaderLabels(
            [
                tr("summary.col.item"),
                tr("summary.col.quantity"),
                tr("summary.col.volume"),
                tr("summary.col.packed"),
                "\u2002" + tr("summary.col.notes"),  # clear of the figures, like its cells
            ]
        )
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        for column in (QUANTITY, VOLUME, PACKED, NOTES):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
            self.headerItem().setTextAlignment(column, NUMERIC)
        self.headerItem().setTextAlignment(NOTES, Qt.AlignmentFlag.AlignLeft)
        self.setUniformRowHeights(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._on_context)
        self.double_clicking = False  # a double-click folds a room: it never renames it
        self.quantities: dict[str, int] = {}  # a line's key → the quantity it shows
        self.room_labels: dict[str, str] = {}  # a room's key → the name it shows
        self.setFrameShape(QTreeWidget.Shape.NoFrame)
        self.setItemDelegate(MarkerDelegate(self))
        self.setAccessibleName(tr("summary.tableName"))
        self.viewport().setAutoFillBackground(False)
        self._structure: list[tuple[Any, list[Any]]] = []
        self._items: dict[Any, QTreeWidgetItem] = {}  # row key → its item
        self._shown: dict[Any, _Line] = {}  # row key → what its item shows
        self._folded: set[str] = set()  # rooms the user folded (repr of their keys)
        self._room_font = QFont(self.font())
        self._room_font.setWeight(QFont.Weight.DemiBold)
        self._size_columns()
        self.expanded.connect(lambda index: self._on_fold(index, False))
        self.collapsed.connect(lambda index: self._on_fold(index, True))

    def _on_fold(self, index: QModelIndex, folded: bool) -> None:
        key = index.siblingAtColumn(NAME).data(KeyRole)
        if isinstance(key, str) and index.parent().isValid() is False:
            if folded:
                self._folded.add(key)
            else:
                self._folded.discard(key)
        self.structureChanged.emit()

    def _on_context(self, pos: QPoint) -> None:
        item = self.itemAt(pos)
        if item is not None:
            self.setCurrentItem(item)
            self.contextRequested.emit(item.data(NAME, KeyRole), self.viewport().mapToGlobal(pos))

    def mouseDoubleClickEvent(self, event) -> None:
        item = self.itemAt(event.position().toPoint())
        if item is not None and item.parent() is not None:  # a line: its quantity, anywhere
            self.setCurrentItem(item, QUANTITY)
            self.editItem(item, QUANTITY)
            return
        self.double_clicking = True
        try:
            super().mouseDoubleClickEvent(event)
        finally:
            self.double_clicking = False

    def quantity_of(self, key: str) -> int:
        return self.quantities.get(key, 0)

    def room_label(self, key: str) -> str:
        return self.room_labels.get(key, "")

    def item_of(self, key: str) -> QTreeWidgetItem | None:
        for item_key, item in self._items.items():
            if repr(item_key) == key:
                return item
        return None

    def edit_quantity(self, key: str) -> None:
        item = self.item_of(key)
        if item is not None:
            self.setCurrentItem(item, QUANTITY)
            self.editItem(item, QUANTITY)

    def rename_room(self, key: str) -> None:
        item = self.item_of(key)
        if item is not None:
            self.setCurrentItem(item, NAME)
            self.editItem(item, NAME)

    def content_height(self) -> int:
        """The height that shows every visible row without scrolling."""
        rows = 0
        for i in range(self.topLevelItemCount()):
            room = self.topLevelItem(i)
            rows += 1 + (room.childCount() if room.isExpanded() else 0)
        row = self.sizeHintForRow(0) if self.topLevelItemCount() else 0
        return self.header().sizeHint().height() + rows * max(row, 0) + 2 * self.frameWidth() + 2

    def _size_columns(self) -> None:
        metrics = QFontMetrics(self.font())
        self.setColumnWidth(QUANTITY, metrics.horizontalAdvance("Qté 8888") + 8)
        volume = metrics.horizontalAdvance("888,88 m³") + 24
        self.setColumnWidth(VOLUME, volume)
        self.setColumnWidth(PACKED, volume)
        # two pills side by side: "Emballé par le client" and "Démontable"
        self.setColumnWidth(
            NOTES, metrics.horizontalAdvance("Emballé par le client Démontable") + 48
        )

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.FontChange:
            self._room_font = QFont(self.font())
            self._room_font.setWeight(QFont.Weight.DemiBold)
            self._size_columns()
        elif event.type() == event.Type.PaletteChange:
            for key, line in self._shown.items():
                if line.built_in:
                    self._tint(self._items[key], True)

    # -- updating ------------------------------------------------------------------------
    def set_rows(self, rooms: list[tuple[_Line, list[_Line]]]) -> None:
        structure = [(room.key, [line.key for line in lines]) for room, lines in rooms]
        if structure == self._structure:
            for room, lines in rooms:
                self._show(room)
                for line in lines:
                    self._show(line)
            return
        self.setUpdatesEnabled(False)
        try:
            self._reconcile(rooms, structure)
        finally:
            self.setUpdatesEnabled(True)
        self._structure = structure
        self.structureChanged.emit()

    def _reconcile(self, rooms: list[tuple[_Line, list[_Line]]], structure: list) -> None:
        wanted = {key: set(lines) for key, lines in structure}
        for room_key, line_keys in self._structure:  # what goes away
            room = self._items[room_key]
            if room_key not in wanted:
                self.takeTopLevelItem(self.indexOfTopLevelItem(room))
                self._forget(room_key)
                for key in line_keys:
                    self._forget(key)
                continue
            for key in line_keys:
                if key not in wanted[room_key]:
                    room.takeChild(room.indexOfChild(self._items[key]))
                    self._forget(key)
        for index, (room_line, lines) in enumerate(rooms):  # what comes, moves, changes
            room = self._items.get(room_line.key)
            expand: bool | None = None
            if room is None:
                room = self._new_item(room_line.key, room=True)
                self.insertTopLevelItem(index, room)
                expand = repr(room_line.key) not in self._folded
            elif self.indexOfTopLevelItem(room) != index:
                expand = room.isExpanded()
                self.takeTopLevelItem(self.indexOfTopLevelItem(room))
                self.insertTopLevelItem(index, room)
            self._show(room_line)
            for row, line in enumerate(lines):
                item = self._items.get(line.key)
                if item is None:
                    item = self._new_item(line.key)
                    room.insertChild(row, item)
                elif room.indexOfChild(item) != row:
                    room.takeChild(room.indexOfChild(item))
                    room.insertChild(row, item)
                self._show(line)
            if expand is not None:
                room.setExpanded(expand)

    def _forget(self, key: Any) -> None:
        self._items.pop(key, None)
        self._shown.pop(key, None)

    def _new_item(self, key: Any, room: bool = False) -> QTreeWidgetItem:
        item = QTreeWidgetItem()
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
        item.setData(NAME, KeyRole, repr(key))
        for column in (QUANTITY, VOLUME, PACKED):
            item.setTextAlignment(column, NUMERIC)
        if room:
            item.setFont(NAME, self._room_font)
        self._items[key] = item
        return item

    def _show(self, line: _Line) -> None:
        shown = self._shown.get(line.key)
        if shown == line:
            return
        item = self._items[line.key]
        for column, text in enumerate(line.texts):
            if shown is None or shown.texts[column] != text:
                item.setText(column, text)
        if shown is None or shown.tooltip != line.tooltip:
            item.setToolTip(NAME, plain_tip(line.tooltip))
            item.setToolTip(NOTES, plain_tip(line.tooltip))
        if shown is None or shown.markers != line.markers:
            item.setData(NOTES, MarkersRole, [list(m) for m in line.markers] or None)
        if (shown is not None and shown.built_in) != line.built_in:
            self._tint(item, line.built_in)
        self._shown[line.key] = line

    def _tint(self, item: QTreeWidgetItem, muted: bool) -> None:
        brush = QBrush(theme.secondary_text(self.palette())) if muted else QBrush()
        for column in range(self.columnCount()):
            item.setForeground(column, brush)
        font = QFont(self.font())
        font.setItalic(muted)
        item.setFont(NAME, font)

    def lines(self) -> list[tuple[str, ...]]:
        """Every row's texts, rooms and lines in order (tests, accessibility checks)."""
        out = []
        for i in range(self.topLevelItemCount()):
            parent = self.topLevelItem(i)
            out.append(tuple(parent.text(c) for c in range(self.columnCount())))
            for j in range(parent.childCount()):
                child = parent.child(j)
                out.append(tuple(child.text(c) for c in range(self.columnCount())))
        return out


class InventorySummary(Card):
    heightWanted = Signal()  # the content's height changed (`preferred_height`)

    def __init__(self, translator: Translator, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tr = translator
        self.summary: dict[str, Any] | None = None
        self.provisional = False
        self.rooms: dict[str, dict[str, Any]] = {}  # a room's key (KeyRole) → the room
        self.lines: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}  # → (room, line)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 10)
        layout.setSpacing(10)
        header = QHBoxLayout()
        header.setSpacing(12)
        title = QLabel(translator("summary.heading"), self)
        title.setFont(theme.scaled_font(title, 1.15, QFont.Weight.DemiBold))
        header.addWidget(title)
        self.live = muted_label("", self, 0.9)
        header.addWidget(self.live)
        header.addStretch(1)
        self.analyzer = muted_label("", self, 0.9)
        header.addWidget(self.analyzer)
        layout.addLayout(header)
        tiles = QHBoxLayout()
        tiles.setSpacing(10)
        self.rooms_tile = CounterTile(translator("summary.rooms"), "blue", self)
        self.items_tile = CounterTile(translator("summary.totalItems"), "green", self)
        self.volume_tile = CounterTile(translator("summary.totalVolume"), "orange", self)
        self.packed_tile = CounterTile(translator("summary.packedVolume"), "violet", self)
        for tile in (self.rooms_tile, self.items_tile, self.volume_tile, self.packed_tile):
            tiles.addWidget(tile, 1)
        layout.addLayout(tiles)
        self.tree = InventoryTree(translator, self)
        self.tree.setMinimumHeight(90)
        self.tree.structureChanged.connect(self.heightWanted)
        layout.addWidget(self.tree, 1)
        self.empty = muted_label(translator("summary.empty"), self)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.hide()
        layout.addWidget(self.empty, 1)

    def set_summary(self, summary: dict[str, Any] | None, provisional: bool = False) -> None:
        if summary == self.summary and provisional == self.provisional and summary is not None:
            self.summary = summary
            return  # the same figures: nothing to redo
        tr = self._tr
        self.summary = summary
        self.provisional = provisional
        summary = summary or {}
        rooms = [room for room in summary.get("rooms") or [] if isinstance(room, Mapping)]
        self.rooms_tile.set_value(len(rooms), tr.number(len(rooms)))
        items = int(summary.get("totalItems") or 0)
        self.items_tile.set_value(items, tr.number(items))
        volume = float(summary.get("totalVolume") or 0.0)
        self.volume_tile.set_value(round(volume), tr.volume(volume, 2))
        packed = float(summary.get("totalPackedVolume") or 0.0)
        self.packed_tile.set_value(round(packed), tr.volume(packed, 2))
        unknown = int(summary.get("unknownLines") or 0)
        if provisional:
            text = tr("summary.liveUnknown", n=unknown) if unknown else tr("summary.live")
        else:
            text = ""
        if self.live.text() != text:
            self.live.setText(text)
        name = summary.get("analyzer")
        self.analyzer.setText(tr("summary.analyzer", name=tr.analyzer(name)) if name else "")
        self.rooms.clear()
        self.lines.clear()
        self.tree.quantities.clear()
        self.tree.room_labels.clear()
        self.tree.set_rows([self._room_rows(room) for room in rooms])
        if self.tree.isHidden() != (not rooms):
            self.tree.setVisible(bool(rooms))
            self.empty.setVisible(not rooms)
            self.heightWanted.emit()

    def preferred_height(self) -> int:
        """What shows the totals and every row, without scrolling."""
        layout = self.layout()
        margins = layout.contentsMargins()
        tree = self.tree.content_height() if not self.tree.isHidden() else 0
        empty = self.empty.sizeHint().height() * 3 if not self.empty.isHidden() else 0
        header = layout.itemAt(0).sizeHint().height()
        tiles = layout.itemAt(1).sizeHint().height()
        spacing = layout.spacing() * 2
        return margins.top() + margins.bottom() + header + tiles + spacing + tree + empty

    # -- rows ----------------------------------------------------------------------------
    def _volume(self, value: Any) -> str:
        if value is None:
            return "…"  # not known yet (provisional view)
        return self._tr.volume(float(value), 2)  # a column: the same decimals on every row

    def _room_rows(self, room: Mapping[str, Any]) -> tuple[_Line, list[_Line]]:
        tr = self._tr
        key = (room.get("roomType"), room.get("roomName"))
        self.rooms[repr(key)] = dict(room)
        self.tree.room_labels[repr(key)] = room_name(tr, room)
        photos = int(room.get("photos") or 0)
        count = int(room.get("itemsCount") or 0)
        head = _Line(
            key=key,
            texts=(
                room_name(tr, room),
                tr.number(count),
                self._volume(room.get("volume_m3") or 0.0),
                self._volume(room.get("packedVolume_m3") or 0.0),
                tr("n.photos", n=tr.number(photos)),
            ),
            tooltip=tr.room(room.get("roomType")) if room.get("roomName") else "",
        )
        lines = []
        for line in room.get("items") or []:
            if isinstance(line, Mapping):
                row = self._item_row(key, line)
                self.lines[repr(row.key)] = (self.rooms[repr(key)], dict(line))
                self.tree.quantities[repr(row.key)] = int(line.get("quantity") or 0)
                lines.append(row)
        return head, lines

    def _item_row(self, room_key: Any, line: Mapping[str, Any]) -> _Line:
        tr = self._tr
        built_in = bool(line.get("builtIn"))
        not_moving = line.get("notMoving")
        muted = built_in or bool(not_moving)
        markers: list[tuple[str, str]] = []
        source = line.get("source")
        if source in ("hand", "corrected"):
            marker = "marker.hand" if source == "hand" else "marker.corrected"
            markers.append((tr(marker), "violet"))
        if not_moving:
            markers.append((tr(f"notMoving.{not_moving}"), "gray"))
        if line.get("packedBy") == "customer":
            markers.append((tr("marker.customer"), "green"))
        if line.get("fragile"):
            markers.append((tr("item.fragile"), "orange"))
        if line.get("dismountable"):
            markers.append((tr("item.dismountable"), "blue"))
        if built_in:
            markers.append((tr("item.builtIn"), "gray"))
        quantity = int(line.get("quantity") or 0)
        unit = line.get("unitVolume_m3")
        tips = []
        if unit is not None and not muted and quantity:
            packed = float(line.get("packedVolume_m3") or 0.0) / quantity
            volume, packed_text = tr.volume(float(unit), 3), tr.volume(packed, 3)
            tips.append(tr("summary.unitVolume", volume=volume, packed=packed_text))
        if markers:
            tips.append(" · ".join(text for text, _hue in markers))
        if source in ("hand", "corrected"):
            tips.append(tr(f"line.source.{source}"))
            tips.append(tr("line.detected", n=tr.number(int(line.get("detectedQuantity") or 0))))
        return _Line(
            key=(room_key, line.get("label")),
            texts=(
                item_name(line, tr.lang),
                tr.number(quantity),
                "—" if muted else self._volume(line.get("volume_m3")),
                "—" if muted else self._volume(line.get("packedVolume_m3")),
                " · ".join(text for text, _hue in markers),
            ),
            markers=tuple(markers),
            built_in=muted,
            tooltip="\n".join(tips),
        )


__all__ = ["InventorySummary", "InventoryTree", "MarkerDelegate"]
