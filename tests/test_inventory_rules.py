"""The inventory's rules on the shipped catalogue: packing, per-room aggregation, rooms."""

from __future__ import annotations

import json
from pathlib import PurePath
from types import SimpleNamespace

import pytest

from desktopapp.inventory import load_app_catalogue
from desktopapp.inventory.aggregate import inventory_summary
from desktopapp.inventory.catalogue import CATALOGUE_FILE, CatalogueError, load_catalogue
from desktopapp.inventory.packing import packed_volume
from desktopapp.inventory.room_items import room_from_items
from desktopapp.inventory.room_names import room_from_names
from desktopapp.platform.paths import resources_dir

CATALOGUE = load_catalogue(resources_dir() / CATALOGUE_FILE)
VOCABULARY = [
    "sofa",
    "armchair",
    "chair",
    "stool",
    "bench",
    "ottoman",
    "dining_table",
    "coffee_table",
    "side_table",
    "desk",
    "bed",
    "crib",
    "wardrobe",
    "dresser",
    "bookcase",
    "shelf_unit",
    "cabinet",
    "sideboard",
    "tv",
    "tv_stand",
    "refrigerator",
    "oven_stove",
    "microwave",
    "washing_machine",
    "dishwasher",
    "floor_lamp",
    "table_lamp",
    "pendant_lamp",
    "rug",
    "mirror",
    "wall_art",
    "potted_plant",
    "vase",
    "clock",
    "book_stack",
    "boxes",
    "suitcase",
    "bicycle",
    "piano",
    "toilet",
    "sink",
    "bathtub",
    "laptop",
    "computer_monitor",
    "curtains",
    "cushions_pillows",
    "basket",
    "other_large",
]


def photo(id: int, room: str | None, items: list[dict], **fields) -> SimpleNamespace:
    base = dict(id=id, status="DONE", room_type=room, room_name=None, duplicate_of=None)
    base.update(fields)
    return SimpleNamespace(items=items, **base)


def item(label: str, quantity: int = 1, box=None, confidence: float = 0.9) -> dict:
    entry = {"label": label, "quantity": quantity, "confidence": confidence}
    if box is not None:
        entry["box"] = box
    return entry


def test_the_catalogue_covers_the_vocabulary_with_names_and_sources():
    missing = [label for label in VOCABULARY if label not in CATALOGUE]
    assert not missing
    for entry in CATALOGUE:
        assert entry.en and entry.fr and entry.volume_source
        assert entry.volume_m3 > 0 or entry.built_in
    classes = CATALOGUE.for_detector_class()
    assert classes["couch"] == "sofa" and classes["dining table"] == "dining_table"
    assert CATALOGUE.get("sink").built_in and not CATALOGUE.get("sofa").built_in


def test_catalogue_search_finds_french_and_english_names_without_accents():
    assert "refrigerator" in [entry.key for entry in CATALOGUE.search("refrigerateur")]
    assert "refrigerator" in [entry.key for entry in CATALOGUE.search("fridge")]
    assert "sofa" in [entry.key for entry in CATALOGUE.search("canap")]
    assert CATALOGUE.search("   ") == []


@pytest.mark.parametrize(
    ("label", "rule"),
    [("tv", "fragile"), ("vase", "fragile"), ("sofa", "large"), ("bed", "dismountable")],
)
def test_packing_rules_with_the_catalogue_numbers(label, rule):
    entry = CATALOGUE.get(label)
    unit = entry.volume_m3
    packed = packed_volume(unit, 3, fragile=entry.fragile, dismountable=entry.dismountable)
    if rule == "fragile":
        assert entry.fragile
        expected = unit * 3 * 2 * (0.7 if entry.dismountable else 1)
    elif rule == "large":
        assert not entry.fragile and not entry.dismountable and unit > 0.06
        expected = unit * 3 * 1.05
    else:
        assert entry.dismountable and not entry.fragile and unit > 0.06
        expected = unit * 3 * 1.05 * 0.7
    assert packed == pytest.approx(expected)


def test_small_items_gain_ten_percent_and_large_ones_five():
    assert packed_volume(0.06, 1, fragile=False, dismountable=False) == pytest.approx(0.066)
    assert packed_volume(0.07, 1, fragile=False, dismountable=False) == pytest.approx(0.0735)
    assert packed_volume(0.5, 2, fragile=True, dismountable=True) == pytest.approx(1.4)


def test_one_room_photographed_twice_counts_the_max_not_the_sum():
    photos = [
        photo(1, "living_room", [item("sofa"), item("chair", 2)]),
        photo(2, "living_room", [item("sofa"), item("chair", 3), item("tv")]),
        photo(3, "living_room", [item("chair", 4)], duplicate_of=2),  # the same shot again
        photo(4, "bedroom", [item("bed")]),
        photo(5, "living_room", [item("sofa", 5)], status="ERROR"),
    ]
    summary = inventory_summary(photos, "test", CATALOGUE)
    rooms = {room["roomType"]: room for room in summary["rooms"]}
    living = {line["label"]: line for line in rooms["living_room"]["items"]}
    assert {label: line["quantity"] for label, line in living.items()} == {
        "sofa": 1,
        "chair": 3,
        "tv": 1,
    }
    assert living["chair"]["photoId"] == 2
    assert rooms["living_room"]["photos"] == 3
    assert summary["totalItems"] == 6
    sofa, chair, tv, bed = (CATALOGUE.get(k) for k in ("sofa", "chair", "tv", "bed"))
    volume = sofa.volume_m3 + 3 * chair.volume_m3 + tv.volume_m3 + bed.volume_m3
    assert summary["totalVolume"] == pytest.approx(volume, abs=0.002)
    assert summary["totalPackedVolume"] > summary["totalVolume"] * 0.7
    assert living["sofa"]["fr"] and living["sofa"]["en"] == sofa.en


def test_two_folders_of_the_same_room_type_stay_two_rooms():
    photos = [
        photo(1, "bedroom", [item("bed")], room_name="Chambre 1"),
        photo(2, "bedroom", [item("bed")], room_name="Chambre 2"),
    ]
    summary = inventory_summary(photos, "test", CATALOGUE)
    assert [room["roomName"] for room in summary["rooms"]] == ["Chambre 1", "Chambre 2"]
    assert summary["totalItems"] == 2


def test_built_in_items_are_listed_but_not_moved():
    summary = inventory_summary(
        [photo(1, "kitchen", [item("sink"), item("chair")])], "t", CATALOGUE
    )
    (room,) = summary["rooms"]
    lines = {line["label"]: line for line in room["items"]}
    assert lines["sink"]["builtIn"] and lines["sink"]["volume_m3"] == 0
    assert room["itemsCount"] == 1 and room["items"][-1]["label"] == "sink"


def test_a_models_objects_outside_the_catalogue_are_named_and_wait_for_a_volume():
    other = {"label": "other", "quantity": 1, "source": "model"}
    summary = inventory_summary(
        [
            photo(1, "living_room", [item("sofa"), {**other, "text": "piano bench"}]),
            photo(2, "living_room", [{**other, "quantity": 2, "text": "aquarium"}]),
        ],
        "t",
        CATALOGUE,
    )
    (room,) = summary["rooms"]
    lines = {line["label"]: line for line in room["items"]}
    assert lines["other"]["en"] == "Other: aquarium, piano bench"
    assert lines["other"]["fr"] == "Autre : aquarium, piano bench"
    assert lines["other"]["quantity"] == 2 and lines["other"]["volume_m3"] == 0
    assert lines["other"]["needsVolume"] and not lines["sofa"]["needsVolume"]
    assert summary["totalVolume"] == lines["sofa"]["volume_m3"]  # no made-up volume


@pytest.mark.parametrize(
    ("items", "room", "cue"),
    [
        ([item("bed", box=[0.1, 0.4, 0.9, 1.0])], "bedroom", "bed"),
        ([item("toilet", box=[0.4, 0.5, 0.6, 0.9])], "bathroom", "toilet"),
        ([item("refrigerator", box=[0, 0, 0.3, 1]), item("sink")], "kitchen", "refrigerator"),
        ([item("dining_table", box=[0.2, 0.5, 0.8, 0.9]), item("chair", 2)], "dining_room", None),
        ([item("dining_table", box=[0.2, 0.5, 0.8, 0.9])], None, None),
        # a living room with the kitchen's oven far behind: the sofa fills the frame
        (
            [item("sofa", box=[0.0, 0.4, 0.7, 1.0]), item("oven_stove", box=[0.8, 0.4, 0.9, 0.5])],
            "living_room",
            "sofa",
        ),
        ([item("vase")], None, None),
    ],
)
def test_room_from_items(items, room, cue):
    guess = room_from_items(items)
    assert (guess.room_type if guess else None) == room
    if cue:
        assert guess.cue == cue


def test_room_from_names_keeps_the_folder_that_named_it():
    named = room_from_names("/home/me/Maison/Chambre 2/IMG_001.jpg")
    assert (named.room_type, named.folder, named.cue) == ("bedroom", "Chambre 2", "Chambre 2")
    named = room_from_names("/home/me/photos/salon-1.jpg")
    assert (named.room_type, named.folder) == ("living_room", None)
    named = room_from_names("/home/me/Maison/Chambre 1/chambre-parents.jpg")
    assert (named.room_type, named.folder, named.cue) == ("bedroom", "Chambre 1", "chambre-parents")
    named = room_from_names("/home/me/Salon/cuisine-vue.jpg")  # the file decides, alone
    assert (named.room_type, named.folder) == ("kitchen", None)


def test_the_users_own_folders_name_no_room():
    """The French desktop is ~/Bureau ("office"): photos on it are in no room for that."""
    desktop = PurePath("/home/marie/Bureau")
    ignore = frozenset({desktop, PurePath("/home/marie")})
    assert room_from_names("/home/marie/Bureau/Demenagement/IMG_1.jpg", ignore=ignore) is None
    assert room_from_names("/home/marie/Bureau/IMG_1.jpg", ignore=ignore) is None
    named = room_from_names("/home/marie/Bureau/Maison/Cuisine/IMG_2.jpg", ignore=ignore)
    assert (named.room_type, named.folder) == ("kitchen", "Cuisine")
    named = room_from_names("/home/marie/Maison/Bureau/IMG_3.jpg", ignore=ignore)
    assert (named.room_type, named.folder) == ("office", "Bureau")  # a real study


def test_a_broken_catalogue_is_refused_with_the_file_named(tmp_path):
    data = json.loads((resources_dir() / CATALOGUE_FILE).read_text(encoding="utf-8"))
    bad = tmp_path / "catalogue.json"
    data["items"][0]["volume_m3"] = -1
    bad.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"catalogue\.json.*negative"):
        load_catalogue(bad)
    data["items"][0]["volume_m3"] = 1
    data["items"][0]["colour"] = "red"
    bad.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CatalogueError, match="unknown field"):
        load_catalogue(bad)
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(CatalogueError, match="not valid JSON"):
        load_catalogue(bad)


def test_standard_user_folders_include_home_and_desktop(monkeypatch, tmp_path):
    from desktopapp.inventory.room_names import standard_user_folders

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_DESKTOP_DIR", str(tmp_path / "Bureau"))
    folders = standard_user_folders()
    assert PurePath(tmp_path) in folders and PurePath(tmp_path / "Bureau") in folders


def test_a_volumes_file_saved_with_a_byte_order_mark_is_read(tmp_path):
    (tmp_path / "volumes.json").write_bytes(b"\xef\xbb\xbf" + b'{"sofa": 2.5}')
    catalogue, problem = load_app_catalogue(resources_dir(), tmp_path)
    assert problem is None and catalogue.get("sofa").volume_m3 == 2.5


def test_user_volume_overrides_apply_and_bad_ones_are_reported(tmp_path):
    (tmp_path / "volumes.json").write_text('{"sofa": 3.25}', encoding="utf-8")
    catalogue, problem = load_app_catalogue(resources_dir(), tmp_path)
    assert problem is None
    assert catalogue.get("sofa").volume_m3 == 3.25 and "sofa" in catalogue.overridden
    (tmp_path / "volumes.json").write_text('{"spaceship": 3, "sofa": -2}', encoding="utf-8")
    catalogue, problem = load_app_catalogue(resources_dir(), tmp_path)
    assert "volumes.json" in problem and "spaceship" in problem
    assert catalogue.get("sofa").volume_m3 == CATALOGUE.get("sofa").volume_m3
