"""The inventory in the window: the live per-room view against the server's own aggregation,
the summary's item lines, the photo rows' items, and a batch streamed by a scripted server."""

from __future__ import annotations

import copy
import json

import pytest
from PySide6.QtGui import QPalette

from desktopapp.ui import theme
from desktopapp.ui.api_client import ApiClient
from desktopapp.ui.batch_state import BatchState
from desktopapp.ui.i18n import Translator
from desktopapp.ui.inventory_view import ItemBook, LiveInventory, label_words
from desktopapp.ui.photo_model import PhotoListModel, Role
from desktopapp.ui.progress_widget import BatchProgressWidget
from desktopapp.ui.sse_client import SseClient
from desktopapp.ui.summary_widget import NAME, InventorySummary
from tests.ui_helpers import (
    OFFSCREEN_QUIRKS,
    STREAM_HEAD,
    TOKEN,
    ScriptedServer,
    http_response,
    item,
    payload,
    photo,
    server_summary,
    sse,
)

pytestmark = OFFSCREEN_QUIRKS
FR, EN = Translator("fr"), Translator("en")


def done(pid: int, room: str | None, items: list, name: str | None = None, **extra) -> dict:
    return photo(pid, "DONE", roomType=room, roomName=name, items=items, **extra)


# Two photos of the same living room (the max per photo counts, not the sum), a near-
# duplicate that adds nothing, two bedrooms that stay two, a kitchen with a built-in sink,
# a photo whose room is unknown, and photos that are not done.
PHOTOS = [
    done(1, "living_room", [item("sofa"), item("chair"), item("chair"), item("lamp")], "Salon"),
    done(2, "living_room", [item("chair", 3), item("tv")], "Salon"),
    done(3, "living_room", [item("chair", 5), item("sofa", 2)], "Salon", duplicateOf=2),
    done(4, "bedroom", [item("bed"), item("lamp", 2)], "Chambre 1"),
    done(5, "bedroom", [item("bed")], "Chambre 2"),
    done(6, "kitchen", [item("sink"), item("chair", 2), item("table")]),
    done(7, None, [item("rug")]),
    photo(8, "ERROR", errorCode="corrupt"),
    photo(9, "PROCESSING"),
    done(10, "kitchen", []),
]


def state_of(photos: list[dict], status: str = "PROCESSING", summary=None) -> BatchState:
    state = BatchState(7)
    state.apply(payload(7, copy.deepcopy(photos), status, 50, snapshot=True, summary=summary))
    return state


def comparable(summary: dict) -> dict:
    """A summary without what only says where an item was seen (`photoId`), or how much the
    live view does not know yet (`unknownLines`)."""
    out = json.loads(json.dumps(summary))
    out.pop("unknownLines", None)
    for room in out["rooms"]:
        room.pop("unknownLines", None)
        for line in room["items"]:
            line.pop("photoId", None)
    return out


def assert_close(mine, theirs, where: str = "summary") -> None:
    """Equal, but for volumes a litre apart: the live view's packed volume per unit is
    derived from the server's lines, which are rounded to the litre."""
    if isinstance(theirs, dict):
        assert isinstance(mine, dict) and mine.keys() == theirs.keys(), where
        for key in theirs:
            assert_close(mine[key], theirs[key], f"{where}.{key}")
    elif isinstance(theirs, list):
        assert isinstance(mine, list) and len(mine) == len(theirs), where
        for i, (a, b) in enumerate(zip(mine, theirs, strict=True)):
            assert_close(a, b, f"{where}[{i}]")
    elif isinstance(theirs, float) and not isinstance(mine, bool):
        assert mine == pytest.approx(theirs, abs=0.0015), where
    else:
        assert mine == theirs, where


# -- the live view equals the server's aggregation --------------------------------------------


def test_live_inventory_equals_the_servers_summary():
    server = server_summary(PHOTOS)
    book = ItemBook()
    assert book.learn(server) and not book.learn(server)  # the second time: nothing new
    live = LiveInventory(book)
    live.reset(state_of(PHOTOS))
    mine = live.summary(server["analyzer"])
    assert mine["unknownLines"] == 0
    assert_close(comparable(mine), comparable(server))
    salon = next(room for room in mine["rooms"] if room["roomName"] == "Salon")
    quantities = {line["label"]: line["quantity"] for line in salon["items"]}
    assert quantities == {"sofa": 1, "chair": 3, "lamp": 1, "tv": 1}  # max per photo, no dup
    assert salon["photos"] == 3
    bedrooms = [room for room in mine["rooms"] if room["roomType"] == "bedroom"]
    assert sorted(room["roomName"] for room in bedrooms) == ["Chambre 1", "Chambre 2"]


def test_live_inventory_follows_deltas_like_a_fresh_count():
    """Photos arrive one by one, one moves to another room (retried), one goes back to
    PENDING: the incremental view always equals a count from scratch, and the server's."""
    book = ItemBook()
    book.learn(server_summary(PHOTOS))
    pending = [photo(p["id"]) for p in PHOTOS]
    state = state_of(pending)
    live = LiveInventory(book)
    live.reset(state)
    moved = done(2, "bedroom", [item("chair", 3)], "Chambre 1")
    steps = [*PHOTOS, moved, photo(4, "PENDING"), done(4, "bedroom", [item("bed")], "Chambre 1")]
    for step in steps:
        change = state.apply({"photos": [copy.deepcopy(step)]})
        live.update(state, change.as_dict())
        fresh = LiveInventory(book)
        fresh.reset(state)
        expected = server_summary(list(state.photos.values()))
        assert comparable(live.summary()) == comparable(fresh.summary())
        assert_close(comparable(live.summary("test-detector")), comparable(expected))
    assert not live.dirty
    live.update(
        state,
        state.apply(
            {
                "photos": [
                    photo(
                        1,
                        "DONE",
                        roomType="living_room",
                        roomName="Salon",
                        items=PHOTOS[0]["items"],
                    )
                ]
            }
        ).as_dict(),
    )
    assert not live.dirty  # the same photo again: nothing to redo


def test_labels_not_named_yet_have_no_volume_until_a_summary_names_them():
    book = ItemBook()
    live = LiveInventory(book)
    state = state_of([done(1, "kitchen", [item("table"), item("dining_chair", 2)])])
    live.reset(state)
    summary = live.summary()
    assert live.unknown_labels() == {"table", "dining_chair"}
    assert summary["unknownLines"] == 2
    lines = {line["label"]: line for line in summary["rooms"][0]["items"]}
    assert lines["dining_chair"]["en"] == "Dining chair" == label_words("dining_chair")
    assert lines["table"]["volume_m3"] is None and summary["totalVolume"] == 0
    assert summary["totalItems"] == 3  # counted all the same
    book.learn(server_summary(list(state.photos.values())))
    assert live.unknown_labels() == set()
    assert book.name("table", "fr") == "Table à manger"
    # a label the server's catalogue lacks: named by its key as words, no volume
    assert book.name("dining_chair", "fr") == "Dining chair"
    lines = {line["label"]: line for line in live.summary()["rooms"][0]["items"]}
    assert lines["dining_chair"]["volume_m3"] == 0 and lines["table"]["volume_m3"] == 0.8


# -- the summary widget -----------------------------------------------------------------------


def test_summary_lists_rooms_and_items_in_french_with_packed_total(qtbot):
    server = server_summary(PHOTOS)
    widget = InventorySummary(FR)
    qtbot.addWidget(widget)
    widget.resize(900, 600)
    widget.set_summary(server)
    widget.show()
    lines = widget.tree.lines()
    names = [line[0] for line in lines]
    assert "Salon" in names and "Chambre 1" in names and "Chambre 2" in names
    assert "Cuisine" in names  # no folder: the localised room type
    assert "Pièce non reconnue" in names
    salon = names.index("Salon")
    room = next(room for room in server["rooms"] if room["roomName"] == "Salon")
    volumes = (FR.volume(room["volume_m3"], 2), FR.volume(room["packedVolume_m3"], 2))
    assert lines[salon][1:4] == ("6", *volumes)  # 1 sofa, 3 chairs, a lamp, a tv
    assert volumes == ("2,04 m³", "2,30 m³")
    rows = {line[0]: line for line in lines}
    assert rows["Canapé"][1:4] == ("1", "1,42 m³", "1,49 m³")
    assert rows["Tapis"][2] == "0,10 m³"  # two decimals on every line of a column
    assert rows["Lampe"][4] == "Fragile"  # a marker
    assert rows["Table à manger"][4] == "Démontable"
    assert rows["Évier"][1:5] == ("1", "—", "—", "Intégré · non déménagé")  # not moved
    assert rows["Salon"][4] == "3 photos"
    assert widget.packed_tile.figure.text() == FR.volume(server["totalPackedVolume"], 2)
    assert widget.volume_tile.figure.text() == FR.volume(server["totalVolume"], 2)
    assert widget.items_tile.figure.text() == str(server["totalItems"])
    assert widget.rooms_tile.figure.text() == "5"
    assert widget.packed_tile.caption.text() == "Volume emballé"
    # the built-in line is greyed
    tree = widget.tree
    sink = tree.findItems("Évier", tree_match_flags(), NAME)[0]
    muted = theme.secondary_text(tree.palette())
    assert sink.foreground(NAME).color() == muted and sink.font(NAME).italic()
    assert widget.live.text() == "" and widget.analyzer.text() == "Reconnaissance : test-detector"


def tree_match_flags():
    from PySide6.QtCore import Qt

    return Qt.MatchFlag.MatchExactly | Qt.MatchFlag.MatchRecursive


def test_summary_in_english_and_updated_in_place(qtbot):
    widget = InventorySummary(EN)
    qtbot.addWidget(widget)
    first = server_summary(PHOTOS[:2])
    widget.set_summary(first, provisional=True)
    assert widget.live.text() == "Provisional · fills in while the batch runs"
    names = [line[0] for line in widget.tree.lines()]
    assert names[:2] == ["Salon", "Sofa"] and "Television" in names
    top = widget.tree.topLevelItem(0)
    # more of the same items: the rows stay (updated in place), the figures change
    second = server_summary([*PHOTOS[:2], done(11, "living_room", [item("chair", 4)], "Salon")])
    widget.set_summary(second, provisional=True)
    assert widget.tree.topLevelItem(0) is top
    chairs = widget.tree.findItems("Chair", tree_match_flags(), NAME)[0]
    assert chairs.text(1) == "4"
    # the user folds the living room; then enough chairs to outweigh the sofa: the chair
    # line moves above it (the server's order), the same item, the room still folded
    top.setExpanded(False)
    sofa = widget.tree.findItems("Sofa", tree_match_flags(), NAME)[0]
    third = server_summary([*PHOTOS[:2], done(11, "living_room", [item("chair", 12)], "Salon")])
    widget.set_summary(third, provisional=True)
    assert [top.child(i) for i in range(top.childCount())][:2] == [chairs, sofa]
    assert chairs.text(1) == "12" and not top.isExpanded()
    assert widget.tree.topLevelItem(0) is top
    widget.set_summary({"rooms": [], "totalItems": 0}, provisional=True)
    assert widget.tree.isHidden() and not widget.empty.isHidden()


# -- the photo rows ---------------------------------------------------------------------------


def test_photo_rows_name_their_room_and_items(qtbot):
    state = state_of(PHOTOS)
    book = ItemBook()
    model = PhotoListModel(FR, items=book)
    model.set_state(state)
    # before any summary named them, the labels read as words
    assert model.index(0).data(Role.Detail) == "Salon · Sofa ×1 · Chair ×2 · Lamp ×1"
    changed = []
    model.dataChanged.connect(lambda a, b, roles=(): changed.append((a.row(), b.row())))
    book.learn(server_summary(PHOTOS))
    model.names_changed()
    assert changed == [(0, len(PHOTOS) - 1)]
    assert model.index(0).data(Role.Detail) == "Salon · Canapé ×1 · Chaise ×2 · Lampe ×1"
    assert model.index(5).data(Role.Detail) == "Cuisine · Évier ×1 · Chaise ×2 · Table à manger ×1"
    assert model.index(9).data(Role.Detail) == "Cuisine"
    many = done(12, "office", [item(key) for key in ("sofa", "chair", "lamp", "tv", "rug", "bed")])
    model.apply_change(state.apply({"photos": [many]}).as_dict())
    detail = model.index(len(state) - 1).data(Role.Detail)
    assert detail == "Bureau · Canapé ×1 · Chaise ×1 · Lampe ×1 · Télévision ×1 +2"
    tooltip = model.index(len(state) - 1).data(0x03)  # ToolTipRole: every item
    assert "Tapis ×1 · Lit double avec tête de lit ×1" in tooltip
    # the line is made once per change, then read from the cache
    first = model.index(0)
    assert model.data(first, Role.Detail) is model.data(first, Role.Detail)
    model.apply_change(state.apply({"photos": [done(1, "living_room", [item("tv")])]}).as_dict())
    assert model.index(0).data(Role.Detail) == "Salon · Télévision ×1"  # the type's name
    english = PhotoListModel(EN, items=book)
    english.set_state(state)
    assert english.index(0).data(Role.Detail) == "Living room · Television ×1"
    assert (
        english.index(3).data(Role.Detail) == "Chambre 1 · Double bed with headboard ×1 · Lamp ×2"
    )
    assert english.index(6).data(Role.Detail) == "Room not recognised · Rug ×1"


# -- a batch streamed by a scripted server: live inventory, then the server's -----------------


class Batch:
    """A scripted server for batch 7: the stream (fed by the test) and the REST state."""

    def __init__(self) -> None:
        self.server = ScriptedServer()
        self.photos = [photo(i) for i in (1, 2, 3, 4)]
        self.stream_socket = None
        self.rest_asks = 0
        self.server.default = self._route
        self.next_id = 1

    def _route(self, request) -> None:
        if request.path.startswith("/api/batches/7/stream"):
            self.stream_socket = request.socket
            request.socket.write(STREAM_HEAD + sse(retry=1000))
            self.send("progress", self.state(snapshot=True))
        elif request.path == "/api/batches/7":
            self.rest_asks += 1
            body = json.dumps(self.state(snapshot=True)).encode()
            request.socket.write(http_response(200, body, {"Content-Type": "application/json"}))
            request.socket.disconnectFromHost()
        else:
            request.socket.write(http_response(404))
            request.socket.disconnectFromHost()

    def state(self, snapshot: bool = False, changed: list | None = None) -> dict:
        done_count = sum(p["status"] == "DONE" for p in self.photos)
        status = "COMPLETED" if done_count == len(self.photos) else "PROCESSING"
        body = payload(
            7,
            copy.deepcopy(self.photos if snapshot else changed or []),
            status,
            100 * done_count // len(self.photos),
            snapshot=snapshot,
            all_photos=self.photos,
            summary=server_summary(self.photos) if snapshot else None,
        )
        return body

    def send(self, event: str, data: dict) -> None:
        self.stream_socket.write(sse(event, data, id=self.next_id))
        self.next_id += 1

    def finish(self, pid: int, **fields) -> None:
        index = next(i for i, p in enumerate(self.photos) if p["id"] == pid)
        self.photos[index] = photo(pid, "DONE", **fields)
        self.send("progress", self.state(changed=[self.photos[index]]))


@pytest.fixture
def batch(qtbot):
    scripted = Batch()
    yield scripted
    scripted.server.close()


def test_summary_updates_live_then_shows_the_servers(qtbot, batch):
    api = ApiClient(batch.server.url, TOKEN)
    widget = BatchProgressWidget(api, FR)
    qtbot.addWidget(widget)
    widget.resize(1000, 900)
    widget.show()
    client = SseClient(batch.server.url, TOKEN, 7)
    widget.set_client(client)
    client.start()
    qtbot.waitUntil(lambda: client.state.has_snapshot, timeout=5000)
    assert widget.summary.isHidden()  # nothing done yet: nothing to show
    summary = widget.summary

    def names() -> list[str]:
        return [line[0] for line in summary.tree.lines()]

    batch.finish(
        1, roomType="living_room", roomName="Salon", items=[item("sofa"), item("chair", 2)]
    )
    # shown at once, provisional; the names and volumes arrive from the REST state
    qtbot.waitUntil(lambda: summary.isVisible() and "Canapé" in names(), timeout=5000)
    assert summary.provisional and summary.live.text().startswith("Provisoire")
    assert batch.rest_asks == 1
    row = widget.model.index(0)
    qtbot.waitUntil(lambda: row.data(Role.Detail) == "Salon · Canapé ×1 · Chaise ×2")
    batch.finish(2, roomType="living_room", roomName="Salon", items=[item("chair", 3)])
    qtbot.waitUntil(
        lambda: summary.tree.findItems("Chaise", tree_match_flags(), NAME)[0].text(1) == "3",
        timeout=5000,
    )
    batch.finish(3, roomType="kitchen", items=[item("sink"), item("table")])
    qtbot.waitUntil(lambda: "Table à manger" in names(), timeout=5000)
    assert batch.rest_asks == 2  # one more: two labels no summary had named
    batch.finish(4, roomType="kitchen", items=[item("table")], duplicateOf=3)
    kitchen = ("Cuisine", "1", "0,80 m³", "0,59 m³", "2 photos")  # the duplicate adds 0
    qtbot.waitUntil(lambda: kitchen in summary.tree.lines(), timeout=5000)
    live_view = comparable(summary.summary)
    final = batch.state(snapshot=True)
    final.pop("snapshot")
    batch.send("complete", final)
    qtbot.waitUntil(lambda: client.is_finished, timeout=5000)
    assert summary.summary == final["inventorySummary"]  # the server's, as it came
    assert not summary.provisional and summary.live.text() == ""
    assert_close(live_view, comparable(final["inventorySummary"]))  # the live view was right
    packed = final["inventorySummary"]["totalPackedVolume"]
    assert summary.packed_tile.figure.text() == FR.volume(packed, 2)
    assert kitchen in summary.tree.lines()
    widget.shutdown()
    client.close()


def test_dark_palette_keeps_marker_text_readable(qtbot):
    widget = InventorySummary(EN)
    qtbot.addWidget(widget)
    dark = QPalette(theme.shade("gray", "900"))
    widget.setPalette(dark)
    widget.set_summary(server_summary(PHOTOS))
    widget.resize(900, 600)
    widget.show()
    image = widget.grab().toImage()
    assert not image.isNull()
    sink = widget.tree.findItems("Sink", tree_match_flags(), NAME)[0]
    assert sink.foreground(NAME).color().lightness() > 128  # greyed, still light on dark


def test_every_room_type_and_string_has_both_languages():
    from desktopapp.platform.i18n import ROOM_TYPES, catalogue

    room_types = [
        "living_room",
        "kitchen",
        "bedroom",
        "bathroom",
        "dining_room",
        "office",
        "hall",
        "garage",
        "cellar",
        "attic",
        "laundry",
        "garden",
        "kids_room",
        "storage",
    ]
    assert set(ROOM_TYPES) == set(room_types)
    for lang in ("fr", "en"):
        assert all((FR if lang == "fr" else EN).has(f"room.{rt}") for rt in room_types)
    assert FR.room("unknown") == "Pièce non reconnue" and EN.room(None) == "Room not recognised"
    assert set(catalogue()["fr"]) == set(catalogue()["en"])  # tests/test_i18n_catalogue.py


def test_live_inventory_costs_per_changed_photo(qtbot):
    """5,000 photos finishing one by one: each delta touches only its photo."""
    import time

    state = state_of([photo(i) for i in range(1, 5001)])
    book = ItemBook()
    book.learn(server_summary(PHOTOS))
    live = LiveInventory(book)
    live.reset(state)
    rooms = ("living_room", "kitchen", "bedroom", "office")
    started = time.perf_counter()
    for pid in range(1, 5001):
        room = rooms[pid % 4]
        items = [item("chair", 1 + pid % 5), item("sofa" if pid % 2 else "lamp")]
        change = state.apply({"photos": [done(pid, room, items)]})
        live.update(state, change.as_dict())
        if pid % 100 == 0:
            live.summary()  # what the throttled render does, ten times a second
    elapsed = time.perf_counter() - started
    summary = live.summary()
    assert summary["totalItems"] == 4 * 5 + 2 + 2  # max 5 chairs per room; sofas, lamps
    assert elapsed < 3, f"5,000 deltas took {elapsed:.2f} s"
