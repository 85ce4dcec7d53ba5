"""`photolot smoke`: the seed's smoke-lot12.js, done right: every check can fail.

Starts a headless PhotoLot on a temporary data dir (or talks to `--url` with
`--token`), creates a project and a 2-photo batch, follows its SSE stream to
`complete`, then checks that `progress` and `complete` arrived and that the REST
state equals the state the stream built. Exit 0 only when every check passed.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

from desktopapp.commands.remote import RemoteClient as Client
from desktopapp.commands.remote import RemoteError
from desktopapp.platform.settings import Settings
from desktopapp.ui.batch_state import BatchState

COMPARED_PHOTO_FIELDS = ("status", "roomType", "errorCode", "fileName")


class SmokeFailure(Exception):
    pass


def make_photos(folder: Path) -> list[Path]:
    from PIL import Image, ImageDraw

    paths = []
    for name, colour in (("salon-1.jpg", (190, 150, 110)), ("chambre-1.jpg", (90, 120, 170))):
        image = Image.new("RGB", (640, 480), colour)
        draw = ImageDraw.Draw(image)
        draw.rectangle((120, 200, 520, 420), fill=(60, 50, 40))
        draw.ellipse((420, 40, 600, 160), fill=(240, 230, 200))
        image.save(folder / name, quality=88)
        paths.append(folder / name)
    return paths


def compare(rest: dict[str, Any], sse: dict[str, Any]) -> list[str]:
    problems = [
        f"{key}: REST {rest.get(key)!r} ≠ SSE {sse.get(key)!r}"
        for key in ("status", "progress", "counts")
        if rest.get(key) != sse.get(key)
    ]
    rest_photos = {p["id"]: p for p in rest["photos"]}
    sse_photos = {p["id"]: p for p in sse["photos"]}
    if rest_photos.keys() != sse_photos.keys():
        problems.append(f"photo ids differ: REST {sorted(rest_photos)} ≠ SSE {sorted(sse_photos)}")
    for photo_id in rest_photos.keys() & sse_photos.keys():
        for field in COMPARED_PHOTO_FIELDS:
            if rest_photos[photo_id].get(field) != sse_photos[photo_id].get(field):
                problems.append(f"photo {photo_id} {field} differs")
    return problems


def run_smoke(client: Client, photos: list[Path], out: Any = print) -> dict[str, Any]:
    """Create a batch of `photos`, follow it to the end, check everything; the final state."""
    started = time.monotonic()
    out("PhotoLot smoke test: SSE progress end to end")
    out(f"[1/3] Creating a project and a {len(photos)}-photo batch…")
    created = client.request(
        "POST", "/api/batches", {"paths": [str(p) for p in photos], "project": "smoke"}
    )
    batch_id = created["batchId"]
    if created["photosCount"] != len(photos):
        raise SmokeFailure(f"expected {len(photos)} photos, got {created['photosCount']}")
    out(f"  ✓ batch {batch_id} ({len(photos)} photos) in project 'smoke'")

    out(f"[2/3] Following {client.base_url}/api/batches/{batch_id}/stream")
    state = BatchState()
    kinds: list[str] = []
    final: dict[str, Any] | None = None
    for event in client.stream(batch_id):
        kinds.append(event.type)
        if event.type in ("ping", "timeout"):
            continue
        payload = json.loads(event.data)
        if event.type == "error":
            raise SmokeFailure(f"the stream reported {payload}")
        state.apply(payload)
        counts = state.counts
        out(
            f"  {event.type:<8} {state.progress:3d}% {state.status:<10} "
            f"done {counts['completed']} failed {counts['failed']}"
        )
        if event.type == "complete":
            final = payload
    elapsed = time.monotonic() - started

    out("[3/3] Checks")
    progress_events = kinds.count("progress")
    if progress_events < 2:
        raise SmokeFailure(f"expected several progress events, got {progress_events}")
    out(f"  ✓ progress events: {progress_events}")
    if final is None:
        raise SmokeFailure("the stream ended without a complete event")
    out(f"  ✓ complete received ({final['status']})")
    if final["status"] != "COMPLETED":
        raise SmokeFailure(f"the batch ended {final['status']}, expected COMPLETED")
    rest = client.request("GET", f"/api/batches/{batch_id}")
    problems = compare(rest, state.as_dict())
    if problems:
        raise SmokeFailure("REST and SSE disagree: " + "; ".join(problems))
    out(f"  ✓ REST and SSE agree: {rest['status']} {rest['progress']}%")
    out(f"Duration {elapsed:.2f} s, {len(kinds)} events")
    return {**rest, "events": len(kinds), "seconds": elapsed}


def smoke_main(url: str | None, token: str | None, settings: Settings | None) -> int:
    with tempfile.TemporaryDirectory(prefix="photolot-smoke-") as tmp:
        workdir = Path(tmp)
        services = None
        try:
            if url:
                if not token:
                    print("photolot smoke: --url needs the token (--token-file or PHOTOLOT_TOKEN)")
                    return 2
                client = Client(url, token)
            else:
                from dataclasses import replace

                from desktopapp.app import LocalServices

                base = settings or Settings(data_dir=workdir / "data")
                services = LocalServices(replace(base, data_dir=workdir / "data", port=0))
                services.start()
                client = Client(services.base_url, services.token)
            (workdir / "photos").mkdir()
            run_smoke(client, make_photos(workdir / "photos"))
        except (SmokeFailure, RemoteError, OSError, ValueError, KeyError) as exc:
            print(f"FAILURE: {exc}")
            return 1
        finally:
            if services is not None:
                services.stop()
    print("SUCCESS")
    return 0
