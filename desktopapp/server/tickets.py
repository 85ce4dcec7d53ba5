"""One-time browser tickets: what a page URL's `?token=` carries (never the install token).

    tickets = BrowserTickets()
    url = f"/batches/12?token={tickets.mint()}"   # LocalServices, POST /api/browser-tickets
    tickets.redeem(presented)                      # True once, within the ticket's lifetime

A ticket is 256 random bits. Only its HMAC-SHA256 under a per-run random key is kept,
and a presented value is looked up by that keyed digest: the lookup's timing depends on
digests the caller cannot predict, so it says nothing about the stored tickets (the
constant-time requirement), and the tickets themselves are not kept in memory.
Redeeming removes the ticket, so a second use, or a use after its lifetime, fails.

Thread-safe: the app mints on its own thread (`LocalServices.browser_url`), the server
mints and redeems on its event loop's thread.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable

TICKET_BYTES = 32  # 256 bits
DEFAULT_TTL = 600.0  # seconds: a link opened by the app reaches the browser within seconds
MAX_TICKETS = 1024  # outstanding at once; the oldest go first beyond that


def as_bytes(text: str) -> bytes:
    """UTF-8 that never raises: lone surrogates (undecodable request bytes) pass through."""
    return text.encode("utf-8", "surrogatepass")


class BrowserTickets:
    def __init__(
        self,
        ttl: float = DEFAULT_TTL,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_tickets: int = MAX_TICKETS,
    ) -> None:
        self.ttl = ttl
        self._clock = clock
        self._max = max_tickets
        self._key = secrets.token_bytes(32)
        self._expiry: dict[bytes, float] = {}  # keyed digest → expiry time; insertion order
        self._lock = threading.Lock()

    def _digest(self, ticket: str) -> bytes:
        return hmac.new(self._key, as_bytes(ticket), hashlib.sha256).digest()

    def mint(self, ttl: float | None = None) -> str:
        """A new ticket, valid once for `ttl` seconds (default: the object's `ttl`)."""
        ticket = secrets.token_urlsafe(TICKET_BYTES)
        digest = self._digest(ticket)
        with self._lock:
            now = self._clock()
            for old in [d for d, expiry in self._expiry.items() if expiry <= now]:
                del self._expiry[old]
            while len(self._expiry) >= self._max:
                del self._expiry[next(iter(self._expiry))]
            self._expiry[digest] = now + (self.ttl if ttl is None else ttl)
        return ticket

    def redeem(self, presented: str) -> bool:
        """True if `presented` is a live ticket; it is spent either way."""
        if not presented or len(presented) > 512:
            return False
        digest = self._digest(presented)
        with self._lock:
            expiry = self._expiry.pop(digest, None)
            return expiry is not None and self._clock() < expiry

    def __len__(self) -> int:
        with self._lock:
            return len(self._expiry)
