"""One PhotoLot per data dir: a second launch hands its files to the first, then exits.

    instance = SingleInstance(data_dir)
    if not instance.acquire():                 # another PhotoLot owns this data dir
        sys.exit(0 if instance.forward(paths) else 1)
    instance.filesReceived.connect(window.handle_forwarded)

The first launch holds `QLockFile(<data-dir>/photolot.lock)` (a crashed owner's lock
is recognised by its dead PID and taken over) and listens on a `QLocalServer` whose
name comes from a hash of the data dir, readable by this user only. A message is
one JSON object, `{"v": 1, "paths": [...]}`, sent then closed; anything larger than
`MAX_MESSAGE` bytes, not JSON, or of the wrong shape is dropped.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import QElapsedTimer, QEventLoop, QLockFile, QObject, QTimer, Signal, Slot
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)

MAX_MESSAGE = 1024 * 1024
MAX_PATHS = 100_000
READ_TIMEOUT_MS = 5000
PROTOCOL = 1


def server_name(data_dir: Path) -> str:
    """A short per-user, per-data-dir socket name (Unix socket paths are limited)."""
    key = f"{os.path.realpath(data_dir)}\0{_user()}".encode()
    return "photolot-" + hashlib.sha256(key).hexdigest()[:24]


def _user() -> str:
    for name in ("USER", "USERNAME", "LOGNAME"):
        if os.environ.get(name):
            return os.environ[name]
    return str(os.getuid()) if hasattr(os, "getuid") else ""


def encode_message(paths: Iterable[str | os.PathLike[str]]) -> bytes:
    """Absolute paths (relative ones are taken from this process's working directory)."""
    absolute = [os.path.abspath(os.fspath(path)) for path in paths]
    return json.dumps({"v": PROTOCOL, "paths": absolute}).encode("utf-8")


def decode_message(data: bytes) -> list[str] | None:
    """The paths of a well-formed message, else None (the message is dropped)."""
    if len(data) > MAX_MESSAGE:
        return None
    try:
        message = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(message, dict) or message.get("v") != PROTOCOL:
        return None
    paths = message.get("paths")
    if not isinstance(paths, list) or len(paths) > MAX_PATHS:
        return None
    if not all(isinstance(p, str) and p and "\0" not in p and os.path.isabs(p) for p in paths):
        return None
    return paths


class SingleInstance(QObject):
    filesReceived = Signal(list)  # paths (possibly empty: "just show yourself")
    messageDropped = Signal(str)  # why a message was refused (tests, logs)

    def __init__(self, data_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        self.name = server_name(self.data_dir)
        self._lock = QLockFile(str(self.data_dir / "photolot.lock"))
        self._lock.setStaleLockTime(0)  # stale only when its owner's PID is gone
        self._server: QLocalServer | None = None
        self._buffers: dict[QLocalSocket, bytearray] = {}
        self.is_primary = False

    # -- first instance ------------------------------------------------------------------
    def acquire(self) -> bool:
        """True: we are the only PhotoLot on this data dir, and we listen for others."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if not self._lock.tryLock(0):
            return False
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(self.name):
            # We hold the lock, so a socket left behind is a crashed owner's: replace it.
            QLocalServer.removeServer(self.name)
            if not server.listen(self.name):
                log.warning("single instance: cannot listen: %s", server.errorString())
        server.newConnection.connect(self._accept)
        self._server = server
        self.is_primary = True
        return True

    def release(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for socket in list(self._buffers):
            socket.abort()
        self._buffers.clear()
        if self.is_primary:
            self._lock.unlock()
            self.is_primary = False

    @Slot()
    def _accept(self) -> None:
        assert self._server is not None
        while self._server.hasPendingConnections():
            socket = self._server.nextPendingConnection()
            self._buffers[socket] = bytearray()
            socket.readyRead.connect(self._on_ready_read)
            socket.disconnected.connect(self._on_disconnected)
            timer = QTimer(socket, singleShot=True, interval=READ_TIMEOUT_MS)
            timer.timeout.connect(self._on_read_timeout)
            timer.start()

    @Slot()
    def _on_read_timeout(self) -> None:
        timer = self.sender()
        socket = timer.parent() if timer is not None else None
        if isinstance(socket, QLocalSocket) and socket in self._buffers:
            self._drop(socket, "too slow")

    @Slot()
    def _on_ready_read(self) -> None:
        socket = self.sender()
        buffer = self._buffers.get(socket)  # type: ignore[arg-type]
        if buffer is None:
            return
        buffer.extend(socket.readAll().data())  # type: ignore[union-attr]
        if len(buffer) > MAX_MESSAGE:
            self._drop(socket, "too large")  # type: ignore[arg-type]

    @Slot()
    def _on_disconnected(self) -> None:
        socket = self.sender()
        buffer = self._buffers.pop(socket, None)  # type: ignore[arg-type]
        if socket is not None:
            socket.deleteLater()
        if buffer is None:
            return
        buffer.extend(socket.readAll().data())  # type: ignore[union-attr]
        paths = decode_message(bytes(buffer))
        if paths is None:
            self.messageDropped.emit("too large" if len(buffer) > MAX_MESSAGE else "malformed")
            return
        self.filesReceived.emit(paths)

    def _drop(self, socket: QLocalSocket, reason: str) -> None:
        self._buffers.pop(socket, None)
        socket.abort()
        log.info("single instance: dropped a message (%s)", reason)
        self.messageDropped.emit(reason)

    # -- second instance -----------------------------------------------------------------
    def forward(self, paths: Iterable[str | os.PathLike[str]], timeout_ms: int = 5000) -> bool:
        """Hand `paths` to the running PhotoLot; True when it took the whole message.

        The first instance may still be starting (lock taken, not listening yet):
        connecting is retried until `timeout_ms`.
        """
        data = encode_message(paths)
        deadline = QDeadline(timeout_ms)
        while True:
            sent, retryable = self._send(data, max(100, deadline.remaining()))
            if sent or not retryable or deadline.remaining() < 200:
                return sent
            _wait(150)

    def send_raw(self, data: bytes, timeout_ms: int = 3000) -> bool:
        """Send bytes as one message (tests send malformed ones with this)."""
        return self._send(data, timeout_ms)[0]

    def _send(self, data: bytes, timeout_ms: int) -> tuple[bool, bool]:
        """(sent, worth retrying): a refused or missing server may just be starting."""
        socket = QLocalSocket()
        loop = QEventLoop()
        state = {"done": False, "ok": False, "error": None}
        timer = QTimer(singleShot=True, interval=timeout_ms)

        def finish() -> None:
            state["done"] = True
            loop.quit()

        def connected() -> None:
            socket.write(data)
            socket.disconnectFromServer()  # flushes, then closes: the end of the message

        def disconnected() -> None:
            state["ok"] = state["error"] is None and socket.bytesToWrite() == 0
            finish()

        def failed(error: QLocalSocket.LocalSocketError) -> None:
            state["error"] = error
            if socket.state() == QLocalSocket.LocalSocketState.UnconnectedState:
                finish()

        timer.timeout.connect(finish)
        socket.connected.connect(connected)
        socket.disconnected.connect(disconnected)
        socket.errorOccurred.connect(failed)
        timer.start()
        socket.connectToServer(self.name)
        if not state["done"]:
            # A nested loop (not waitFor…): a first instance living in this same process
            # (tests) keeps reading while we write.
            loop.exec()
        timer.stop()
        socket.abort()
        errors = QLocalSocket.LocalSocketError
        retryable = state["error"] in (errors.ConnectionRefusedError, errors.ServerNotFoundError)
        return bool(state["ok"]), retryable


class QDeadline:
    def __init__(self, timeout_ms: int) -> None:
        self._timer = QElapsedTimer()
        self._timer.start()
        self._timeout = timeout_ms

    def remaining(self) -> int:
        return max(0, self._timeout - self._timer.elapsed())


def _wait(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()
