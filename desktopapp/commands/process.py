"""`photolot process PATH…`: one batch, no window, a live bar in the terminal."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from desktopapp.commands.remote import RemoteClient, RemoteError
from desktopapp.core import progress, state
from desktopapp.core.db import Photo
from desktopapp.core.events import BatchWatcher
from desktopapp.core.intake import NothingToImport
from desktopapp.core.services import Core
from desktopapp.platform.datadir_lock import DataDirBusy
from desktopapp.platform.settings import Settings
from desktopapp.report.figures import room_display_name
from desktopapp.report.pdf import render_pdf
from desktopapp.report.strings import words
from desktopapp.ui.batch_state import BatchState

BAR_WIDTH = 30


EXIT_FAILED = 3  # the batch ended FAILED: not one photo could be used


def rewrite(line: str, previous: str) -> str:
    """`line` over the terminal's current line: a shorter line must blank what the longer
    one left ("… PROCESSING" then "… COMPLETED" showed "… COMPLETEDG")."""
    return "\r" + line.ljust(len(previous))


def render_bar(counts: progress.Counts) -> str:
    pct = progress.percent(counts)
    filled = BAR_WIDTH * pct // 100
    return (
        f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {pct:3d}%  "
        f"{counts.completed + counts.failed}/{counts.total} photos  "
        f"done {counts.completed}  failed {counts.failed}  {progress.batch_status(counts)}"
    )


def _print_summary(snapshot: dict, elapsed: float, out: TextIO, lang: str = "en") -> None:
    counts = snapshot["counts"]
    print(
        f"Batch {snapshot['batchId']}: {snapshot['status']} in {elapsed:.1f} s — "
        f"{counts['completed']} done, {counts['failed']} failed, {counts['total']} in all.",
        file=out,
    )
    for photo in snapshot["photos"]:
        if photo["status"] == "ERROR":
            print(
                f"  ✗ {photo['fileName']}: {photo['errorMessage']} [{photo['errorCode']}]", file=out
            )
    for skipped in snapshot["skipped"]:
        print(f"  skipped {skipped['name']}: {skipped['reason']}", file=out)
    for notice in snapshot["notices"]:
        print(f"  note: {words('en').notice(notice)}", file=out)
    summary = snapshot["inventorySummary"]
    named = words(lang)  # room names and their photo counts in `lang`, the rest in English
    for room in summary["rooms"]:
        name = room_display_name(room, lang)
        items = ", ".join(
            f"{line[lang] or line['en']} ×{line['quantity']}"
            + (" (built in)" if line["builtIn"] else "")
            for line in room.get("items", [])
        )
        print(
            f"  {name} ({named('n.photos', n=room['photos'])}): "
            f"{items or 'no items'} — {room['volume_m3']:.2f} m³, "
            f"packed {room.get('packedVolume_m3', 0):.2f} m³",
            file=out,
        )
    print(
        f"Inventory: {words('en')('n.items', n=summary['totalItems'])}, "
        f"{summary['totalVolume']:.2f} m³ of furniture, "
        f"{summary.get('totalPackedVolume', 0):.2f} m³ packed.",
        file=out,
    )


def thumbnail_paths(core: Core) -> Callable[[int], Path | None]:
    """photo id → its thumbnail file in the core's store, None while it has none."""

    def lookup(photo_id: int) -> Path | None:
        row = Photo.select(Photo.sha256).where(Photo.id == photo_id).tuples().first()
        if row is None or not row[0]:
            return None
        path = core.paths.thumb_path(row[0])
        return path if path.is_file() else None

    return lookup


def write_report(core: Core, snapshot: dict, target: Path, lang: str, out: TextIO) -> bool:
    try:
        target.write_bytes(render_pdf(snapshot, thumbnail_paths(core), lang))
    except OSError as exc:
        print(f"photolot: cannot write the PDF report {target}: {exc.strerror or exc}", file=out)
        return False
    print(f"PDF report: {target}", file=out)
    return True


class LiveBar:
    """The progress bar on the terminal: rewritten in place on a TTY, a line each else."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.live = out.isatty()
        self.last = ""

    def show(self, counts: progress.Counts) -> None:
        line = render_bar(counts)
        if line != self.last:
            text = rewrite(line, self.last) if self.live else line
            print(text, end="" if self.live else "\n", file=self.out, flush=True)
            self.last = line

    def end(self) -> None:
        if self.live and self.last:
            print(file=self.out)


def _exit_code(snapshot: dict) -> int:
    return EXIT_FAILED if snapshot["status"] == progress.FAILED else 0


def run_process(
    settings: Settings,
    paths: Sequence[str],
    project: str | None,
    as_json: bool,
    pdf: str | None = None,
    lang: str = "en",
) -> int:
    out = sys.stderr
    started = time.monotonic()
    try:
        core = Core(settings)
    except DataDirBusy:  # the window or --headless runs on this data dir: it does the work
        client = RemoteClient.for_data_dir(settings.paths)
        if client is None:
            raise
        return forward_process(client, paths, project, as_json, pdf, lang, out)
    try:
        core.start()
        try:
            result = core.create_batch(paths, project=project)
        except NothingToImport as exc:
            _print_nothing(str(exc), exc.skipped, out)
            return 2
        bar = LiveBar(out)
        with BatchWatcher(core.bus, result.batch_id) as watcher:
            while True:
                counts = state.batch_counts(result.batch_id)
                bar.show(counts)
                if progress.is_final(progress.batch_status(counts)):
                    break
                watcher.wait(timeout=5.0)
        bar.end()
        snapshot = core.snapshot(result.batch_id)
        _print_summary(snapshot, time.monotonic() - started, out, lang)
        if as_json:
            _print_json(snapshot)
        if pdf and not write_report(core, snapshot, Path(pdf), lang, out):
            return 1
        return _exit_code(snapshot)
    except KeyboardInterrupt:
        print("\nInterrupted: unfinished photos will resume at the next start.", file=out)
        return 130
    finally:
        core.stop()


def _print_nothing(message: str, skipped: list[dict], out: TextIO) -> None:
    print(f"photolot: {message}", file=out)
    for entry in skipped:
        print(f"  skipped {entry['name']}: {entry['reason']}", file=out)


def _print_json(snapshot: dict) -> None:
    json.dump(snapshot, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def forward_process(
    client: RemoteClient,
    paths: Sequence[str],
    project: str | None,
    as_json: bool,
    pdf: str | None,
    lang: str,
    out: TextIO,
) -> int:
    """Hand the paths to the PhotoLot already running on the data dir (its API, with the
    install token from the data dir) and follow the batch on its stream, as if here."""
    started = time.monotonic()
    print(
        f"PhotoLot already runs on this data dir ({client.base_url}/): the photos go to it.",
        file=out,
    )
    body = {"paths": [os.path.abspath(path) for path in paths], "project": project}
    try:
        created = client.request("POST", "/api/batches", body)
    except RemoteError as exc:
        if exc.code in ("nothing_to_import", "bad_paths"):
            print(f"photolot: {exc.message}", file=out)
            return 2
        raise
    batch_id = created["batchId"]
    bar, batch = LiveBar(out), BatchState(batch_id)
    try:
        for event in client.stream(batch_id):
            if event.type == "error":
                raise RemoteError(f"the stream ended: {event.data}")
            if event.type not in ("progress", "complete"):
                continue
            batch.apply(json.loads(event.data))
            bar.show(progress.counts_from_dict(batch.counts))
            if event.type == "complete":
                break
    except KeyboardInterrupt:
        bar.end()
        print(f"\nStopped following: batch {batch_id} goes on in the running PhotoLot.", file=out)
        return 130
    bar.end()
    snapshot = client.request("GET", f"/api/batches/{batch_id}")
    _print_summary(snapshot, time.monotonic() - started, out, lang)
    if as_json:
        _print_json(snapshot)
    if pdf:
        try:
            Path(pdf).write_bytes(
                client.download(f"/api/batches/{batch_id}/report.pdf?lang={lang}")
            )
        except OSError as exc:
            print(f"photolot: cannot write the PDF report {pdf}: {exc.strerror or exc}", file=out)
            return 1
        print(f"PDF report: {pdf}", file=out)
    return _exit_code(snapshot)


def hand_over_to_running(settings: Settings, paths: Sequence[str], lang: str) -> int:
    """`photolot [PATH…]` while PhotoLot runs without a window on the data dir: the paths go
    to it (and the batch is followed here); with no path, a link to its page."""
    out = sys.stderr
    client = RemoteClient.for_data_dir(settings.paths)
    if client is None:
        print("photolot: PhotoLot already runs on this data dir but cannot be reached.", file=out)
        return 1
    if paths:
        return forward_process(client, paths, None, False, None, lang, out)
    ticket = client.request("POST", "/api/browser-tickets", {"path": "/"})
    print(
        f"PhotoLot already runs without a window on this data dir. "
        f"Open in your browser: {client.base_url}{ticket['url']}",
        file=out,
    )
    return 0
