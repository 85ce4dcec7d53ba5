"""The optional vision model (issue 15, a first slice): a real HTTP server on loopback that
speaks the chat-completions wire format answers from a table; each case ends with the
expected items and notice, and the API key shows nowhere."""

from __future__ import annotations

import base64
import io
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from desktopapp.inventory import NamesAnalyzer, PhotoInput
from desktopapp.inventory.vision import (
    MODEL_BAD_ANSWER,
    MODEL_UNAVAILABLE,
    ChatClient,
    VisionAnalyzer,
    VisionConfig,
)
from desktopapp.platform.paths import resources_dir
from tests.helpers import make_photo
from tests.model_server import ModelServer, completion

KEY = "sk-test-0123456789abcdef-never-shown"


def analyzer_for(server: ModelServer, catalogue, **options: Any) -> VisionAnalyzer:
    config = VisionConfig(server.url, "llava:test", KEY, **{"retries": 0, **options})
    return VisionAnalyzer(NamesAnalyzer(), ChatClient(config), catalogue, config)


def photo_input(tmp_path: Path, name: str = "IMG_0001.jpg") -> PhotoInput:
    path = make_photo(tmp_path / name, 3, size=(2000, 1500))
    with Image.open(path) as image:
        oriented = image.convert("RGB")
    return PhotoInput(1, name, str(path), path, path, 2000, 1500, oriented)


def labels(analysis) -> dict[str, tuple[int, str]]:
    return {item["label"]: (item["quantity"], item["source"]) for item in analysis.items}


GOOD = (
    '{"room": "living_room", "items": [{"label": "sofa", "quantity": 1}, '
    '{"label": "wardrobe", "quantity": 2}]}'
)


def test_a_good_answer_and_the_request_it_answered(model_server, catalogue, tmp_path, caplog):
    model_server.script = [completion(GOOD)]
    with caplog.at_level(logging.DEBUG):
        analysis = analyzer_for(model_server, catalogue).analyze(photo_input(tmp_path))
    assert labels(analysis) == {"sofa": (1, "model"), "wardrobe": (2, "model")}
    assert analysis.room_type == "living_room" and analysis.notices == []
    ((headers, body),) = model_server.requests
    assert headers["Authorization"] == f"Bearer {KEY}"
    assert body["model"] == "llava:test"
    assert body["response_format"]["type"] == "json_schema"
    system, user = body["messages"]
    assert "wardrobe: Wardrobe / Armoire" in system["content"]  # keys, EN and FR names
    image_part = next(part for part in user["content"] if part["type"] == "image_url")
    url = image_part["image_url"]["url"]
    assert url.startswith("data:image/jpeg;base64,")
    with Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))) as sent:
        assert max(sent.size) == 1024  # reduced, not the 2000 px original
    assert KEY not in caplog.text


@pytest.mark.parametrize(
    ("content", "expected", "notice"),
    [
        ("```json\n" + GOOD + "\n```", {"sofa": (1, "model"), "wardrobe": (2, "model")}, None),
        ("I can see a lovely living room with a sofa.", {}, MODEL_BAD_ANSWER),
        (GOOD[:40], {}, MODEL_BAD_ANSWER),  # cut short
        (
            '{"room": "bedroom", "items": [{"label": "Armoire", "quantity": 1}, '
            '{"label": "spaceship", "quantity": 2}, {"label": "chair", "quantity": 9999}], '
            '"confidence": "high"}',
            {"wardrobe": (1, "model"), "other": (2, "model"), "chair": (50, "model")},
            None,
        ),
    ],
    ids=["fenced", "prose", "truncated", "unknown-labels-and-bounds"],
)
def test_answers_from_the_table(model_server, catalogue, tmp_path, content, expected, notice):
    model_server.script = [completion(content)]
    analysis = analyzer_for(model_server, catalogue).analyze(photo_input(tmp_path))
    assert labels(analysis) == expected
    assert analysis.notices == ([notice] if notice else [])
    other = [item for item in analysis.items if item["label"] == "other"]
    assert all(item["text"] == "spaceship" for item in other)


@pytest.mark.parametrize(
    ("script", "requests"),
    [
        ([(401, {}, b'{"error": "bad key"}')], 1),  # a refused key: no retry
        ([(500, {}, b"oops"), (500, {}, b"oops")], 2),  # one retry, then given up
        (["hang", "hang"], 2),  # no answer within the timeout, twice
    ],
    ids=["401", "500", "timeout"],
)
def test_the_model_unavailable_leaves_the_detectors_result(
    model_server, catalogue, tmp_path, caplog, script, requests
):
    model_server.script = list(script)
    analyzer = analyzer_for(model_server, catalogue, retries=1, timeout=0.5)
    with caplog.at_level(logging.DEBUG):
        analysis = analyzer.analyze(photo_input(tmp_path, "Salon/IMG_1.jpg"))
    assert analysis.notices == [MODEL_UNAVAILABLE] and analysis.items == []
    assert len(model_server.requests) == requests
    assert KEY not in caplog.text


def test_a_429_is_retried_after_the_servers_retry_after(model_server, catalogue, tmp_path):
    model_server.script = [(429, {"Retry-After": "1"}, b"slow down"), completion(GOOD)]
    analysis = analyzer_for(model_server, catalogue, retries=1).analyze(photo_input(tmp_path))
    assert len(model_server.requests) == 2 and analysis.notices == []
    assert labels(analysis)["wardrobe"] == (2, "model")


def test_after_failures_in_a_row_the_model_is_left_alone(model_server, catalogue, tmp_path):
    model_server.script = [(500, {}, b"down")] * 2
    analyzer = analyzer_for(model_server, catalogue, breaker_after=2, breaker_seconds=60)
    for _ in range(2):
        assert analyzer.analyze(photo_input(tmp_path)).notices == [MODEL_UNAVAILABLE]
    assert analyzer.analyze(photo_input(tmp_path)).notices == [MODEL_UNAVAILABLE]
    assert len(model_server.requests) == 2  # the third photo did not wait for it
    analyzer.forget_failures()  # the user asks for a re-analysis: the model is asked again
    model_server.script = [completion(GOOD)]
    analysis = analyzer.analyze(photo_input(tmp_path))
    assert analysis.notices == [] and len(model_server.requests) == 3


def test_merged_with_the_real_detector_a_label_counts_once(model_server, catalogue, tmp_path):
    from desktopapp.inventory.bundled import bundled_analyzer

    home = Path(__file__).resolve().parents[2] / "shared/corpus/photos/shandutta__homematch-v2"
    path = home / "mock-home-1.jpg"
    with Image.open(path) as image:
        oriented = image.convert("RGB")
    photo = PhotoInput(1, path.name, str(path), path, path, *oriented.size, oriented)
    detector = bundled_analyzer(resources_dir(), catalogue)
    seen = {item["label"] for item in detector.analyze(photo).items}
    assert "sofa" in seen
    config = VisionConfig(model_server.url, "llava:test", KEY, retries=0)
    analyzer = VisionAnalyzer(detector, ChatClient(config), catalogue, config)
    model_server.script = [
        completion(
            '{"room": "living_room", "items": [{"label": "sofa", "quantity": 1}, '
            '{"label": "floor_lamp", "quantity": 1}]}'
        )
    ]
    analysis = analyzer.analyze(photo)
    sofas = [item for item in analysis.items if item["label"] == "sofa"]
    assert len(sofas) == 1 and sofas[0]["source"] == "detector" and "box" in sofas[0]
    lamp = [item for item in analysis.items if item["label"] == "floor_lamp"]
    assert lamp == [{"label": "floor_lamp", "quantity": 1, "source": "model"}]


def test_config_from_the_environment_and_where_photos_go(monkeypatch):
    assert VisionConfig.from_env({}) is None
    env = {
        "PHOTOLOT_ANALYZER_URL": "http://127.0.0.1:11434/v1/",
        "PHOTOLOT_ANALYZER_MODEL": "llava",
        "PHOTOLOT_ANALYZER_KEY": KEY,
    }
    config = VisionConfig.from_env(env)
    assert config.base_url == "http://127.0.0.1:11434/v1" and not config.leaves_the_machine
    assert KEY not in repr(config)
    remote = VisionConfig("https://api.example.com/v1", "gpt-4o")
    assert remote.leaves_the_machine


def test_a_batch_says_before_any_photo_is_sent_that_photos_leave_the_machine(monkeypatch, tmp_path):
    from desktopapp.core.services import Core
    from desktopapp.platform.settings import Settings

    monkeypatch.setenv("PHOTOLOT_ANALYZER_URL", "https://models.example.com/v1")
    monkeypatch.setenv("PHOTOLOT_ANALYZER_MODEL", "gpt-4o")
    make_photo(tmp_path / "drop" / "a.jpg", 1)
    core = Core(Settings(data_dir=tmp_path / "data", workers=1, analyzer="names"))
    try:  # the workers are not started: nothing was sent, the batch already says it
        batch_id = core.create_batch([tmp_path / "drop"]).batch_id
        notices = core.snapshot(batch_id)["notices"]
        assert any("models.example.com" in n and "leave this computer" in n for n in notices)
    finally:
        core.stop(timeout=30)


def test_through_the_core_the_key_reaches_neither_the_journal_nor_the_logs(
    model_server, monkeypatch, tmp_path, caplog
):
    from desktopapp.core import journal
    from desktopapp.core.services import Core
    from desktopapp.platform.settings import Settings
    from tests.conftest import wait_until_final

    monkeypatch.setenv("PHOTOLOT_ANALYZER_URL", model_server.url)
    monkeypatch.setenv("PHOTOLOT_ANALYZER_MODEL", "llava:test")
    monkeypatch.setenv("PHOTOLOT_ANALYZER_KEY", KEY)
    model_server.script = [completion(GOOD), (401, {}, b"no")]
    make_photo(tmp_path / "drop" / "a.jpg", 1)
    make_photo(tmp_path / "drop" / "b.jpg", 2)
    with caplog.at_level(logging.DEBUG):
        core = Core(Settings(data_dir=tmp_path / "data", workers=1, analyzer="names"))
        core.start()
        try:
            batch_id = core.create_batch([tmp_path / "drop"]).batch_id
            snap = wait_until_final(core, batch_id)
        finally:
            assert core.stop(timeout=30)
    photos = {p["fileName"]: p for p in snap["photos"]}
    assert {i["label"] for i in photos["a.jpg"]["items"]} == {"sofa", "wardrobe"}
    assert photos["b.jpg"]["flags"] == [MODEL_UNAVAILABLE] and photos["b.jpg"]["status"] == "DONE"
    journal_text = json.dumps([row.payload for row in journal.events_after(batch_id, 0)])
    assert KEY not in journal_text and KEY not in caplog.text
    assert KEY not in Path("/proc/self/cmdline").read_bytes().decode(errors="replace")


def test_process_asks_the_model_named_on_its_command_line(model_server, tmp_path):
    """`photolot process … --analyzer-url URL --analyzer-model NAME`, the key from the
    environment only: the model's items are in the batch, the key in no argument."""
    import os
    import subprocess
    import sys

    model_server.script = [completion(GOOD)]
    photo = make_photo(tmp_path / "drop" / "IMG_0001.jpg", 4)
    args = [
        sys.executable,
        str(Path(__file__).resolve().parents[1] / "main.py"),
        "process",
        str(photo),
        "--data-dir",
        str(tmp_path / "data"),
        "--analyzer-url",
        model_server.url,
        "--analyzer-model",
        "llava:test",
        "--json",
    ]
    done = subprocess.run(
        args,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PHOTOLOT_ANALYZER_KEY": KEY, "LANG": "en_US.UTF-8"},
    )
    assert done.returncode == 0, done.stderr
    snap = json.loads(done.stdout)
    (photo_state,) = snap["photos"]
    assert {(i["label"], i["source"]) for i in photo_state["items"]} >= {
        ("wardrobe", "model"),
        ("sofa", "model"),
    }
    ((headers, body),) = model_server.requests
    assert body["model"] == "llava:test" and headers["Authorization"] == f"Bearer {KEY}"
    assert KEY not in " ".join(args) and KEY not in done.stderr and KEY not in done.stdout


def test_a_photo_read_from_its_file_is_sent_upright(model_server, catalogue, tmp_path):
    """No decoded picture at hand (the analyzer reads the stored file): its EXIF orientation
    is applied before the model sees it, as for the pipeline's own decode."""
    path = tmp_path / "sideways.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90°: stored 300 × 200, seen 200 × 300
    Image.new("RGB", (300, 200), "#806040").save(path, exif=exif)
    model_server.script = [completion(GOOD)]
    photo = PhotoInput(1, path.name, str(path), path, path, 300, 200, None)
    analyzer_for(model_server, catalogue).analyze(photo)
    ((_headers, body),) = model_server.requests
    image_part = next(p for p in body["messages"][1]["content"] if p["type"] == "image_url")
    data = base64.b64decode(image_part["image_url"]["url"].split(",", 1)[1])
    with Image.open(io.BytesIO(data)) as sent:
        assert sent.size == (200, 300)
