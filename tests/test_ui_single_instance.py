"""One PhotoLot per data dir: the second launch forwards its files to the first."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from desktopapp.ui.single_instance import (
    MAX_MESSAGE,
    SingleInstance,
    decode_message,
    encode_message,
    server_name,
)


@pytest.fixture
def instances(qtbot, tmp_path):
    made: list[SingleInstance] = []

    def make(data_dir: Path | None = None) -> SingleInstance:
        instance = SingleInstance(data_dir or tmp_path / "data")
        made.append(instance)
        return instance

    yield make
    for instance in reversed(made):
        instance.release()


def test_second_instance_forwards_and_first_receives(qtbot, instances, tmp_path):
    first, second = instances(), instances()
    assert first.acquire() is True
    assert (tmp_path / "data" / "photolot.lock").exists()
    assert second.acquire() is False  # the lock is held (same PID, alive)
    photo = tmp_path / "a photo.jpg"
    with qtbot.waitSignal(first.filesReceived, timeout=5000) as blocker:
        assert second.forward([photo, tmp_path / "folder"]) is True
    assert blocker.args[0] == [str(photo), str(tmp_path / "folder")]


def test_relative_paths_are_made_absolute(qtbot, instances, tmp_path, monkeypatch):
    first, second = instances(), instances()
    first.acquire()
    monkeypatch.chdir(tmp_path)
    with qtbot.waitSignal(first.filesReceived, timeout=5000) as blocker:
        second.forward(["photo.jpg"])
    assert blocker.args[0] == [str(tmp_path / "photo.jpg")]


def test_no_files_just_raises_the_window(qtbot, instances):
    first, second = instances(), instances()
    first.acquire()
    with qtbot.waitSignal(first.filesReceived, timeout=5000) as blocker:
        assert second.forward([]) is True
    assert blocker.args[0] == []


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b"\xff\xfe\x00",
        b"[1, 2]",
        json.dumps({"v": 99, "paths": ["/x"]}).encode(),
        json.dumps({"v": 1, "paths": "/x"}).encode(),
        json.dumps({"v": 1, "paths": [3]}).encode(),
        json.dumps({"v": 1, "paths": ["relative/path"]}).encode(),
        json.dumps({"v": 1, "paths": ["/a\u0000b"]}).encode(),
        b"",
    ],
    ids=["text", "binary", "list", "version", "paths-str", "paths-int", "relative", "nul", "empty"],
)
def test_malformed_messages_are_dropped(qtbot, instances, raw):
    first, second = instances(), instances()
    first.acquire()
    received = []
    first.filesReceived.connect(received.append)
    with qtbot.waitSignal(first.messageDropped, timeout=5000) as blocker:
        second.send_raw(raw)
    assert blocker.args == ["malformed"]
    assert received == []
    # the first instance still works afterwards
    with qtbot.waitSignal(first.filesReceived, timeout=5000):
        second.forward(["/ok.jpg"])


def test_oversized_message_is_dropped(qtbot, instances):
    first, second = instances(), instances()
    first.acquire()
    received = []
    first.filesReceived.connect(received.append)
    huge = json.dumps({"v": 1, "paths": ["/" + "x" * (MAX_MESSAGE + 10)]}).encode()
    with qtbot.waitSignal(first.messageDropped, timeout=10000) as blocker:
        second.send_raw(huge)  # the kernel may have taken it all: only the reader knows
    assert blocker.args == ["too large"]
    assert received == []


def test_forward_without_a_first_instance_fails_quickly(qtbot, instances):
    lonely = instances()
    assert lonely.forward(["/x.jpg"], timeout_ms=600) is False


def test_release_lets_another_take_over(qtbot, instances):
    first, second = instances(), instances()
    assert first.acquire()
    first.release()
    assert second.acquire()


def test_other_data_dir_is_another_instance(qtbot, instances, tmp_path):
    assert instances(tmp_path / "one").acquire()
    assert instances(tmp_path / "two").acquire()
    assert server_name(tmp_path / "one") != server_name(tmp_path / "two")


def test_stale_socket_of_a_crashed_owner_is_replaced(qtbot, instances, tmp_path):
    from PySide6.QtNetwork import QLocalServer

    leftover = QLocalServer()
    leftover.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
    name = server_name(tmp_path / "data")
    assert leftover.listen(name)
    leftover.close()  # a crashed owner would leave its socket file; the lock is free
    first, second = instances(), instances()
    assert first.acquire()
    with qtbot.waitSignal(first.filesReceived, timeout=5000):
        assert second.forward(["/x.jpg"])


@pytest.mark.skipif(os.name != "posix", reason="Unix socket permissions")
def test_socket_is_user_only(qtbot, instances):
    first = instances()
    first.acquire()
    path = first._server.fullServerName()
    mode = os.stat(path).st_mode & 0o777
    assert mode & 0o077 == 0, oct(mode)


def test_message_codec_roundtrip():
    assert decode_message(encode_message(["/a", "/b c"])) == ["/a", "/b c"]
    assert decode_message(b"x" * (MAX_MESSAGE + 1)) is None
