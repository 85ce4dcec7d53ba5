"""`photolot serve` and `photolot worker`: PhotoLot for a team, past one machine.

    photolot serve  --database postgresql://… --queue redis://… --store /mnt/photolot \\
                    --host 0.0.0.0 --port 8765          # the server; no workers unless --workers N
    photolot worker --database postgresql://… --queue redis://… --store /mnt/photolot \\
                    --workers 4                          # workers only (threads)

Any number of each, on any machines that reach PostgreSQL and Redis and mount the store
at the same path. Every server shows every batch live (core.pg_bus); a killed worker's
photos go to the others when its leases run out (core.leases). Without --database, `serve`
is the desktop's engines without the window (`--headless`). Both stop cleanly on SIGTERM or
Ctrl-C: running photos finish (up to 30 s), the others stay queued for the rest.
"""

from __future__ import annotations

import logging
import socket
import threading
from dataclasses import replace

from desktopapp.platform.settings import Settings, default_workers
from desktopapp.platform.stop_signals import stop_on_signals, wait_until_set
from desktopapp.platform.team_config import TeamConfig

log = logging.getLogger(__name__)

STOP_TIMEOUT = 30.0  # seconds a stopping worker gives its running photos


def team_settings(command: str, settings: Settings, team: TeamConfig) -> Settings:
    """The settings with the team's engines; a team's server runs no workers by default."""
    if team.workers is not None:
        workers = team.workers
    elif command == "serve" and team.team:
        workers = 0
    else:
        workers = settings.workers or default_workers()
    return replace(
        settings,
        database_url=team.database,
        queue_url=team.queue,
        store_dir=team.store,
        host=team.host or settings.host,
        port=team.port if team.port is not None else settings.port,
        workers=workers,
        lease_seconds=team.lease_seconds,
        public_names=team.public_names or machine_names(team.host),
        max_streams=team.max_streams,
    )


def machine_names(host: str | None) -> tuple[str, ...]:
    """Listening beyond loopback with no --public-name: this machine's own names (and the
    address it listens on), which a browser on the network will put in Host."""
    if not host or host in ("127.0.0.1", "localhost", "::1"):
        return ()
    names = {socket.gethostname().lower(), socket.getfqdn().lower()}
    if host not in ("0.0.0.0", "::"):
        names.add(f"[{host}]" if ":" in host else host)
    return tuple(sorted(name for name in names if name))


def run_team_process(command: str, settings: Settings, team: TeamConfig) -> int:
    settings = team_settings(command, settings, team)
    if command == "worker" and not settings.team:
        log.error("photolot worker needs a team: --database, --queue and --store")
        print(
            "photolot worker: give --database, --queue and --store (or PHOTOLOT_DATABASE, "
            "PHOTOLOT_QUEUE, PHOTOLOT_STORE): on its own, use `photolot --headless`.",
            flush=True,
        )
        return 2
    with stop_on_signals() as stop:
        if command == "serve":
            return _serve(settings, stop)
        return _work(settings, stop)


def _serve(settings: Settings, stop: threading.Event) -> int:
    from desktopapp.app import STARTUP_TICKET_TTL, LocalServices

    services = LocalServices(settings)
    try:
        services.start()
        where = "team" if settings.team else "embedded"
        print(
            f"PhotoLot serving ({where}, {settings.workers} worker(s)) on "
            f"http://{settings.host}:{services.port}/",
            flush=True,
        )
        print(f"Open in your browser: {services.browser_url(ttl=STARTUP_TICKET_TTL)}", flush=True)
        wait_until_set(stop)
        print("PhotoLot stopping…", flush=True)
        return 0
    finally:
        services.stop(timeout=STOP_TIMEOUT)


def _work(settings: Settings, stop: threading.Event) -> int:
    from desktopapp.core.services import Core

    core = Core(settings)
    try:
        core.start()
        print(
            f"PhotoLot worker {core.worker_id}: {settings.workers} thread(s) on the team's queue",
            flush=True,
        )
        wait_until_set(stop)
        print("PhotoLot worker stopping…", flush=True)
        return 0
    finally:
        core.stop(timeout=STOP_TIMEOUT)
