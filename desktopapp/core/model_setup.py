"""The optional vision model: which server (settings, environment, stored key), and
"Test connection" (the model's answer to a bundled sample photo, without retries).

    config = model_config(settings)                 # None: the detector alone
    answer = check_model(request, catalogue, sample)  # {"ok": True, "room": …, "items": […]}
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktopapp.inventory.catalogue import Catalogue
from desktopapp.inventory.vision.analyzer import file_jpeg
from desktopapp.inventory.vision.answer import BadAnswer, parse_answer
from desktopapp.inventory.vision.client import ChatClient, ModelUnavailable
from desktopapp.inventory.vision.config import KEY_ENV, MODEL_ENV, URL_ENV, VisionConfig
from desktopapp.inventory.vision.prompt import chat_request
from desktopapp.platform.secret_store import KeyStore, default_key_store
from desktopapp.platform.settings import Settings
from desktopapp.platform.user_config import check_field

SAMPLE_PHOTO = "mock-home-1.jpg"  # resources/samples/: a living room with a sofa


def model_config(
    settings: Settings,
    environ: Mapping[str, str] | None = None,
    key_store: KeyStore | None = None,
) -> VisionConfig | None:
    """The model server the settings name (or, when they name none, the environment's);
    the key from PHOTOLOT_ANALYZER_KEY, else the keychain or the key file."""
    env = os.environ if environ is None else environ
    url = settings.model_url or env.get(URL_ENV, "").strip()
    name = settings.model_name or env.get(MODEL_ENV, "").strip()
    if not url or not name:
        return None
    return VisionConfig(
        url.rstrip("/"),
        name,
        model_key(env, key_store),
        concurrency=settings.model_concurrency,
        timeout=settings.model_timeout,
    )


def model_key(
    environ: Mapping[str, str] | None = None, key_store: KeyStore | None = None
) -> str | None:
    """PHOTOLOT_ANALYZER_KEY, else the key the Settings dialog stored; None: no key."""
    env = os.environ if environ is None else environ
    return env.get(KEY_ENV) or (key_store or default_key_store()).load()


@dataclass(frozen=True)
class CheckRequest:
    url: str
    model: str
    api_key: str | None = field(default=None, repr=False)
    timeout: float = 60.0


class CheckRefused(ValueError):
    """The address, the name or the timeout cannot be used (said in the message)."""


def check_request(data: Any, stored_key: str | None) -> CheckRequest:
    """A "Test connection" request from JSON: {url, model, key?, timeout?}; no key means the
    stored one. CheckRefused names what is wrong."""
    if not isinstance(data, dict):
        raise CheckRefused("expected a JSON object {url, model}")
    url, model = data.get("url"), data.get("model")
    timeout = data.get("timeout", 60.0)
    for name, value in (("model_url", url), ("model_name", model), ("model_timeout", timeout)):
        problem = check_field(name, value) if value is not None else f"{name} is missing"
        if problem:
            raise CheckRefused(problem)
    key = data.get("key")
    if key is not None and (not isinstance(key, str) or not key.strip()):
        raise CheckRefused("key must be a non-empty string, or absent for the stored one")
    return CheckRequest(url.strip().rstrip("/"), model.strip(), key or stored_key, float(timeout))


def check_model(request: CheckRequest, catalogue: Catalogue, sample: Path) -> dict[str, Any]:
    """Ask the model once about `sample`: what it saw, how long it took, the tokens it
    reports; or why it could not answer (`model_unavailable`, `model_bad_answer`)."""
    config = VisionConfig(request.url, request.model, request.api_key, timeout=request.timeout)
    payload = chat_request(request.model, file_jpeg(sample, config.image_side), catalogue)
    started = time.monotonic()
    try:
        reply = ChatClient(config).complete(payload)
        answer = parse_answer(reply.content, catalogue)
    except ModelUnavailable as exc:
        return _failure("model_unavailable", str(exc), started)
    except BadAnswer as exc:
        return _failure("model_bad_answer", str(exc), started)
    items = []
    for item in answer.items:
        known = catalogue.get(item["label"])
        items.append(
            {
                "label": item["label"],
                "quantity": item["quantity"],
                "nameFr": known.name("fr") if known else item.get("text", item["label"]),
                "nameEn": known.name("en") if known else item.get("text", item["label"]),
            }
        )
    usage = reply.usage
    return {
        "ok": True,
        "sample": sample.name,
        "room": answer.room,
        "items": items,
        "seconds": round(time.monotonic() - started, 2),
        "tokens": usage.get("total_tokens") if isinstance(usage.get("total_tokens"), int) else None,
        "leavesTheMachine": config.leaves_the_machine,
    }


def _failure(code: str, message: str, started: float) -> dict[str, Any]:
    return {
        "ok": False,
        "code": code,
        "message": message,
        "seconds": round(time.monotonic() - started, 2),
    }
