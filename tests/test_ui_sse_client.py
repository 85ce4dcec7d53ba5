"""SseClient against a scripted server: merge, reconnect, backoff, watchdog, fatal errors."""

from __future__ import annotations

import pytest

from desktopapp.ui.backoff import ReconnectPolicy
from desktopapp.ui.sse_client import Connection, SseClient
from tests.ui_helpers import (
    TOKEN,
    ScriptedServer,
    json_error,
    payload,
    photo,
    reply,
    sse,
    stream,
)

FAST = ReconnectPolicy(base_ms=10, cap_ms=80, max_attempts=5)


@pytest.fixture
def server(qtbot):
    scripted = ScriptedServer()
    yield scripted
    scripted.close()


def make_client(qtbot, server, **kwargs) -> SseClient:
    kwargs.setdefault("policy", FAST)
    client = SseClient(server.url, TOKEN, 7, rand=lambda: 0.5, **kwargs)
    yield_close.append(client)
    return client


yield_close: list[SseClient] = []


@pytest.fixture(autouse=True)
def _close_clients():
    yield
    while yield_close:
        yield_close.pop().close()


PHOTOS = [photo(1), photo(2), photo(3)]
SNAPSHOT = payload(7, PHOTOS, "QUEUED", 0, snapshot=True)


def test_snapshot_then_deltas_merge_by_id(qtbot, server):
    done1 = photo(1, "DONE", roomType="kitchen")
    proc2 = photo(2, "PROCESSING")
    state2 = [done1, proc2, photo(3)]
    server.respond(
        stream(
            sse(retry=1000),
            sse("progress", SNAPSHOT, id=3),
            sse(
                "progress",
                payload(7, [proc2], "PROCESSING", 0, all_photos=[photo(1), proc2, photo(3)]),
                id=4,
            ),
            sse("progress", payload(7, [done1], "PROCESSING", 33, all_photos=state2), id=5),
            close=False,
        )
    )
    client = make_client(qtbot, server)
    assert client.data is None
    changes = []
    client.stateChanged.connect(changes.append)
    with qtbot.waitSignal(client.connectionChanged, timeout=5000):
        client.start()
    assert client.isLoading
    qtbot.waitUntil(lambda: client.last_event_id == "5", timeout=5000)
    assert client.isConnected and not client.isLoading and client.error is None
    assert client.lastUpdate is not None
    data = client.data
    assert [p["id"] for p in data["photos"]] == [1, 2, 3]
    assert [p["status"] for p in data["photos"]] == ["DONE", "PROCESSING", "PENDING"]
    assert data["photos"][0]["roomType"] == "kitchen"
    assert data["counts"] == {"queued": 1, "processing": 1, "completed": 1, "failed": 0, "total": 3}
    assert data["status"] == "PROCESSING" and data["progress"] == 33
    request = server.requests[0]
    assert request.path == "/api/batches/7/stream"
    assert request.header("Authorization") == f"Bearer {TOKEN}"
    assert request.header("Accept") == "text/event-stream"
    assert request.header("Last-Event-ID") is None
    # one chunk → one stateChanged (the events were read together)
    assert sum(len(c["added"]) for c in changes) == 3


def test_reconnects_with_last_event_id_and_keeps_one_row_per_photo(qtbot, server):
    server.respond(
        stream(sse(retry=10), sse("progress", SNAPSHOT, id=3)),  # then the server goes away
        stream(
            sse(
                "progress",
                payload(
                    7,
                    [photo(1, "DONE")],
                    "PROCESSING",
                    33,
                    all_photos=[photo(1, "DONE"), photo(2), photo(3)],
                ),
                id=4,
            ),
            close=False,
        ),
    )
    client = make_client(qtbot, server)
    client.start()
    qtbot.waitUntil(lambda: client.last_event_id == "4", timeout=5000)
    assert len(server.requests) == 2
    assert server.requests[1].header("Last-Event-ID") == "3"
    assert [p["id"] for p in client.data["photos"]] == [1, 2, 3]
    assert client.isConnected and client.attempt == 0


def test_complete_closes_and_never_reconnects(qtbot, server):
    final = payload(7, [photo(1, "DONE"), photo(2, "DONE"), photo(3, "ERROR")], "PARTIAL", 100)
    final.pop("photos")
    server.respond(
        stream(
            sse("progress", SNAPSHOT, id=3),
            sse(
                "progress",
                payload(
                    7,
                    [photo(1, "DONE"), photo(2, "DONE"), photo(3, "ERROR", errorMessage="broken")],
                    "PARTIAL",
                    100,
                ),
                id=6,
            ),
            sse("complete", {**final, "inventorySummary": {"totalItems": 0, "rooms": []}}),
            close=False,  # even if the server kept the socket open, the client hangs up
        )
    )
    client = make_client(qtbot, server)
    with qtbot.waitSignal(client.completed, timeout=5000) as blocker:
        client.start()
    assert blocker.args[0]["status"] == "PARTIAL"
    assert "photos" not in blocker.args[0]
    assert client.connection == Connection.FINISHED
    assert not client.isConnected and client.error is None
    assert client.state.inventory_summary == {"totalItems": 0, "rooms": []}
    assert client.reconnect_in_ms == 0 and client._reply is None
    client.start()  # a finished stream stays finished
    assert client.connection == Connection.FINISHED and len(server.requests) == 1


def test_a_following_client_takes_corrections_after_complete_and_resumes_quietly(qtbot, server):
    final = payload(7, [photo(1, "DONE")], "COMPLETED", 100)
    final.pop("photos")
    renamed = payload(7, [photo(1, "DONE", roomName="Séjour")], "COMPLETED", 100)
    renamed["review"] = {"name": "Durand", "undo": {"kind": "room.rename"}}
    server.respond(
        stream(
            sse("progress", payload(7, [photo(1, "DONE")], "COMPLETED", 100, snapshot=True), id=3),
            sse("complete", final),
            sse("progress", renamed, id=9),
            close=True,  # then the stream ends (a timeout, a network blip): resume quietly
        ),
        stream(sse("ping", {"timestamp": 1}), close=False),
    )
    client = make_client(qtbot, server, follow=True)
    completions = []
    client.completed.connect(completions.append)
    client.start()
    qtbot.waitUntil(lambda: len(server.requests) == 2, timeout=5000)
    assert server.requests[0].path.endswith("/stream?follow=1")
    assert server.requests[1].header("Last-Event-ID") == "9"
    assert client.state.photos[1]["roomName"] == "Séjour"
    assert client.state.review["name"] == "Durand"
    assert client.connection == Connection.FINISHED and len(completions) == 1


def test_timeout_event_reconnects_at_once(qtbot, server):
    server.respond(
        stream(
            sse(retry=60_000),
            sse("progress", SNAPSHOT, id=3),
            sse("timeout", {"reconnect": True}),
            close=False,
        ),
        stream(sse("ping", {"timestamp": 1}), close=False),
    )
    client = make_client(qtbot, server)
    client.start()
    qtbot.waitUntil(lambda: len(server.requests) == 2, timeout=3000)  # no 60 s wait
    assert server.requests[1].header("Last-Event-ID") == "3"
    qtbot.waitUntil(lambda: client.isConnected, timeout=3000)
    assert client.attempt == 0


def test_429_retry_after_is_honoured(qtbot, server):
    server.respond(reply(json_error(429, "too_many_streams", "Too many", {"Retry-After": "3"})))
    client = make_client(qtbot, server)
    client.start()
    qtbot.waitUntil(
        lambda: client.connection == Connection.RECONNECTING and client.reconnect_in_ms > 0,
        timeout=3000,
    )
    assert client.scheduled_delay_ms == 3000  # not the 10 ms base: Retry-After wins
    assert client.attempt == 1
    assert client.error == "Too many"
    server.respond(stream(sse("progress", SNAPSHOT, id=3), close=False))
    client.retry()  # F5 / the Retry button: now
    qtbot.waitUntil(lambda: client.isConnected, timeout=3000)
    assert client.error is None


def test_five_failed_attempts_then_error_then_retry(qtbot, server):
    server.default = reply(json_error(503, "busy", "Busy"))
    client = make_client(qtbot, server)
    states = []
    client.connectionChanged.connect(states.append)
    client.start()
    qtbot.waitUntil(lambda: client.connection == Connection.ERROR, timeout=5000)
    assert len(server.requests) == 6  # the first try and 5 reconnections
    assert client.error == "Busy"
    assert client.attempt == client.max_attempts == 5
    assert states[0] == "connecting" and "reconnecting" in states and states[-1] == "error"
    server.default = None
    server.respond(stream(sse("progress", SNAPSHOT, id=3), close=False))
    client.retry()
    qtbot.waitUntil(lambda: client.isConnected, timeout=3000)
    assert client.error is None and client.attempt == 0


def test_unreachable_server_ends_in_error(qtbot, server):
    url = server.url
    server.close()
    client = SseClient(url, TOKEN, 7, policy=FAST, rand=lambda: 0.0)
    yield_close.append(client)
    client.start()
    qtbot.waitUntil(lambda: client.connection == Connection.ERROR, timeout=5000)
    assert client.error


@pytest.mark.parametrize(("status", "code"), [(404, "batch_not_found"), (401, "unauthorized")])
def test_client_errors_are_fatal(qtbot, server, status, code):
    server.respond(reply(json_error(status, code, "Nope")))
    client = make_client(qtbot, server)
    client.start()
    qtbot.waitUntil(lambda: client.connection == Connection.ERROR, timeout=3000)
    assert client.error == "Nope" and client.errorCode == code
    assert len(server.requests) == 1


def test_error_event_batch_gone_is_fatal(qtbot, server):
    server.respond(
        stream(
            sse("progress", SNAPSHOT, id=3),
            sse("error", {"code": "batch_not_found", "message": "Gone"}),
        )
    )
    client = make_client(qtbot, server)
    client.start()
    qtbot.waitUntil(lambda: client.connection == Connection.ERROR, timeout=3000)
    assert client.error == "Gone" and len(server.requests) == 1


def test_wrong_content_type_is_fatal(qtbot, server):
    server.respond(
        reply(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 2\r\n\r\nhi")
    )
    client = make_client(qtbot, server)
    client.start()
    qtbot.waitUntil(lambda: client.connection == Connection.ERROR, timeout=3000)
    assert client.errorCode == "bad_content_type"


def test_silence_watchdog_reconnects(qtbot, server):
    server.respond(
        stream(sse("progress", SNAPSHOT, id=3), close=False),  # then silence, socket open
        stream(sse("ping", {"timestamp": 2}), close=False),
    )
    client = make_client(qtbot, server, watchdog_ms=300)
    client.start()
    qtbot.waitUntil(lambda: len(server.requests) == 2, timeout=5000)
    assert server.requests[1].header("Last-Event-ID") == "3"
    qtbot.waitUntil(lambda: client.isConnected, timeout=3000)


def test_server_retry_field_sets_the_base(qtbot, server):
    server.respond(stream(sse(retry=4000), sse("progress", SNAPSHOT, id=3)))
    client = SseClient(server.url, TOKEN, 7, rand=lambda: 0.5)
    yield_close.append(client)
    client.start()
    qtbot.waitUntil(lambda: client.connection == Connection.RECONNECTING, timeout=3000)
    assert client.scheduled_delay_ms == 4000  # rand 0.5: no jitter; base 4 s, attempt 1
    assert client.reconnect_in_ms > 0


def test_close_stops_everything(qtbot, server):
    server.respond(stream(sse("progress", SNAPSHOT, id=3), close=False))
    client = make_client(qtbot, server)
    client.start()
    qtbot.waitUntil(lambda: client.isConnected, timeout=3000)
    client.close()
    assert client.connection == Connection.IDLE and client._reply is None
    assert client.data["batchId"] == 7  # what was received stays readable


def test_not_json_event_is_ignored(qtbot, server):
    server.respond(
        stream(sse("progress", "{not json", id=2), sse("progress", SNAPSHOT, id=3), close=False)
    )
    client = make_client(qtbot, server)
    client.start()
    qtbot.waitUntil(lambda: client.last_event_id == "3", timeout=3000)
    assert len(client.state) == 3
