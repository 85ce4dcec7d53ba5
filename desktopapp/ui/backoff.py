"""When to reconnect a dropped stream: exponential backoff with jitter. Pure functions.

    policy = ReconnectPolicy()                    # 1 s base, 30 s cap, 5 attempts
    policy.delay_ms(attempt=1)                    # ≈ 1 s (± 20 %), then 2, 4, 8, 16 s…
    policy.delay_ms(attempt=2, retry_after_ms=10_000)   # a 429's Retry-After wins if longer
    policy.delay_ms(attempt=6)                    # None: give up, show the error state

The server's `retry:` field sets the base (`policy.with_base(ms)`).
"""

from __future__ import annotations

import email.utils
import math
import random
from dataclasses import dataclass, replace
from datetime import UTC, datetime

MAX_RETRY_AFTER_MS = 5 * 60_000
"""A Retry-After beyond this is taken as this: a local app should not go quiet for hours."""


@dataclass(frozen=True)
class ReconnectPolicy:
    base_ms: int = 1000
    cap_ms: int = 30_000
    max_attempts: int = 5
    jitter: float = 0.2
    """Each delay is spread over ± this fraction, so clients do not come back in step."""

    def with_base(self, base_ms: int | None) -> ReconnectPolicy:
        if base_ms is None or base_ms < 0:
            return self
        return replace(self, base_ms=base_ms)

    def nominal_ms(self, attempt: int) -> int:
        """The delay before the 1-based reconnection `attempt`, without jitter."""
        exponent = min(max(0, attempt - 1), 30)
        return int(min(self.base_ms * 2**exponent, self.cap_ms))

    def delay_ms(
        self, attempt: int, retry_after_ms: int | None = None, rand: float | None = None
    ) -> int | None:
        """Milliseconds to wait before reconnection `attempt` (1-based); None: give up."""
        if attempt < 1 or attempt > self.max_attempts:
            return None
        r = random.random() if rand is None else min(max(rand, 0.0), 1.0)
        nominal = self.nominal_ms(attempt)
        delay = nominal * (1.0 - self.jitter + 2.0 * self.jitter * r)
        delay = min(delay, self.cap_ms)
        if retry_after_ms is not None and retry_after_ms > 0:
            delay = max(delay, min(retry_after_ms, MAX_RETRY_AFTER_MS))
        return max(0, round(delay))

    def schedule(self, rand: float = 0.5) -> list[int]:
        """Every delay this policy allows, in order (for tests and documentation)."""
        delays = []
        for attempt in range(1, self.max_attempts + 1):
            delay = self.delay_ms(attempt, rand=rand)
            assert delay is not None
            delays.append(delay)
        return delays


def parse_retry_after(value: str | bytes | None, now: datetime | None = None) -> int | None:
    """An HTTP Retry-After header (delta-seconds or HTTP-date) → milliseconds, or None."""
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    value = value.strip()
    if not value:
        return None
    if value.isascii() and value.isdigit():
        return int(value) * 1000
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return max(0, math.ceil(seconds)) * 1000
