"""The vision model's settings: the saved address and limits, the key in the keychain or a
0600 file (never in settings.json), which source wins, and "Test connection" through the
real local server against a real chat-completions server on loopback."""

from __future__ import annotations

import json
import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from keyring.backend import KeyringBackend

from desktopapp.cli import parse, settings_from_args
from desktopapp.core.model_setup import model_config
from desktopapp.platform.secret_store import (
    FILE,
    KEY_FILE,
    KEYCHAIN,
    KeyRefused,
    KeyStore,
    default_key_store,
)
from desktopapp.platform.settings import Settings
from desktopapp.platform.user_config import (
    ConfigError,
    UserConfig,
    config_path,
    load_user_config,
    save_user_config,
)
from tests.model_server import completion
from tests.ui_helpers import LiveStack

KEY = "sk-settings-0123456789-never-shown"
GOOD = (
    '{"room": "living_room", "items": [{"label": "sofa", "quantity": 1}, '
    '{"label": "rug", "quantity": 1}]}'
)


class MemoryKeychain(KeyringBackend):
    """The OS keychain's stand-in (outside the project): keyring's own backend interface."""

    priority = 1

    def __init__(self, fail: bool = False) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}
        self.fail = fail

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        if self.fail:
            raise RuntimeError("the keychain is locked")
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.secrets.pop((service, username), None)


# -- the saved settings ------------------------------------------------------------------------


def test_the_model_settings_round_trip_and_bad_values_are_named(isolated_dirs):
    config = UserConfig(
        model_url="http://127.0.0.1:11434/v1",
        model_name="llava:13b",
        model_concurrency=2,
        model_timeout=90.0,
    )
    path = save_user_config(config)
    assert load_user_config(path) == (config, [])
    assert "key" not in path.read_text()
    for bad, word in [
        ({"model_url": "ftp://example.com/v1", "model_name": "m"}, "http"),
        ({"model_url": "https://user:pw@example.com/v1", "model_name": "m"}, "password"),
        ({"model_url": "http://127.0.0.1:99999/v1", "model_name": "m"}, "valid"),
        ({"model_url": "http://127.0.0.1/v1?key=x", "model_name": "m"}, "query"),
        ({"model_url": "http://127.0.0.1/v1"}, "together"),
        ({"model_url": "http://h/v1", "model_name": "m", "model_concurrency": 0}, "1 to 16"),
        ({"model_url": "http://h/v1", "model_name": "m", "model_timeout": 1.0}, "5 to 600"),
        ({"model_url": "http://h/v1", "model_name": "bad\nname"}, "printable"),
    ]:
        with pytest.raises(ConfigError, match=word):
            save_user_config(UserConfig(**bad))
    path.write_text(json.dumps({"model_url": "file:///etc/passwd", "model_name": "x"}))
    loaded, problems = load_user_config(path)
    assert loaded.model_url is None and loaded.model_name == "x"
    assert any("model_url" in p for p in problems)


def test_flags_beat_the_environment_which_beats_the_saved_settings(isolated_dirs, monkeypatch):
    save_user_config(UserConfig(model_url="http://127.0.0.1:1/v1", model_name="saved"))
    _parser, args = parse(["process", "x.jpg"])
    assert settings_from_args(args).model_name == "saved"
    monkeypatch.setenv("PHOTOLOT_ANALYZER_URL", "http://127.0.0.1:2/v1/")
    monkeypatch.setenv("PHOTOLOT_ANALYZER_MODEL", "from-env")
    settings = settings_from_args(args)
    assert (settings.model_url, settings.model_name) == ("http://127.0.0.1:2/v1", "from-env")
    _parser, args = parse(
        ["process", "x.jpg", "--analyzer-url", "http://127.0.0.1:3/v1", "--analyzer-model", "f"]
    )
    settings = settings_from_args(args)
    assert (settings.model_url, settings.model_name) == ("http://127.0.0.1:3/v1", "f")


# -- the key -----------------------------------------------------------------------------------


def test_without_a_keychain_the_key_goes_to_a_file_only_the_user_reads(isolated_dirs):
    store = default_key_store()  # no Secret Service here: keyring offers none that works
    assert store.keychain is None and store.where() is None
    assert store.save(f"  {KEY}\n") == FILE
    assert store.file == config_path().with_name(KEY_FILE)
    assert stat.S_IMODE(store.file.stat().st_mode) == 0o600
    assert store.load() == KEY and store.where() == FILE
    store.forget()
    assert store.load() is None and not store.file.exists()
    for bad in ("", "two words", "x" * 5000, "tab\there"):
        with pytest.raises(KeyRefused):
            store.save(bad)


def test_with_a_keychain_the_key_lives_there_and_a_locked_one_falls_back(tmp_path, caplog):
    keychain = MemoryKeychain()
    store = KeyStore(tmp_path / KEY_FILE, keychain)
    (tmp_path / KEY_FILE).write_text("old-file-key\n")
    assert store.save(KEY) == KEYCHAIN
    assert keychain.secrets == {("PhotoLot", "model-api-key"): KEY}
    assert not (tmp_path / KEY_FILE).exists()  # no second, older copy left behind
    assert store.load() == KEY and store.where() == KEYCHAIN
    store.forget()
    assert keychain.secrets == {} and store.load() is None

    locked = KeyStore(tmp_path / KEY_FILE, MemoryKeychain(fail=True))
    with caplog.at_level(logging.DEBUG):
        assert locked.save(KEY) == FILE
    assert locked.load() == KEY and KEY not in caplog.text


def test_the_environments_key_comes_before_the_stored_one(isolated_dirs, monkeypatch):
    default_key_store().save("stored-key")
    settings = Settings(data_dir=isolated_dirs, model_url="http://127.0.0.1:9/v1", model_name="m")
    assert model_config(settings).api_key == "stored-key"
    monkeypatch.setenv("PHOTOLOT_ANALYZER_KEY", "env-key")
    config = model_config(settings)
    assert config.api_key == "env-key" and "env-key" not in repr(config)
    assert model_config(Settings(data_dir=isolated_dirs)) is None


# -- Test connection, through the local server --------------------------------------------------


@pytest.fixture
def stack(tmp_path) -> Iterator[LiveStack]:
    live = LiveStack(tmp_path / "data", workers=1, analyzer="names")
    live.start_server()
    yield live
    live.stop()


def post_check(stack: LiveStack, body: dict) -> tuple[int, dict]:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        f"{stack.base_url}/api/model/check",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {stack.token}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_test_connection_shows_the_models_answer_to_the_sample(stack, model_server, caplog):
    model_server.script = [completion(GOOD, usage={"total_tokens": 912})]
    with caplog.at_level(logging.DEBUG):
        status, body = post_check(
            stack, {"url": model_server.url, "model": "llava:test", "key": KEY, "timeout": 20}
        )
    assert status == 200 and body["ok"] is True
    assert body["room"] == "living_room" and body["tokens"] == 912
    assert body["items"] == [
        {"label": "sofa", "quantity": 1, "nameFr": "Canapé", "nameEn": "Sofa"},
        {"label": "rug", "quantity": 1, "nameFr": "Tapis", "nameEn": "Rug"},
    ]
    assert body["leavesTheMachine"] is False and body["sample"] == "mock-home-1.jpg"
    ((headers, request),) = model_server.requests
    assert headers["Authorization"] == f"Bearer {KEY}" and request["model"] == "llava:test"
    assert KEY not in caplog.text


def test_test_connection_uses_the_stored_key_and_says_why_it_failed(stack, model_server):
    default_key_store().save("the-stored-key")
    model_server.script = [(401, {}, b"bad key"), completion("Sure! A cosy living room.")]
    status, body = post_check(stack, {"url": model_server.url, "model": "m"})
    assert status == 200 and body["ok"] is False and body["code"] == "model_unavailable"
    assert "refused the key" in body["message"]
    assert model_server.requests[0][0]["Authorization"] == "Bearer the-stored-key"
    status, body = post_check(stack, {"url": model_server.url, "model": "m"})
    assert (status, body["ok"], body["code"]) == (200, False, "model_bad_answer")


def test_test_connection_refuses_what_cannot_be_a_model_server(stack):
    for body in (
        {"url": "file:///etc/passwd", "model": "m"},
        {"url": "http://127.0.0.1:9/v1"},
        {"url": "http://127.0.0.1:9/v1", "model": "m", "timeout": 0},
        {"url": "http://127.0.0.1:9/v1", "model": "m", "key": 42},
    ):
        status, answer = post_check(stack, body)
        assert status == 400 and answer["error"]["code"] == "bad_model_settings", body


def test_a_saved_model_is_asked_by_the_next_core(isolated_dirs, model_server, tmp_path):
    """Settings dialog → settings.json + key file → `photolot` → Core: the model is asked
    with the stored key (what a restart after Save does)."""
    from desktopapp.core.services import Core
    from tests.conftest import wait_until_final
    from tests.helpers import make_photo

    save_user_config(UserConfig(model_url=model_server.url, model_name="saved-model"))
    default_key_store().save(KEY)
    model_server.script = [completion(GOOD)]
    _parser, args = parse(["--data-dir", str(tmp_path / "data")])
    settings = settings_from_args(args)
    make_photo(tmp_path / "drop" / "a.jpg", 1)
    core = Core(Settings(**{**settings.__dict__, "workers": 1, "analyzer": "names"}))
    core.start()
    try:
        snap = wait_until_final(core, core.create_batch([tmp_path / "drop"]).batch_id)
    finally:
        assert core.stop(timeout=30)
    assert {i["label"] for i in snap["photos"][0]["items"]} == {"sofa", "rug"}
    headers, body = model_server.requests[0]
    assert headers["Authorization"] == f"Bearer {KEY}" and body["model"] == "saved-model"
    assert KEY.encode() not in Path("/proc/self/cmdline").read_bytes()
    assert os.environ.get("PHOTOLOT_ANALYZER_KEY") is None
