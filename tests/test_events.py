"""The bus: wake-ups cross threads, carry no data, and survive a broken listener."""

from __future__ import annotations

import signal
import threading

from desktopapp.core.events import BatchWatcher, EventBus
from desktopapp.core.services import Core
from desktopapp.platform.settings import Settings


def test_publish_reaches_listeners_on_other_threads_until_unsubscribed():
    bus = EventBus()
    seen: list[tuple[int, int]] = []
    got = threading.Event()

    def listener(batch_id: int, head: int) -> None:
        seen.append((batch_id, head))
        got.set()

    unsubscribe = bus.subscribe(listener)
    threading.Thread(target=bus.publish, args=(3, 42)).start()
    assert got.wait(5)
    assert seen == [(3, 42)]
    unsubscribe()
    bus.publish(3, 43)
    assert seen == [(3, 42)]


def test_a_failing_listener_does_not_starve_the_others(caplog):
    bus = EventBus()
    bus.subscribe(lambda *_: 1 / 0)
    with BatchWatcher(bus, 5) as watcher:
        bus.publish(5, 1)
        assert watcher.wait(timeout=5)
    assert "bus listener failed" in caplog.text


def test_watcher_ignores_other_batches():
    bus = EventBus()
    with BatchWatcher(bus, 1) as watcher:
        bus.publish(2, 10)
        assert watcher.wait(timeout=0) is False
        bus.publish(1, 11)
        assert watcher.wait(timeout=0) is True


def test_embedding_the_consumer_keeps_the_host_signal_handlers(data_dir):
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    core = Core(Settings(data_dir=data_dir, workers=2))
    core.start()
    try:
        after = {sig: signal.getsignal(sig) for sig in before}
        assert after == before
    finally:
        assert core.stop()
