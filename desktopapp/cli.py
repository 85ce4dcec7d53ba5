"""The command line: `photolot [options] [PATH…]` (the window), or `photolot COMMAND …`."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from desktopapp import __version__
from desktopapp.commands.remote import RemoteError
from desktopapp.core.db import DatabaseProblem
from desktopapp.inventory.vision.config import MODEL_ENV, URL_ENV
from desktopapp.platform.datadir_lock import DataDirBusy
from desktopapp.platform.fd_limit import raise_open_file_limit
from desktopapp.platform.logging_setup import NATIVE_LOG_FILE, configure_logging
from desktopapp.platform.native_stderr import divert_native_stderr
from desktopapp.platform.paths import DataDirProblem, resolve_data_dir
from desktopapp.platform.settings import DEFAULT_PORT, Settings, default_workers
from desktopapp.platform.team_config import TeamConfigError, resolve_team_config
from desktopapp.platform.user_config import UserConfig, config_path, load_user_config


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


COMMANDS = ("process", "smoke", "queue", "serve", "worker")
QUEUE_ACTIONS = ("pause", "resume", "cancel", "front")


def build_parser() -> argparse.ArgumentParser:
    """`photolot [options] [PATH…]`: the window (or --headless, --self-test)."""
    parser = argparse.ArgumentParser(
        prog="photolot",
        description="Drop room photos, watch them become a moving inventory, live. "
        "Commands: `photolot process PATH…` (no window), `photolot smoke` (end-to-end "
        "check), `photolot queue`, and for a team `photolot serve` and `photolot worker`.",
    )
    parser.add_argument("--version", action="version", version=f"PhotoLot {__version__}")
    _common(parser)
    parser.add_argument(
        "--headless", action="store_true", help="run the local server and workers, no window"
    )
    parser.add_argument(
        "--self-test", action="store_true", help="check that this install works, then exit"
    )
    parser.add_argument(
        "--port",
        type=int,
        default=None,
        help=f"local port (default {DEFAULT_PORT}; 0: any free port)",
    )
    parser.add_argument("--lang", choices=("fr", "en"), help="window language (default: system)")
    parser.add_argument(
        "paths", nargs="*", metavar="PATH", help="photos or folders to process at once"
    )
    return parser


def build_command_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="photolot")
    _common(parser)
    parser.add_argument("--port", type=int, default=None, help=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    process = commands.add_parser(
        "process", help="process photos and folders without a window, then print a summary"
    )
    _common(process, subcommand=True)
    process.add_argument("paths", nargs="+", metavar="PATH", help="photos or folders")
    process.add_argument("--project", default=None, help="project name")
    process.add_argument(
        "--json", action="store_true", help="print the batch's final full state as JSON on stdout"
    )
    process.add_argument(
        "--pdf", metavar="FILE", default=None, help="write the inventory report (PDF) to FILE"
    )
    process.add_argument(
        "--analyzer-url",
        metavar="URL",
        default=None,
        help="an OpenAI-compatible model server to ask too, e.g. http://127.0.0.1:11434/v1 "
        "(or PHOTOLOT_ANALYZER_URL; its key only from PHOTOLOT_ANALYZER_KEY)",
    )
    process.add_argument(
        "--analyzer-model", metavar="NAME", default=None, help="the model's name on that server"
    )
    process.add_argument(
        "--lang",
        choices=("fr", "en"),
        default=None,
        help="language of the room and item names and the PDF report "
        "(default: the system's, French or English)",
    )
    smoke = commands.add_parser(
        "smoke", help="end-to-end check: a 2-photo batch followed through the live stream"
    )
    _common(smoke, subcommand=True)
    smoke.add_argument("--url", help="a running PhotoLot (default: start one on a temp dir)")
    smoke.add_argument(
        "--token-file",
        metavar="FILE",
        help="the file holding its access token (default: the `token` file in the data dir, "
        "or PHOTOLOT_TOKEN)",
    )
    smoke.add_argument(
        "--token",
        help="its access token (other users can read it in the process list: "
        "prefer --token-file or PHOTOLOT_TOKEN)",
    )
    queue = commands.add_parser(
        "queue",
        help="the queue: batches in order, ETAs, workers (--watch: live); "
        "or pause|resume|cancel|front BATCH_ID",
    )
    _common(queue, subcommand=True)
    queue.add_argument("action", nargs="?", choices=QUEUE_ACTIONS, help="what to do to a batch")
    queue.add_argument("batch_id", nargs="?", type=int, metavar="BATCH_ID")
    queue.add_argument("--watch", action="store_true", help="redraw on each change until Ctrl-C")
    queue.add_argument("--lang", choices=("fr", "en"), default=None, help="status names' language")
    serve = commands.add_parser(
        "serve",
        help="the server for a team (no window): on PostgreSQL + Redis with --database, "
        "--queue and --store, else embedded",
    )
    _common(serve, subcommand=True)
    _team_options(serve)
    serve.add_argument("--host", default=None, help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help=f"port (default {DEFAULT_PORT})")
    serve.add_argument(
        "--max-streams",
        type=int,
        default=None,
        metavar="N",
        help="live progress streams this server holds at once (default 256)",
    )
    serve.add_argument(
        "--public-name",
        dest="public_names",
        metavar="NAMES",
        help="names this server answers to on the network, comma-separated "
        "(default with a non-loopback --host: this machine's names)",
    )
    worker = commands.add_parser(
        "worker", help="photo workers only, for a team (PostgreSQL + Redis + a shared folder)"
    )
    _common(worker, subcommand=True)
    _team_options(worker)
    return parser


def _team_options(parser: argparse.ArgumentParser) -> None:
    """platform.team_config: flags, then PHOTOLOT_* variables, then --config FILE."""
    parser.add_argument("--database", metavar="URL", help="postgresql://user@host:port/db")
    parser.add_argument("--queue", metavar="URL", help="redis://host:port/db")
    parser.add_argument(
        "--store", metavar="DIR", help="a folder every machine mounts (photos, thumbnails)"
    )
    parser.add_argument(
        "--lease-seconds",
        type=float,
        default=None,
        metavar="S",
        help="a dead worker's photos go to the others after this (default 30)",
    )
    parser.add_argument("--config", metavar="FILE", help="a JSON file with the same settings")


_TAKES_VALUE = frozenset(
    {
        "--data-dir",
        "--workers",
        "--max-megapixels",
        "--port",
        "--lang",
        "--token-file",
        "--token",
        "--database",
        "--queue",
        "--store",
        "--lease-seconds",
        "--config",
        "--host",
        "--public-name",
        "--max-streams",
    }
)


def _first_positional(argv: Sequence[str]) -> str | None:
    skip_next = False
    for token in argv:
        if skip_next:
            skip_next = False
        elif token == "--":
            return None
        elif token.startswith("-"):
            skip_next = token in _TAKES_VALUE
        else:
            return token
    return None


def parse(argv: Sequence[str]) -> tuple[argparse.ArgumentParser, argparse.Namespace]:
    if _first_positional(argv) in COMMANDS:
        command_parser = build_command_parser()
        return command_parser, command_parser.parse_args(argv)
    app_parser = build_parser()
    args = app_parser.parse_args(argv)
    args.command = None
    missing = [path for path in args.paths if not Path(path).exists()]
    if missing:
        app_parser.error(
            f"no such file or folder: {', '.join(missing)} (commands: {', '.join(COMMANDS)})"
        )
    return app_parser, args


TOKEN_ENV = "PHOTOLOT_TOKEN"


def smoke_token(args: argparse.Namespace, settings: Settings) -> str | None:
    """--token-file, else PHOTOLOT_TOKEN, else --token, else the data dir's token file: the
    token never has to be in a process's arguments."""
    if args.token_file:
        return Path(args.token_file).expanduser().read_text(encoding="utf-8").strip() or None
    if os.environ.get(TOKEN_ENV):
        return os.environ[TOKEN_ENV].strip()
    if args.token:
        return args.token
    try:
        return settings.paths.token.read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def system_language() -> str:
    """fr when the environment's locale is French (LC_ALL, LC_MESSAGES, LANG), else en."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name)
        if value:
            return "fr" if value.lower().startswith("fr") else "en"
    return "en"


def settings_from_args(args: argparse.Namespace, config: UserConfig | None = None) -> Settings:
    """The command line's flags, else the saved preferences (the Settings dialog's file,
    `user_config`), else PhotoLot's defaults."""
    if config is None:
        config, _problems = load_user_config()
    workers = args.workers or config.workers or default_workers()
    megapixels = args.max_megapixels or config.max_megapixels
    max_pixels = int(megapixels * 1_000_000) if megapixels else None
    port = next(p for p in (args.port, config.port, DEFAULT_PORT) if p is not None)
    model_url, model_name = model_server(args, config)
    return Settings(
        data_dir=resolve_data_dir(args.data_dir),
        workers=workers,
        max_pixels=max_pixels,
        port=port,
        analyzer=config.analyzer or "detector",
        model_url=model_url,
        model_name=model_name,
        model_concurrency=config.model_concurrency or 1,
        model_timeout=config.model_timeout or 60.0,
    )


def model_server(args: argparse.Namespace, config: UserConfig) -> tuple[str | None, str | None]:
    """The vision model's address and name: --analyzer-url/--analyzer-model, else
    PHOTOLOT_ANALYZER_URL/_MODEL, else the Settings dialog's; both or neither."""
    url = (
        getattr(args, "analyzer_url", None)
        or os.environ.get(URL_ENV, "").strip()
        or config.model_url
    )
    name = (
        getattr(args, "analyzer_model", None)
        or os.environ.get(MODEL_ENV, "").strip()
        or config.model_name
    )
    return (url.rstrip("/"), name) if url and name else (None, None)


def language_from_args(args: argparse.Namespace, config: UserConfig) -> str | None:
    """--lang, else the saved language; None: the system's."""
    return getattr(args, "lang", None) or config.language


def main(argv: Sequence[str] | None = None) -> int:
    # PhotoLot runs one worker thread per core: numpy's BLAS must not start its own
    # (they spin at normal priority, taking the cores the window and workers need).
    # Set before anything imports numpy (the detectors do, lazily).
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    raise_open_file_limit()  # every stream and connection is a file descriptor
    try:
        return _main(argv)
    except DataDirBusy as exc:
        print(f"photolot: {exc}", file=sys.stderr)
        return 1
    except RemoteError as exc:  # handing over to the PhotoLot that runs failed
        print(f"photolot: {exc}", file=sys.stderr)
        return 1


def _main(argv: Sequence[str] | None) -> int:
    parser, args = parse(sys.argv[1:] if argv is None else list(argv))
    try:
        return _run(parser, args)
    except (DatabaseProblem, DataDirProblem) as exc:  # one clear message, no traceback
        print(f"photolot: {exc}", file=sys.stderr, flush=True)
        if args.command is None and not args.headless and not args.self_test:
            from desktopapp.app import show_startup_problem  # a double-click has no terminal

            show_startup_problem(str(exc), args.lang or system_language())
        return 1


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.workers is not None and args.workers < 1:
        parser.error("--workers must be at least 1")
    if args.max_megapixels is not None and args.max_megapixels <= 0:
        parser.error("--max-megapixels must be positive")
    config, config_problems = load_user_config()
    settings = settings_from_args(args, config)
    lang = language_from_args(args, config)
    settings.paths.ensure()  # first: owner-only before logging creates logs/ in it
    if args.command == "process" or getattr(args, "headless", False):
        # the terminal shows PhotoLot's own lines; decoders' chatter goes to logs/native.log
        divert_native_stderr(settings.paths.logs / NATIVE_LOG_FILE)
    configure_logging(settings.paths.logs, args.verbose)
    for problem in config_problems:
        logging.getLogger("desktopapp.cli").warning("settings: %s", problem)
    if settings.analyzer != "detector":
        logging.getLogger("desktopapp.cli").info(
            "analyzer %r from %s", settings.analyzer, config_path()
        )
    if args.port is not None and not 0 <= args.port <= 65535:
        parser.error("--port must be between 0 and 65535")
    if args.command == "process":
        from desktopapp.commands.process import run_process

        return run_process(
            settings, args.paths, args.project, args.json, args.pdf, lang or system_language()
        )
    if args.command == "smoke":
        from desktopapp.commands.smoke import smoke_main

        token = smoke_token(args, settings)
        if args.url and not token:
            parser.error("--url needs the token: --token-file FILE or PHOTOLOT_TOKEN")
        return smoke_main(args.url, token, settings)
    if args.command in ("serve", "worker"):
        from desktopapp.commands.team import run_team_process

        try:
            team = resolve_team_config(vars(args))
        except TeamConfigError as exc:
            parser.error(str(exc))
        return run_team_process(args.command, settings, team)
    if args.command == "queue":
        from desktopapp.commands.queue import run_queue

        if (args.action is None) != (args.batch_id is None) or (args.watch and args.action):
            parser.error("queue: either --watch, or an action and a BATCH_ID (queue pause 3)")
        return run_queue(
            settings, args.action, args.batch_id, args.watch, lang or system_language()
        )
    if args.self_test:
        from desktopapp.commands.self_test import run_self_test

        # the self-test proves the bundled detector works, whatever the saved analyzer
        return run_self_test(replace(settings, analyzer="detector"))
    if args.headless:
        from desktopapp.app import run_headless

        return run_headless(settings)
    from desktopapp.app import run_gui

    try:
        return run_gui(settings, args.paths, lang)
    except DataDirBusy:  # --headless (not a window: that one takes the files itself) runs
        from desktopapp.commands.process import hand_over_to_running

        return hand_over_to_running(settings, args.paths, lang or system_language())


if __name__ == "__main__":
    sys.exit(main())
