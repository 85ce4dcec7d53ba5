"""The event-stream parser against the WHATWG rules, one edge case per row."""

from __future__ import annotations

import pytest

from desktopapp.ui.sse_parser import SseEvent, SseParser


def parse(*chunks: bytes, last_event_id: str = "") -> tuple[list[tuple[str, str, str]], SseParser]:
    parser = SseParser(last_event_id)
    events: list[SseEvent] = []
    for chunk in chunks:
        events.extend(parser.feed(chunk))
    return [(e.type, e.data, e.id) for e in events], parser


def one_byte_at_a_time(data: bytes) -> list[bytes]:
    return [data[i : i + 1] for i in range(len(data))]


CASES = [
    # (name, chunks, expected events (type, data, id))
    ("simple", [b"data: hello\n\n"], [("message", "hello", "")]),
    ("named event", [b"event: progress\ndata: {}\n\n"], [("progress", "{}", "")]),
    ("LF line ends", [b"data: a\n\ndata: b\n\n"], [("message", "a", ""), ("message", "b", "")]),
    ("CRLF line ends", [b"data: a\r\n\r\n"], [("message", "a", "")]),
    ("CR line ends", [b"data: a\r\rdata: b\r\r"], [("message", "a", ""), ("message", "b", "")]),
    (
        "mixed CR LF CRLF",
        [b"event: x\rdata: 1\r\ndata: 2\n\r\n"],
        [("x", "1\n2", "")],
    ),
    ("CRLF split across chunks", [b"data: a\r", b"\n\r", b"\n"], [("message", "a", "")]),
    (
        "CR at chunk end then a new line (not LF)",
        [b"data: a\r", b"data: b\r\r"],
        [("message", "a\nb", "")],
    ),
    ("CR then CR across chunks is two line ends", [b"data: a\r", b"\r"], [("message", "a", "")]),
    ("field split across chunks", [b"da", b"ta: he", b"llo\n", b"\n"], [("message", "hello", "")]),
    ("one byte at a time", one_byte_at_a_time(b"event: e\r\ndata: x\r\n\r\n"), [("e", "x", "")]),
    ("leading BOM stripped", [b"\xef\xbb\xbfdata: a\n\n"], [("message", "a", "")]),
    ("BOM split across chunks", [b"\xef", b"\xbb\xbf", b"data: a\n\n"], [("message", "a", "")]),
    (
        "only one BOM stripped",
        [b"\xef\xbb\xbf\xef\xbb\xbfdata: a\n\ndata: b\n\n"],
        [("message", "b", "")],  # the 2nd BOM makes the field "\ufeffdata": ignored
    ),
    (
        "BOM not at stream start is kept",
        [b"data: a\n\n", b"\xef\xbb\xbfdata: b\n\n"],
        [("message", "a", "")],
    ),
    ("comment ignored", [b": hello\ndata: a\n:\n\n"], [("message", "a", "")]),
    ("comment alone dispatches nothing", [b": keep-alive\n\n"], []),
    ("field without colon = empty value", [b"data\n\n"], [("message", "", "")]),
    ("two empty data lines", [b"data\ndata\n\n"], [("message", "\n", "")]),
    ("event without colon resets type", [b"event\ndata: a\n\n"], [("message", "a", "")]),
    ("exactly one space stripped", [b"data:  two spaces\n\n"], [("message", " two spaces", "")]),
    ("no space after colon", [b"data:tight\n\n"], [("message", "tight", "")]),
    ("tab is not stripped", [b"data:\tx\n\n"], [("message", "\tx", "")]),
    ("colon inside value kept", [b"data: a: b\n\n"], [("message", "a: b", "")]),
    (
        "multi-line data joined with LF",
        [b"data: 1\ndata: 2\ndata: 3\n\n"],
        [("message", "1\n2\n3", "")],
    ),
    ("trailing LF removed once", [b"data: a\ndata:\n\n"], [("message", "a\n", "")]),
    ("id set", [b"id: 7\ndata: a\n\n"], [("message", "a", "7")]),
    (
        "id persists to later events",
        [b"id: 7\ndata: a\n\ndata: b\n\n"],
        [("message", "a", "7"), ("message", "b", "7")],
    ),
    (
        "id with NUL ignored",
        [b"id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\n"],
        [("message", "a", "1"), ("message", "b", "1")],
    ),
    (
        "empty id resets",
        [b"id: 5\ndata: a\n\nid\ndata: b\n\n"],
        [("message", "a", "5"), ("message", "b", "")],
    ),
    (
        "empty id with colon resets",
        [b"id: 5\ndata: a\n\nid:\ndata: b\n\n"],
        [("message", "a", "5"), ("message", "b", "")],
    ),
    ("unknown field ignored", [b"foo: bar\ndata: a\n\n"], [("message", "a", "")]),
    ("field names are case-sensitive", [b"Data: a\nDATA: b\n\n"], []),
    ("event without data not dispatched", [b"event: progress\n\n"], []),
    (
        "type does not leak into the next event",
        [b"event: x\n\ndata: a\n\n"],
        [("message", "a", "")],
    ),
    ("unfinished event at EOF discarded", [b"data: a\n\ndata: b\n"], [("message", "a", "")]),
    ("unfinished line at EOF discarded", [b"data: a"], []),
    ("invalid UTF-8 replaced", [b"data: caf\xe9\n\n"], [("message", "caf\ufffd", "")]),
    ("UTF-8 split across chunks", [b"data: caf\xc3", b"\xa9\n\n"], [("message", "café", "")]),
    ("empty chunks are harmless", [b"", b"data: a", b"", b"\n\n"], [("message", "a", "")]),
    ("blank lines between events", [b"\n\n\ndata: a\n\n\n"], [("message", "a", "")]),
]


@pytest.mark.parametrize(("chunks", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_parser_table(chunks, expected):
    events, _ = parse(*chunks)
    assert events == expected


# a BOM in a later chunk means something by its position, not its chunking: not re-chunked
BYTE_CASES = [
    c
    for c in CASES
    if not any(chunk.startswith(b"\xef\xbb\xbf") and i for i, chunk in enumerate(c[1]))
]


@pytest.mark.parametrize(
    ("chunks", "expected"), [c[1:] for c in BYTE_CASES], ids=[c[0] for c in BYTE_CASES]
)
def test_parser_table_byte_by_byte(chunks, expected):
    """Every case gives the same events when the same bytes arrive one at a time."""
    events, _ = parse(*one_byte_at_a_time(b"".join(chunks)))
    assert events == expected


RETRY_CASES = [
    ("digits", b"retry: 1500\n", 1500),
    ("zero", b"retry: 0\n", 0),
    ("not digits ignored", b"retry: 1.5\n", None),
    ("negative ignored", b"retry: -1\n", None),
    ("empty ignored", b"retry:\n", None),
    ("spaces ignored", b"retry: 10 \n", None),
    ("non-ASCII digits ignored", "retry: ١٢\n".encode(), None),
    ("last valid wins", b"retry: 100\nretry: x\nretry: 200\n", 200),
]


@pytest.mark.parametrize(
    ("data", "expected"), [c[1:] for c in RETRY_CASES], ids=[c[0] for c in RETRY_CASES]
)
def test_retry_field(data, expected):
    _, parser = parse(data)
    assert parser.retry == expected


def test_retry_needs_no_dispatch_and_rides_on_events():
    parser = SseParser()
    assert parser.feed(b"retry: 1000\n\n") == []
    assert parser.retry == 1000
    (event,) = parser.feed(b"event: progress\nid: 3\ndata: {}\n\n")
    assert event == SseEvent("progress", "{}", "3", 1000)


def test_last_event_id_tracked_even_without_dispatch():
    parser = SseParser()
    parser.feed(b"id: 42\n\n")  # no data: nothing dispatched, but the id counts
    assert parser.last_event_id == "42"


def test_last_event_id_only_updates_at_dispatch():
    parser = SseParser()
    parser.feed(b"id: 9\ndata: a\n")  # not dispatched yet
    assert parser.last_event_id == ""
    parser.feed(b"\n")
    assert parser.last_event_id == "9"


def test_reset_stream_keeps_id_and_retry_but_drops_the_partial_event():
    parser = SseParser()
    parser.feed(b"retry: 2000\nid: 4\ndata: a\n\nid: 5\ndata: partial\n")
    parser.finish()  # the connection dropped mid-event
    assert parser.last_event_id == "4"
    assert parser.retry == 2000
    # a BOM is allowed again at the start of the new connection
    events = parser.feed(b"\xef\xbb\xbfdata: b\n\n")
    assert [(e.data, e.id) for e in events] == [("b", "4")]


def test_reset_stream_forgets_a_pending_cr():
    parser = SseParser()
    parser.feed(b"data: a\r")
    parser.reset_stream()
    assert parser.feed(b"\ndata: b\n\n") == [SseEvent("message", "b", "", None)]


def test_initial_last_event_id():
    events, parser = parse(b"data: a\n\n", last_event_id="17")
    assert events == [("message", "a", "17")]
    assert parser.last_event_id == "17"


def test_large_event_in_many_chunks_is_linear():
    payload = b"x" * 2_000_000
    data = b"event: progress\ndata: " + payload + b"\n\n"
    parser = SseParser()
    events = []
    for i in range(0, len(data), 4096):
        events.extend(parser.feed(data[i : i + 4096]))
    assert len(events) == 1
    assert len(events[0].data) == len(payload)


def test_server_stream_shape():
    stream = (
        b"retry: 1000\n\n"
        b'event: progress\nid: 12\ndata: {"snapshot": true}\n\n'
        b'event: ping\ndata: {"timestamp": 1}\n\n'
        b'event: complete\nid: 13\ndata: {"status": "COMPLETED"}\n\n'
    )
    events, parser = parse(stream)
    assert events == [
        ("progress", '{"snapshot": true}', "12"),
        ("ping", '{"timestamp": 1}', "12"),
        ("complete", '{"status": "COMPLETED"}', "13"),
    ]
    assert parser.retry == 1000
