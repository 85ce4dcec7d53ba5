"""`PhotoViewer`: one processed photo, larger, with a labelled box on each item it shows.

    viewer = PhotoViewer(model, PreviewLoader(api), translator, parent)
    viewer.show_row(row)          # a DONE row of the photo list; ← / → browse, Esc closes

The picture comes from the local server, `GET /api/photos/{id}/preview` (a JPEG whose
longest side is at most 1280 px, orientation applied), or the photo's thumbnail when the
server has no preview. `PreviewLoader` asks for it asynchronously (QNetworkAccessManager,
Bearer token, like the thumbnails) and decodes the JPEG on a pool thread: the GUI thread
waits for neither. Boxes are fractions (0..1) of the oriented photo, so they fit the
preview and the thumbnail alike; `PhotoCanvas` maps them onto the picture as displayed
at each paint, and they stay on their objects whatever the dialog's size. Items without a
box, the room and every item are also listed as text beside the picture.

With the review plumbing (`review=ReviewActions`, `api`), a processed photo's items can be
fixed there (`photo_items.PhotoItemsEditor`): each label's count (`photo.item`, 0 removes
it), "Not this…" to pick another catalogue item (`photo.relabel`), and "Add an item…"
seen in the photo. Each is one correction; the viewer shows what the batch's stream then
says the photo is, like every other view. A corrected photo's `detected` (what the
pipeline found) shows, muted, under the list.
"""

from __future__ import annotations

import zlib
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QRectF,
    QRunnable,
    QSize,
    QSizeF,
    Qt,
    QThreadPool,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QHideEvent,
    QImage,
    QKeySequence,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
    QShortcut,
)
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktopapp.ui import theme
from desktopapp.ui.add_item_dialog import AddItemDialog
from desktopapp.ui.api_client import ApiClient, ApiResult
from desktopapp.ui.i18n import Translator
from desktopapp.ui.inventory_view import label_words, room_name
from desktopapp.ui.photo_items import PhotoItemsEditor
from desktopapp.ui.photo_model import PhotoListModel, Role
from desktopapp.ui.review_actions import ReviewActions
from desktopapp.ui.widgets import muted_label

CACHE_ENTRIES = 12  # decoded pictures kept (the shown photo and its neighbours)
MARGIN = 12
# Box colours: saturated enough to stand out on a photo, dark enough for white text.
BOX_COLORS = (
    "#2563eb",
    "#ea580c",
    "#16a34a",
    "#dc2626",
    "#7c3aed",
    "#0e7490",
    "#db2777",
    "#b45309",
    "#4f46e5",
    "#0f766e",
)


def box_color(label: str) -> QColor:
    """One colour per label, the same in every photo and every run."""
    return QColor(BOX_COLORS[zlib.crc32(label.encode("utf-8")) % len(BOX_COLORS)])


def item_box(item: Mapping[str, Any]) -> tuple[float, float, float, float] | None:
    """An item's box as (x0, y0, x1, y1) fractions, clamped to the photo; None without one."""
    box = item.get("box")
    if not isinstance(box, list | tuple) or len(box) != 4:
        return None
    try:
        x0, y0, x1, y1 = (min(1.0, max(0.0, float(v))) for v in box)
    except (TypeError, ValueError):
        return None
    if x1 <= x0 or y1 <= y0:
        return None
    return x0, y0, x1, y1


# -- the picture ----------------------------------------------------------------------------


class _DecodeSignals(QObject):
    done = Signal(int, object, str)  # photo id, QImage or None, source


class _Decode(QRunnable):
    """Decodes one JPEG on a pool thread (the signal crosses back to the GUI thread)."""

    def __init__(self, photo_id: int, body: bytes, source: str, signals: _DecodeSignals) -> None:
        super().__init__()
        self._photo_id = photo_id
        self._body = body
        self._source = source
        self._signals = signals

    def run(self) -> None:
        # QImage.fromData, not a QImageReader on a QBuffer made here: Qt reads the device
        # while it holds its image-plugin lock, and a device made from Python asks for the
        # GIL on every virtual call (a Python override?). With the GUI thread decoding a
        # thumbnail at the same moment, that deadlocked. fromData's buffer is Qt's own.
        # (No EXIF transform is applied: the server oriented the picture already.)
        image = QImage.fromData(self._body)
        self._signals.done.emit(self._photo_id, None if image.isNull() else image, self._source)


class PreviewLoader(QObject):
    """The viewer's pictures: asked once, decoded off the GUI thread, a few kept."""

    ready = Signal(int)  # photo id: `image(id)` has its picture now
    failed = Signal(int, str)  # photo id, why

    def __init__(
        self, api: ApiClient, parent: QObject | None = None, pool: QThreadPool | None = None
    ) -> None:
        super().__init__(parent)
        self._api = api
        self._pool = pool or QThreadPool.globalInstance()
        self._cache: OrderedDict[int, QImage] = OrderedDict()
        self._sources: dict[int, str] = {}
        self._pending: set[int] = set()
        # Parentless, so Python owns it: a decode still running at quit keeps it alive
        # through its reference, and finds no receiver instead of a deleted object.
        self._signals = _DecodeSignals()
        self._signals.done.connect(self._decoded)
        self.preview_route = True  # False once the server said it has no preview at all
        self._closed = False

    def image(self, photo_id: int) -> QImage | None:
        image = self._cache.get(photo_id)
        if image is not None:
            self._cache.move_to_end(photo_id)
        return image

    def source(self, photo_id: int) -> str | None:
        """ "preview" or "thumbnail": what the kept picture of `photo_id` is."""
        return self._sources.get(photo_id)

    def pending(self, photo_id: int) -> bool:
        return photo_id in self._pending

    def request(self, photo_id: int) -> None:
        if self._closed or photo_id in self._cache or photo_id in self._pending:
            return
        self._pending.add(photo_id)
        self._ask(photo_id, "preview" if self.preview_route else "thumbnail")

    def forget(self, photo_id: int) -> None:
        self._cache.pop(photo_id, None)
        self._sources.pop(photo_id, None)

    def release(self) -> None:
        """Drop the decoded pictures (the viewer was closed): they come back on demand."""
        self._cache.clear()

    def close(self) -> None:
        self._closed = True
        self._cache.clear()

    def _ask(self, photo_id: int, source: str) -> None:
        call = self._api.preview if source == "preview" else self._api.thumbnail
        call(photo_id, lambda result: self._answer(photo_id, source, result))

    def _answer(self, photo_id: int, source: str, result: ApiResult) -> None:
        if self._closed:
            return
        if result.ok and result.body:
            self._pool.start(_Decode(photo_id, result.body, source, self._signals))
            return
        if source == "preview":
            if result.status == 404 and result.error_code == "not_found":
                self.preview_route = False  # no such route on this server: thumbnails
            self._ask(photo_id, "thumbnail")
            return
        self._pending.discard(photo_id)
        self.failed.emit(photo_id, result.message)

    def _decoded(self, photo_id: int, image: QImage | None, source: str) -> None:
        if self._closed:
            return
        if image is None:
            if source == "preview":
                self._ask(photo_id, "thumbnail")
                return
            self._pending.discard(photo_id)
            self.failed.emit(photo_id, "unreadable picture")
            return
        self._pending.discard(photo_id)
        self._cache[photo_id] = image
        self._sources[photo_id] = source
        while len(self._cache) > CACHE_ENTRIES:
            old, _ = self._cache.popitem(last=False)
            self._sources.pop(old, None)
        self.ready.emit(photo_id)


@dataclass(frozen=True)
class Box:
    fractions: tuple[float, float, float, float]
    text: str  # "Canapé 97 %"
    color: QColor


class PhotoCanvas(QWidget):
    """The picture, fitted to the widget (aspect kept), and its boxes drawn over it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 240)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._image: QImage | None = None
        self._photo_size: QSizeF | None = None
        self._message = ""
        self.boxes: list[Box] = []
        self._scaled = QPixmap()
        self._scaled_key: tuple | None = None
        self._tag_font = QFont()
        self._tag_metrics = QFontMetrics(self._tag_font)
        self._make_fonts()

    def _make_fonts(self) -> None:
        self._tag_font = QFont(self.font())
        self._tag_font.setWeight(QFont.Weight.DemiBold)
        size = self._tag_font.pointSizeF()
        if size > 0:
            self._tag_font.setPointSizeF(max(7.5, size * 0.9))
        self._tag_metrics = QFontMetrics(self._tag_font)

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.FontChange:
            self._make_fonts()

    def sizeHint(self) -> QSize:
        return QSize(860, 620)

    # -- content -------------------------------------------------------------------------
    @property
    def image(self) -> QImage | None:
        return self._image

    def set_photo(self, width: Any, height: Any, boxes: list[Box]) -> None:
        """The oriented photo's size (for the boxes before the picture arrives) and boxes."""
        try:
            size = QSizeF(float(width), float(height))
        except (TypeError, ValueError):
            size = None
        self._photo_size = size if size is not None and not size.isEmpty() else None
        self.boxes = boxes
        self.update()

    def set_image(self, image: QImage | None, message: str = "") -> None:
        self._image = image
        self._message = message
        self._scaled_key = None
        self.update()

    # -- geometry ------------------------------------------------------------------------
    def image_rect(self) -> QRectF:
        """Where the picture sits: fitted in the widget, aspect kept, centred."""
        area = QRectF(self.rect()).adjusted(MARGIN, MARGIN, -MARGIN, -MARGIN)
        if self._image is not None and not self._image.isNull():
            content = QSizeF(self._image.size())
        elif self._photo_size is not None:
            content = self._photo_size
        else:
            content = QSizeF(4, 3)
        if area.width() <= 0 or area.height() <= 0:
            return QRectF()
        scale = min(area.width() / content.width(), area.height() / content.height())
        width, height = content.width() * scale, content.height() * scale
        return QRectF(
            area.left() + (area.width() - width) / 2,
            area.top() + (area.height() - height) / 2,
            width,
            height,
        )

    def box_rects(self) -> list[QRectF]:
        """Each box in widget coordinates, over the picture as it is displayed now."""
        frame = self.image_rect()
        return [
            QRectF(
                frame.left() + x0 * frame.width(),
                frame.top() + y0 * frame.height(),
                (x1 - x0) * frame.width(),
                (y1 - y0) * frame.height(),
            )
            for x0, y0, x1, y1 in (box.fractions for box in self.boxes)
        ]

    # -- painting ------------------------------------------------------------------------
    def _pixmap(self, frame: QRectF) -> QPixmap:
        dpr = self.devicePixelRatioF()
        target = QSize(max(1, round(frame.width() * dpr)), max(1, round(frame.height() * dpr)))
        key = (target.width(), target.height(), dpr, self._image.cacheKey())
        if key != self._scaled_key:  # rescaled once per size, not per paint
            scaled = self._image.scaled(
                target,
                Qt.AspectRatioMode.IgnoreAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
            self._scaled = QPixmap.fromImage(scaled)
            self._scaled.setDevicePixelRatio(dpr)
            self._scaled_key = key
        return self._scaled

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#1c1c1e"))
        frame = self.image_rect()
        if frame.isEmpty():
            return
        if self._image is not None and not self._image.isNull():
            painter.drawPixmap(frame.topLeft(), self._pixmap(frame))
        else:
            painter.fillRect(frame, QColor("#2c2c2e"))
            if self._message:
                painter.setPen(QColor("#d1d5db"))
                painter.drawText(
                    frame.adjusted(16, 16, -16, -16),
                    Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                    self._message,
                )
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rects = self.box_rects()
        shadow = QPen(QColor(0, 0, 0, 110), 4)
        for box, rect in zip(self.boxes, rects, strict=True):
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(shadow)
            painter.drawRect(rect)
            painter.setPen(QPen(box.color, 2))
            painter.drawRect(rect)
        painter.setFont(self._tag_font)
        metrics = self._tag_metrics
        height = metrics.height() + 4
        for box, rect in zip(self.boxes, rects, strict=True):
            width = min(metrics.horizontalAdvance(box.text) + 14, frame.width())
            top = rect.top() - height
            if top < frame.top():
                top = rect.top()  # no room above the box: the tag goes inside it
            left = min(max(rect.left() - 1, frame.left()), frame.right() - width)
            tag = QRectF(left, top, width, height)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(box.color)
            painter.drawRoundedRect(tag, 3, 3)
            painter.setPen(QColor("white"))
            text = metrics.elidedText(box.text, Qt.TextElideMode.ElideRight, int(width) - 12)
            painter.drawText(tag.adjusted(6, 0, -6, 0), Qt.AlignmentFlag.AlignVCenter, text)


# -- the dialog -----------------------------------------------------------------------------


class PhotoViewer(QDialog):
    currentRowChanged = Signal(int)

    def __init__(
        self,
        model: PhotoListModel,
        loader: PreviewLoader,
        translator: Translator,
        parent: QWidget | None = None,
        review: ReviewActions | None = None,
        api: ApiClient | None = None,
    ) -> None:
        super().__init__(parent)
        self._model = model
        self._loader = loader
        self._tr = translator
        self._review = review
        self._api = api
        self._catalogue: dict[str, dict[str, Any]] = {}  # label → its names (fr, en)
        self._catalogue_asked = False
        self.dialog: QDialog | None = None  # the item picker open now (tests drive it)
        self.row: int | None = None
        self.setModal(False)
        self.setSizeGripEnabled(True)
        self._build()
        loader.ready.connect(self._on_ready)
        loader.failed.connect(self._on_failed)
        model.dataChanged.connect(self._on_data_changed)
        model.modelReset.connect(self.close)
        model.rowsInserted.connect(lambda *_: self._render_position())
        for key, slot in (
            (Qt.Key.Key_Left, self.previous),
            (Qt.Key.Key_Right, self.next),
            (Qt.Key.Key_PageUp, self.previous),
            (Qt.Key.Key_PageDown, self.next),
        ):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
        if review is not None:
            review.message.connect(self._on_review_message)
        self.resize(1080, 720)

    def _build(self) -> None:
        tr = self._tr
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 10)
        outer.setSpacing(10)
        body = QHBoxLayout()
        body.setSpacing(0)
        self.canvas = PhotoCanvas(self)
        body.addWidget(self.canvas, 1)

        side = QWidget()
        side_box = QVBoxLayout(side)
        side_box.setContentsMargins(16, 14, 16, 14)
        side_box.setSpacing(6)
        self.room_caption = muted_label(tr("viewer.room"), side, 0.9)
        self.room = QLabel(side)
        self.room.setFont(theme.scaled_font(self.room, 1.3, QFont.Weight.DemiBold))
        self.room.setWordWrap(True)
        self.room.setTextFormat(Qt.TextFormat.PlainText)
        self.room_source = muted_label("", side, 0.9)
        self.room_source.setWordWrap(True)
        self.room_source.setTextFormat(Qt.TextFormat.PlainText)
        self.flags = muted_label("", side, 0.9)
        self.flags.setWordWrap(True)
        self.items_heading = QLabel(side)
        self.items_heading.setFont(
            theme.scaled_font(self.items_heading, 1.0, QFont.Weight.DemiBold)
        )
        self.items = QLabel(side)
        self.items.setWordWrap(True)
        self.items.setTextFormat(Qt.TextFormat.RichText)
        self.items.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.unboxed_heading = QLabel(tr("viewer.unboxed"), side)
        self.unboxed_heading.setFont(
            theme.scaled_font(self.unboxed_heading, 1.0, QFont.Weight.DemiBold)
        )
        self.unboxed = QLabel(side)
        self.unboxed.setWordWrap(True)
        self.unboxed.setTextFormat(Qt.TextFormat.PlainText)
        self.unboxed.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.editor = PhotoItemsEditor(tr, self._name, box_color, side)
        self.editor.quantityChanged.connect(self._quantity_changed)
        self.editor.relabelRequested.connect(self.relabel_item)
        self.editor.addRequested.connect(self.add_item)
        self.editor.hide()
        side_box.addWidget(self.room_caption)
        side_box.addWidget(self.room)
        side_box.addWidget(self.room_source)
        side_box.addWidget(self.flags)
        side_box.addSpacing(10)
        side_box.addWidget(self.items_heading)
        side_box.addWidget(self.items)
        side_box.addSpacing(8)
        side_box.addWidget(self.unboxed_heading)
        side_box.addWidget(self.unboxed)
        side_box.addWidget(self.editor)
        side_box.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidget(side)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFixedWidth(340 if self._review is not None else 290)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.side = side
        body.addWidget(scroll)
        outer.addLayout(body, 1)

        bottom = QHBoxLayout()
        bottom.setContentsMargins(12, 0, 12, 0)
        bottom.setSpacing(8)
        self.previous_button = QPushButton("‹ " + tr("viewer.prev"), self)
        self.previous_button.clicked.connect(self.previous)
        self.position = muted_label("", self)
        self.next_button = QPushButton(tr("viewer.next") + " ›", self)
        self.next_button.clicked.connect(self.next)
        self.hint = muted_label(tr("viewer.hint"), self, 0.9)
        self.close_button = QPushButton(tr("viewer.close"), self)
        self.close_button.clicked.connect(self.close)
        self.reanalyse_button = QPushButton(tr("reanalyse.photo"), self)
        self.reanalyse_button.setObjectName("reanalyse")
        self.reanalyse_button.setToolTip(tr("reanalyse.photoTip"))
        self.reanalyse_button.clicked.connect(self.reanalyse)
        self.reanalyse_button.setVisible(self._review is not None)
        buttons = (self.previous_button, self.next_button, self.reanalyse_button)
        for button in (*buttons, self.close_button):
            button.setAutoDefault(False)
        bottom.addWidget(self.previous_button)
        bottom.addWidget(self.position)
        bottom.addWidget(self.next_button)
        bottom.addStretch(1)
        bottom.addWidget(self.hint)
        bottom.addSpacing(8)
        bottom.addWidget(self.reanalyse_button)
        bottom.addWidget(self.close_button)
        outer.addLayout(bottom)

    # -- navigation ----------------------------------------------------------------------
    def hideEvent(self, event: QHideEvent) -> None:
        self.editor.flush()  # a count typed, then Escape: it counts
        super().hideEvent(event)
        self._loader.release()  # a closed viewer keeps no decoded pictures (~5 MB each)
        self.canvas.set_image(None)

    @property
    def photo_id(self) -> int | None:
        if self.row is None or not 0 <= self.row < self._model.rowCount():
            return None
        return self._model.photo(self.row).get("id")

    def show_row(self, row: int) -> None:
        if not 0 <= row < self._model.rowCount():
            return
        if row != self.row:
            self.editor.flush()  # what was typed on the photo before goes first
        self.row = row
        self._refresh()
        self.currentRowChanged.emit(row)
        if not self.isVisible():
            self.show()
        self.raise_()
        self.activateWindow()
        self.canvas.setFocus()

    def _done_row(self, start: int, step: int) -> int | None:
        row = start
        count = self._model.rowCount()
        while 0 <= row < count:
            if self._model.photo(row).get("status") == "DONE":
                return row
            row += step
        return None

    def previous(self) -> None:
        if self.row is not None:
            row = self._done_row(self.row - 1, -1)
            if row is not None:
                self.show_row(row)

    def next(self) -> None:
        if self.row is not None:
            row = self._done_row(self.row + 1, 1)
            if row is not None:
                self.show_row(row)

    # -- content -------------------------------------------------------------------------
    def _name(self, label: str) -> str:
        if label in self._model.items:
            return self._model.items.name(label, self._tr.lang)
        entry = self._catalogue.get(label)  # a label no summary named (yet, or any more)
        if entry is not None and entry.get(self._tr.lang):
            return str(entry[self._tr.lang])
        return label_words(label)

    def _refresh(self) -> None:
        tr = self._tr
        if self.row is None or not 0 <= self.row < self._model.rowCount():
            return
        photo = self._model.photo(self.row)
        photo_id = photo.get("id")
        room = self._model.data(self._model.index(self.row), Role.Room) or tr.room(None)
        name = photo.get("fileName") or f"#{photo_id}"
        self.setWindowTitle(tr("viewer.title", name=name, room=room))
        self.room.setText(room)
        cue, source = photo.get("roomCue"), photo.get("roomSource")
        if cue and source == "name":
            self.room_source.setText(tr("viewer.roomFromName", cue=cue))
        elif cue and source == "items":
            self.room_source.setText(tr("viewer.roomFromItems", cue=self._name(str(cue))))
        else:
            self.room_source.setText("")
        self.room_source.setVisible(bool(self.room_source.text()))
        flags = [tr.flag(flag) for flag in photo.get("flags") or []]
        self.flags.setText(" · ".join(flags))
        self.flags.setVisible(bool(flags))

        items = [item for item in photo.get("items") or [] if isinstance(item, Mapping)]
        editable = self.editable
        self.editor.setVisible(editable)
        if editable:
            self._ask_catalogue(photo)
            self.editor.set_photo(photo, lambda room: room_name(tr, room))
        boxes: list[Box] = []
        boxed_lines: list[str] = []
        unboxed_lines: list[str] = []
        for item in items:
            label = str(item.get("label") or "?")
            text = self._item_text(item)
            fractions = item_box(item)
            if fractions is None:
                unboxed_lines.append(text)
                continue
            color = box_color(label)
            boxes.append(Box(fractions, self._tag_text(item), color))
            boxed_lines.append(f'<span style="color:{color.name()}">■</span>&nbsp;{_escape(text)}')
        self.items_heading.setText(tr("viewer.items", n=len(items)))
        if items:
            self.items.setText("<br>".join(boxed_lines) if boxed_lines else "")
        else:
            self.items.setText(_escape(tr("viewer.noItems")))
        self.items.setVisible(not editable and (bool(boxed_lines) or not items))
        self.items_heading.setVisible(not editable)
        self.unboxed.setText("\n".join(unboxed_lines))
        self.unboxed_heading.setVisible(not editable and bool(unboxed_lines))
        self.unboxed.setVisible(not editable and bool(unboxed_lines))
        accessible = [self._item_text(item) for item in items]
        self.items.setAccessibleName(
            tr("viewer.items", n=len(items)) + ": " + "; ".join(accessible)
        )
        self.canvas.set_photo(photo.get("width"), photo.get("height"), boxes)
        self.canvas.setAccessibleName(tr("viewer.image", name=name))
        self.canvas.setAccessibleDescription(", ".join([room, *accessible]))
        self._render_position()
        self.reanalyse_button.setEnabled(editable)  # a finished photo only
        self._show_picture(photo_id)
        for step in (1, -1):  # the likely next photos, fetched ahead
            row = self._done_row(self.row + step, step)
            if row is not None:
                self._loader.request(int(self._model.photo(row)["id"]))

    def _item_text(self, item: Mapping[str, Any]) -> str:
        tr = self._tr
        text = tr("viewer.itemLine", name=self._name(str(item.get("label") or "?")), n=_qty(item))
        confidence = item.get("confidence")
        if isinstance(confidence, int | float) and not isinstance(confidence, bool):
            text += " · " + tr.percent(round(float(confidence) * 100))
        return text

    def _tag_text(self, item: Mapping[str, Any]) -> str:
        name = self._name(str(item.get("label") or "?"))
        quantity = _qty(item)
        if quantity > 1:
            name += f" ×{quantity}"
        confidence = item.get("confidence")
        if isinstance(confidence, int | float) and not isinstance(confidence, bool):
            name += " " + self._tr.percent(round(float(confidence) * 100))
        return name

    def _render_position(self) -> None:
        if self.row is None:
            return
        count = self._model.rowCount()
        self.position.setText(self._tr("viewer.position", n=self.row + 1, total=count))
        self.previous_button.setEnabled(self._done_row(self.row - 1, -1) is not None)
        self.next_button.setEnabled(self._done_row(self.row + 1, 1) is not None)

    def _show_picture(self, photo_id: Any) -> None:
        if photo_id is None:
            return
        image = self._loader.image(int(photo_id))
        if image is not None:
            self.canvas.set_image(image)
            return
        self.canvas.set_image(None, self._tr("viewer.loading"))
        self._loader.request(int(photo_id))

    def _on_ready(self, photo_id: int) -> None:
        if photo_id == self.photo_id:
            self.canvas.set_image(self._loader.image(photo_id))

    def _on_failed(self, photo_id: int, message: str) -> None:
        if photo_id == self.photo_id:
            self.canvas.set_image(None, self._tr("viewer.error", message=message))

    def _on_data_changed(self, top: QModelIndex, bottom: QModelIndex, roles=()) -> None:
        if self.row is None or not self.isVisible() or not top.row() <= self.row <= bottom.row():
            return
        if roles and list(roles) == [Qt.ItemDataRole.DecorationRole]:
            return  # a thumbnail arrived for the row: nothing the viewer shows changed
        photo = self._model.photo(self.row)
        if photo.get("status") != "DONE" and photo.get("id") is not None:
            self._loader.forget(int(photo["id"]))  # processed again: a new picture will come
        self._refresh()

    # -- fixing the photo's items (the review) -------------------------------------------
    @property
    def editable(self) -> bool:
        """A processed photo of the batch on screen, with the review plumbing."""
        if self._review is None or self._review.batch_id is None or self.row is None:
            return False
        if not 0 <= self.row < self._model.rowCount():
            return False
        photo = self._model.photo(self.row)
        return photo.get("status") == "DONE" and isinstance(photo.get("id"), int)

    def reanalyse(self) -> None:
        """Send the photo on screen round again (detector and model); the stream then shows
        it queued, then done, here too."""
        photo_id = self.photo_id
        if self._review is not None and self.editable and isinstance(photo_id, int):
            self._review.reanalyse([photo_id])

    def _correct(self, kind: str, fields: dict[str, Any]) -> None:
        if self._review is not None:
            self._review.correct(kind, fields)

    def _quantity_changed(self, label: str, quantity: int) -> None:
        photo_id = self.editor.photo_id
        if photo_id is not None:
            self._correct("photo.item", {"photoId": photo_id, "label": label, "quantity": quantity})

    def _on_review_message(self, kind: str, _text: str) -> None:
        if kind == "error":
            self.editor.reset()  # the refused count goes back to the photo's

    def _ask_catalogue(self, photo: Mapping[str, Any]) -> None:
        """Every catalogue item's names, once, when the photo shows a label no summary
        names (what a relabelled item was, what the detector first saw): those are named
        in the window's language too."""
        if self._catalogue_asked or self._api is None:
            return
        detected = photo.get("detected") if isinstance(photo.get("detected"), Mapping) else {}
        labels = set()
        for item in [*(photo.get("items") or []), *(detected.get("items") or [])]:
            if isinstance(item, Mapping):
                labels.update(
                    value
                    for value in (item.get("label"), item.get("relabeledFrom"))
                    if isinstance(value, str)
                )
        if all(label in self._model.items for label in labels):
            return
        self._catalogue_asked = True
        self._api.catalogue("", self._catalogue_answered, limit=200)

    def _catalogue_answered(self, result: ApiResult) -> None:
        items = (result.data or {}).get("items") if result.ok else None
        if not isinstance(items, list):
            self._catalogue_asked = False  # ask again next time
            return
        self._catalogue = {
            str(entry["label"]): entry
            for entry in items
            if isinstance(entry, Mapping) and isinstance(entry.get("label"), str)
        }
        if self.isVisible():
            self._refresh()

    def _picker(self, title: str, **options: Any) -> AddItemDialog | None:
        if self._api is None or not self.editable:
            return None
        dialog = AddItemDialog(self._api, self._tr, {}, self, title=title, photo=True, **options)
        if self.dialog is not None:
            self.dialog.close()
        self.dialog = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda *_: self._dialog_gone(dialog))
        dialog.open()  # window-modal on the viewer, no nested event loop
        return dialog

    def _dialog_gone(self, dialog: QDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None

    def add_item(self) -> AddItemDialog | None:
        """ "Add an item…": a catalogue item seen in the photo, and how many."""
        photo_id = self.photo_id
        photo = self._model.photo(self.row) if self.row is not None else {}
        name = str(photo.get("fileName") or f"#{photo_id}")
        dialog = self._picker(self._tr("viewer.addTitle", name=name), have=self.editor.quantities())
        if dialog is not None:

            def add() -> None:
                fields = dialog.fields()
                if fields and "label" in fields:
                    self._correct("photo.item", {"photoId": photo_id, **fields})

            dialog.accepted.connect(add)
        return dialog

    def relabel_item(self, label: str) -> AddItemDialog | None:
        """ "Not this…": the item is another catalogue item (its boxes stay)."""
        photo_id = self.photo_id
        tr = self._tr
        dialog = self._picker(
            tr("viewer.relabelTitle", name=self._name(label)),
            ask_quantity=False,
            accept_text=tr("viewer.relabelOk"),
            exclude=label,
        )
        if dialog is not None:

            def relabel() -> None:
                to = dialog.label()
                if to and to != label:
                    self._correct("photo.relabel", {"photoId": photo_id, "label": label, "to": to})

            dialog.accepted.connect(relabel)
        return dialog


def _qty(item: Mapping[str, Any]) -> int:
    try:
        return max(1, int(item.get("quantity", 1)))
    except (TypeError, ValueError):
        return 1


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
