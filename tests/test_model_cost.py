"""What asking the vision model costs (issue 15, point 6): seconds per photo, tokens when
the server reports them, stored with each photo and shown by the queue dashboard.

Real parts: the loopback chat-completions server (tests/model_server.py), the real
analyzer, a real Core with its Huey worker threads on a temp data dir, the real aiohttp
server on port 0. The server reports `usage` for some answers and none for others; the
token figures below are computed by hand, the seconds from what each photo stored (and
bounded by the server's own handling times)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

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
from tests.conftest import wait_until_final
from tests.helpers import make_photo
from tests.model_server import ModelServer, completion
from tests.ui_helpers import LiveStack

GOOD = '{"room": "bedroom", "items": [{"label": "wardrobe", "quantity": 1}]}'


def analyzer_for(server: ModelServer, catalogue, **options) -> VisionAnalyzer:
    config = VisionConfig(server.url, "llava:test", None, **{"retries": 0, **options})
    return VisionAnalyzer(NamesAnalyzer(), ChatClient(config), catalogue, config)


def photo_input(tmp_path: Path, seed: int = 1, size=(640, 480)) -> PhotoInput:
    path = make_photo(tmp_path / f"IMG_{seed}.jpg", seed, size=size)
    with Image.open(path) as image:
        oriented = image.convert("RGB")
    return PhotoInput(seed, path.name, str(path), path, path, *size, oriented)


def served(server: ModelServer, index: int) -> float:
    start, end = server.spans[index]
    return end - start


# ---- the analyzer ---------------------------------------------------------------------------


def test_the_analysis_carries_the_seconds_and_the_tokens_reported(
    model_server, catalogue, tmp_path
):
    model_server.script = [
        completion(GOOD, {"prompt_tokens": 1000, "completion_tokens": 60}),  # no total
        completion(GOOD, None),  # no usage at all
        completion(GOOD, {"total_tokens": 700, "prompt_tokens": "many"}),  # a bad count
    ]
    analyzer = analyzer_for(model_server, catalogue)
    first, second, third = (analyzer.analyze(photo_input(tmp_path, i)) for i in (1, 2, 3))
    assert first.cost.as_timings()["tokens"] == {
        "prompt": 1000,
        "completion": 60,
        "total": 1060,
    }
    assert "tokens" not in second.cost.as_timings() and second.cost.total_tokens is None
    assert third.cost.as_timings()["tokens"] == {"total": 700}
    for i, analysis in enumerate((first, second, third)):
        assert analysis.notices == []
        assert analysis.cost.seconds >= served(model_server, i) > 0


def test_every_attempt_counts_and_a_failed_photo_still_cost(model_server, catalogue, tmp_path):
    model_server.script = [
        (429, {"Retry-After": "0"}, b"slow down"),
        completion(GOOD, {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}),
        completion("I see a lovely bedroom.", {"total_tokens": 90}),  # prose: unusable
        (401, {}, b"no"),
    ]
    analyzer = analyzer_for(model_server, catalogue, retries=1, breaker_after=2)
    retried = analyzer.analyze(photo_input(tmp_path, 1))
    assert retried.cost.seconds >= served(model_server, 0) + served(model_server, 1)
    assert retried.cost.total_tokens == 15
    prose = analyzer.analyze(photo_input(tmp_path, 2))
    assert prose.notices == [MODEL_BAD_ANSWER] and prose.cost.total_tokens == 90  # paid for
    refused = analyzer.analyze(photo_input(tmp_path, 3))
    assert refused.notices == [MODEL_UNAVAILABLE] and refused.cost.seconds > 0
    assert refused.cost.as_timings().keys() == {"model"}
    # the breaker is open now: nothing is sent, so nothing is spent
    skipped = analyzer.analyze(photo_input(tmp_path, 4))
    assert skipped.notices == [MODEL_UNAVAILABLE] and skipped.cost is None
    assert len(model_server.requests) == 4
    assert NamesAnalyzer().analyze(photo_input(tmp_path, 5)).cost is None  # no model


def test_photos_analysed_at_once_each_get_their_own_cost(model_server, catalogue, tmp_path):
    """Two workers ask at the same time (both requests held until both arrived): each
    analysis carries the tokens of its own answer, not the other's."""
    both_in = threading.Barrier(2, timeout=30)

    def by_size(body: dict) -> tuple[int, dict, bytes]:
        both_in.wait()
        image = next(p for p in body["messages"][1]["content"] if p["type"] == "image_url")
        prompt = len(image["image_url"]["url"])  # differs with the photo
        return completion(GOOD, {"prompt_tokens": prompt, "completion_tokens": 1})

    model_server.script = [by_size, by_size]
    analyzer = analyzer_for(model_server, catalogue, concurrency=2)
    photos = [photo_input(tmp_path, 1, (320, 240)), photo_input(tmp_path, 2, (900, 700))]
    results: dict[int, object] = {}
    threads = [
        threading.Thread(target=lambda p=p: results.__setitem__(p.photo_id, analyzer.analyze(p)))
        for p in photos
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    sent = {
        len(
            next(p for p in body["messages"][1]["content"] if p["type"] == "image_url")[
                "image_url"
            ]["url"]
        )
        for _headers, body in model_server.requests
    }
    assert len(sent) == 2
    prompts = {pid: results[pid].cost.prompt_tokens for pid in (1, 2)}
    assert set(prompts.values()) == sent
    assert prompts[1] < prompts[2]  # the small photo's answer went to the small photo
    assert all(results[pid].cost.total_tokens == prompts[pid] + 1 for pid in (1, 2))


# ---- a real core, the real server -----------------------------------------------------------


@pytest.fixture
def model_stack(model_server, monkeypatch, data_dir) -> Iterator[LiveStack]:
    monkeypatch.setenv("PHOTOLOT_ANALYZER_URL", model_server.url)
    monkeypatch.setenv("PHOTOLOT_ANALYZER_MODEL", "llava:test")
    monkeypatch.delenv("PHOTOLOT_ANALYZER_KEY", raising=False)
    stack = LiveStack(data_dir, workers=1, analyzer="names")
    stack.start_server()
    yield stack
    stack.stop()


def drop(folder: Path, names: list[str]) -> Path:
    for i, name in enumerate(names):
        make_photo(folder / name, i + 1, size=(200, 150))
    return folder


def run_batch(stack: LiveStack, folder: Path) -> int:
    batch_id = stack.core.create_batch([folder]).batch_id
    wait_until_final(stack.core, batch_id)
    return batch_id


def test_the_core_stores_each_photos_cost_and_the_dashboard_sums_it(
    model_server, model_stack, tmp_path
):
    model_server.script = [
        completion(GOOD, {"prompt_tokens": 1200, "completion_tokens": 40, "total_tokens": 1240}),
        (429, {"Retry-After": "0"}, b"slow down"),
        completion(GOOD, {"prompt_tokens": 1000, "completion_tokens": 60}),  # total: 1060
        completion(GOOD, None),  # this server said nothing about tokens
        (401, {}, b"no"),  # refused: the photo is DONE with a notice, the wait counted
        completion(GOOD, {"total_tokens": 500}),  # the second batch
    ]
    first = run_batch(model_stack, drop(tmp_path / "one", ["a.jpg", "b.jpg", "c.jpg", "d.jpg"]))
    second = run_batch(model_stack, drop(tmp_path / "two", ["e.jpg"]))

    photos = {
        p["fileName"]: p
        for batch in (first, second)
        for p in model_stack.rest(f"/api/queue/batches/{batch}")["photos"]
    }
    timings = {name: photo["timings"] for name, photo in photos.items()}
    assert timings["a.jpg"]["tokens"] == {"prompt": 1200, "completion": 40, "total": 1240}
    assert timings["b.jpg"]["tokens"] == {"prompt": 1000, "completion": 60, "total": 1060}
    assert "tokens" not in timings["c.jpg"] and "tokens" not in timings["d.jpg"]
    assert timings["e.jpg"]["tokens"] == {"total": 500}
    assert photos["d.jpg"]["status"] == "DONE"
    spans = [end - start for start, end in model_server.spans]
    assert timings["a.jpg"]["model"] >= round(spans[0], 4) > 0
    assert timings["b.jpg"]["model"] >= round(spans[1] + spans[2], 4)  # both attempts
    for t in timings.values():
        assert 0 < t["model"] <= t["detect"] + 1e-3  # asked while detecting

    dashboard = model_stack.rest("/api/queue")
    rows = {row["batchId"]: row for row in dashboard["batches"]}
    seconds = [round(timings[n]["model"], 4) for n in ("a.jpg", "b.jpg", "c.jpg", "d.jpg")]
    assert rows[first]["model"] == {
        "photos": 4,
        "seconds": round(sum(seconds), 3),
        "secondsPerPhoto": round(round(sum(seconds), 3) / 4, 3),
        "tokens": {
            "photos": 2,
            "total": 2300,
            "prompt": 2200,
            "completion": 100,
            "perPhoto": 1150.0,
        },
    }
    assert rows[second]["model"]["tokens"] == {
        "photos": 1,
        "total": 500,
        "prompt": None,
        "completion": None,
        "perPhoto": 500.0,
    }
    overall = dashboard["model"]
    assert overall["photos"] == 5
    assert overall["tokens"] == {
        "photos": 3,
        "total": 2800,
        "prompt": 2200,
        "completion": 100,
        "perPhoto": 933.3,
    }
    both = rows[first]["model"]["seconds"] + rows[second]["model"]["seconds"]
    assert overall["seconds"] == pytest.approx(both, abs=1e-3)
    assert overall["secondsPerPhoto"] == pytest.approx(both / 5, abs=1e-3)


def test_without_a_model_the_dashboard_says_nothing_of_one(monkeypatch, data_dir, tmp_path):
    for name in ("URL", "MODEL", "KEY"):
        monkeypatch.delenv(f"PHOTOLOT_ANALYZER_{name}", raising=False)
    stack = LiveStack(data_dir, workers=1, analyzer="names")
    stack.start_server()
    try:
        batch_id = run_batch(stack, drop(tmp_path / "one", ["a.jpg", "b.jpg"]))
        (photo, _) = stack.rest(f"/api/queue/batches/{batch_id}")["photos"]
        assert "model" not in photo["timings"] and "tokens" not in photo["timings"]
        dashboard = stack.rest("/api/queue")
        assert dashboard["model"] is None and dashboard["batches"][0]["model"] is None
        assert dashboard["batches"][0]["counts"]["completed"] == 2
    finally:
        stack.stop()
