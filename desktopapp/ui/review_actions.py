"""The mover's corrections from the window: context menus, undo / redo, and what they send.

    actions = ReviewActions(api, translator, parent)
    actions.set_client(client)                  # the batch on screen (its SseClient)
    actions.correct("room.rename", {"room": room_ref(room), "name": "Salon bleu"})
    actions.room_menu(room, rooms, parent).popup(pos)   # rename / merge into / add an item
    actions.line_menu(room, line, parent)       # flags, not moving, packed by, remove
    actions.photo_menu([ids], photos, rooms, parent)    # move to room, exclude / include,
                                                        # analyse again
    actions.reanalyse([ids]); actions.reanalyse(None)   # again: these / the model missed
    actions.undo(); actions.redo(); actions.describe(state.review["undo"])

Every action is one `POST` (ApiClient); nothing is changed locally. What the window shows
comes back on the batch's stream, as for any other client: one journal event per
correction carries the photos it changed, the corrected inventory and the review state.
The window follows finished batches too (`SseClient(follow=True)`: the stream stays open
after `complete`); a client that does not follow has closed its stream at `complete`, so
after its own correction the window resumes it (Last-Event-ID: the new event, `complete`).
Errors (400 / 404 / 409 with {"error": {"code", "message"}}) go to `message`, the banner.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu, QWidget

from desktopapp.platform.i18n import ROOM_TYPES as KNOWN_ROOM_TYPES
from desktopapp.ui.api_client import ApiClient, ApiResult
from desktopapp.ui.i18n import Translator
from desktopapp.ui.inventory_view import item_name, label_words, room_name
from desktopapp.ui.plain_text import menu_text, plain_tip
from desktopapp.ui.sse_client import Connection, SseClient

ROOM_TYPES = (*KNOWN_ROOM_TYPES, "unknown")  # the server's room type keys
NOT_MOVING = (None, "sold", "given", "stays")
PACKED_BY = ("mover", "customer")


def room_ref(room: Mapping[str, Any]) -> dict[str, Any]:
    """A room as the API names it: exactly the summary's roomType / roomName."""
    return {"roomType": room.get("roomType") or "unknown", "roomName": room.get("roomName")}


def same_room(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    return room_ref(a) == room_ref(b)


class ReviewActions(QObject):
    message = Signal(str, str)  # (kind, text): the window's banner
    batchDeleted = Signal(int, int)  # (batch id, photos removed)
    busyChanged = Signal(bool)  # a request is on its way (undo / redo wait for it)

    def __init__(self, api: ApiClient, translator: Translator, parent: QObject | None = None):
        super().__init__(parent)
        self._api = api
        self._tr = translator
        self._client: SseClient | None = None
        self._pending = 0
        self.menu: QMenu | None = None  # the last menu made (tests drive its actions)

    # -- the batch ---------------------------------------------------------------------
    def set_client(self, client: SseClient | None) -> None:
        self._client = client

    @property
    def batch_id(self) -> int | None:
        return self._client.batch_id if self._client is not None else None

    @property
    def busy(self) -> bool:
        return self._pending > 0

    def _review(self) -> dict[str, Any]:
        review = self._client.state.review if self._client is not None else None
        return review if isinstance(review, dict) else {}

    def _summary(self) -> dict[str, Any]:
        summary = self._client.state.inventory_summary if self._client is not None else None
        return summary if isinstance(summary, dict) else {}

    # -- sending ----------------------------------------------------------------------
    def correct(self, kind: str, fields: dict[str, Any]) -> bool:
        client = self._client
        if client is None:
            return False
        self._start()
        self._api.correct(client.batch_id, kind, fields, lambda r: self._answered(client, r))
        return True

    def undo(self) -> bool:
        return self._step(self._api.undo, "undo")

    def redo(self) -> bool:
        return self._step(self._api.redo, "redo")

    def _step(self, send: Callable[..., Any], which: str) -> bool:
        client = self._client
        if client is None or self.busy or not self._review().get(which):
            return False
        self._start()
        send(client.batch_id, lambda result: self._answered(client, result))
        return True

    def _start(self) -> None:
        self._pending += 1
        if self._pending == 1:
            self.busyChanged.emit(True)

    def _answered(self, client: SseClient, result: ApiResult) -> None:
        self._pending = max(0, self._pending - 1)
        if not self._pending:
            self.busyChanged.emit(False)
        if not result.ok:
            self.message.emit("error", self._tr("review.error", message=result.message))
            return
        # the change comes back on the stream; one that does not follow has closed
        if client.connection == Connection.FINISHED and not getattr(client, "follow", False):
            client.resume()

    # -- analysing photos again (after the vision model was down) -----------------------
    def reanalyse(self, photo_ids: list[int] | None) -> bool:
        """Send finished photos round again (`None`: those the model missed); the stream
        then shows them queued, then done. The answer goes to the banner."""
        client = self._client
        if client is None:
            return False
        self._start()
        self._api.reanalyse(
            client.batch_id, photo_ids, lambda result: self._reanalysed(client, result)
        )
        return True

    def _reanalysed(self, client: SseClient, result: ApiResult) -> None:
        self._pending = max(0, self._pending - 1)
        if not self._pending:
            self.busyChanged.emit(False)
        if not result.ok:
            self.message.emit("error", self._tr("reanalyse.error", message=result.message))
            return
        data = result.data if isinstance(result.data, Mapping) else {}
        text = self._tr("reanalyse.done", n=len(data.get("requeued") or []))
        if data.get("paused"):
            text += " " + self._tr("reanalyse.paused")
        self.message.emit("success", text)
        if client.connection == Connection.FINISHED and not getattr(client, "follow", False):
            client.resume()

    def delete_batch(self) -> None:
        client = self._client
        if client is None:
            return
        batch_id = client.batch_id
        self._api.delete_batch(batch_id, lambda result: self._deleted(batch_id, result))

    def _deleted(self, batch_id: int, result: ApiResult) -> None:
        if not result.ok:
            self.message.emit("error", self._tr("review.deleteError", message=result.message))
            return
        photos = int((result.data or {}).get("photos") or 0)
        self.message.emit("success", self._tr("review.deleted", id=batch_id, n=photos))
        self.batchDeleted.emit(batch_id, photos)

    # -- what an undo / redo would do ---------------------------------------------------
    def describe(self, entry: Any) -> str:
        """ "renommer « Salon » en « Séjour »": one review entry {"kind", "data"} in words."""
        tr = self._tr
        if not isinstance(entry, Mapping):
            return ""
        kind = str(entry.get("kind") or "")
        data = entry.get("data") if isinstance(entry.get("data"), Mapping) else {}
        room = data.get("room") if isinstance(data.get("room"), Mapping) else {}
        values: dict[str, Any] = {"room": room_name(tr, room) if room else ""}
        if kind == "photo.room":
            values = {"n": len(data.get("photoIds") or []), "room": room_name(tr, data)}
        elif kind == "photo.exclude":
            values = {"n": len(data.get("photoIds") or [])}
            if not data.get("excluded"):
                kind = "photo.include"
        elif kind in ("room.rename", "batch.rename"):
            values["name"] = data.get("name") or ""
        elif kind == "room.merge":
            into = data.get("into") if isinstance(data.get("into"), Mapping) else {}
            values["into"] = room_name(tr, into)
        elif kind in ("room.item", "room.flags"):
            values["item"] = self._item_name(data)
            values["n"] = data.get("quantity", "")
        key = f"kind.{kind}"
        return tr(key, **values) if tr.has(key) else tr("kind.other")

    def _item_name(self, data: Mapping[str, Any]) -> str:
        if data.get("name"):
            return str(data["name"])
        label = str(data.get("label") or "")
        for room in self._summary().get("rooms") or []:
            for line in room.get("items") or []:
                if line.get("label") == label:
                    return item_name(line, self._tr.lang)
        return label_words(label.removeprefix("custom:"))

    # -- menus ---------------------------------------------------------------------------
    def _new_menu(self, parent: QWidget | None) -> QMenu:
        if self.menu is not None:
            self.menu.deleteLater()
        self.menu = QMenu(parent)
        return self.menu

    def room_menu(
        self,
        room: Mapping[str, Any],
        rooms: Iterable[Mapping[str, Any]],
        parent: QWidget | None,
        rename: Callable[[], None],
        add_item: Callable[[], None],
    ) -> QMenu:
        tr = self._tr
        menu = self._new_menu(parent)
        menu.addAction(tr("room.menu.rename"), rename).setObjectName("rename")
        merge = menu.addMenu(tr("room.menu.merge"))
        merge.setObjectName("merge")
        others = [other for other in rooms if not same_room(other, room)]
        for other in others:
            action = merge.addAction(menu_text(room_name(tr, other)))
            action.setObjectName(f"{other.get('roomType')}|{other.get('roomName') or ''}")
            action.triggered.connect(
                lambda _=False, other=other: self.correct(
                    "room.merge", {"room": room_ref(room), "into": room_ref(other)}
                )
            )
        merge.setEnabled(bool(others))
        menu.addSeparator()
        menu.addAction(tr("room.menu.add"), add_item).setObjectName("add")
        return menu

    def line_menu(
        self,
        room: Mapping[str, Any],
        line: Mapping[str, Any],
        parent: QWidget | None,
        edit_quantity: Callable[[], None],
    ) -> QMenu:
        tr = self._tr
        menu = self._new_menu(parent)
        ref, label = room_ref(room), line.get("label")

        def flags(**change: Any) -> None:
            self.correct("room.flags", {"room": ref, "label": label, **change})

        menu.addAction(tr("line.quantity"), edit_quantity).setObjectName("quantity")
        menu.addSeparator()
        for key, flag in (("fragile", "item.fragile"), ("dismountable", "item.dismountable")):
            action = menu.addAction(tr(flag))
            action.setObjectName(key)
            action.setCheckable(True)
            action.setChecked(bool(line.get(key)))
            action.toggled.connect(lambda on, key=key: flags(**{key: on}))
        self._choices(
            menu.addMenu(tr("line.notMoving")),
            "notMoving",
            [(value, tr(f"notMoving.{value or 'none'}")) for value in NOT_MOVING],
            line.get("notMoving"),
            lambda value: flags(notMoving=value),
        )
        self._choices(
            menu.addMenu(tr("line.packedBy")),
            "packedBy",
            [(value, tr(f"packedBy.{value}")) for value in PACKED_BY],
            line.get("packedBy") or "mover",
            lambda value: flags(packedBy=value),
        )
        menu.addSeparator()
        remove = menu.addAction(tr("line.remove"))
        remove.setObjectName("remove")
        remove.triggered.connect(
            lambda: self.correct("room.item", {"room": ref, "label": label, "quantity": 0})
        )
        return menu

    @staticmethod
    def _choices(
        menu: QMenu,
        name: str,
        choices: list[tuple[Any, str]],
        current: Any,
        choose: Callable[[Any], None],
    ) -> None:
        menu.setObjectName(name)
        group = QActionGroup(menu)
        group.setExclusive(True)
        for value, text in choices:
            action = menu.addAction(text)
            action.setObjectName(str(value or "none"))
            action.setCheckable(True)
            action.setChecked(value == current)
            group.addAction(action)
            if value != current:
                action.triggered.connect(lambda _=False, value=value: choose(value))

    def photo_menu(
        self,
        photo_ids: list[Any],
        photos: list[Mapping[str, Any]],
        rooms: Iterable[Mapping[str, Any]],
        parent: QWidget | None,
    ) -> QMenu:
        tr = self._tr
        menu = self._new_menu(parent)
        ids = [int(pid) for pid in photo_ids]
        move = menu.addMenu(tr("photo.moveTo"))
        move.setObjectName("moveTo")
        section = move.addSection(tr("photo.batchRooms"))
        section.setObjectName("batchRooms")
        named = []
        for room in rooms:
            named.append(room_ref(room))
            self._move_action(move, ids, room_ref(room), room_name(tr, room))
        move.addSection(tr("photo.roomTypes"))
        for room_type in ROOM_TYPES:
            ref = {"roomType": room_type, "roomName": None}
            if ref not in named:
                self._move_action(move, ids, ref, tr.room(room_type))
        menu.addSeparator()
        excluded = bool(photos) and all(photo.get("excluded") for photo in photos)
        toggle = menu.addAction(tr("photo.include" if excluded else "photo.exclude"))
        toggle.setObjectName("include" if excluded else "exclude")
        toggle.triggered.connect(
            lambda: self.correct("photo.exclude", {"photoIds": ids, "excluded": not excluded})
        )
        menu.addSeparator()
        finished = [int(p["id"]) for p in photos if p.get("status") == "DONE" and "id" in p]
        again = menu.addAction(tr("reanalyse.photo"))
        again.setObjectName("reanalyse")
        again.setToolTip(tr("reanalyse.photoTip"))
        again.setEnabled(bool(finished))
        again.triggered.connect(lambda: self.reanalyse(finished))
        menu.setEnabled(bool(ids))
        return menu

    def _move_action(self, menu: QMenu, ids: list[int], ref: dict[str, Any], text: str) -> None:
        action = menu.addAction(menu_text(text))
        action.setObjectName(f"{ref['roomType']}|{ref['roomName'] or ''}")
        action.triggered.connect(lambda: self.correct("photo.room", {"photoIds": ids, **ref}))


def menu_action(menu: QMenu, *path: str) -> QAction:
    """The action at `path` (object names) in `menu` and its submenus (tests, scripting)."""
    current = menu
    for name in path[:-1]:
        sub = current.findChild(QMenu, name)
        assert sub is not None, f"no submenu {name!r}"
        current = sub
    for action in current.actions():
        if action.objectName() == path[-1]:
            return action
    raise LookupError(f"no action {path[-1]!r}")


__all__ = [
    "ReviewActions",
    "menu_action",
    "menu_text",
    "plain_tip",
    "room_ref",
    "same_room",
]
