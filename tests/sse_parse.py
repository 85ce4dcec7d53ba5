"""A spec-conformant, incremental `text/event-stream` parser for the tests.

Follows WHATWG HTML §9.2.6 "Interpreting an event stream": UTF-8 decoded
incrementally, one leading BOM dropped, lines end with CRLF, LF or CR (a CR at a
chunk's end may pair with the next chunk's LF), `:` lines are comments, a field
without a colon has an empty value, one space after the colon is stripped,
`id` containing NUL is ignored, `retry` only counts when all ASCII digits, an
empty `data` buffer dispatches nothing, and a trailing unterminated event is
discarded at end of stream.

On top of the spec each event records whether its own block carried an `id:`
field (`has_id`) so tests can check that pings carry none.
"""

from __future__ import annotations

import codecs
import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class SSEEvent:
    type: str
    data: str
    last_event_id: str
    has_id: bool

    def json(self) -> Any:
        return json.loads(self.data)

    @property
    def id(self) -> int | None:
        """The journal id this block carried, None when it had no `id:` field."""
        return int(self.last_event_id) if self.has_id and self.last_event_id else None


@dataclass
class SSEParser:
    last_event_id: str = ""
    retry: int | None = None
    comments: list[str] = field(default_factory=list)
    _decoder: Any = field(default_factory=lambda: codecs.getincrementaldecoder("utf-8")("replace"))
    _started: bool = False
    _buffer: str = ""
    _skip_lf: bool = False
    _data: list[str] = field(default_factory=list)
    _type: str = ""
    _id_in_block: bool = False

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        """Feed raw bytes; returns the events completed by them, in order."""
        return self._feed_text(self._decoder.decode(chunk))

    def close(self) -> list[SSEEvent]:
        """End of stream: flush the decoder; an unterminated event is discarded."""
        events = self._feed_text(self._decoder.decode(b"", final=True))
        self._buffer = ""
        self._data, self._type, self._id_in_block = [], "", False
        return events

    def _feed_text(self, text: str) -> list[SSEEvent]:
        if not self._started and text:
            self._started = True
            text = text.removeprefix("\ufeff")
        if self._skip_lf and text:
            self._skip_lf = False
            if text.startswith("\n"):
                text = text[1:]
        buffer = self._buffer + text
        events: list[SSEEvent] = []
        position = 0
        while True:
            index = _first_break(buffer, position)
            if index < 0:
                break
            line = buffer[position:index]
            position = index + 1
            if buffer[index] == "\r":
                if position < len(buffer):
                    if buffer[position] == "\n":
                        position += 1
                else:
                    self._skip_lf = True  # the LF of a CRLF may come with the next chunk
            event = self._line(line)
            if event is not None:
                events.append(event)
        self._buffer = buffer[position:]
        return events

    def _line(self, line: str) -> SSEEvent | None:
        if line == "":
            return self._dispatch()
        if line.startswith(":"):
            self.comments.append(line[1:])
            return None
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "event":
            self._type = value
        elif name == "data":
            self._data.append(value)
        elif name == "id":
            if "\x00" not in value:
                self.last_event_id = value
                self._id_in_block = True
        elif name == "retry" and value.isascii() and value.isdigit():
            self.retry = int(value)
        return None

    def _dispatch(self) -> SSEEvent | None:
        data, event_type, has_id = self._data, self._type, self._id_in_block
        self._data, self._type, self._id_in_block = [], "", False
        if not data:
            return None
        return SSEEvent(event_type or "message", "\n".join(data), self.last_event_id, has_id)


def _first_break(text: str, start: int) -> int:
    cr, lf = text.find("\r", start), text.find("\n", start)
    if cr < 0 or lf < 0:
        return max(cr, lf)
    return min(cr, lf)


def parse_all(raw: bytes, chunk_size: int | None = None) -> tuple[list[SSEEvent], SSEParser]:
    """Parse a complete stream (optionally fed in pieces of `chunk_size` bytes)."""
    parser = SSEParser()
    events: list[SSEEvent] = []
    step = chunk_size or max(1, len(raw))
    for start in range(0, len(raw), step):
        events.extend(parser.feed(raw[start : start + step]))
    events.extend(parser.close())
    return events, parser
