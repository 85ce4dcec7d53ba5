"""Small HTTP helpers shared by the API client and the stream client (QtNetwork)."""

from __future__ import annotations

import json

from PySide6.QtCore import QObject, QUrl
from PySide6.QtNetwork import QNetworkAccessManager, QNetworkProxy, QNetworkReply, QNetworkRequest


def make_request(url: str, token: str, headers: dict[str, str] | None = None) -> QNetworkRequest:
    """A request to the local server: Bearer token, no cache, no redirect, HTTP/1.1."""
    request = QNetworkRequest(QUrl(url))
    request.setRawHeader(b"Authorization", f"Bearer {token}".encode("ascii"))
    for name, value in (headers or {}).items():
        request.setRawHeader(name.encode("ascii"), value.encode("utf-8"))
    attr = QNetworkRequest.Attribute
    request.setAttribute(
        attr.CacheLoadControlAttribute, QNetworkRequest.CacheLoadControl.AlwaysNetwork
    )
    request.setAttribute(attr.CacheSaveControlAttribute, False)
    request.setAttribute(attr.Http2AllowedAttribute, False)
    request.setAttribute(
        attr.RedirectPolicyAttribute, QNetworkRequest.RedirectPolicy.ManualRedirectPolicy
    )
    return request


def local_network_manager(parent: QObject | None = None) -> QNetworkAccessManager:
    """A manager that never goes through a proxy: the server is on loopback."""
    manager = QNetworkAccessManager(parent)
    manager.setProxy(QNetworkProxy(QNetworkProxy.ProxyType.NoProxy))
    return manager


def reply_header(reply: QNetworkReply, name: str) -> str:
    """A response header as text ("" when absent)."""
    return bytes(reply.rawHeader(name).data()).decode("latin-1")


def error_message_from_body(body: bytes) -> tuple[str | None, str | None]:
    """The server's `{"error": {"code", "message"}}`, as (code, message)."""
    try:
        error = json.loads(body.decode("utf-8", errors="replace"))["error"]
        return str(error.get("code") or "") or None, str(error.get("message") or "") or None
    except (ValueError, KeyError, TypeError, AttributeError):
        return None, None


def http_status(reply: QNetworkReply) -> int | None:
    """The HTTP status code, None when no HTTP answer came (refused, reset…)."""
    status = reply.attribute(QNetworkRequest.Attribute.HttpStatusCodeAttribute)
    return int(status) if isinstance(status, int) else None
