"""`photolot --self-test`: proves an install (source or frozen binary) works, in one line.

A temporary data dir, the headless services on port 0, the sample photos shipped in
`resources/samples`, the app's own stream followed to `complete`, REST and SSE
compared, thumbnails fetched. Prints one verdict line; exit 0 or 1.
"""

from __future__ import annotations

import logging
import tempfile
import time
import urllib.request
from dataclasses import replace
from pathlib import Path

from desktopapp import __version__
from desktopapp.commands.smoke import Client, SmokeFailure, run_smoke
from desktopapp.platform.paths import resources_dir
from desktopapp.platform.settings import Settings


def sample_photos() -> list[Path]:
    photos = sorted((resources_dir() / "samples").glob("*.jpg"))
    if not photos:
        raise SmokeFailure(f"no sample photos in {resources_dir() / 'samples'}")
    return photos


# A real room photo shipped in samples/: the bundled detector must find this in it.
DETECTOR_PROOF = ("mock-home-1.jpg", "sofa")


def _check_detector(state: dict) -> str:
    name, label = DETECTOR_PROOF
    photo = next((p for p in state["photos"] if p["fileName"] == name), None)
    if photo is None:
        raise SmokeFailure(f"the sample photo {name} is missing from the bundle")
    if "no_analyzer" in photo["flags"]:
        raise SmokeFailure("object detection is off (the model did not load: see the log)")
    if not any(item["label"] == label for item in photo.get("items") or []):
        found = ", ".join(item["label"] for item in photo.get("items") or []) or "nothing"
        raise SmokeFailure(f"the detector found no {label} in {name} (found: {found})")
    total = state["inventorySummary"]["totalItems"]
    return f"{label} found, {total} items"


def _check_report(client: Client, state: dict) -> int:
    """The PDF report renders in the bundle (fpdf2, fontTools and the fonts are packed)."""
    url = f"{client.base_url}/api/batches/{state['batchId']}/report.pdf?lang=fr"
    with urllib.request.urlopen(urllib.request.Request(url, None, client.headers), timeout=30) as r:
        body = r.read()
    if r.headers.get("Content-Type") != "application/pdf" or not body.startswith(b"%PDF-"):
        raise SmokeFailure("the PDF report is not a PDF")
    return len(body)


def _check_thumbnails(client: Client, state: dict) -> int:
    fetched = 0
    for photo in state["photos"]:
        req = urllib.request.Request(client.base_url + photo["thumbnailUrl"], None, client.headers)
        with urllib.request.urlopen(req, timeout=10) as response:
            if response.headers.get("Content-Type") != "image/jpeg" or not response.read(3):
                raise SmokeFailure(f"thumbnail of {photo['fileName']} is not a JPEG")
        fetched += 1
    return fetched


def run_self_test(settings: Settings) -> int:
    from desktopapp.app import LocalServices

    logging.getLogger().setLevel(logging.ERROR)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="photolot-self-test-") as tmp:
        services = LocalServices(replace(settings, data_dir=Path(tmp) / "data", port=0))
        try:
            services.start()
            client = Client(services.base_url, services.token)
            state = run_smoke(client, sample_photos(), out=lambda _line: None)
            if state["counts"]["completed"] != len(state["photos"]):
                raise SmokeFailure(f"not every sample photo was processed: {state['counts']}")
            thumbs = _check_thumbnails(client, state)
            detected = _check_detector(state)
            report_bytes = _check_report(client, state)
        except Exception as exc:  # the verdict line must name any failure
            print(f"PhotoLot {__version__} self-test: FAILED — {exc}", flush=True)
            return 1
        finally:
            services.stop()
    elapsed = time.monotonic() - started
    print(
        f"PhotoLot {__version__} self-test: OK — {len(state['photos'])} photos, "
        f"{state['events']} stream events, {thumbs} thumbnails, {detected}, "
        f"PDF {report_bytes // 1024} KB, REST = SSE, "
        f"{elapsed:.1f} s",
        flush=True,
    )
    return 0
