"""The local server: REST API, live progress stream (SSE) and web pages (DESIGN.md).

It runs on its own thread and event loop (`ServerThread`), never imports Qt,
and reaches the core only through `ServerApi`.
"""

from desktopapp.server.api_types import ServerApi
from desktopapp.server.app import create_app
from desktopapp.server.config import Limits, SecurityConfig, StreamConfig
from desktopapp.server.runner import ServerStartError, ServerThread
from desktopapp.server.tickets import BrowserTickets
from desktopapp.server.token import generate_token, load_or_create_token

__all__ = [
    "BrowserTickets",
    "Limits",
    "SecurityConfig",
    "ServerApi",
    "ServerStartError",
    "ServerThread",
    "StreamConfig",
    "create_app",
    "generate_token",
    "load_or_create_token",
]
