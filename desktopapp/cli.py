"""The command line: `photolot [--data-dir D] [process PATH… | …]`."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from desktopapp import __version__
from desktopapp.paths import resolve_data_dir
from desktopapp.settings import Settings, default_workers


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", help="where PhotoLot keeps its data (or PHOTOLOT_DATA_DIR)")
    parser.add_argument(
        "--workers", type=int, default=None, help="worker threads (default: CPU count)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="photolot",
        description="Drop room photos, watch them become a moving inventory, live.",
    )
    parser.add_argument("--version", action="version", version=f"PhotoLot {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    process = commands.add_parser(
        "process", help="process photos and folders without a window, then print a summary"
    )
    _common(process)
    process.add_argument("paths", nargs="+", metavar="PATH", help="photos or folders")
    process.add_argument("--project", default=None, help="project name")
    process.add_argument(
        "--json", action="store_true", help="print the batch's final full state as JSON on stdout"
    )
    return parser


def settings_from_args(args: argparse.Namespace) -> Settings:
    workers = args.workers if args.workers else default_workers()
    return Settings(data_dir=resolve_data_dir(args.data_dir), workers=workers)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    logging.basicConfig(
        level=logging.INFO if getattr(args, "verbose", False) else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if args.command == "process":
        if args.workers is not None and args.workers < 1:
            parser.error("--workers must be at least 1")
        from desktopapp.process_command import run_process

        return run_process(settings_from_args(args), args.paths, args.project, args.json)
    parser.error(f"unknown command {args.command}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
