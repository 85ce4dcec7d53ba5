"""Where the model is and how to talk to it. The API key is never shown: not in a repr, a
log line, an exception, a URL or a process argument (it comes from the environment)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

URL_ENV, MODEL_ENV, KEY_ENV = (
    "PHOTOLOT_ANALYZER_URL",
    "PHOTOLOT_ANALYZER_MODEL",
    "PHOTOLOT_ANALYZER_KEY",
)
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True)
class VisionConfig:
    base_url: str  # e.g. http://127.0.0.1:11434/v1 (Ollama)
    model: str
    api_key: str | None = field(default=None, repr=False)
    concurrency: int = 1  # photos sent at once (a local server: one)
    timeout: float = 60.0  # seconds for one answer
    retries: int = 2  # more tries after a 429, a 5xx or a timeout
    breaker_after: int = 5  # failures in a row before the model is left alone…
    breaker_seconds: float = 60.0  # …for this long
    image_side: int = 1024  # the longest side of the JPEG sent

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> VisionConfig | None:
        env = os.environ if environ is None else environ
        url, model = env.get(URL_ENV, "").strip(), env.get(MODEL_ENV, "").strip()
        if not url or not model:
            return None
        return cls(url.rstrip("/"), model, env.get(KEY_ENV) or None)

    @property
    def leaves_the_machine(self) -> bool:
        """True when photos go to another machine (the UI says so before the first one)."""
        return (urlsplit(self.base_url).hostname or "") not in LOOPBACK
