"""`PhotoListModel`: a batch's photos as a Qt list model, updated in place.

The model reads the `BatchState` an `SseClient` keeps (no copy). Each stream change
becomes the smallest model signal: appended rows → rowsInserted; changed rows →
dataChanged on contiguous ranges of just those rows; only a snapshot that changed the
set of photos resets the model. A 10,000-photo batch stays smooth.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from desktopapp.ui.batch_state import BatchState
from desktopapp.ui.i18n import Translator
from desktopapp.ui.inventory_view import ItemBook, photo_item_parts
from desktopapp.ui.plain_text import plain_tip
from desktopapp.ui.thumbnails import ThumbnailLoader

Index = QModelIndex | QPersistentModelIndex
ROW_ITEM_KINDS = 4  # item kinds named on a row's detail line; the rest is "+n"


class Role(IntEnum):
    Photo = Qt.ItemDataRole.UserRole + 1
    PhotoId = Qt.ItemDataRole.UserRole + 2
    Status = Qt.ItemDataRole.UserRole + 3
    Room = Qt.ItemDataRole.UserRole + 4
    Error = Qt.ItemDataRole.UserRole + 5
    Detail = Qt.ItemDataRole.UserRole + 6
    StatusText = Qt.ItemDataRole.UserRole + 7
    Items = Qt.ItemDataRole.UserRole + 8  # [(localised name, quantity)] of a DONE photo
    Excluded = Qt.ItemDataRole.UserRole + 9  # the user left it out of the inventory


def contiguous_ranges(rows: list[int]) -> list[tuple[int, int]]:
    """[5, 1, 2, 3, 9] → [(1, 3), (5, 5), (9, 9)]."""
    ranges: list[tuple[int, int]] = []
    for row in sorted(set(rows)):
        if ranges and row == ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], row)
        else:
            ranges.append((row, row))
    return ranges


class PhotoListModel(QAbstractListModel):
    def __init__(
        self,
        translator: Translator,
        thumbnails: ThumbnailLoader | None = None,
        parent: Any = None,
        items: ItemBook | None = None,
    ) -> None:
        super().__init__(parent)
        self._tr = translator
        self._thumbs = thumbnails
        self.items = items if items is not None else ItemBook()
        # A row's detail line is painted far more often than its photo changes: it is made
        # once per change (photo id → text), dropped when the photo or the names change.
        self._details: dict[Any, str] = {}
        self._state: BatchState | None = None
        self._count = 0
        self.processing: set[Any] = set()
        self.resets = 0  # how many full resets happened (tests watch this stays low)
        if thumbnails is not None:
            thumbnails.thumbnailReady.connect(self._on_thumbnail)

    # -- feeding -------------------------------------------------------------------------
    def set_state(self, state: BatchState | None) -> None:
        self.beginResetModel()
        self._state = state
        self._details.clear()
        self._count = len(state) if state is not None else 0
        self.processing = self._scan_processing()
        self.endResetModel()
        self.resets += 1

    @property
    def state(self) -> BatchState | None:
        return self._state

    def apply_change(self, change: dict[str, Any]) -> None:
        """Reflect one `SseClient.stateChanged` (the state is already updated)."""
        state = self._state
        if state is None:
            return
        if change.get("full") or len(state) < self._count:
            self.set_state(state)
            return
        if len(state) > self._count:
            first, last = self._count, len(state) - 1
            self.beginInsertRows(QModelIndex(), first, last)
            self._count = len(state)
            self.endInsertRows()
            for row in range(first, last + 1):
                self._track(state.order[row])
        rows = []
        for photo_id in change.get("changed", ()):
            row = state.row_of(photo_id)
            if row is not None and row < self._count:
                rows.append(row)
                self._track(photo_id)
        for first, last in contiguous_ranges(rows):
            self.dataChanged.emit(self.index(first), self.index(last))

    def names_changed(self) -> None:
        """Item names were learned: the detail lines read anew (only visible rows repaint)."""
        self._details.clear()
        if self._count:
            self.dataChanged.emit(self.index(0), self.index(self._count - 1))

    def _track(self, photo_id: Any) -> None:
        self._details.pop(photo_id, None)
        photo = self._state.photos[photo_id] if self._state else {}
        status = photo.get("status")
        if status == "PROCESSING":
            self.processing.add(photo_id)
        else:
            self.processing.discard(photo_id)
        if status != "DONE" and self._thumbs is not None:
            self._thumbs.forget(photo_id)

    def _scan_processing(self) -> set[Any]:
        if self._state is None:
            return set()
        return {pid for pid, p in self._state.photos.items() if p.get("status") == "PROCESSING"}

    def _on_thumbnail(self, photo_id: int) -> None:
        row = self._state.row_of(photo_id) if self._state is not None else None
        if row is not None and row < self._count:
            index = self.index(row)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])

    # -- reading ---------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._count

    def photo(self, row: int) -> dict[str, Any]:
        assert self._state is not None
        return self._state.photo_at(row)

    def row_of(self, photo_id: Any) -> int | None:
        return self._state.row_of(photo_id) if self._state is not None else None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self._state is None or not 0 <= index.row() < self._count:
            return None
        photo = self._state.photo_at(index.row())
        status = photo.get("status")
        if role == Qt.ItemDataRole.DisplayRole:
            return photo.get("fileName") or f"#{photo.get('id')}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tip(self._tooltip(photo))
        if role == Qt.ItemDataRole.DecorationRole:
            if status == "DONE" and self._thumbs is not None and photo.get("thumbnailUrl"):
                return self._thumbs.get(int(photo["id"]))
            return None
        if role == Qt.ItemDataRole.AccessibleTextRole:
            parts = [photo.get("fileName") or "", self._detail(photo)]
            parts.append(self._tr.photo_status(status))
            return ", ".join(part for part in parts if part)
        if role == Role.Photo:
            return photo
        if role == Role.PhotoId:
            return photo.get("id")
        if role == Role.Status:
            return status
        if role == Role.Room:
            return self._room(photo)
        if role == Role.Error:
            return self._error(photo)
        if role == Role.StatusText:
            return self._tr.photo_status(status)
        if role == Role.Detail:
            detail = self._details.get(photo.get("id"))
            if detail is None:
                detail = self._details[photo.get("id")] = self._detail(photo)
            return detail
        if role == Role.Items:
            return self._items(photo)
        if role == Role.Excluded:
            return bool(photo.get("excluded"))
        return None

    def _room(self, photo: dict[str, Any]) -> str:
        """The room a DONE photo shows: the folder that named it, else its localised type."""
        if photo.get("status") != "DONE":
            return ""
        return photo.get("roomName") or self._tr.room(photo.get("roomType"))

    def _items(self, photo: dict[str, Any]) -> list[tuple[str, int]]:
        if photo.get("status") != "DONE":
            return []
        return photo_item_parts(photo.get("items") or [], self.items, self._tr.lang)

    def _items_text(self, photo: dict[str, Any], limit: int | None = ROW_ITEM_KINDS) -> str:
        """ "Canapé ×1 · Chaise ×2" (the first `limit` kinds, then "+n")."""
        parts = self._items(photo)
        if not parts:
            items = int(photo.get("itemsCount") or 0)  # a server without the item list
            return self._tr("n.items", n=items) if items else ""
        shown = parts if limit is None else parts[:limit]
        text = " · ".join(f"{name} ×{quantity}" for name, quantity in shown)
        if len(parts) > len(shown):
            text += " " + self._tr("item.more", n=len(parts) - len(shown))
        return text

    def _error(self, photo: dict[str, Any]) -> str:
        if photo.get("status") != "ERROR":
            return ""
        return self._tr.photo_error(photo.get("errorCode"), photo.get("errorMessage"))

    def _detail(self, photo: dict[str, Any], limit: int | None = ROW_ITEM_KINDS) -> str:
        """The row's second line: room · items · flags, or the error."""
        status = photo.get("status")
        if status == "ERROR":
            return self._error(photo)
        if status != "DONE":
            # `attempts` counts the tries started: a PENDING photo with tries behind it
            # waits for its next one; a PROCESSING one is in try number `attempts`.
            attempts = int(photo.get("attempts") or 0)
            if status == "PENDING" and attempts:
                return self._tr("photo.attempts", n=attempts + 1)
            return self._tr("photo.attempts", n=attempts) if attempts > 1 else ""
        room = self._room(photo)
        if room and photo.get("roomSource") == "hand":
            room = self._tr("photo.roomByHand", room=room)
        parts = [room, self._items_text(photo, limit)]
        parts.extend(self._tr.flag(flag) for flag in photo.get("flags") or [])
        if photo.get("excluded"):
            parts.insert(0, self._tr("photo.excluded"))
        return " · ".join(part for part in parts if part)

    def _tooltip(self, photo: dict[str, Any]) -> str:
        error = self._error(photo)
        if error:
            return error
        detail = self._detail(photo, limit=None)
        name = photo.get("fileName") or ""
        return f"{name}\n{detail}" if detail else name
