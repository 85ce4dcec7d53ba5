"""The composition root: settings → core (db, bus, workers) → local server → window.

Only this module wires the parts together; it starts them in that order and stops
them in reverse. `LocalServices` is everything but the window (used headless, by the
smoke and self-test commands, and under the window).
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading

from desktopapp.core.services import Core
from desktopapp.platform.logging_setup import LOG_FILE
from desktopapp.platform.runtime_file import (
    remove_runtime_file,
    runtime_file_for,
    write_runtime_file,
)
from desktopapp.platform.settings import Settings
from desktopapp.platform.stop_signals import stop_on_signals, wait_until_set
from desktopapp.platform.xcb_check import missing_xcb_libraries, missing_xcb_message, uses_xcb
from desktopapp.server.api_types import ServerApi
from desktopapp.server.app import create_app
from desktopapp.server.config import SecurityConfig, StreamConfig
from desktopapp.server.pages import page_target
from desktopapp.server.runner import ServerThread
from desktopapp.server.tickets import BrowserTickets
from desktopapp.server.token import load_or_create_token

log = logging.getLogger(__name__)

STARTUP_TICKET_TTL = 24 * 3600.0
"""Seconds the link printed by --headless and written to the runtime file stays usable
(once): a person may open it long after the start. Links made on demand (the window's
"Open in browser", POST /api/browser-tickets) last `BrowserTickets.ttl` (10 minutes)."""


class LocalServices:
    def __init__(self, settings: Settings, *, stream: StreamConfig | None = None) -> None:
        self.settings = settings
        if stream is None and settings.max_streams:  # `photolot serve --max-streams N`
            stream = StreamConfig(max_streams=settings.max_streams)
        self.core = Core(settings)
        self.token = load_or_create_token(self.core.paths.token)
        api = ServerApi.from_core(self.core)
        security = SecurityConfig(token=self.token, names=settings.public_names)
        self.tickets = BrowserTickets()
        self.server = ServerThread(
            lambda: create_app(api, security, stream=stream, tickets=self.tickets),
            settings.host,
            settings.port,
        )
        self.runtime_file = runtime_file_for(settings.data_dir)
        self.port: int | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def browser_url(self, path: str = "/", ttl: float | None = None) -> str:
        """A page URL with a fresh one-time ticket (never the install token): the page
        trades it for this run's session cookie, then drops it from the URL."""
        target = page_target(path)
        if target is None:
            raise ValueError(f"not a PhotoLot page: {path!r}")
        separator = "&" if "?" in target else "?"
        return f"{self.base_url}{target}{separator}token={self.tickets.mint(ttl)}"

    def start(self) -> LocalServices:
        requeued = self.core.start()
        if requeued:
            log.info("%d unfinished photo(s) queued again", requeued)
        try:
            self.port = self.server.start()
        except Exception:
            self.core.stop()
            raise
        write_runtime_file(self.runtime_file, self.browser_url(ttl=STARTUP_TICKET_TTL))
        return self

    def stop(self, timeout: float = 2.0) -> None:
        """Streams first (clients see the end), then workers, then the database."""
        remove_runtime_file(self.runtime_file)
        self.server.stop(timeout)
        self.core.stop(timeout)

    def __enter__(self) -> LocalServices:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def run_headless(settings: Settings) -> int:
    """`photolot --headless`: server and workers, no window, until Ctrl-C or SIGTERM."""
    with stop_on_signals() as stop:
        services = LocalServices(settings)
        try:
            services.start()
            print(f"PhotoLot ready: {services.base_url}/", flush=True)
            link = services.browser_url(ttl=STARTUP_TICKET_TTL)
            print(f"Open in your browser: {link}", flush=True)
            print(f"Log file: {settings.paths.logs / LOG_FILE}", flush=True)
            wait_until_set(stop)
            print("PhotoLot stopping…", flush=True)
            return 0
        finally:
            services.stop()


QUIT_BUDGET = 2.0  # seconds from "quit" to exit, whatever is running


def _quit_on_signals(app: object) -> None:
    """Ctrl-C and SIGTERM close the window like Ctrl+Q (and so clean up)."""
    from PySide6.QtCore import QTimer

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda _signum, _frame: app.quit())  # type: ignore[attr-defined]
    # Python runs signal handlers only between bytecodes: wake it up now and then
    ticker = QTimer(app)  # type: ignore[arg-type]
    ticker.start(250)
    ticker.timeout.connect(lambda: None)


# The GUI thread shares the GIL with the workers and the server. Each time it needs the
# GIL back (after every Qt call that released it) it may wait up to the switch interval,
# 5 ms by default; 2 ms halves the GUI's longest stalls during a batch (bench.gui:
# 51-69 ms -> 32-35 ms) and did not change the pipeline's throughput (bench.throughput).
GUI_SWITCH_INTERVAL_S = 0.002


def share_gil_with_gui() -> None:
    """Call once in a process that shows the window next to the workers and the server."""
    sys.setswitchinterval(GUI_SWITCH_INTERVAL_S)


def run_gui(settings: Settings, paths: list[str], lang: str | None) -> int:
    """The window: one instance per data dir; a second launch hands its files over."""
    if uses_xcb(os.environ):
        missing = missing_xcb_libraries()
        if missing:  # Qt would abort with its own wall of text: say what to install
            print(missing_xcb_message(missing), file=sys.stderr, flush=True)
            return 1

    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
    )
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("PhotoLot")
    app.setApplicationDisplayName("PhotoLot")
    app.setDesktopFileName("photolot")

    from desktopapp.ui import ApiClient, MainWindow, SingleInstance
    from desktopapp.ui.icons import app_icon

    app.setWindowIcon(app_icon())
    instance = SingleInstance(settings.data_dir)
    if not instance.acquire():  # before the core: never two on one database
        forwarded = instance.forward([str(path) for path in paths])
        return 0 if forwarded else 1
    share_gil_with_gui()
    services = LocalServices(settings)
    try:
        services.start()
        # a window started from a terminal says where it is, as --headless does
        print(f"PhotoLot ready: {services.base_url}/", flush=True)
        print(f"Log file: {settings.paths.logs / LOG_FILE}", flush=True)
        window = MainWindow(
            ApiClient(services.base_url, services.token), settings.data_dir, lang=lang
        )
        instance.filesReceived.connect(window.handle_forwarded)
        window.quitRequested.connect(app.quit)
        restart = threading.Event()  # Settings → "Restart now": quit, then start again
        window.app_menus.can_restart = True
        window.app_menus.restartRequested.connect(lambda: (restart.set(), window.close()))
        _quit_on_signals(app)
        window.show()
        if os.environ.get("PHOTOLOT_REPORT_SHOWN"):  # bench.startup times launch → window
            QTimer.singleShot(0, lambda: print("PhotoLot window shown", flush=True))
        if paths:
            window.handle_forwarded([str(path) for path in paths])
        status = app.exec()
    finally:
        # streams end first; a photo still running after the budget is re-queued next start
        services.stop(timeout=QUIT_BUDGET / 2)
        instance.release()
    if restart.is_set():
        relaunch(settings)
    return status


def relaunch_command(data_dir: os.PathLike[str] | str) -> list[str]:
    """This program again, on the same data dir, with no other option: the saved settings
    apply (the flags it was started with would win over them) and no file is imported."""
    if getattr(sys, "frozen", False):
        head = [sys.executable]
    else:  # the interpreter, its flags and the script (`photolot`, main.py, -m …)
        user_args = len(sys.argv) - 1
        head = list(sys.orig_argv[: len(sys.orig_argv) - user_args] if user_args else sys.orig_argv)
    return [*head, "--data-dir", str(data_dir)]


def relaunch(settings: Settings) -> None:
    import subprocess

    command = relaunch_command(settings.data_dir)
    log.info("restarting: %s", command)
    options: dict = {"close_fds": True}
    if os.name == "posix":
        options["start_new_session"] = True
    try:
        subprocess.Popen(command, **options)
    except OSError as exc:
        print(f"photolot: could not restart ({exc}); start PhotoLot again", file=sys.stderr)


STARTUP_PROBLEM_TITLE = {"fr": "PhotoLot ne peut pas démarrer", "en": "PhotoLot cannot start"}


def show_startup_problem(message: str, lang: str) -> None:
    """The reason the window cannot open, in a dialog: started from a menu or a double-click,
    nobody sees the terminal. Nothing when no display can show it (the terminal has it)."""
    if uses_xcb(os.environ) and missing_xcb_libraries():
        return
    try:
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QApplication, QMessageBox
    except ImportError:
        return
    app = QApplication.instance() or QApplication(sys.argv[:1])
    title = STARTUP_PROBLEM_TITLE.get(lang, STARTUP_PROBLEM_TITLE["en"])
    box = QMessageBox(
        QMessageBox.Icon.Critical, "PhotoLot", f"<b>{title}</b>", QMessageBox.StandardButton.Ok
    )
    box.setTextFormat(Qt.TextFormat.RichText)  # our own title; the message stays plain
    box.setInformativeText(message)
    box.exec()
    del app
