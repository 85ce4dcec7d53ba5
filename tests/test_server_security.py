"""The local server's security rules (DESIGN.md, Security): one test per rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktopapp.server import SecurityConfig, generate_token, load_or_create_token
from desktopapp.server.security import SECURITY_HEADERS
from tests.test_server_support import raw_request

pytest_plugins = ["tests.test_server_support"]


def assert_security_headers(headers, *, cache: str | None = "no-store") -> None:
    lowered = {name.lower(): value for name, value in headers.items()}
    for name, value in SECURITY_HEADERS.items():
        assert lowered.get(name.lower()) == value, name
    if cache is not None:
        assert lowered.get("cache-control") == cache
    assert not [name for name in lowered if name.startswith("access-control-")]


def request_head(port: int, target: str, *, host: str | None = None, extra: str = "") -> str:
    host = host if host is not None else f"127.0.0.1:{port}"
    lines = [f"GET {target} HTTP/1.1", f"Host: {host}", "Connection: close"]
    return "\n".join(lines) + (f"\n{extra}" if extra else "")


# -- token file ----------------------------------------------------------------------------


def test_token_file_is_created_once_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "data" / "token"
    token = load_or_create_token(path)
    assert len(token) >= 43  # 32 random bytes, url-safe base64
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_or_create_token(path) == token
    assert generate_token() != token


def test_damaged_or_loose_token_file_is_repaired(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text("")
    token = load_or_create_token(path)
    assert len(token) >= 43 and path.read_text() == token
    path.chmod(0o644)
    assert load_or_create_token(path) == token
    assert path.stat().st_mode & 0o777 == 0o600


def test_short_tokens_are_refused() -> None:
    with pytest.raises(ValueError):
        SecurityConfig(token="short")


# -- Host allowlist (421) -------------------------------------------------------------------


async def test_host_allowlist(harness) -> None:
    port = harness.port
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}", f"LOCALHOST:{port}"):
        response = await raw_request(port, request_head(port, "/api/health", host=host))
        assert response.status == 200, host
    for host in ("evil.example", f"evil.example:{port}", "127.0.0.1", f"127.0.0.1:{port + 1}", ""):
        response = await raw_request(port, request_head(port, "/api/health", host=host))
        assert response.status == 421, host
        assert response.headers["content-type"].startswith("application/json")
        assert_security_headers(response.headers)


async def test_host_check_covers_the_stream(harness, photos) -> None:
    batch_id = await harness.create_batch(photos[:1])
    response = await harness.get(
        f"/api/batches/{batch_id}/stream", headers={"Host": "rebound.example:80"}
    )
    assert response.status == 421


# -- Origin (403) ---------------------------------------------------------------------------


async def test_origin_checked_on_state_changes(harness, photos) -> None:
    body = {"paths": [str(photos[0])]}
    for origin in ("http://evil.example", "null", f"http://127.0.0.1:{harness.port + 1}"):
        response = await harness.post("/api/batches", json=body, headers={"Origin": origin})
        assert response.status == 403, origin
        assert (await response.json())["error"]["code"] == "forbidden_origin"
    response = await harness.post("/api/batches/1/retry-failed", headers={"Origin": "null"})
    assert response.status == 403
    ours = f"http://localhost:{harness.port}"
    response = await harness.post("/api/batches", json=body, headers={"Origin": ours})
    assert response.status == 201


async def test_origin_checked_on_the_stream(harness, photos) -> None:
    batch_id = await harness.create_batch(photos[:1])
    path = f"/api/batches/{batch_id}/stream"
    response = await harness.get(path, headers={"Origin": "http://evil.example"})
    assert response.status == 403
    assert_security_headers(response.headers)
    response = await harness.get(path, headers={"Origin": f"http://127.0.0.1:{harness.port}"})
    assert response.status == 200
    response.close()


# -- no CORS (405) --------------------------------------------------------------------------


async def test_no_cors_preflight_and_no_cors_headers(harness) -> None:
    response = await harness.request(
        "OPTIONS",
        "/api/batches",
        headers={
            "Origin": "http://evil.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert response.status == 405
    assert_security_headers(response.headers)
    response = await harness.get("/api/batches", headers={"Origin": "http://evil.example"})
    assert_security_headers(response.headers)


# -- token (401), cookie exchange (303) -----------------------------------------------------


async def test_api_needs_the_token(harness) -> None:
    response = await harness.get("/api/batches", auth=False)
    assert response.status == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="PhotoLot"'
    assert (await response.json())["error"]["code"] == "unauthorized"
    assert_security_headers(response.headers)
    for value in ("Bearer nope", f"Basic {harness.token}", f"Bearer {harness.token}x"):
        response = await harness.get("/api/batches", auth=False, headers={"Authorization": value})
        assert response.status == 401, value
    response = await harness.get(f"/api/batches?token={harness.token}", auth=False)
    assert response.status == 401  # URLs carry the token to pages only, never to the API
    assert (await harness.get("/api/health", auth=False)).status == 200


async def test_pages_without_cookie_get_a_bilingual_401_page(harness) -> None:
    for path in ("/", "/batches/4", "/static/app.js"):
        response = await harness.get(path, auth=False)
        assert response.status == 401, path
        assert response.content_type == "text/html"
        text = await response.text()
        assert "Open this page from PhotoLot" in text
        assert "Ouvrez cette page depuis PhotoLot" in text
        assert "<script" not in text and "style=" not in text and "<style" not in text
        assert_security_headers(response.headers)


async def test_token_in_page_url_is_exchanged_for_a_cookie(harness) -> None:
    response = await harness.get(
        f"/batches/7?lang=fr&token={harness.token}", auth=False, allow_redirects=False
    )
    assert response.status == 303
    assert response.headers["Location"] == "/batches/7?lang=fr"
    assert_security_headers(response.headers)
    cookie = response.headers["Set-Cookie"]
    name = f"photolot_{harness.port}"
    assert cookie.startswith(f"{name}={harness.token};")
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite=strict", "path=/"} <= attributes
    assert "secure" not in attributes  # plain http on loopback

    # The browser then comes back with the cookie only.
    page = await harness.get(
        "/batches/7?lang=fr", auth=False, headers={"Cookie": f"{name}={harness.token}"}
    )
    assert page.status == 200
    assert "batch" in await page.text()
    asset = await harness.get(
        "/static/app.js", auth=False, headers={"Cookie": f"{name}={harness.token}"}
    )
    assert asset.status == 200
    events = await harness.get(
        "/api/batches", auth=False, headers={"Cookie": f"{name}={harness.token}"}
    )
    assert events.status == 200


async def test_cookie_is_port_specific_and_wrong_url_token_is_refused(harness) -> None:
    other = f"photolot_{harness.port + 1}={harness.token}"
    response = await harness.get("/", auth=False, headers={"Cookie": other})
    assert response.status == 401
    response = await harness.get("/?token=wrong", auth=False, allow_redirects=False)
    assert response.status == 401
    assert "Set-Cookie" not in response.headers


async def test_repeated_bad_tokens_get_429_but_the_right_token_passes(make_harness) -> None:
    harness = await make_harness(security={"max_bad_tokens": 5, "bad_token_window": 60.0})
    bad = {"Authorization": "Bearer " + "x" * 43, "User-Agent": "guesser"}
    for _ in range(5):
        assert (await harness.get("/api/batches", auth=False, headers=bad)).status == 401
    response = await harness.get("/api/batches", auth=False, headers=bad)
    assert response.status == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert (await response.json())["error"]["code"] == "too_many_attempts"
    assert_security_headers(response.headers)
    wrong_page = await harness.get("/?token=guess", auth=False, headers={"User-Agent": "guesser"})
    assert wrong_page.status == 429
    good = {"Authorization": f"Bearer {harness.token}", "User-Agent": "guesser"}
    assert (await harness.get("/api/batches", auth=False, headers=good)).status == 200
    # Another program on the same machine is not locked out by the guesser.
    other = {"Authorization": "Bearer nope", "User-Agent": "someone else"}
    assert (await harness.get("/api/batches", auth=False, headers=other)).status == 401
    # No token at all is not an attempt: a browser without the cookie still gets its page.
    assert (await harness.get("/", auth=False, headers={"User-Agent": "guesser"})).status == 401


# -- security headers on every response -----------------------------------------------------


async def test_security_headers_everywhere(harness, photos) -> None:
    batch_id = await harness.create_batch(photos[:1])
    for path, status in [
        ("/api/batches", 200),
        (f"/api/batches/{batch_id}", 200),
        ("/api/batches/999", 404),
        ("/nowhere", 404),
        ("/", 200),
    ]:
        response = await harness.get(path)
        assert response.status == status, path
        assert_security_headers(response.headers)
    static = await harness.get("/static/css/site.css")
    assert static.status == 200
    assert static.headers["Content-Type"] == "text/css; charset=utf-8"
    assert_security_headers(static.headers, cache="no-cache")
    stream = await harness.get(f"/api/batches/{batch_id}/stream")
    assert stream.status == 200
    assert stream.headers["Content-Type"] == "text/event-stream; charset=utf-8"
    assert stream.headers["X-Accel-Buffering"] == "no"
    assert_security_headers(stream.headers, cache="no-cache, no-transform")
    stream.close()


# -- static files: no way out of resources/web (404) ----------------------------------------


async def test_static_path_traversal_is_refused(harness) -> None:
    port, cookie = harness.port, f"Cookie: photolot_{harness.port}={harness.token}"
    ok = await raw_request(port, request_head(port, "/static/app.js", extra=cookie))
    assert ok.status == 200 and ok.body == b"console.log('photolot');\n"
    assert ok.headers["content-type"] == "text/javascript; charset=utf-8"
    for target in [
        "/static/../secret.txt",
        "/static/%2e%2e/secret.txt",
        "/static/%2E%2E%2Fsecret.txt",
        "/static/..%2fsecret.txt",
        "/static/css/../../secret.txt",
        "/static//etc/passwd",
        "/static/%2fetc%2fpasswd",
        "/static/..%5csecret.txt",
        "/static/link.txt",  # a symlink to a file outside
        "/static/.hidden",
        "/static/css",
        "/static/nothing.js",
        "/static/app.js%00.png",
    ]:
        response = await raw_request(port, request_head(port, target, extra=cookie))
        assert response.status in (403, 404), target
        assert b"top secret" not in response.body and b"root:" not in response.body
        assert_security_headers(response.headers)


async def test_missing_web_folder_is_a_plain_404(make_harness, tmp_path: Path) -> None:
    harness = await make_harness(web_root=tmp_path / "not-written-yet")
    for path in ("/", "/batches/3", "/static/app.js"):
        response = await harness.get(path)
        assert response.status == 404, path
        assert response.content_type == "text/html"
    response = await harness.get("/batches/not-a-number")
    assert response.status == 404


def test_token_is_compared_in_constant_time() -> None:
    from desktopapp.server import security

    token = generate_token()
    assert security.token_matches(token, token)
    assert not security.token_matches(token[:-1], token)
    assert not security.token_matches("é" * 43, token)  # non-ASCII must not raise
