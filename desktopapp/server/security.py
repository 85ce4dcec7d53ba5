"""The local server's defences (DESIGN.md, Security): aiohttp middlewares and headers.

In order, each request meets:

1. Host allowlist: `127.0.0.1:PORT`, `localhost:PORT`, `[::1]:PORT` (and a team server's
   `--public-name`s), else 421
   (DNS rebinding). Applies to everything, the health check and the stream included.
2. No CORS: OPTIONS gets 405 and no response ever carries an Access-Control-* header.
3. Origin: on every state change (any method but GET/HEAD) and on the stream, an
   Origin header, when present, must be our own origin, else 403.
4. Credentials, on everything but `GET /api/health`, compared in constant time, else
   401. Programs send `Authorization: Bearer <install token>`; browsers send the
   `photolot_<port>` cookie, whose value is a random secret made when the app is
   created (`create_app`), never the install token: a restart signs every browser out.
   A GET of a page URL with `?token=<ticket>` redeems a one-time ticket
   (`tickets.BrowserTickets`) for that cookie (HttpOnly, SameSite=Strict, Path=/) by a
   303 to the same URL without it; the install token is NOT accepted there. A browser
   already signed in that opens a spent link is just sent to the clean URL. The
   handlers ask `require_bearer` for what a browser session must not do (import by
   path, mint tickets). A client (its peer address) that sent `max_bad_tokens`
   wrong tokens or tickets within the window gets 429 + Retry-After for further wrong
   ones; a request with the right token always passes. Requests with no credential at
   all are not counted (a browser without the cookie just gets the 401 page).
5. Bodies: a POST with a body must be `application/json` (or `multipart/form-data`
   where uploads are accepted), else 415.

`add_security_headers` (an on_response_prepare hook) stamps every response that goes
through the app, errors, redirects and the stream included.
"""

from __future__ import annotations

import hmac
import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Collection
from typing import Any
from urllib.parse import urlsplit

from aiohttp import hdrs, web

from desktopapp.server.config import SecurityConfig
from desktopapp.server.errors import ApiError
from desktopapp.server.tickets import BrowserTickets, as_bytes

HEALTH_PATH = "/api/health"
COOKIE_PREFIX = "photolot_"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
SAFE_METHODS = frozenset({"GET", "HEAD"})

BEARER = "bearer"
COOKIE = "cookie"
AUTH = web.RequestKey("photolot_auth", str)
"""How the request proved itself: BEARER (the install token) or COOKIE (a browser session)."""

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def local_port(request: web.BaseRequest, config: SecurityConfig) -> int:
    if config.port is not None:
        return config.port
    sockname = request.transport.get_extra_info("sockname") if request.transport else None
    return int(sockname[1]) if sockname else 0


def cookie_name(port: int) -> str:
    return f"{COOKIE_PREFIX}{port}"


def allowed_hosts(port: int, names: tuple[str, ...] = ()) -> frozenset[str]:
    return frozenset(host for host, _origin in _known(port, names))


def allowed_origins(port: int, names: tuple[str, ...] = ()) -> frozenset[str]:
    return frozenset(origin for _host, origin in _known(port, names))


def _known(port: int, names: tuple[str, ...]) -> list[tuple[str, str]]:
    """(Host value, Origin) pairs: the loopback names and plain public names on this port
    over http; a public name given as a URL (`https://photolot.office`, a TLS proxy in
    front) as that URL says, its default port written or not."""
    pairs = []
    for name in (*LOOPBACK_HOSTS, *(name.lower() for name in names)):
        if "://" in name:
            parts = urlsplit(name)
            default = 443 if parts.scheme == "https" else 80
            public_port = parts.port or default
            host = parts.hostname or ""
            shown = host if public_port == default else f"{host}:{public_port}"
            pairs.append((shown, f"{parts.scheme}://{shown}"))
            pairs.append((f"{host}:{public_port}", f"{parts.scheme}://{shown}"))
            continue
        pairs.append((f"{name}:{port}", f"http://{name}:{port}"))
        if port == 80:
            pairs.append((name, f"http://{name}"))
    return pairs


def token_matches(presented: str, expected: str) -> bool:
    """Constant time; never raises, whatever bytes the request carried."""
    return hmac.compare_digest(as_bytes(presented), as_bytes(expected))


def require_bearer(request: web.Request, action: str) -> None:
    """403 unless the request carries the install token (a browser session is not enough)."""
    if request.get(AUTH) != BEARER:
        raise ApiError(
            403,
            "bearer_required",
            f"{action} needs PhotoLot's access token ('Authorization: Bearer <token>'); "
            "a browser session cannot do it.",
        )


def add_security_headers(request: web.BaseRequest, response: web.StreamResponse) -> None:
    for name, value in SECURITY_HEADERS.items():
        response.headers[name] = value
    response.headers.setdefault(hdrs.CACHE_CONTROL, "no-store")
    for name in [name for name in response.headers if name.lower().startswith("access-control-")]:
        del response.headers[name]


class FailureLimiter:
    """Counts wrong tokens per client in a sliding window; memory is bounded."""

    def __init__(
        self,
        limit: int,
        window: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = 4096,
    ) -> None:
        self._limit = limit
        self._window = window
        self._clock = clock
        self._max_clients = max_clients
        self._failures: OrderedDict[Any, deque[float]] = OrderedDict()

    def _recent(self, key: Any) -> deque[float]:
        failures = self._failures.get(key)
        if failures is None:
            return deque()
        horizon = self._clock() - self._window
        while failures and failures[0] <= horizon:
            failures.popleft()
        if not failures:
            del self._failures[key]
        return failures

    def retry_after(self, key: Any) -> int | None:
        """Seconds until the client may try again, None when it is not blocked."""
        failures = self._recent(key)
        if len(failures) < self._limit:
            return None
        return max(1, math.ceil(failures[-self._limit] + self._window - self._clock()))

    def record(self, key: Any) -> None:
        failures = self._failures.setdefault(key, deque(maxlen=self._limit))
        failures.append(self._clock())
        self._failures.move_to_end(key)
        while len(self._failures) > self._max_clients:
            self._failures.popitem(last=False)


def security_middlewares(
    config: SecurityConfig,
    *,
    session: str,
    tickets: BrowserTickets,
    origin_checked_paths: Callable[[web.Request], bool],
    page_route: Callable[[web.Request], bool],
    multipart_paths: Collection[str],
) -> list[Any]:
    """The middlewares, outermost first (after the error middleware).

    `session` is the browser cookie's value for this run; `tickets` the one-time tickets
    a page URL may carry; `page_route` tells the pages where `?token=` is redeemed.
    """
    limiter = FailureLimiter(config.max_bad_tokens, config.bad_token_window)
    if len(session) < 22:
        raise ValueError("the session secret must carry at least 128 bits")

    @web.middleware
    async def host_check(request: web.Request, handler: Any) -> web.StreamResponse:
        host = (request.headers.get(hdrs.HOST) or "").lower()
        if host not in allowed_hosts(local_port(request, config), config.names):
            names = ", ".join(("127.0.0.1", "localhost", "[::1]", *config.names))
            raise ApiError(
                421,
                "misdirected_request",
                f"This server only answers to {names} with its own port.",
            )
        return await handler(request)

    @web.middleware
    async def no_cors(request: web.Request, handler: Any) -> web.StreamResponse:
        if request.method == hdrs.METH_OPTIONS:
            raise ApiError(
                405,
                "method_not_allowed",
                "PhotoLot does not answer cross-origin requests.",
                headers={hdrs.ALLOW: "GET, HEAD, POST, DELETE"},
            )
        return await handler(request)

    @web.middleware
    async def origin_check(request: web.Request, handler: Any) -> web.StreamResponse:
        origin = request.headers.get(hdrs.ORIGIN)
        checked = request.method not in SAFE_METHODS or origin_checked_paths(request)
        if (
            checked
            and origin is not None
            and origin.lower() not in allowed_origins(local_port(request, config), config.names)
        ):
            raise ApiError(
                403, "forbidden_origin", "Requests from other web sites are not allowed."
            )
        return await handler(request)

    def wrong_credential(client: str) -> ApiError:
        wait = limiter.retry_after(client)
        if wait is not None:
            return ApiError(
                429,
                "too_many_attempts",
                "Too many wrong access tokens from this program: wait a minute, then open "
                "the page again from the PhotoLot app.",
                headers={hdrs.RETRY_AFTER: str(wait)},
            )
        limiter.record(client)
        return _unauthorized(wrong=True)

    @web.middleware
    async def token_check(request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path == HEALTH_PATH:
            return await handler(request)
        port = local_port(request, config)
        # keyed on the peer alone: a guesser cannot reset its count with a new User-Agent
        # (on loopback every program shares the address; the right credential always passes)
        client = request.remote or ""
        cookie = request.cookies.get(cookie_name(port))
        if request.method == hdrs.METH_GET and "token" in request.query and page_route(request):
            if tickets.redeem(request.query["token"]):
                raise _exchange_redirect(request, port, session)
            if cookie is not None and token_matches(cookie, session):
                raise _clean_redirect(request)  # signed in already: a spent link is harmless
            raise wrong_credential(client)
        bearer = _bearer(request)
        if bearer is not None:
            if token_matches(bearer, config.token):
                request[AUTH] = BEARER
                return await handler(request)
        elif cookie is not None:
            if token_matches(cookie, session):
                request[AUTH] = COOKIE
                return await handler(request)
        else:
            raise _unauthorized()
        raise wrong_credential(client)

    @web.middleware
    async def body_type_check(request: web.Request, handler: Any) -> web.StreamResponse:
        if request.method not in SAFE_METHODS and request.body_exists:
            content_type = request.content_type
            multipart_ok = request.path in multipart_paths
            if content_type != "application/json" and not (
                multipart_ok and content_type == "multipart/form-data"
            ):
                accepted = "application/json" + (" or multipart/form-data" if multipart_ok else "")
                raise ApiError(
                    415,
                    "unsupported_media_type",
                    f"Send the request body as {accepted} (got {content_type or 'nothing'}).",
                )
        return await handler(request)

    return [host_check, no_cors, origin_check, token_check, body_type_check]


def _bearer(request: web.Request) -> str | None:
    authorization = request.headers.get(hdrs.AUTHORIZATION)
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
    return None


def _unauthorized(*, wrong: bool = False) -> ApiError:
    if wrong:
        message = (
            "The access token or browser session is not valid (PhotoLot may have restarted): "
            "open PhotoLot's page from the PhotoLot app again."
        )
    else:
        message = (
            "This request needs PhotoLot's access token: programs send "
            "'Authorization: Bearer <token>'; browsers open the page from the PhotoLot app."
        )
    return ApiError(
        401, "unauthorized", message, headers={hdrs.WWW_AUTHENTICATE: 'Bearer realm="PhotoLot"'}
    )


def _clean_redirect(request: web.Request) -> web.HTTPSeeOther:
    """A 303 to the same page without `?token=` (page routes only: always a local path)."""
    return web.HTTPSeeOther(location=str(request.rel_url.without_query_params("token")))


def _exchange_redirect(request: web.Request, port: int, session: str) -> web.HTTPSeeOther:
    redirect = _clean_redirect(request)
    redirect.set_cookie(cookie_name(port), session, httponly=True, samesite="Strict", path="/")
    return redirect
