"""The command line: `photolot [--data-dir D] [process PATH… | …]`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from desktopapp import __version__
from desktopapp.logging_setup import configure_logging
from desktopapp.paths import resolve_data_dir
from desktopapp.settings import DEFAULT_PORT, Settings, default_workers


def _common(parser: argparse.ArgumentParser, subcommand: bool = False) -> None:
    # on a subcommand, SUPPRESS keeps a value given before the subcommand's name
    default = argparse.SUPPRESS if subcommand else None
    parser.add_argument(
        "--data-dir", default=default, help="where PhotoLot keeps its data (or PHOTOLOT_DATA_DIR)"
    )
    parser.add_argument(
        "--workers", type=int, default=default, help="worker threads (default: CPU count)"
    )
    parser.add_argument(
        "--max-megapixels",
        type=float,
        default=default,
        help="refuse pictures larger than this (default 179, Pillow's bomb limit)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", default=default, help="log more")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="photolot",
        description="Drop room photos, watch them become a moving inventory, live.",
    )
    parser.add_argument("--version", action="version", version=f"PhotoLot {__version__}")
    _common(parser)
    parser.add_argument(
        "--headless", action="store_true", help="run the local server and workers, no window"
    )
    parser.add_argument(
        "--port",
        type=int,
        default=None,
        help=f"local port (default {DEFAULT_PORT}; 0: any free port)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    process = commands.add_parser(
        "process", help="process photos and folders without a window, then print a summary"
    )
    _common(process, subcommand=True)
    process.add_argument("paths", nargs="+", metavar="PATH", help="photos or folders")
    process.add_argument("--project", default=None, help="project name")
    process.add_argument(
        "--json", action="store_true", help="print the batch's final full state as JSON on stdout"
    )
    return parser


def settings_from_args(args: argparse.Namespace) -> Settings:
    workers = args.workers if args.workers else default_workers()
    max_pixels = int(args.max_megapixels * 1_000_000) if args.max_megapixels else None
    port = DEFAULT_PORT if args.port is None else args.port
    return Settings(
        data_dir=resolve_data_dir(args.data_dir), workers=workers, max_pixels=max_pixels, port=port
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.workers is not None and args.workers < 1:
        parser.error("--workers must be at least 1")
    if args.max_megapixels is not None and args.max_megapixels <= 0:
        parser.error("--max-megapixels must be positive")
    settings = settings_from_args(args)
    configure_logging(settings.paths.logs, args.verbose)
    if args.port is not None and not 0 <= args.port <= 65535:
        parser.error("--port must be between 0 and 65535")
    if args.command == "process":
        from desktopapp.process_command import run_process

        return run_process(settings, args.paths, args.project, args.json)
    if args.command is None and args.headless:
        from desktopapp.app import run_headless

        return run_headless(settings)
    if args.command is None:
        parser.print_help()
        return 0
    parser.error(f"unknown command {args.command}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
