"""Corrections on a real core: each kind, each flag, merge, exclude, undo/redo, restart, delete.

The photos are test pictures in room folders, analysed by names only (no detector), so
every item comes from a correction and each total is computed here by hand from the
catalogue's unit volumes (resources/inventory/catalogue.json) and the packing rules:
    wardrobe 1.416 m³, dismountable → packed × 1.05 × 0.7
    chair    0.142 m³, dismountable → packed × 1.05 × 0.7 (× 2 × 0.7 once fragile)
    tv       0.425 m³, fragile      → packed × 2
    sofa     1.416 m³               → packed × 1.05
"""

from __future__ import annotations

from pathlib import Path

import pytest

from desktopapp.core import journal
from desktopapp.core.review import CorrectionError, NothingToUndo
from desktopapp.core.services import Core
from desktopapp.platform.settings import Settings
from tests.conftest import wait_until_final
from tests.helpers import make_photo

SALON = {"roomType": "living_room", "roomName": "Salon"}
CUISINE = {"roomType": "kitchen", "roomName": "Cuisine"}
CHAMBRE = {"roomType": "bedroom", "roomName": "Chambre"}


def make_drop(folder: Path) -> Path:
    layout = [("Salon", "a.jpg"), ("Salon", "b.jpg"), ("Cuisine", "c.jpg"), ("Chambre", "d.jpg")]
    for seed, (room, name) in enumerate(layout):
        (folder / room).mkdir(parents=True, exist_ok=True)
        make_photo(folder / room / name, seed)
    return folder


def start_core(data_dir: Path) -> Core:
    core = Core(Settings(data_dir=data_dir, workers=2, analyzer="names"))
    core.start()
    return core


@pytest.fixture
def reviewed(tmp_path: Path):
    core = start_core(tmp_path / "data")
    batch_id = core.create_batch([make_drop(tmp_path / "drop")]).batch_id
    wait_until_final(core, batch_id)
    yield core, batch_id
    assert core.stop(timeout=30)


def summary(core: Core, batch_id: int) -> dict:
    return core.snapshot(batch_id)["inventorySummary"]


def room_of(summary_: dict, room: dict) -> dict:
    return next(
        r
        for r in summary_["rooms"]
        if (r["roomType"], r["roomName"]) == (room["roomType"], room["roomName"])
    )


def line_of(summary_: dict, room: dict, label: str) -> dict:
    return next(line for line in room_of(summary_, room)["items"] if line["label"] == label)


def photo_ids(core: Core, batch_id: int) -> dict[str, int]:
    return {p["fileName"]: p["id"] for p in core.snapshot(batch_id)["photos"]}


def totals(summary_: dict) -> tuple[int, float, float]:
    return summary_["totalItems"], summary_["totalVolume"], summary_["totalPackedVolume"]


def test_rooms_come_from_the_folders_and_start_empty(reviewed) -> None:
    core, batch_id = reviewed
    snap = core.snapshot(batch_id)
    rooms = {(r["roomType"], r["roomName"]): r["photos"] for r in snap["inventorySummary"]["rooms"]}
    assert rooms == {
        ("living_room", "Salon"): 2,
        ("kitchen", "Cuisine"): 1,
        ("bedroom", "Chambre"): 1,
    }
    assert totals(snap["inventorySummary"]) == (0, 0, 0)
    assert snap["review"] == {
        "name": None,
        "header": {},
        "corrections": 0,
        "undo": None,
        "redo": None,
    }


def test_items_added_by_hand_their_quantities_and_the_packing_rules(reviewed) -> None:
    core, batch_id = reviewed
    core.correct(batch_id, "room.item", {"room": CHAMBRE, "label": "wardrobe", "quantity": 1})
    s = summary(core, batch_id)
    assert totals(s) == (1, 1.416, round(1.416 * 1.05 * 0.7, 3))  # 1.041
    wardrobe = line_of(s, CHAMBRE, "wardrobe")
    assert (wardrobe["source"], wardrobe["detectedQuantity"], wardrobe["photoId"]) == (
        "hand",
        0,
        None,
    )
    assert s["handAddedItems"] == 1

    core.correct(batch_id, "room.item", {"room": SALON, "label": "chair", "quantity": 3})
    s = summary(core, batch_id)
    chairs_packed = round(0.142 * 3 * 1.05 * 0.7, 3)  # 0.313
    assert line_of(s, SALON, "chair")["packedVolume_m3"] == chairs_packed
    assert totals(s) == (4, round(1.416 + 3 * 0.142, 3), round(1.041 + chairs_packed, 3))
    assert room_of(s, SALON)["itemsCount"] == 3

    core.correct(batch_id, "room.item", {"room": SALON, "label": "chair", "quantity": 2})
    assert line_of(summary(core, batch_id), SALON, "chair")["volume_m3"] == round(2 * 0.142, 3)
    core.correct(batch_id, "room.item", {"room": SALON, "label": "chair", "quantity": 0})
    assert room_of(summary(core, batch_id), SALON)["items"] == []  # 0 removes the line


def test_an_item_of_ones_own_with_its_volume(reviewed) -> None:
    core, batch_id = reviewed
    core.correct(
        batch_id,
        "room.item",
        {"room": SALON, "name": "Piano droit", "volume_m3": 1.5, "quantity": 1},
    )
    line = line_of(summary(core, batch_id), SALON, "custom:piano-droit")
    assert (line["en"], line["fr"], line["custom"], line["source"]) == (
        "Piano droit",
        "Piano droit",
        True,
        "hand",
    )
    assert (line["volume_m3"], line["packedVolume_m3"]) == (1.5, round(1.5 * 1.05, 3))
    # its label then takes flags and quantities like any other
    core.correct(
        batch_id, "room.flags", {"room": SALON, "label": "custom:piano-droit", "fragile": True}
    )
    assert line_of(summary(core, batch_id), SALON, "custom:piano-droit")["packedVolume_m3"] == 3.0


@pytest.mark.parametrize(
    ("flags", "volume", "packed", "count"),
    [
        ({"fragile": True}, 0.426, round(0.426 * 2 * 0.7, 3), 3),  # fragile, still dismountable
        ({"dismountable": False}, 0.426, round(0.426 * 1.05, 3), 3),
        ({"notMoving": "sold"}, 0.0, 0.0, 0),
        ({"notMoving": "given"}, 0.0, 0.0, 0),
        ({"notMoving": "stays"}, 0.0, 0.0, 0),
        ({"packedBy": "customer"}, 0.426, round(0.426 * 1.05 * 0.7, 3), 3),
    ],
)
def test_each_flag_and_what_it_does_to_the_volumes(
    reviewed, flags: dict, volume: float, packed: float, count: int
) -> None:
    core, batch_id = reviewed
    core.correct(batch_id, "room.item", {"room": SALON, "label": "chair", "quantity": 3})
    core.correct(batch_id, "room.flags", {"room": SALON, "label": "chair", **flags})
    s = summary(core, batch_id)
    line = line_of(s, SALON, "chair")
    for key, value in flags.items():
        assert line[key] == value
    assert line["quantity"] == 3  # listed whatever the flags
    assert (line["volume_m3"], line["packedVolume_m3"]) == (volume, packed)
    assert totals(s) == (count, volume, packed)


def test_rename_then_merge_rooms_carries_their_items(reviewed) -> None:
    core, batch_id = reviewed
    core.correct(batch_id, "room.item", {"room": CUISINE, "label": "refrigerator", "quantity": 1})
    core.correct(batch_id, "room.item", {"room": SALON, "label": "sofa", "quantity": 1})
    core.correct(batch_id, "room.rename", {"room": SALON, "name": "Séjour"})
    sejour = {"roomType": "living_room", "roomName": "Séjour"}
    s = summary(core, batch_id)
    assert room_of(s, sejour)["photos"] == 2
    assert [line["label"] for line in room_of(s, sejour)["items"]] == ["sofa"]
    snap = core.snapshot(batch_id)
    salon_photos = [p for p in snap["photos"] if p["fileName"] in ("a.jpg", "b.jpg")]
    assert {p["roomName"] for p in salon_photos} == {"Séjour"}
    assert all(
        p["roomSource"] == "hand" and p["detected"]["roomName"] == "Salon" for p in salon_photos
    )

    core.correct(batch_id, "room.merge", {"room": CUISINE, "into": sejour})
    s = summary(core, batch_id)
    assert len(s["rooms"]) == 2
    merged = room_of(s, sejour)
    assert merged["photos"] == 3
    assert {line["label"] for line in merged["items"]} == {"sofa", "refrigerator"}
    assert totals(s) == (2, round(1.416 + 1.274, 3), round(1.416 * 1.05 + 1.274 * 1.05, 3))


def test_moving_photos_to_another_room_and_excluding_one(reviewed) -> None:
    core, batch_id = reviewed
    ids = photo_ids(core, batch_id)
    core.correct(
        batch_id,
        "photo.room",
        {"photoIds": [ids["a.jpg"], ids["c.jpg"]], **CHAMBRE},
    )
    s = summary(core, batch_id)
    assert room_of(s, CHAMBRE)["photos"] == 3
    assert room_of(s, SALON)["photos"] == 1
    assert all(r["roomName"] != "Cuisine" for r in s["rooms"])  # no photo left there

    core.correct(batch_id, "photo.exclude", {"photoIds": [ids["b.jpg"]], "excluded": True})
    snap = core.snapshot(batch_id)
    assert all(r["roomName"] != "Salon" for r in snap["inventorySummary"]["rooms"])
    excluded = next(p for p in snap["photos"] if p["fileName"] == "b.jpg")
    assert excluded["excluded"] is True and excluded["status"] == "DONE"
    core.correct(batch_id, "photo.exclude", {"photoIds": [ids["b.jpg"]], "excluded": False})
    assert room_of(summary(core, batch_id), SALON)["photos"] == 1


def test_header_and_name_of_the_batch(reviewed) -> None:
    core, batch_id = reviewed
    core.correct(
        batch_id,
        "batch.header",
        {"customer": "Mme Durand", "date": "2027-01-15", "fromFloor": "3", "fromLift": False},
    )
    core.correct(
        batch_id, "batch.header", {"toAddress": "12 rue des Lilas, Lyon", "notes": "Piano\nfragile"}
    )
    core.correct(batch_id, "batch.rename", {"name": "Déménagement Durand"})
    review = core.snapshot(batch_id)["review"]
    assert review["header"] == {
        "customer": "Mme Durand",
        "date": "2027-01-15",
        "fromFloor": "3",
        "fromLift": False,
        "toAddress": "12 rue des Lilas, Lyon",
        "notes": "Piano\nfragile",
    }
    assert review["name"] == "Déménagement Durand"
    listed = next(b for b in core_list(core) if b["batchId"] == batch_id)
    assert listed["name"] == "Déménagement Durand"


def core_list(core: Core) -> list[dict]:
    from desktopapp.core import state

    return state.list_batches()


def test_undo_and_redo_restore_each_state_exactly(reviewed) -> None:
    core, batch_id = reviewed
    states = [core.snapshot(batch_id)]
    edits = [
        ("room.item", {"room": SALON, "label": "tv", "quantity": 1}),
        ("room.rename", {"room": SALON, "name": "Séjour"}),
        ("batch.rename", {"name": "Durand"}),
    ]
    for kind, data in edits:
        core.correct(batch_id, kind, data)
        states.append(core.snapshot(batch_id))
    assert states[1]["inventorySummary"]["totalPackedVolume"] == 0.85  # a fragile tv: × 2

    def without_review(snap: dict) -> dict:
        return {key: value for key, value in snap.items() if key != "review"}

    for expected in reversed(states[:-1]):
        core.undo(batch_id)
        assert without_review(core.snapshot(batch_id)) == without_review(expected)
    with pytest.raises(NothingToUndo):
        core.undo(batch_id)
    assert core.snapshot(batch_id)["review"]["redo"]["kind"] == "room.item"
    core.redo(batch_id)
    assert without_review(core.snapshot(batch_id)) == without_review(states[1])
    # a new correction forgets what was undone
    core.correct(batch_id, "room.item", {"room": CUISINE, "label": "chair", "quantity": 2})
    assert core.snapshot(batch_id)["review"]["redo"] is None
    with pytest.raises(NothingToUndo):
        core.redo(batch_id)


def test_each_correction_is_one_journal_event_carrying_the_inventory(reviewed) -> None:
    core, batch_id = reviewed
    head = journal.head_id(batch_id)
    core.correct(batch_id, "room.rename", {"room": SALON, "name": "Séjour"})
    rows = journal.events_after(batch_id, head)
    assert len(rows) == 1 and rows[0].type == "correction"
    payload = rows[0].payload
    assert {p["fileName"] for p in payload["photos"]} == {"a.jpg", "b.jpg"}  # only those changed
    assert payload["inventorySummary"] == core.snapshot(batch_id)["inventorySummary"]
    assert payload["review"]["undo"]["kind"] == "room.rename"
    core.undo(batch_id)
    rows = journal.events_after(batch_id, rows[0].id)
    assert [row.type for row in rows] == ["correction.undo"]
    assert {p["roomName"] for p in rows[0].payload["photos"]} == {"Salon"}


def test_corrections_survive_a_restart(tmp_path: Path) -> None:
    core = start_core(tmp_path / "data")
    batch_id = core.create_batch([make_drop(tmp_path / "drop")]).batch_id
    wait_until_final(core, batch_id)
    core.correct(batch_id, "room.item", {"room": SALON, "label": "sofa", "quantity": 2})
    core.correct(batch_id, "room.rename", {"room": SALON, "name": "Séjour"})
    core.undo(batch_id)
    before = core.snapshot(batch_id)
    assert core.stop(timeout=30)
    again = start_core(tmp_path / "data")
    try:
        assert again.snapshot(batch_id) == before
        again.redo(batch_id)
        assert again.snapshot(batch_id)["review"]["corrections"] == 2
    finally:
        assert again.stop(timeout=30)


@pytest.mark.parametrize(
    ("kind", "data", "code"),
    [
        ("room.item", {"room": SALON, "label": "spaceship", "quantity": 1}, "unknown_item"),
        ("room.item", {"room": SALON, "label": "sofa", "quantity": -1}, "bad_quantity"),
        ("room.item", {"room": SALON, "label": "sofa", "quantity": 1001}, "bad_quantity"),
        ("room.item", {"room": SALON, "label": "sofa", "quantity": 2.5}, "bad_quantity"),
        ("room.item", {"room": SALON, "label": "sofa", "quantity": True}, "bad_quantity"),
        ("room.rename", {"room": SALON, "name": "x" * 10_240}, "text_too_long"),
        ("room.rename", {"room": SALON, "name": "a\x00b"}, "bad_text"),
        ("room.rename", {"room": SALON, "name": "  "}, "bad_text"),
        (
            "room.rename",
            {"room": {"roomType": "spa", "roomName": None}, "name": "x"},
            "bad_room_type",
        ),
        (
            "room.rename",
            {"room": {"roomType": "garage", "roomName": None}, "name": "x"},
            "room_not_found",
        ),
        ("room.merge", {"room": SALON, "into": SALON}, "bad_request"),
        ("room.flags", {"room": SALON, "label": "sofa", "fragile": True}, "item_not_in_room"),
        ("room.flags", {"room": SALON, "label": "sofa", "notMoving": "lost"}, "bad_flag"),
        (
            "room.item",
            {"room": SALON, "name": "Piano", "volume_m3": 0, "quantity": 1},
            "bad_volume",
        ),
        ("photo.room", {"photoIds": [], **SALON}, "bad_photo_ids"),
        ("photo.room", {"photoIds": [999_999], **SALON}, "photo_not_in_batch"),
        ("photo.exclude", {"photoIds": ["1"]}, "bad_photo_ids"),
        ("batch.header", {"date": "15/01/2027"}, "bad_date"),
        ("batch.header", {"customer": "x" * 201}, "text_too_long"),
        ("batch.header", {"color": "red"}, "bad_request"),
        ("batch.rename", {"name": "x" * 101}, "text_too_long"),
        ("room.teleport", {}, "bad_kind"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(
    reviewed, kind: str, data: dict, code: str
) -> None:
    core, batch_id = reviewed
    before, head = core.snapshot(batch_id), journal.head_id(batch_id)
    with pytest.raises(CorrectionError) as raised:
        core.correct(batch_id, kind, data)
    assert raised.value.code == code and raised.value.message
    assert core.snapshot(batch_id) == before
    assert journal.head_id(batch_id) == head


def test_html_in_names_is_kept_as_typed(reviewed) -> None:
    core, batch_id = reviewed
    core.correct(batch_id, "room.rename", {"room": SALON, "name": "<b>Salon</b> & co"})
    names = {r["roomName"] for r in summary(core, batch_id)["rooms"]}
    assert "<b>Salon</b> & co" in names  # stored as text: each renderer escapes it


def test_deleting_a_batch_removes_its_files_but_not_those_another_batch_uses(
    tmp_path: Path,
) -> None:
    core = start_core(tmp_path / "data")
    try:
        drop = make_drop(tmp_path / "drop")
        first = core.create_batch([drop]).batch_id
        wait_until_final(core, first)
        second = core.create_batch([drop / "Salon" / "a.jpg"]).batch_id  # shares a.jpg
        wait_until_final(core, second)
        core.correct(first, "room.item", {"room": SALON, "label": "sofa", "quantity": 1})
        store = core.paths.store
        assert len([p for p in store.iterdir() if not p.name.startswith(".")]) == 4
        removed = core.delete_batch(first)
        assert removed["photos"] == 4
        assert removed["filesRemoved"] == 6  # 3 originals + 3 thumbnails; a.jpg is shared
        left = [p.name for p in store.iterdir() if not p.name.startswith(".")]
        assert left == [core.snapshot(second)["photos"][0]["fileName"] and left[0]]
        assert len(list(core.paths.thumbs.glob("*.jpg"))) == 1
        from desktopapp.core.state import BatchNotFound

        with pytest.raises(BatchNotFound):
            core.snapshot(first)
        with pytest.raises(BatchNotFound):
            core.correct(first, "batch.rename", {"name": "x"})
        assert core.snapshot(second)["status"] == "COMPLETED"  # the other batch is whole
    finally:
        assert core.stop(timeout=30)


def test_a_photos_detected_items_relabelled_recounted_and_removed(core) -> None:
    """The real detector on a real photo: what it saw stays beside what the mover says."""
    home = Path(__file__).resolve().parents[2] / "shared/corpus/photos/shandutta__homematch-v2"
    batch_id = core.create_batch([home / "mock-home-1.jpg"]).batch_id
    snap = wait_until_final(core, batch_id, timeout=120)
    (photo,) = snap["photos"]
    seen = {item["label"] for item in photo["items"]}
    assert "sofa" in seen
    room = snap["inventorySummary"]["rooms"][0]
    key = {"roomType": room["roomType"], "roomName": room["roomName"]}
    sofa = line_of(snap["inventorySummary"], key, "sofa")
    assert (sofa["source"], sofa["detectedQuantity"]) == ("detected", sofa["quantity"])
    before = snap["inventorySummary"]["totalVolume"]

    core.correct(
        batch_id, "photo.relabel", {"photoId": photo["id"], "label": "sofa", "to": "armchair"}
    )
    s = summary(core, batch_id)
    armchair = line_of(s, key, "armchair")
    assert armchair["quantity"] == sofa["quantity"] and armchair["detectedQuantity"] == 0
    assert all(line["label"] != "sofa" for line in room_of(s, key)["items"])
    assert s["totalVolume"] == round(before - sofa["quantity"] * (1.416 - 0.283), 3)
    corrected = core.snapshot(batch_id)["photos"][0]
    assert corrected["detected"]["items"] == photo["items"]  # the detector's result, kept
    relabelled = [i for i in corrected["items"] if i["label"] == "armchair"]
    assert relabelled and all(i["relabeledFrom"] == "sofa" and "box" in i for i in relabelled)

    core.correct(
        batch_id, "photo.item", {"photoId": photo["id"], "label": "armchair", "quantity": 4}
    )
    assert line_of(summary(core, batch_id), key, "armchair")["quantity"] == 4
    core.correct(
        batch_id, "photo.item", {"photoId": photo["id"], "label": "armchair", "quantity": 0}
    )
    s = summary(core, batch_id)
    assert all(line["label"] != "armchair" for line in room_of(s, key)["items"])
    assert s["totalVolume"] == round(before - sofa["quantity"] * 1.416, 3)
    assert s["handRemovedItems"] == sofa["quantity"]  # the detector's sofa, gone by hand
    with pytest.raises(CorrectionError) as raised:
        core.correct(
            batch_id, "photo.relabel", {"photoId": photo["id"], "label": "sofa", "to": "bed"}
        )
    assert raised.value.code == "item_not_in_photo"
