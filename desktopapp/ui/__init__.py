"""The native window: drop zone, batch history, live progress widget, tray, single instance.

The UI is a client of the local server exactly like the browser (DESIGN.md): it talks
to it over HTTP on loopback (`api_client`) and follows a batch through its SSE stream
(`sse_client`). It never imports the database.

Entry points for the composition root (`desktopapp/app.py`):

    from desktopapp.ui import MainWindow, ApiClient, SingleInstance
"""

from __future__ import annotations

__all__ = ["ApiClient", "MainWindow", "SingleInstance"]


def __getattr__(name: str):  # lazy: importing desktopapp.ui must not load Qt widgets
    if name == "ApiClient":
        from desktopapp.ui.api_client import ApiClient

        return ApiClient
    if name == "MainWindow":
        from desktopapp.ui.main_window import MainWindow

        return MainWindow
    if name == "SingleInstance":
        from desktopapp.ui.single_instance import SingleInstance

        return SingleInstance
    raise AttributeError(name)
