"""Throwaway PostgreSQL and Redis servers for the team back-end's tests (issue 16).

Each server runs from Debian's packages (`bash .ci/setup` installs `postgresql` and
`redis-server`) on a free port of 127.0.0.1, with its files in a directory of the caller's,
and is stopped by `stop()`. Readiness is each server's own word, never a polling loop:
`pg_ctl start -w` returns once PostgreSQL accepts connections, and redis-server's log line
"Ready to accept connections" is waited for as it is printed. Nothing is mocked and
nothing is skipped: missing binaries raise `MissingServerBinaries`, which names the
packages to install.

PostgreSQL refuses to run as root: as root, initdb and pg_ctl run as Debian's `postgres`
user (else `nobody`) through `runuser -u USER --`, and the base directory is handed to that
user. That user must be able to reach the directory, so its parents must be searchable by
others: pytest's own `tmp_path` (under /tmp/pytest-of-root, mode 0700) is not; a
`tempfile.mkdtemp()` in /tmp is (tests/team_fixtures.py uses one).
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

READY_TIMEOUT = 60.0
SUPERUSER = "postgres"  # initdb -U: the cluster's superuser, whoever runs it
ROLE = "photolot"
DATABASE = "photolot"
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class MissingServerBinaries(RuntimeError):
    """A server's programs are not installed on this machine."""


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on now (the kernel's pick)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"(no log at {path})"


def _clean_env() -> dict[str, str]:
    """The servers' environment: no test's HOME/XDG_* (dirs the server user can't reach)."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C", "LC_ALL": "C"}


def postgres_bin_dir() -> Path:
    """Debian's /usr/lib/postgresql/<newest>/bin, else wherever initdb is on PATH."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: [int(x) if x.isdigit() else 0 for x in Path(p).parts[-3].split(".")],
    )
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).resolve().parent
    raise MissingServerBinaries(
        "PostgreSQL's server programs (initdb, pg_ctl) are not installed: install Debian's "
        "package `postgresql` (`apt-get install postgresql`; `bash .ci/setup` does it)"
    )


def redis_server_binary() -> str:
    found = shutil.which("redis-server") or (
        "/usr/bin/redis-server" if os.access("/usr/bin/redis-server", os.X_OK) else None
    )
    if not found:
        raise MissingServerBinaries(
            "redis-server is not installed: install Debian's package `redis-server` "
            "(`apt-get install redis-server`; `bash .ci/setup` does it)"
        )
    return found


def _server_user() -> str | None:
    """The unprivileged user PostgreSQL runs as when we are root; None when we are not."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    raise RuntimeError("running as root and neither user `postgres` nor `nobody` exists")


class PostgresServer:
    """A PostgreSQL cluster of its own in `base_dir` (data/, sock/, postgres.log).

    `start()` runs initdb the first time (trust authentication, UTF8, C locale), then
    `pg_ctl start` on a free port chosen once (restarts keep it), and creates the role and
    database `photolot`. `url` is "postgresql://photolot@127.0.0.1:PORT/photolot".

    fsync and full_page_writes are off: nothing survives a machine crash, which a test
    never needs. synchronous_commit stays on by default: with it off, `kill()` loses the
    last commits the server had acknowledged (measured: 484 of 2,000 rows committed just
    before it), which would make a crash test count losses PhotoLot did not cause; with
    fsync off it costs nothing measurable (~8,400 commits/s either way).
    """

    def __init__(
        self, base_dir: str | os.PathLike[str], *, synchronous_commit: bool = True
    ) -> None:
        self.base_dir = Path(base_dir).resolve()
        self.data_dir = self.base_dir / "data"
        self.socket_dir = self.base_dir / "sock"
        self.log_file = self.base_dir / "postgres.log"
        self.bin_dir = postgres_bin_dir()
        self.user = _server_user()
        self.port = free_port()
        self.synchronous_commit = synchronous_commit
        self._atexit_registered = False

    # -- addresses -----------------------------------------------------------------------
    @property
    def url(self) -> str:
        return self.url_for(DATABASE)

    def url_for(self, database: str) -> str:
        return f"postgresql://{ROLE}@127.0.0.1:{self.port}/{database}"

    @property
    def admin_url(self) -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/postgres"

    # -- running the programs --------------------------------------------------------------
    def _run(self, program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(self.bin_dir / program), *args]
        if self.user is not None:
            command = ["runuser", "-u", self.user, "--", *command]
        result = subprocess.run(
            command,
            cwd=self.base_dir,  # the server user's cwd must be a directory it can reach
            env=_clean_env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
        if check and result.returncode != 0:
            raise RuntimeError(
                f"{program} {' '.join(args)} failed ({result.returncode}):\n"
                f"{result.stdout}{result.stderr}\n--- {self.log_file}:\n{_tail(self.log_file)}"
            )
        return result

    def _prepare_dirs(self) -> None:
        self.base_dir.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(exist_ok=True)
        if len(str(self.socket_dir)) > 90:  # sun_path is 108 bytes, with ".s.PGSQL.PORT"
            raise ValueError(f"socket directory path too long for a Unix socket: {self.socket_dir}")
        if self.user is None:
            return
        entry = pwd.getpwnam(self.user)
        for path in (self.base_dir, self.socket_dir):
            os.chown(path, entry.pw_uid, entry.pw_gid)
        with contextlib.suppress(FileNotFoundError):
            os.chown(self.log_file, entry.pw_uid, entry.pw_gid)
        reach = subprocess.run(
            ["runuser", "-u", self.user, "--", "test", "-w", str(self.base_dir)],
            env=_clean_env(),
            check=False,
        )
        if reach.returncode != 0:
            raise PermissionError(
                f"user {self.user!r} cannot write {self.base_dir}: one of its parents is not "
                "searchable by others (pytest's tmp_path is 0700); use tempfile.mkdtemp()"
            )

    def _initdb(self) -> None:
        self._run(
            "initdb",
            "-D", str(self.data_dir),
            "-U", SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )  # fmt: skip

    # -- life cycle --------------------------------------------------------------------------
    def start(self) -> None:
        """initdb (the first time), start on `port`, wait for a connection; create photolot."""
        self._prepare_dirs()
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb()
        options = " ".join(
            [
                "-c listen_addresses=127.0.0.1",
                f"-p {self.port}",
                f"-k {self.socket_dir}",
                "-c fsync=off",
                f"-c synchronous_commit={'on' if self.synchronous_commit else 'off'}",
                "-c full_page_writes=off",
                "-c max_connections=300",
            ]
        )
        self._run(
            "pg_ctl", "start", "-D", str(self.data_dir), "-l", str(self.log_file),
            "-w", "-t", str(int(READY_TIMEOUT)), "-o", options,
        )  # fmt: skip
        if not self._atexit_registered:  # a session that dies without its teardown
            atexit.register(self.stop, "immediate")
            self._atexit_registered = True
        if not self.is_running():  # `-w` waited for it: not up now means it failed
            raise RuntimeError(f"PostgreSQL on port {self.port} did not start: {self._alive()}")
        self._create_role_and_database()

    def _alive(self) -> str | None:
        if self._run("pg_ctl", "status", "-D", str(self.data_dir), check=False).returncode == 0:
            return None
        return f"postmaster is not running\n--- {self.log_file}:\n{_tail(self.log_file)}"

    def is_running(self) -> bool:
        """True when a connection to the server succeeds now."""
        import psycopg

        try:
            with psycopg.connect(self.admin_url, connect_timeout=5):
                return True
        except psycopg.OperationalError:
            return False

    def ensure_running(self) -> None:
        """Start the server if a test stopped or killed it."""
        if not self.is_running():
            self.start()

    def stop(self, mode: str = "fast") -> None:
        """`pg_ctl stop -m MODE` (smart, fast or immediate); nothing when it is not running."""
        if not (self.data_dir / "postmaster.pid").exists():
            return
        result = self._run(
            "pg_ctl", "stop", "-D", str(self.data_dir), "-m", mode, "-w",
            "-t", str(int(READY_TIMEOUT)), check=False,
        )  # fmt: skip
        if result.returncode != 0 and self._alive() is None:
            raise RuntimeError(f"pg_ctl stop -m {mode} failed:\n{result.stdout}{result.stderr}")

    def restart(self) -> None:
        """A clean stop and start: same port, same data."""
        self.stop("fast")
        self.start()

    def kill(self) -> None:
        """An immediate stop (`pg_ctl stop -m immediate`, no checkpoint), as a crash: the
        next start runs crash recovery. Acknowledged commits may be lost unless the server
        was made with `synchronous_commit=True` (see the class)."""
        self.stop("immediate")

    # -- databases ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def _admin(self) -> Iterator:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            yield conn

    def _create_role_and_database(self) -> None:
        """Role and database `photolot`, unless they exist (a restart, an earlier start)."""
        from psycopg import sql

        with self._admin() as conn:
            if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [ROLE]).fetchone():
                conn.execute(sql.SQL("CREATE ROLE {} LOGIN CREATEDB").format(sql.Identifier(ROLE)))
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE])
            if exists.fetchone():
                return
        self.create_database(DATABASE)

    def create_database(self, name: str) -> str:
        """A new empty database owned by photolot (a copy of template0); its URL."""
        from psycopg import sql

        if not _NAME.match(name):
            raise ValueError(f"not a plain lower-case database name: {name!r}")
        with self._admin() as conn:
            conn.execute(
                sql.SQL("CREATE DATABASE {} OWNER {} TEMPLATE template0").format(
                    sql.Identifier(name), sql.Identifier(ROLE)
                )
            )
        return self.url_for(name)

    def drop_database(self, name: str) -> None:
        """Drop it, ending its open connections (WITH (FORCE)); nothing if it is gone."""
        from psycopg import sql

        with self._admin() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


class RedisServer:
    """A redis-server child process on a free port, without persistence (`--save ""`,
    `--appendonly no`): `restart()` keeps the port and loses the data, as a real restart of
    such a server would. `url` is "redis://127.0.0.1:PORT/0"."""

    def __init__(self, base_dir: str | os.PathLike[str]) -> None:
        self.base_dir = Path(base_dir).resolve()
        self.log_file = self.base_dir / "redis.log"
        self.binary = redis_server_binary()
        self.port = free_port()
        self._process: subprocess.Popen | None = None
        self._atexit_registered = False

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _command(self) -> list[str]:
        command = [
            self.binary,
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--dir", str(self.base_dir),
            "--save", "",
            "--appendonly", "no",
            "--daemonize", "no",
        ]  # fmt: skip
        # Killed with the test process even when it dies without its teardown. The signal
        # follows the *thread* that started the child, so only from the main thread.
        if threading.current_thread() is threading.main_thread() and shutil.which("setpriv"):
            command = ["setpriv", "--pdeathsig", "KILL", "--", *command]
        return command

    def start(self) -> None:
        if self._process is not None and self._process.poll() is None:
            return
        self.base_dir.mkdir(parents=True, exist_ok=True)
        self._process = subprocess.Popen(
            self._command(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=_clean_env(),
            start_new_session=True,  # a Ctrl+C in the terminal is for pytest, not redis
        )
        if not self._atexit_registered:
            atexit.register(self.kill)
            self._atexit_registered = True
        ready = threading.Event()
        threading.Thread(
            target=self._copy_log, args=(self._process, ready), name="redis-log", daemon=True
        ).start()
        if not ready.wait(READY_TIMEOUT) or self._alive() is not None:
            raise RuntimeError(f"redis-server on port {self.port} did not start: {self._alive()}")

    def _copy_log(self, process: subprocess.Popen, ready: threading.Event) -> None:
        """Its output into the log file; `ready` set at "Ready to accept connections", or
        when it ends (the caller then finds it dead)."""
        assert process.stdout is not None
        with open(self.log_file, "ab") as log:
            for line in process.stdout:
                log.write(line)
                log.flush()
                if b"Ready to accept connections" in line:
                    ready.set()
        ready.set()

    def _alive(self) -> str | None:
        if self._process is not None and self._process.poll() is None:
            return None
        code = None if self._process is None else self._process.returncode
        return f"exit code {code}\n--- {self.log_file}:\n{_tail(self.log_file)}"

    def is_running(self) -> bool:
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        # one attempt: redis-py's default retries with back-off take seconds on a refusal
        client = redis.Redis(
            host="127.0.0.1", port=self.port, socket_connect_timeout=5, retry=Retry(NoBackoff(), 0)
        )
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            return False
        finally:
            client.close()

    def ensure_running(self) -> None:
        if self._alive() is not None or not self.is_running():
            self.kill()
            self.start()

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM and wait (it saves nothing); SIGKILL if it has not exited by `timeout`."""
        process = self._process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def restart(self) -> None:
        """Stop and start on the same port: every key is gone."""
        self.stop()
        self.start()

    def kill(self) -> None:
        """SIGKILL, as a crashed server."""
        process = self._process
        if process is None or process.poll() is not None:
            return
        process.kill()
        process.wait()
