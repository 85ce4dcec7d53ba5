"""The test-side event-stream parser follows the spec; the server's encoder agrees with it."""

from __future__ import annotations

import pytest

from desktopapp.server.stream.sse import encode_event, encode_retry, parse_last_event_id
from tests.sse_parse import SSEParser, parse_all


@pytest.mark.parametrize("newline", ["\n", "\r", "\r\n"])
@pytest.mark.parametrize("chunk_size", [None, 1, 3])
def test_line_ends_and_chunking(newline: str, chunk_size: int | None) -> None:
    text = newline.join(["event: progress", "id: 7", "data: {}", "", "data: two", "", ""])
    events, _ = parse_all(text.encode(), chunk_size)
    assert [(e.type, e.data, e.last_event_id) for e in events] == [
        ("progress", "{}", "7"),
        ("message", "two", "7"),
    ]
    assert events[0].has_id and not events[1].has_id


def test_crlf_split_across_chunks_is_one_line_end() -> None:
    parser = SSEParser()
    assert parser.feed(b"data: a\r") == []
    events = parser.feed(b"\n\r\n")
    assert [e.data for e in events] == ["a"]


def test_bom_comments_field_without_colon_and_one_space_stripped() -> None:
    raw = "\ufeff: a comment\ndata\ndata:  two spaces\ndata:none\n\n".encode()
    events, parser = parse_all(raw, 2)
    assert events[0].data == "\n two spaces\nnone"
    assert parser.comments == [" a comment"]


def test_only_the_first_bom_is_dropped() -> None:
    events, _ = parse_all("\ufeff\ufeffdata: x\n\n".encode())
    assert events == []  # the second BOM makes the field name "\ufeffdata": ignored


def test_id_with_nul_is_ignored_and_retry_needs_digits() -> None:
    raw = b"id: 5\ndata: a\n\nid: 6\x007\ndata: b\n\nretry: 12x\nretry: 3000\n\n"
    events, parser = parse_all(raw)
    assert [e.last_event_id for e in events] == ["5", "5"]
    assert parser.retry == 3000


def test_empty_data_dispatches_nothing_but_id_sticks_and_tail_is_discarded() -> None:
    events, parser = parse_all(b"id: 9\n\ndata: x\n\ndata: unterminated\n")
    assert [(e.data, e.last_event_id) for e in events] == [("x", "9")]
    assert parser.last_event_id == "9"


def test_multibyte_text_split_anywhere() -> None:
    raw = encode_event("progress", {"room": "séjour – 客厅"}, 3)
    events, _ = parse_all(raw, 1)
    assert events[0].json() == {"room": "séjour – 客厅"}
    assert events[0].id == 3


def test_encoder_output() -> None:
    assert encode_retry(1000) == b"retry: 1000\n\n"
    assert encode_event("ping", {"timestamp": 1}) == b'event: ping\ndata: {"timestamp":1}\n\n'
    multi = encode_event("note", "a\r\nb\rc")
    assert parse_all(multi)[0][0].data == "a\nb\nc"
    with pytest.raises(ValueError):
        encode_event("bad\nname", {})


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0", 0),
        ("42", 42),
        (" 42 ", 42),
        ("", None),
        (None, None),
        ("-1", None),
        ("1e3", None),
        ("４２", None),
        ("9" * 19, None),
        ("abc", None),
    ],
)
def test_last_event_id_parsing(raw: str | None, expected: int | None) -> None:
    assert parse_last_event_id(raw) == expected
