"""An incremental `text/event-stream` parser, as the WHATWG HTML standard specifies it.

Pure Python, no Qt, no I/O: bytes in, events out.

    parser = SseParser()
    for event in parser.feed(chunk):      # any chunking, even one byte at a time
        handle(event.type, event.data, event.id)
    parser.last_event_id                  # what to send as Last-Event-ID on reconnect
    parser.retry                          # the server's reconnection time (ms), or None

The rules (https://html.spec.whatwg.org/multipage/server-sent-events.html#parsing-an-event-stream):

- the stream is UTF-8, invalid sequences decode to U+FFFD; one leading BOM is dropped,
  only at the very start of the stream;
- lines end with CRLF, LF or CR, mixed freely; a CR that ends one chunk and an LF that
  starts the next are one line end;
- a line starting with ":" is a comment; a line without ":" is a field name with an
  empty value; after the colon, exactly one leading space is removed;
- `event` sets the type, `data` appends a line, `id` sets the last event id unless it
  contains NUL (an empty id resets it), `retry` is taken only if all ASCII digits;
  other fields are ignored;
- an empty line dispatches: data lines are joined with LF (the final LF removed); an
  event with no data is not dispatched (the id still counts); the type defaults to
  "message";
- an unfinished event when the stream ends is discarded (`reset_stream` / `finish`).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

_LINE_END = re.compile(r"\r\n|\r|\n")
_BOM = "\ufeff"


@dataclass(frozen=True)
class SseEvent:
    type: str
    data: str
    id: str
    """The last event id when this event was dispatched (the stream's `lastEventId`)."""
    retry: int | None = None
    """The reconnection time in effect (ms), None while the server has not sent one."""


class SseParser:
    def __init__(self, last_event_id: str = "") -> None:
        self.last_event_id = last_event_id
        self.retry: int | None = None
        self._id_buffer = last_event_id
        self.reset_stream()

    def reset_stream(self) -> None:
        """Start a new connection: forget any partial line and unfinished event.

        The last event id and the reconnection time survive, as in an EventSource.
        """
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._at_start = True
        self._skip_lf = False
        self._pending: list[str] = []
        self._data: list[str] = []
        self._type = ""
        self._id_buffer = self.last_event_id

    def finish(self) -> list[SseEvent]:
        """The stream ended: flush the decoder, discard the unfinished event."""
        self._decoder.decode(b"", final=True)
        self.reset_stream()
        return []

    def feed(self, chunk: bytes) -> list[SseEvent]:
        text = self._decoder.decode(chunk)
        if not text:
            return []
        if self._at_start:
            self._at_start = False
            if text.startswith(_BOM):
                text = text[1:]
        if self._skip_lf:
            self._skip_lf = False
            if text.startswith("\n"):
                text = text[1:]
        events: list[SseEvent] = []
        start = 0
        for match in _LINE_END.finditer(text):
            if self._pending:
                self._pending.append(text[start : match.start()])
                line = "".join(self._pending)
                self._pending.clear()
            else:
                line = text[start : match.start()]
            self._line(line, events)
            start = match.end()
        if text.endswith("\r"):
            self._skip_lf = True  # the LF of a CRLF split across two chunks
        if start < len(text):
            self._pending.append(text[start:])
        return events

    def _line(self, line: str, events: list[SseEvent]) -> None:
        if not line:
            self._dispatch(events)
            return
        if line[0] == ":":
            return
        field, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if field == "data":
            self._data.append(value)
        elif field == "event":
            self._type = value
        elif field == "id" and "\0" not in value:  # an id with NUL is ignored
            self._id_buffer = value
        elif field == "retry" and value.isascii() and value.isdigit():  # digits only
            self.retry = int(value)

    def _dispatch(self, events: list[SseEvent]) -> None:
        self.last_event_id = self._id_buffer
        if not self._data:
            self._type = ""
            return
        data = "\n".join(self._data)
        events.append(SseEvent(self._type or "message", data, self.last_event_id, self.retry))
        self._data = []
        self._type = ""
