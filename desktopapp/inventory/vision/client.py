"""`POST {base_url}/chat/completions` in the OpenAI wire format, one photo at a time.

Errors come out as two kinds: `ModelUnavailable` (down, 401/403, 429, 5xx, a timeout: the
model could not be asked) and `answer.BadAnswer` (it answered, not what was asked). Their
messages never carry the API key or the request."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from desktopapp.inventory.vision.answer import BadAnswer
from desktopapp.inventory.vision.config import VisionConfig

MAX_ANSWER_BYTES = 1024 * 1024


class ModelUnavailable(Exception):
    def __init__(self, reason: str, retry_after: float | None = None, final: bool = False):
        super().__init__(reason)
        self.retry_after = retry_after
        self.final = final  # a retry cannot help (a refused key, a wrong model)


@dataclass(frozen=True)
class Reply:
    content: str
    usage: dict[str, Any]  # the server's token counts, when it reports them
    seconds: float


class ChatClient:
    def __init__(self, config: VisionConfig) -> None:
        self.config = config

    def complete(self, payload: dict[str, Any]) -> Reply:
        headers = {"Content-Type": "application/json"}
        if self.config.api_key:
            headers["Authorization"] = f"Bearer {self.config.api_key}"
        request = urllib.request.Request(
            f"{self.config.base_url}/chat/completions",
            data=json.dumps(payload).encode(),
            headers=headers,
            method="POST",
        )
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=self.config.timeout) as response:
                body = response.read(MAX_ANSWER_BYTES + 1)
        except urllib.error.HTTPError as exc:
            raise _http_failure(exc) from None
        except TimeoutError:
            raise ModelUnavailable(f"no answer within {self.config.timeout:g} s") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ModelUnavailable(f"the model server cannot be reached ({reason})") from None
        seconds = time.monotonic() - started
        if len(body) > MAX_ANSWER_BYTES:
            raise BadAnswer("the answer is too long")
        try:
            data = json.loads(body)
            content = data["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise BadAnswer("the server's reply is not a chat completion") from None
        if not isinstance(content, str):
            raise BadAnswer("the answer has no text")
        usage = data.get("usage") if isinstance(data.get("usage"), dict) else {}
        return Reply(content, usage, seconds)


def _http_failure(exc: urllib.error.HTTPError) -> ModelUnavailable:
    status = exc.code
    if status in (401, 403):
        return ModelUnavailable(f"the model server refused the key ({status})", final=True)
    if status == 404:
        return ModelUnavailable("no such model or endpoint (404)", final=True)
    retry_after = None
    raw = exc.headers.get("Retry-After") if exc.headers else None
    if raw and raw.strip().isdigit():
        retry_after = float(raw.strip())
    return ModelUnavailable(f"the model server answered {status}", retry_after=retry_after)
