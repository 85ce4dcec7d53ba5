"""A chat-completions server on loopback (the OpenAI wire format), answering from a script:
the vision model's stand-in for the tests (tests/test_vision_analyzer.py,
tests/test_model_cost.py).

    server = ModelServer()
    server.script = [completion(GOOD), (429, {"Retry-After": "0"}, b"slow down"), "hang"]
    ...  # VisionConfig(server.url, "llava:test", KEY)
    server.close()

Each request is recorded (headers, body), with the server's own time handling it until its
answer was ready (`spans`, time.monotonic()). "hang" holds the answer past the client's
timeout; "gate" holds it until `gate.set()` (then answers with the next entry); a callable
is called with the request's body and returns the answer."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DEFAULT_USAGE = {"prompt_tokens": 1200, "completion_tokens": 40}


def completion(content: str, usage: dict | None = DEFAULT_USAGE) -> tuple[int, dict, bytes]:
    """A 200 answer; `usage=None`: the server reports no token counts."""
    body: dict[str, Any] = {
        "id": "x",
        "object": "chat.completion",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}}],
    }
    if usage is not None:
        body["usage"] = usage
    return 200, {}, json.dumps(body).encode()


class ModelServer:
    """A chat-completions server on loopback, answering from a script."""

    def __init__(self) -> None:
        self.script: list[Any] = []
        self.default: Any = completion("{}")  # the answer once the script is used up
        self.requests: list[tuple[dict[str, str], dict]] = []
        self.spans: list[tuple[float, float]] = []  # each request's handling, server side
        self.arrived = threading.Semaphore(0)  # released once per request received
        self.release = threading.Event()
        self.gate = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                started = time.monotonic()
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length))
                server.requests.append((dict(self.headers), body))
                answer = server.script.pop(0) if server.script else server.default
                server.arrived.release()
                if answer == "hang":
                    server.release.wait(10)  # past the client's timeout
                    return
                if answer == "gate":
                    server.gate.wait(30)
                    answer = server.script.pop(0) if server.script else server.default
                if callable(answer):  # an answer made from the request
                    answer = answer(body)
                status, headers, payload = answer
                server.spans.append((started, time.monotonic()))  # before it can be read
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(name, value)
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

    def environ(self) -> dict[str, str]:
        """The variables that make a Core ask this server."""
        return {"PHOTOLOT_ANALYZER_URL": self.url, "PHOTOLOT_ANALYZER_MODEL": "llava:test"}

    def close(self) -> None:
        self.release.set()
        self.gate.set()
        self.httpd.shutdown()
        self.httpd.server_close()
