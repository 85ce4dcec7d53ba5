"""Malformed uploads and hostile JSON get a 400 with the usual error body, never a 500 or a
traceback in the log (issue 13.8), from outside over HTTP on a real server."""

from __future__ import annotations

import logging

import pytest

from tests.test_server_support import raw_request

pytest_plugins = ["tests.test_server_support"]


def post_head(port: int, token: str, path: str, content_type: str, length: int) -> str:
    return "\n".join(
        [
            f"POST {path} HTTP/1.1",
            f"Host: 127.0.0.1:{port}",
            f"Authorization: Bearer {token}",
            f"Content-Type: {content_type}",
            f"Content-Length: {length}",
            "Connection: close",
        ]
    )


def part(boundary: str, disposition: str, body: bytes, extra: str = "") -> bytes:
    head = f"--{boundary}\r\nContent-Disposition: {disposition}\r\n{extra}\r\n"
    return head.encode("latin-1") + body + b"\r\n"


B = "XyZ"
FILE = 'form-data; name="files"; filename="a.jpg"'
MULTIPART_CASES = {
    "nul_in_filename": (
        f"multipart/form-data; boundary={B}",
        part(B, 'form-data; name="files"; filename="a\x00b.jpg"', b"\xff\xd8\xff")
        + f"--{B}--\r\n".encode(),
    ),
    "no_boundary": ("multipart/form-data", part(B, FILE, b"data") + f"--{B}--\r\n".encode()),
    "boundary_mismatch": (
        "multipart/form-data; boundary=other",
        part(B, FILE, b"data") + f"--{B}--\r\n".encode(),
    ),
    "truncated": (f"multipart/form-data; boundary={B}", part(B, FILE, b"data")[:-10]),
    "huge_part_header": (
        f"multipart/form-data; boundary={B}",
        part(B, FILE, b"data", extra="X-Pad: " + "p" * 65536 + "\r\n") + f"--{B}--\r\n".encode(),
    ),
    "garbage": (f"multipart/form-data; boundary={B}", b"\x00\x01garbage\xff" * 50),
    "empty": (f"multipart/form-data; boundary={B}", b""),
}


@pytest.mark.parametrize("case", sorted(MULTIPART_CASES))
async def test_malformed_multipart_is_400(harness, caplog, case: str) -> None:
    content_type, body = MULTIPART_CASES[case]
    head = post_head(harness.port, harness.token, "/api/batches", content_type, len(body))
    with caplog.at_level(logging.WARNING):
        response = await raw_request(harness.port, head, body)
    assert response.status == 400, (case, response.status, response.body[:300])
    assert b'"error"' in response.body and b'"message"' in response.body
    assert b"Traceback" not in response.body
    assert not [r for r in caplog.records if r.exc_info], [r.getMessage() for r in caplog.records]


JSON_CASES = {
    "deep_list": b"[" * 100_000 + b"]" * 100_000,
    "deep_object": b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
    "huge_integer": b'{"paths": ["/tmp"], "project": ' + b"9" * 5000 + b"}",
    "huge_integer_quantity": b'{"kind": "room.item", "quantity": ' + b"9" * 5000 + b"}",
}


@pytest.mark.parametrize("case", sorted(JSON_CASES))
@pytest.mark.parametrize("path", ["/api/batches", "/api/batches/1/corrections"])
async def test_hostile_json_is_400(harness, caplog, tmp_path, case: str, path: str) -> None:
    from tests.helpers import make_photo

    await harness.create_batch([make_photo(tmp_path / "a.jpg", 1)])
    body = JSON_CASES[case]
    head = post_head(harness.port, harness.token, path, "application/json", len(body))
    with caplog.at_level(logging.WARNING):
        response = await raw_request(harness.port, head, body)
    assert response.status == 400, (case, path, response.status, response.body[:300])
    assert b'"error"' in response.body
    assert not [r for r in caplog.records if r.exc_info], [r.getMessage() for r in caplog.records]
