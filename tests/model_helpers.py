"""A vision model server on loopback for re-analysis tests (no tests here): it speaks the
chat-completions wire format and answers as `answer` says at the time of each request, so
a test can make the model fail for a batch, then come back before the re-analysis.

    with ModelServer() as model:            # model.answer = "prose" | 500 | "good"
        core = vision_core(data_dir, model)  # a real Core with the real VisionAnalyzer
"""

from __future__ import annotations

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from unittest import mock

from desktopapp.core.services import Core
from desktopapp.platform.settings import Settings
from tests.helpers import make_photo

GOOD = (
    '{"room": "living_room", "items": [{"label": "sofa", "quantity": 1}, '
    '{"label": "wardrobe", "quantity": 2}]}'
)
PROSE = "I see a cosy living room with a sofa, a wardrobe and some light."


def _completion(content: str) -> bytes:
    body = {
        "id": "x",
        "object": "chat.completion",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}}],
        "usage": {"prompt_tokens": 1200, "completion_tokens": 40},
    }
    return json.dumps(body).encode()


class ModelServer:
    def __init__(self) -> None:
        self.answer: Any = "prose"
        self.asked = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                server.asked += 1
                answer = server.answer
                status, payload = (
                    (answer, b'{"error": "down"}')
                    if isinstance(answer, int)
                    else (200, _completion(GOOD if answer == "good" else PROSE))
                )
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *_args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self) -> ModelServer:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def environ(self) -> dict[str, str]:
        return {"PHOTOLOT_ANALYZER_URL": self.url, "PHOTOLOT_ANALYZER_MODEL": "llava:test"}


def vision_core(data_dir: Path, model: ModelServer, workers: int = 2) -> Core:
    """A real Core (not started) whose analyzer asks `model` after the names analyzer
    (rooms from folder names, no items of its own: every item is the model's)."""
    with mock.patch.dict(os.environ, model.environ()):
        return Core(Settings(data_dir=data_dir, workers=workers, analyzer="names"))


def drop(folder: Path, count: int = 3) -> Path:
    for seed in range(count):
        (folder / "Salon").mkdir(parents=True, exist_ok=True)
        make_photo(folder / "Salon" / f"p{seed}.jpg", seed, size=(320, 240))
    return folder


def labels(photo: dict[str, Any]) -> dict[str, tuple[int, str]]:
    return {item["label"]: (item["quantity"], item.get("source", "")) for item in photo["items"]}
