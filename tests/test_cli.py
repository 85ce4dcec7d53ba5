"""`python main.py process …` as a person (or a script) runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.helpers import make_photo

REPO = Path(__file__).resolve().parents[1]


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(REPO / "main.py"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_process_json_prints_the_final_snapshot(tmp_path):
    make_photo(tmp_path / "drop" / "Cuisine" / "a.jpg", 1)
    make_photo(tmp_path / "drop" / "Chambre" / "b.jpg", 2)
    (tmp_path / "drop" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0garbage")
    done = run("process", str(tmp_path / "drop"), "--data-dir", str(tmp_path / "data"), "--json")
    assert done.returncode == 0, done.stderr
    snap = json.loads(done.stdout)  # stdout holds the JSON and nothing else
    assert snap["snapshot"] is True and snap["status"] == "PARTIAL"
    assert {p["fileName"]: p["roomType"] for p in snap["photos"] if p["status"] == "DONE"} == {
        "a.jpg": "kitchen",
        "b.jpg": "bedroom",
    }
    assert snap["inventorySummary"]["analyzer"] == "ssd_mobilenet_v2+nanodet_g"
    # the terminal shows the bar, the summary and the failed photo with its reason
    assert "100%" in done.stderr and "PARTIAL" in done.stderr
    assert "broken.jpg" in done.stderr
    assert (tmp_path / "data" / "photolot.sqlite3").is_file()


def test_data_dir_from_environment(tmp_path):
    make_photo(tmp_path / "drop" / "salon.jpg", 3)
    done = run("process", str(tmp_path / "drop"), env={"PHOTOLOT_DATA_DIR": str(tmp_path / "env")})
    assert done.returncode == 0, done.stderr
    assert "COMPLETED" in done.stderr and done.stdout == ""
    assert (tmp_path / "env" / "photolot.sqlite3").is_file()


def test_usage_errors_exit_2(tmp_path):
    assert run("process").returncode == 2  # no path
    assert run("process", str(tmp_path), "--workers", "0").returncode == 2
    assert run("frobnicate").returncode == 2
    (tmp_path / "notes.txt").write_text("no photos here")
    nothing = run("process", str(tmp_path), "--data-dir", str(tmp_path / "data"))
    assert nothing.returncode == 2
    assert "None of the dropped files is a photo" in nothing.stderr
    assert "notes.txt" in nothing.stderr


def test_a_batch_where_no_photo_can_be_used_exits_3(tmp_path):
    named = tmp_path / "notes.jpg"
    named.write_text("not a picture")  # named explicitly: shown, and it fails alone
    done = run("process", str(named), "--data-dir", str(tmp_path / "data"))
    assert done.returncode == 3, done.stderr
    assert "FAILED" in done.stderr and "notes.jpg" in done.stderr


def test_the_live_bar_blanks_what_a_longer_line_left():
    from desktopapp.commands.process import rewrite

    longer, shorter = "[####] 100%  4/4 photos  PROCESSING", "[####] 100%  4/4 photos  COMPLETED"
    assert rewrite(shorter, longer) == "\r" + shorter + " "  # the old last letter is blanked
    assert len(rewrite(shorter, longer)) == len(longer) + 1
    assert rewrite(longer, "") == "\r" + longer


def test_process_writes_the_pdf_report(tmp_path):
    from pypdf import PdfReader

    make_photo(tmp_path / "drop" / "Cuisine" / "a.jpg", 1)
    make_photo(tmp_path / "drop" / "Chambre" / "b.jpg", 2)
    report = tmp_path / "inventaire.pdf"
    done = run(
        "process",
        str(tmp_path / "drop"),
        "--data-dir",
        str(tmp_path / "data"),
        "--pdf",
        str(report),
        "--lang",
        "fr",
    )
    assert done.returncode == 0, done.stderr
    assert f"PDF report: {report}" in done.stderr
    text = " ".join(page.extract_text() for page in PdfReader(report).pages)
    assert "Inventaire de déménagement" in text
    assert "Cuisine" in text and "Chambre" in text
    assert run("process", str(tmp_path / "drop"), "--lang", "de").returncode == 2


def test_decoder_chatter_goes_to_the_log_and_the_terminal_keeps_the_summary(tmp_path):
    bad = REPO.parent / "shared" / "corpus" / "bad"
    done = run("process", str(bad), "--data-dir", str(tmp_path / "data"))
    assert done.returncode == 0, done.stderr
    assert "TIFFFetchNormalTag" not in done.stderr
    assert "Warning" not in done.stderr and "warnings.warn" not in done.stderr
    assert "PARTIAL" in done.stderr and "✗" in done.stderr  # the summary, each failure
    native = (tmp_path / "data" / "logs" / "native.log").read_text(errors="replace")
    assert "TIFFFetchNormalTag" in native  # what libtiff printed, kept for whoever looks
    log = (tmp_path / "data" / "logs" / "photolot.log").read_text(errors="replace")
    assert "py.warnings" in log  # Pillow's warnings too


def test_room_and_item_names_in_the_users_language(tmp_path):
    home = REPO.parent / "shared" / "corpus" / "photos" / "shandutta__homematch-v2"
    args = ("process", str(home / "mock-home-3.jpg"), "--data-dir", str(tmp_path / "data"))
    french = run(*args, env={"LANG": "fr_FR.UTF-8", "LC_ALL": ""})
    assert french.returncode == 0, french.stderr
    assert "  Chambre (1 photo): Lit double" in french.stderr
    assert "bedroom" not in french.stderr
    english = run(*args, "--lang", "en")
    assert "  Bedroom (1 photo): " in english.stderr
