"""The one catalogue of words (resources/i18n/strings.json) is complete in both languages.

Same keys in French and English, the same placeholders in each pair, both plural forms,
every key the window, the page, the PDF report and the CSV export name literally exists,
and no "(s)" plural left anywhere; the page gets the catalogue as /static/i18n.js, the
binary ships it, and Qt's own dialogs speak French when the window does.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from desktopapp.platform import i18n
from desktopapp.platform.i18n import LANGUAGES, PLURAL_FORMS, ROOM_TYPES, Words, placeholders

REPO = Path(__file__).resolve().parents[1]
CATALOGUE = json.loads((REPO / "resources" / "i18n" / "strings.json").read_text("utf-8"))

KEY = r"[\"']([A-Za-z][\w.]*)[\"']"
# the translation calls of each part, with a literal key as their first argument
PY_CALLS = re.compile(r"\b(?:tr|_tr|tr_|words|named|translator)\(\s*" + KEY)
PY_COUNTS = re.compile(r"\b_count\(\s*words,\s*" + KEY)  # the report's counts
JS_CALLS = re.compile(r"\bt\(\s*" + KEY)
HTML_KEYS = re.compile(r"data-i18n(?:-[a-z-]+)?=" + KEY)


def used_keys() -> dict[str, set[str]]:
    """key → the files that name it literally."""
    found: dict[str, set[str]] = {}
    sources = [
        *[(path, (PY_CALLS, PY_COUNTS)) for path in (REPO / "desktopapp" / "ui").glob("*.py")],
        *[(path, (PY_CALLS, PY_COUNTS)) for path in (REPO / "desktopapp" / "report").glob("*.py")],
        (REPO / "desktopapp" / "commands" / "process.py", (PY_CALLS,)),
        (REPO / "desktopapp" / "server" / "export.py", (PY_CALLS,)),  # the CSV's words
        *[(path, (JS_CALLS,)) for path in (REPO / "resources" / "web").glob("*.js")],
        *[(path, (HTML_KEYS,)) for path in (REPO / "resources" / "web").glob("*.html")],
    ]
    for path, patterns in sources:
        text = path.read_text("utf-8")
        for pattern in patterns:
            for key in pattern.findall(text):
                found.setdefault(key, set()).add(path.relative_to(REPO).as_posix())
    return found


def test_both_languages_have_the_same_keys():
    assert set(CATALOGUE) == set(LANGUAGES)
    french, english = set(CATALOGUE["fr"]), set(CATALOGUE["en"])
    assert not french - english, f"missing in English: {sorted(french - english)}"
    assert not english - french, f"missing in French: {sorted(english - french)}"


def test_each_pair_has_the_same_placeholders():
    wrong = [
        (key, placeholders(value), placeholders(CATALOGUE["en"][key]))
        for key, value in CATALOGUE["fr"].items()
        if placeholders(value) != placeholders(CATALOGUE["en"][key])
    ]
    assert not wrong, wrong


def test_every_plural_has_its_forms_and_is_counted_by_n():
    for lang in LANGUAGES:
        for key, value in CATALOGUE[lang].items():
            assert isinstance(value, str | dict), (lang, key)
            if isinstance(value, dict):
                assert tuple(sorted(value)) == PLURAL_FORMS, (lang, key, sorted(value))
                assert all(isinstance(form, str) and form for form in value.values()), key
                assert "n" in placeholders(value), (lang, key, "a plural is chosen by {n}")
            else:
                assert value, (lang, key, "empty")


def test_no_value_says_s_in_brackets():
    """'1 photo(s)' is what plural forms are for."""
    bad = [
        (lang, key)
        for lang in LANGUAGES
        for key, value in CATALOGUE[lang].items()
        for text in (value.values() if isinstance(value, dict) else [value])
        if re.search(r"\(s\)|\(es\)|\(e\)s?\)|\w\(\w{1,2}\)", text)
    ]
    assert not bad, bad


def test_every_key_the_code_names_exists():
    used = used_keys()
    assert len(used) > 400, "the scan found too few keys: did the calls change shape?"
    assert {"n.photos", "report.title", "summary.heading", "review.oneMore"} <= set(used)
    missing = {
        key: sorted(files)
        for key, files in used.items()
        # "room." + type: a prefix; words("en"): a language
        if key not in CATALOGUE["en"] and not key.endswith(".") and key not in LANGUAGES
    }
    assert not missing, missing


def test_shared_concepts_are_one_key():
    """Rooms, statuses, errors and counts: the window, the page and the report say them alike."""
    for lang in LANGUAGES:
        words = CATALOGUE[lang]
        for room_type in (*ROOM_TYPES, "unknown"):
            assert f"room.{room_type}" in words
        for status in ("QUEUED", "PROCESSING", "COMPLETED", "PARTIAL", "FAILED", "UNKNOWN"):
            assert f"status.{status}" in words
        for count in ("n.photos", "n.items", "n.done", "n.failed", "n.pending"):
            assert isinstance(words[count], dict)
    text = "\n".join(
        path.read_text("utf-8")
        for folder in ("desktopapp/ui", "desktopapp/report", "desktopapp/server")
        for path in (REPO / folder).glob("*.py")
    ) + (REPO / "resources" / "web" / "common.js").read_text("utf-8")
    for name in ("Salle de bain", "Pièce non reconnue", "Le fichier est incomplet"):
        assert name not in text, f"{name!r} is written outside the catalogue"


@pytest.mark.parametrize(
    ("lang", "n", "expected"),
    [
        ("fr", 0, "0 photo"),
        ("fr", 1, "1 photo"),
        ("fr", 2, "2 photos"),
        ("fr", "1\u202f234", "1\u202f234 photos"),
        ("en", 0, "0 photos"),
        ("en", 1, "1 photo"),
        ("en", 2, "2 photos"),
        ("en", "1,234", "1,234 photos"),
    ],
)
def test_plural_forms(lang, n, expected):
    assert Words(lang)("n.photos", n=n) == expected


def test_words_in_each_language():
    fr, en = Words("fr"), Words("en")
    assert fr.room("kids_room") == "Chambre d'enfant" and en.room(None) == "Room not recognised"
    assert fr.room("wine_cellar") == "Wine cellar"  # a type PhotoLot does not know, as words
    assert fr.project("Default") == "Projet par défaut"
    assert en.project("Default") == "Default project"
    assert fr.project_label("Dupont") == "Projet Dupont" and fr.project_label(None) == ""
    assert fr.analyzer("ssd_mobilenet_v2+nanodet_g") == "Détection des objets (modèles intégrés)"
    assert en.analyzer("offline") == "Analysis on this computer" and en.analyzer("x1") == "x1"
    assert fr.status("nope") == "…" and fr("no.such.key") == "no.such.key"
    message = "The picture is too small to analyse (20 x 20 pixels)."
    assert fr.photo_error("too_small", message).endswith("(20 × 20 pixels)")
    assert en.photo_error("too_small", message) == message
    assert en.notice("1 identical file(s) in this drop were counted once.") == (
        "1 identical file in this drop was counted once."
    )


def test_the_page_gets_the_catalogue_as_a_script():
    body = i18n.script().decode()
    prefix = "window.PHOTOLOT_STRINGS = "
    assert body.startswith(prefix) and body.rstrip().endswith(";")
    assert "</" not in body
    assert json.loads(body.strip()[len(prefix) : -1]) == CATALOGUE
    for page in ("index.html", "batch.html"):
        html = (REPO / "resources" / "web" / page).read_text("utf-8")
        assert html.index('src="/static/i18n.js"') < html.index('src="/static/common.js"'), page


def test_every_resource_folder_ships_in_the_binary():
    spec = (REPO / "build.spec").read_text("utf-8")
    for folder in sorted(p.name for p in (REPO / "resources").iterdir() if p.is_dir()):
        assert f'(str(ROOT / "resources" / "{folder}"), "resources/{folder}")' in spec, folder
    assert 'QT_TRANSLATIONS = {"qtbase_fr.qm", "qtbase_en.qm"}' in spec


def test_qt_dialogs_speak_french(qtbot):
    from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

    from desktopapp.ui.i18n import install_qt_translations

    try:
        assert install_qt_translations("fr")
        box = QMessageBox(QMessageBox.Icon.Question, "PhotoLot", "?")
        box.setStandardButtons(QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Cancel)
        qtbot.addWidget(box)
        texts = {button.text().replace("&", "") for button in box.buttons()}
        assert texts == {"Ouvrir", "Annuler"}, texts
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save)
        qtbot.addWidget(buttons)
        assert buttons.buttons()[0].text().replace("&", "") == "Enregistrer"
    finally:
        assert install_qt_translations("en")
    box = QMessageBox(QMessageBox.Icon.Question, "PhotoLot", "?")
    box.setStandardButtons(QMessageBox.StandardButton.Cancel)
    qtbot.addWidget(box)
    assert box.buttons()[0].text().replace("&", "") == "Cancel"
