"""`photolot process PATH…`: one batch, no window, a live bar in the terminal."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from desktopapp.core import progress, state
from desktopapp.core.db import Photo
from desktopapp.core.events import BatchWatcher
from desktopapp.core.intake import NothingToImport
from desktopapp.core.services import Core
from desktopapp.platform.settings import Settings
from desktopapp.report.figures import room_display_name
from desktopapp.report.pdf import render_pdf

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
        print(f"  note: {notice}", file=out)
    summary = snapshot["inventorySummary"]
    for room in summary["rooms"]:
        name = room_display_name(room, lang)
        items = ", ".join(
            f"{line[lang] or line['en']} ×{line['quantity']}"
            + (" (built in)" if line["builtIn"] else "")
            for line in room.get("items", [])
        )
        print(
            f"  {name} ({room['photos']} photo{'s' if room['photos'] != 1 else ''}): "
            f"{items or 'no items'} — {room['volume_m3']:.2f} m³, "
            f"packed {room.get('packedVolume_m3', 0):.2f} m³",
            file=out,
        )
    print(
        f"Inventory: {summary['totalItems']} items, {summary['totalVolume']:.2f} m³ of furniture, "
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


def run_process(
    settings: Settings,
    paths: Sequence[str],
    project: str | None,
    as_json: bool,
    pdf: str | None = None,
    lang: str = "en",
) -> int:
    out = sys.stderr
    live = out.isatty()
    core = Core(settings)
    started = time.monotonic()
    try:
        core.start()
        try:
            result = core.create_batch(paths, project=project)
        except NothingToImport as exc:
            print(f"photolot: {exc}", file=out)
            for skipped in exc.skipped:
                print(f"  skipped {skipped['name']}: {skipped['reason']}", file=out)
            return 2
        last_line = ""
        with BatchWatcher(core.bus, result.batch_id) as watcher:
            while True:
                counts = state.batch_counts(result.batch_id)
                line = render_bar(counts)
                if line != last_line:
                    print(
                        rewrite(line, last_line) if live else line,
                        end="" if live else "\n",
                        file=out,
                        flush=True,
                    )
                    last_line = line
                if progress.is_final(progress.batch_status(counts)):
                    break
                watcher.wait(timeout=5.0)
        if live:
            print(file=out)
        snapshot = core.snapshot(result.batch_id)
        _print_summary(snapshot, time.monotonic() - started, out, lang)
        if as_json:
            json.dump(snapshot, sys.stdout, ensure_ascii=False, indent=2)
            sys.stdout.write("\n")
        if pdf and not write_report(core, snapshot, Path(pdf), lang, out):
            return 1
        return EXIT_FAILED if snapshot["status"] == progress.FAILED else 0
    except KeyboardInterrupt:
        print("\nInterrupted: unfinished photos will resume at the next start.", file=out)
        return 130
    finally:
        core.stop()
