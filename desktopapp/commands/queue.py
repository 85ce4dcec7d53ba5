"""`photolot queue`: the queue as a table, once or live, and the queue's actions.

    photolot queue                      # batches in queue order, then the workers
    photolot queue --watch              # redrawn on each change of /api/queue/stream
    photolot queue pause|resume|cancel|front BATCH_ID

When a PhotoLot (window or --headless) runs on the data dir, everything goes through its
API (token from the data dir); otherwise the table is read from the database and the
actions are done on it directly (no worker starts). `--watch` needs a running PhotoLot:
nothing else changes the queue.
"""

from __future__ import annotations

import json
import sys
import time
import urllib.error
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any, TextIO

from desktopapp.commands.remote import RemoteClient, RemoteError
from desktopapp.core.queue_control import BatchIsFinal
from desktopapp.core.services import Core
from desktopapp.core.state import BatchNotFound
from desktopapp.platform.datadir_lock import DataDirBusy, DataDirLock
from desktopapp.platform.i18n import LANGUAGES, Words
from desktopapp.platform.settings import Settings

ACTIONS = ("pause", "resume", "cancel", "front")
QUEUE_STREAM = "/api/queue/stream"
CLEAR = "\x1b[H\x1b[2J"  # cursor home, erase the screen
NAME_WIDTH = 28
HEADER = (
    "BATCH",
    "STATUS",
    "DONE",
    "FAILED",
    "CANCELLED",
    "PER MIN",
    "ETA",
    "WAIT p50/p95",
    "PROCESSING p50/p95",
)
NUMERIC = {2, 3, 4, 5}  # right-aligned columns


def duration(seconds: float | None) -> str:
    """An ETA as a person reads it: 42 s, 3 min 05 s, 1 h 02 min; — when unknown."""
    if seconds is None:
        return "—"
    total = round(seconds)
    if total < 60:
        return f"{total} s"
    if total < 3600:
        return f"{total // 60} min {total % 60:02d} s"
    return f"{total // 3600} h {total % 3600 // 60:02d} min"


def short_time(seconds: float | None) -> str:
    """A wait or processing time: 85 ms, 1.2 s, 3 min 05 s; — when none yet."""
    if seconds is None:
        return "—"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    return duration(seconds)


def _pair(times: dict[str, Any]) -> str:
    if times.get("p50") is None:
        return "—"
    return f"{short_time(times['p50'])} / {short_time(times['p95'])}"


def _label(row: dict[str, Any]) -> str:
    name = row.get("name") or row.get("project") or ""
    if len(name) > NAME_WIDTH:
        name = name[: NAME_WIDTH - 1] + "…"
    return f"{row['batchId']} {name}".rstrip()


def batch_cells(row: dict[str, Any], words: Words) -> tuple[str, ...]:
    counts = row["counts"]
    per_minute = row["throughput"]["perMinute"]
    return (
        _label(row),
        words.status(row["status"]),
        f"{counts['completed']}/{counts['total']}",
        str(counts["failed"]),
        str(counts.get("cancelled", 0)),
        "—" if per_minute is None else f"{per_minute:g}",
        duration(row["eta_s"]),
        _pair(row["wait"]),
        _pair(row["processing"]),
    )


def _columns(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
    lines = []
    for row in rows:
        cells = [
            cell.rjust(width) if i in NUMERIC else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    return lines


def render(board: dict[str, Any], lang: str = "en", live: bool = True) -> str:
    """The dashboard (core.queue_dashboard's dict) as a text table, then the workers."""
    words = Words(lang if lang in LANGUAGES else "en")
    when = datetime.fromtimestamp(board["generatedAt"]).strftime("%H:%M:%S")
    lines = [f"PhotoLot queue at {when}"]
    batches = board["batches"]
    if batches:
        lines += _columns([HEADER, *(batch_cells(row, words) for row in batches)])
    else:
        lines.append("No batches.")
    throughput = board["throughput"]
    rate = throughput["perSecond"]
    lines.append(
        f"Throughput: {throughput['lastMinute']} photos in the last minute"
        + (f" ({rate * 60:.1f}/min used for the ETAs)" if rate else "")
    )
    workers = board["workers"]
    if not live:
        lines.append("Workers: none (PhotoLot is not running on this data dir)")
        return "\n".join(lines)
    busy = workers["busy"]
    lines.append(f"Workers: {workers['count']}, {len(busy)} busy")
    for worker in busy:
        lines.append(
            f"  {worker['worker']}: batch {worker['batchId']} {worker['fileName']}"
            f" — {worker['stage']} ({worker['seconds']:.1f} s)"
        )
    return "\n".join(lines)


def run_queue(
    settings: Settings,
    action: str | None,
    batch_id: int | None,
    watch: bool,
    lang: str,
    out: TextIO | None = None,
) -> int:
    out = out or sys.stdout
    try:
        if watch:
            return watch_queue(settings, lang, out)
        client, core = _open(settings)
        if core is not None:
            try:
                if action is None:
                    print(render(core.queue_dashboard(), lang, live=False), file=out)
                    return 0
                assert batch_id is not None
                return _local_action(core, action, batch_id, lang, out)
            finally:
                core.stop()
        assert client is not None
        if action is None:
            print(render(client.request("GET", "/api/queue"), lang), file=out, flush=True)
            return 0
        assert batch_id is not None
        return _remote_action(client, action, batch_id, lang, out)
    except urllib.error.URLError as exc:
        reason = getattr(exc, "reason", exc)
        print(
            f"photolot: cannot reach the PhotoLot running on this data dir: {reason}",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        return 130


def _open(settings: Settings) -> tuple[RemoteClient | None, Core | None]:
    """The running PhotoLot's API, else the database itself (a Core with no workers; the
    names analyzer: nothing is analysed here, no model to load)."""
    try:
        return None, Core(replace(settings, analyzer="names"))
    except DataDirBusy:
        return _open_running(settings)


def _open_running(settings: Settings) -> tuple[RemoteClient, None]:
    client = RemoteClient.for_data_dir(settings.paths)
    if client is None:
        raise RemoteError("PhotoLot runs on this data dir but cannot be reached (no runtime file).")
    return client, None


def _running(settings: Settings) -> bool:
    try:
        lock = DataDirLock(settings.paths.root).acquire()
    except DataDirBusy:
        return True
    lock.release()
    return False


def watch_queue(settings: Settings, lang: str, out: TextIO) -> int:
    if not _running(settings):
        print(
            f"photolot: no PhotoLot runs on {settings.paths.root}: nothing to watch.",
            file=sys.stderr,
        )
        return 1
    client, _core = _open_running(settings)
    tty = out.isatty()
    drawn = 0
    try:
        while True:
            events = 0
            for event in client.stream_events(QUEUE_STREAM):
                events += 1
                if event.type == "error":
                    raise RemoteError(f"the queue stream ended: {event.data}")
                if event.type != "queue":
                    continue  # ping; timeout: the server closes, we reconnect
                table = render(json.loads(event.data), lang)
                if tty:
                    out.write(CLEAR + table + "\n")
                else:
                    out.write(("\n" if drawn else "") + table + "\n")
                out.flush()
                drawn += 1
            if not events:  # closed at once: wait the server's retry time
                time.sleep(1.0)
    except KeyboardInterrupt:
        return 130
    except (urllib.error.URLError, OSError) as exc:
        print(f"photolot: the running PhotoLot stopped answering ({exc}).", file=sys.stderr)
        return 1


def _done_line(action: str, batch_id: int, result: Any, words: Words) -> str:
    if action == "pause":
        return f"Batch {batch_id}: {words.status(result)}"
    if action == "resume":
        return f"Batch {batch_id} resumed: {words.status(result)}"
    if action == "cancel":
        noun = "photo" if result == 1 else "photos"
        return f"Batch {batch_id}: {result} waiting {noun} cancelled"
    return f"Batch {batch_id} moved to the front of the queue (priority {result})"


def _local_action(core: Core, action: str, batch_id: int, lang: str, out: TextIO) -> int:
    doing: dict[str, Callable[[int], Any]] = {
        "pause": core.queue_control.pause,
        "resume": core.queue_control.resume,
        "cancel": core.queue_control.cancel,
        "front": core.queue_control.move_to_front,
    }
    try:
        result = doing[action](batch_id)
    except BatchNotFound:
        print(f"photolot: There is no batch {batch_id}.", file=sys.stderr)
        return 1
    except BatchIsFinal as exc:
        print(f"photolot: {exc}", file=sys.stderr)
        return 1
    print(_done_line(action, batch_id, result, Words(_lang(lang))), file=out)
    return 0


RESULT_KEY = {"pause": "status", "resume": "status", "cancel": "cancelled", "front": "priority"}


def _remote_action(client: RemoteClient, action: str, batch_id: int, lang: str, out: TextIO) -> int:
    try:
        answer = client.request("POST", f"/api/batches/{batch_id}/{action}")
    except RemoteError as exc:
        if exc.status in (404, 409):  # no such batch; batch_final
            print(f"photolot: {exc.message}", file=sys.stderr)
            return 1
        raise
    words = Words(_lang(lang))
    print(_done_line(action, batch_id, answer[RESULT_KEY[action]], words), file=out)
    return 0


def _lang(lang: str) -> str:
    return lang if lang in LANGUAGES else "en"
