"""`Throttle`: run a render at most once per interval, however fast its inputs change.

A fast batch sends the window dozens of stream chunks a second. Each one updates the
state at once, but redrawing the header, counters and history row for every chunk
kept the GUI thread busy (and, through the union of the dirty regions, repainted most
of the window each time). People read the figures at a few updates a second.

    throttle = Throttle(self._render, interval_ms=100, parent=self)
    throttle.request()  # runs now if the last run is older than the interval, else once
                        # at the end of it, whatever the number of requests meanwhile
    throttle.flush()    # a final state: run now if a run is pending
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QElapsedTimer, QObject, QTimer

DEFAULT_INTERVAL_MS = 100


class Throttle(QObject):
    def __init__(
        self,
        callback: Callable[[], None],
        interval_ms: int = DEFAULT_INTERVAL_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._callback = callback
        self._interval = interval_ms
        self._since_run = QElapsedTimer()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._run)

    @property
    def pending(self) -> bool:
        return self._timer.isActive()

    def request(self) -> None:
        if self._timer.isActive():
            return  # already due at the end of the interval
        if not self._since_run.isValid() or self._since_run.elapsed() >= self._interval:
            self._run()
        else:
            self._timer.start(self._interval - self._since_run.elapsed())

    def flush(self) -> None:
        if self._timer.isActive():
            self._run()

    def cancel(self) -> None:
        self._timer.stop()

    def _run(self) -> None:
        self._timer.stop()
        self._since_run.start()
        self._callback()
