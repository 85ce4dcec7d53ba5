"""Errors as responses: `{"error": {"code", "message", …}}` on the API, a small page elsewhere.

Handlers raise `ApiError`; `error_middleware` turns it, aiohttp's own HTTP errors
(404, 405, 413 …) and unexpected exceptions into answers a person understands.
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Mapping
from typing import Any

from aiohttp import web

log = logging.getLogger(__name__)

API_PREFIX = "/api/"

# Headers of aiohttp's HTTP errors worth keeping on the rewritten answer.
_KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate", "Location")

_DEFAULTS: dict[int, tuple[str, str]] = {
    400: ("bad_request", "The request is not valid."),
    401: ("unauthorized", "This request needs PhotoLot's access token."),
    403: ("forbidden", "This request is not allowed."),
    404: ("not_found", "There is nothing at this address."),
    405: ("method_not_allowed", "This address does not accept this method."),
    413: ("too_large", "The request body is larger than PhotoLot accepts."),
    415: ("unsupported_media_type", "Send JSON (application/json) or a file upload."),
    421: ("misdirected_request", "This server only answers to 127.0.0.1, localhost or [::1]."),
    422: ("unprocessable", "The request cannot be processed."),
    429: ("too_many_requests", "Too many requests: wait a little, then try again."),
    500: (
        "internal_error",
        "PhotoLot hit an unexpected problem. Try again; if it keeps failing, please report it.",
    ),
}


_UNAUTHORIZED_BODY = """<main>
<section lang="en">
<h1>Open this page from PhotoLot</h1>
<p>This page shows your PhotoLot batches. For your privacy it only opens from the
PhotoLot app on this computer.</p>
<ol>
<li>Start PhotoLot.</li>
<li>In the PhotoLot window, choose <strong>Open in browser</strong>.</li>
</ol>
<p>The link PhotoLot opens carries a key that works only once, for a few minutes; your
browser then stays signed in until it closes or PhotoLot restarts. Seeing this page after
a restart of PhotoLot, or from an old link? Choose <strong>Open in browser</strong>
again.</p>
<p>PhotoLot started with <code>--headless</code> prints a fresh link each time it starts;
running <code>photolot</code> in a terminal while it runs prints another one.</p>
</section>
<hr>
<section lang="fr">
<h1>Ouvrez cette page depuis PhotoLot</h1>
<p>Cette page affiche vos lots PhotoLot. Pour protéger vos données, elle ne s’ouvre que
depuis l’application PhotoLot de cet ordinateur.</p>
<ol>
<li>Lancez PhotoLot.</li>
<li>Dans la fenêtre de PhotoLot, choisissez <strong>Ouvrir dans le navigateur</strong>.</li>
</ol>
<p>Le lien ouvert par PhotoLot contient une clé qui ne sert qu’une fois, pendant quelques
minutes ; votre navigateur reste ensuite connecté jusqu’à sa fermeture ou au redémarrage de
PhotoLot. Vous voyez cette page après un redémarrage de PhotoLot, ou depuis un ancien lien ?
Choisissez de nouveau <strong>Ouvrir dans le navigateur</strong>.</p>
<p>PhotoLot lancé avec <code>--headless</code> affiche un nouveau lien à chaque démarrage ;
lancer <code>photolot</code> dans un terminal pendant qu’il tourne en affiche un autre.</p>
</section>
</main>"""


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        headers: Mapping[str, str] | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})
        self.details = dict(details or {})


def is_api(request: web.Request) -> bool:
    return request.path.startswith(API_PREFIX)


def json_error(
    status: int,
    code: str,
    message: str,
    *,
    headers: Mapping[str, str] | None = None,
    details: Mapping[str, Any] | None = None,
) -> web.Response:
    body = {"error": {"code": code, "message": message, **(details or {})}}
    return web.json_response(body, status=status, headers=headers)


def html_page(
    status: int, title: str, body_html: str, headers: Mapping[str, str] | None = None
) -> web.Response:
    """A self-contained page: no script, no inline style (the CSP forbids both)."""
    text = (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title></head>\n<body>\n{body_html}\n</body></html>\n"
    )
    return web.Response(
        status=status, text=text, content_type="text/html", charset="utf-8", headers=headers
    )


def error_response(request: web.Request, error: ApiError) -> web.StreamResponse:
    if is_api(request):
        return json_error(
            error.status, error.code, error.message, headers=error.headers, details=error.details
        )
    if error.status == 401:
        return html_page(401, "PhotoLot — open it from the app", _UNAUTHORIZED_BODY, error.headers)
    body = f"<h1>PhotoLot</h1>\n<p>{html.escape(error.message)}</p>"
    return html_page(error.status, f"PhotoLot — {error.status}", body, error.headers)


def from_http_exception(exc: web.HTTPException) -> ApiError:
    code, message = _DEFAULTS.get(exc.status, ("http_error", exc.reason))
    headers = {name: exc.headers[name] for name in _KEPT_HEADERS if name in exc.headers}
    return ApiError(exc.status, code, message, headers=headers)


def default_error(status: int) -> ApiError:
    code, message = _DEFAULTS[status]
    return ApiError(status, code, message)


@web.middleware
async def error_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as error:
        return error_response(request, error)
    except web.HTTPException as exc:
        if exc.status < 400:  # redirects and 304 pass through as they are
            raise
        return error_response(request, from_http_exception(exc))
    except (asyncio.CancelledError, ConnectionResetError):
        raise
    except Exception:
        log.exception("%s %s failed", request.method, request.path)
        return error_response(request, default_error(500))
