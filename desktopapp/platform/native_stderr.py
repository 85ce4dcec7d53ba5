"""Native libraries' chatter (libtiff's `TIFFFetchNormalTag`, codec warnings) to a log file.

C libraries write straight to file descriptor 2, past Python's logging: a bad folder then
buried the terminal's summary under hundreds of lines. `divert_native_stderr(path)` points
fd 2 at `path` (owner-only, appended) and gives Python's `sys.stderr` a stream on the
terminal's original descriptor, so what PhotoLot itself prints (the progress bar, the
summary, its own warnings, a traceback) still reaches the terminal.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path
from typing import TextIO


def divert_native_stderr(path: Path) -> TextIO:
    """Send fd 2 to `path`; returns (and installs as `sys.stderr`) the terminal's stream."""
    sys.stderr.flush()
    terminal_fd = os.dup(2)
    path.parent.mkdir(parents=True, exist_ok=True)
    log_fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.dup2(log_fd, 2)
    finally:
        os.close(log_fd)
    terminal = io.TextIOWrapper(
        io.FileIO(terminal_fd, "w", closefd=True),
        encoding=sys.stderr.encoding or "utf-8",
        errors="backslashreplace",
        line_buffering=True,
    )
    sys.stderr = terminal
    return terminal
