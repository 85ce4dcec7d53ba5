"""The server's tunables: security, stream timings, request limits (frozen dataclasses)."""

from __future__ import annotations

from dataclasses import dataclass

MB = 1024 * 1024


@dataclass(frozen=True)
class SecurityConfig:
    token: str
    """The per-install secret (`server.token.load_or_create_token`)."""
    port: int | None = None
    """The port in allowed Host/Origin values and the cookie name; None: the port the
    connection actually arrived on (right for ephemeral ports and for tests)."""
    max_bad_tokens: int = 20
    """Wrong tokens from one client (its peer address) within `bad_token_window`
    seconds before its further wrong attempts get 429. The right token always passes."""
    bad_token_window: float = 60.0
    names: tuple[str, ...] = ()
    """Host names or addresses this server also answers to, besides the loopback ones (a
    team's server on the office network: `photolot serve --public-name server.office`)."""

    def __post_init__(self) -> None:
        if len(self.token) < 22:
            raise ValueError("the access token must carry at least 128 bits")


@dataclass(frozen=True)
class StreamConfig:
    ping_interval: float = 15.0
    """Seconds of silence before a named `ping` event."""
    max_duration: float = 30 * 60.0
    """Seconds before a `timeout` event and close; the client reconnects with its id."""
    send_timeout: float = 10.0
    """A write that cannot complete within this many seconds closes that stream only."""
    max_streams: int = 256
    """Open streams at once; more get 429 with Retry-After."""
    page_size: int = 500
    """Journal rows read (and written in one chunk) at a time."""
    retry_ms: int = 1000
    """The `retry:` reconnection delay sent first."""


@dataclass(frozen=True)
class Limits:
    max_json_bytes: int = 32 * MB
    """JSON request bodies (100,000 long paths fit)."""
    max_paths: int = 100_000
    max_upload_file_bytes: int = 200 * MB
    max_upload_total_bytes: int = 4096 * MB
    max_upload_files: int = 20_000
    upload_chunk_bytes: int = 256 * 1024
