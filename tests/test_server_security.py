"""The local server's security rules (DESIGN.md, Security): one test per rule."""

from __future__ import annotations

import json
from pathlib import Path

import aiohttp
import pytest

from desktopapp.server import SecurityConfig, generate_token, load_or_create_token
from desktopapp.server.security import SECURITY_HEADERS
from desktopapp.server.tickets import BrowserTickets
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


async def test_a_team_server_answers_to_its_public_names_only(make_harness, photos) -> None:
    """`photolot serve --public-name server.office`: that name too, with its port, for the
    Host and the Origin; any other name still gets 421 (DNS rebinding)."""
    harness = await make_harness(security={"names": ("server.office", "10.0.0.5")})
    port = harness.port
    for host in (f"server.office:{port}", f"SERVER.office:{port}", f"10.0.0.5:{port}"):
        response = await raw_request(port, request_head(port, "/api/health", host=host))
        assert response.status == 200, host
    for host in (f"other.office:{port}", "server.office", f"server.office:{port + 1}"):
        response = await raw_request(port, request_head(port, "/api/health", host=host))
        assert response.status == 421, host
        body = json.loads(response.body)
        assert "server.office" in body["error"]["message"]
    body = {"paths": [str(photos[0])]}
    ours = {"Origin": f"http://server.office:{port}", "Host": f"server.office:{port}"}
    assert (await harness.post("/api/batches", json=body, headers=ours)).status == 201
    theirs = {"Origin": "http://other.office", "Host": f"server.office:{port}"}
    assert (await harness.post("/api/batches", json=body, headers=theirs)).status == 403


async def test_behind_a_tls_proxy_its_public_url_is_accepted(make_harness, photos) -> None:
    """`--public-name https://photolot.office`: the proxy forwards Host photolot.office
    (443 implied, or written) and browsers send Origin https://photolot.office."""
    harness = await make_harness(security={"names": ("https://photolot.office",)})
    port = harness.port
    for host in ("photolot.office", "photolot.office:443"):
        response = await raw_request(port, request_head(port, "/api/health", host=host))
        assert response.status == 200, host
    for host in ("photolot.office:80", f"photolot.office:{port}", "evil.office"):
        response = await raw_request(port, request_head(port, "/api/health", host=host))
        assert response.status == 421, host
    body = {"paths": [str(photos[0])]}
    ours = {"Origin": "https://photolot.office", "Host": "photolot.office"}
    assert (await harness.post("/api/batches", json=body, headers=ours)).status == 201
    plain = {"Origin": "http://photolot.office", "Host": "photolot.office"}
    assert (await harness.post("/api/batches", json=body, headers=plain)).status == 403


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


async def test_ticket_in_page_url_is_exchanged_for_a_session_cookie(harness) -> None:
    ticket = harness.tickets.mint()
    assert len(ticket) >= 43 and ticket != harness.token  # 256 random bits
    response = await harness.get(
        f"/batches/7?lang=fr&token={ticket}", auth=False, allow_redirects=False
    )
    assert response.status == 303
    assert response.headers["Location"] == "/batches/7?lang=fr"
    assert_security_headers(response.headers)
    cookie = response.headers["Set-Cookie"]
    name = harness.cookie_name
    session = response.cookies[name].value
    assert cookie.startswith(f"{name}={session};")
    # the cookie is this run's session secret: neither the install token nor the ticket
    assert len(session) >= 43 and session not in (harness.token, ticket)
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite=strict", "path=/"} <= attributes
    assert "secure" not in attributes  # plain http on loopback
    assert not [part for part in attributes if part.startswith(("max-age", "expires"))]
    harness.client.session.cookie_jar.clear()

    # The browser then comes back with the cookie only.
    browser = harness.browser_headers(session)
    page = await harness.get("/batches/7?lang=fr", auth=False, headers=browser)
    assert page.status == 200
    assert "batch" in await page.text()
    asset = await harness.get("/static/app.js", auth=False, headers=browser)
    assert asset.status == 200
    listing = await harness.get("/api/batches", auth=False, headers=browser)
    assert listing.status == 200
    # the session is not a Bearer token, and the install token is not a cookie
    bearer_session = {"Authorization": f"Bearer {session}"}
    assert (await harness.get("/api/batches", auth=False, headers=bearer_session)).status == 401
    token_cookie = harness.browser_headers(harness.token)
    assert (await harness.get("/api/batches", auth=False, headers=token_cookie)).status == 401
    assert (await harness.get("/", auth=False, headers=token_cookie)).status == 401


async def test_a_ticket_works_once(harness) -> None:
    ticket = harness.tickets.mint()
    first = await harness.get(f"/?token={ticket}", auth=False, allow_redirects=False)
    assert first.status == 303 and harness.cookie_name in first.cookies
    session = first.cookies[harness.cookie_name].value
    harness.client.session.cookie_jar.clear()
    again = await harness.get(f"/?token={ticket}", auth=False, allow_redirects=False)
    assert again.status == 401
    assert "Set-Cookie" not in again.headers
    assert "Open this page from PhotoLot" in await again.text()
    # a browser already signed in that opens the spent link again just loses the ticket
    signed_in = await harness.get(
        f"/batches/3?token={ticket}",
        auth=False,
        allow_redirects=False,
        headers=harness.browser_headers(session),
    )
    assert signed_in.status == 303
    assert signed_in.headers["Location"] == "/batches/3"
    assert "Set-Cookie" not in signed_in.headers


async def test_a_ticket_expires(make_harness) -> None:
    now = [1000.0]
    harness = await make_harness(tickets=BrowserTickets(ttl=600.0, clock=lambda: now[0]))
    late, on_time = harness.tickets.mint(), harness.tickets.mint()
    now[0] += 599.0
    response = await harness.get(f"/?token={on_time}", auth=False, allow_redirects=False)
    assert response.status == 303
    harness.client.session.cookie_jar.clear()
    now[0] += 1.0
    response = await harness.get(f"/?token={late}", auth=False, allow_redirects=False)
    assert response.status == 401
    assert "Set-Cookie" not in response.headers
    assert len(harness.tickets) == 0  # spent and expired tickets are gone


def test_tickets_are_random_bounded_and_spent_on_use() -> None:
    now = [0.0]
    tickets = BrowserTickets(ttl=10.0, clock=lambda: now[0], max_tickets=3)
    minted = [tickets.mint() for _ in range(4)]
    assert len(set(minted)) == 4 and len(tickets) == 3
    assert not tickets.redeem(minted[0])  # the oldest made room for the newest
    assert tickets.redeem(minted[3]) and not tickets.redeem(minted[3])
    for wrong in ("", "x" * 43, minted[1] + "x", minted[1][:-1], "\udcff" * 43, "é" * 43):
        assert not tickets.redeem(wrong)
    longer = tickets.mint(ttl=100.0)
    now[0] = 50.0
    assert not tickets.redeem(minted[1]) and tickets.redeem(longer)


async def test_the_install_token_is_refused_in_page_urls(harness) -> None:
    response = await harness.get(f"/?token={harness.token}", auth=False, allow_redirects=False)
    assert response.status == 401
    assert "Set-Cookie" not in response.headers
    response = await harness.get(
        f"/batches/2?token={harness.token}", auth=False, allow_redirects=False
    )
    assert response.status == 401


async def test_sessions_end_when_the_server_restarts(make_harness) -> None:
    before = await make_harness()
    session = await before.sign_in()
    response = await before.get("/", auth=False, headers=before.browser_headers(session))
    assert response.status == 200
    after = await make_harness(token=before.token)  # a new run, same install token
    response = await after.get("/", auth=False, headers=after.browser_headers(session))
    assert response.status == 401
    text = await response.text()
    assert "restart" in text and "Open in browser" in text
    assert "Ouvrir dans le navigateur" in text
    response = await after.get("/api/batches", auth=False, headers=after.browser_headers(session))
    assert response.status == 401
    assert "restarted" in (await response.json())["error"]["message"]
    # the Bearer token, by contrast, is the same across runs
    assert (await after.get("/api/batches")).status == 200


async def test_cookie_is_port_specific_and_wrong_url_token_is_refused(harness) -> None:
    session = await harness.sign_in()
    other = f"photolot_{harness.port + 1}={session}"
    response = await harness.get("/", auth=False, headers={"Cookie": other})
    assert response.status == 401
    response = await harness.get("/?token=wrong", auth=False, allow_redirects=False)
    assert response.status == 401
    assert "Set-Cookie" not in response.headers


async def test_tickets_are_redeemed_on_pages_only(harness) -> None:
    ticket = harness.tickets.mint()
    for target in (
        f"/static/app.js?token={ticket}",
        f"/nowhere?token={ticket}",
        f"//evil.example/?token={ticket}",  # never an open redirect
        f"/api/batches?token={ticket}",
    ):
        response = await raw_request(harness.port, request_head(harness.port, target))
        assert response.status in (401, 404), target
        assert "location" not in response.headers and "set-cookie" not in response.headers
    head = await harness.request("HEAD", f"/?token={ticket}", auth=False, allow_redirects=False)
    assert head.status == 401  # a HEAD (a link preview…) does not spend it
    assert (await harness.get(f"/?token={ticket}", auth=False, allow_redirects=False)).status == 303


async def test_json_paths_need_the_bearer_token(harness, photos, tmp_path: Path) -> None:
    """A browser session (a cookie that other local servers may also receive: cookies
    ignore ports) must not make PhotoLot read files of its choosing."""
    session = await harness.sign_in()
    secret = tmp_path / "private.txt"
    secret.write_text("not for the web", encoding="utf-8")
    browser = harness.browser_headers(session)
    for paths in ([str(photos[0])], [str(secret)], ["/etc/hostname"]):
        response = await harness.post(
            "/api/batches", auth=False, json={"paths": paths}, headers=browser
        )
        assert response.status == 403, paths
        error = (await response.json())["error"]
        assert error["code"] == "bearer_required"
        assert "Authorization: Bearer" in error["message"]
    listing = await harness.get("/api/batches", auth=False, headers=browser)
    assert (await listing.json())["batches"] == []
    # what the page does: upload the files themselves, and retry
    form = aiohttp.FormData()
    form.add_field("files", photos[0].read_bytes(), filename="a.jpg", content_type="image/jpeg")
    response = await harness.post("/api/batches", auth=False, data=form, headers=browser)
    assert response.status == 201, await response.text()
    batch_id = (await response.json())["batchId"]
    response = await harness.post(
        f"/api/batches/{batch_id}/retry-failed", auth=False, headers=browser
    )
    assert response.status == 200
    # programs with the install token still import by path
    assert await harness.create_batch([photos[1]])


async def test_browser_tickets_are_minted_for_bearer_clients_only(harness) -> None:
    path = "/api/browser-tickets"
    response = await harness.post(path, json={"path": "/batches/12"})
    assert response.status == 201
    body = await response.json()
    assert body["expiresIn"] == 600
    url = body["url"]
    assert url.startswith("/batches/12?token=")
    ticket = url.partition("?token=")[2]
    assert len(ticket) >= 43 and ticket != harness.token
    exchanged = await harness.get(url, auth=False, allow_redirects=False)
    assert exchanged.status == 303 and exchanged.headers["Location"] == "/batches/12"
    session = exchanged.cookies[harness.cookie_name].value
    harness.client.session.cookie_jar.clear()

    # no body: the start page; a plain query is kept
    response = await harness.post(path)
    assert response.status == 201
    assert (await response.json())["url"].startswith("/?token=")
    response = await harness.post(path, json={"path": "/batches/3?lang=fr&debug=1"})
    assert (await response.json())["url"].startswith("/batches/3?lang=fr&debug=1&token=")

    # a browser session cannot mint more; nobody without credentials either
    response = await harness.post(
        path, auth=False, json={"path": "/"}, headers=harness.browser_headers(session)
    )
    assert response.status == 403
    assert (await response.json())["error"]["code"] == "bearer_required"
    assert (await harness.post(path, auth=False, json={"path": "/"})).status == 401
    response = await harness.post(
        path, json={"path": "/"}, headers={"Origin": "http://evil.example"}
    )
    assert response.status == 403

    for bad in (
        "",
        "batches/1",
        "//evil.example/",
        "/\\evil.example",
        "http://evil.example/",
        "/api/batches",
        "/static/app.js",
        "/batches/0",
        "/batches/x",
        "/batches/1/",
        "/batches/1#top",
        "/?token=abc",
        "/?a=1&TOKEN=abc",
        "/?next=http://evil.example",
        "/ ",
        "/" + "a" * 2000,
        12,
        None,
        ["/"],
    ):
        response = await harness.post(path, json={"path": bad})
        assert response.status == 400, bad
        assert (await response.json())["error"]["code"] == "bad_page_path"
    response = await harness.post(path, json=["/"])
    assert response.status == 400
    assert len(harness.tickets) == 2  # two unspent; the refused requests minted nothing


async def test_undecodable_credentials_are_401_not_500(make_harness) -> None:
    harness = await make_harness(security={"max_bad_tokens": 7, "bad_token_window": 60.0})
    port = harness.port
    session = await harness.sign_in()
    for extra in (
        "Authorization: Bearer \xff\xfe" + harness.token,  # bytes that are not UTF-8
        "Authorization: Bearer " + harness.token[:-1] + "\xe9",
        f"Cookie: photolot_{port}=\xff{session}",
    ):
        for target in ("/api/batches", "/"):
            response = await raw_request(port, request_head(port, target, extra=extra))
            assert response.status == 401, (extra, target)
            assert b"Traceback" not in response.body
    page = await raw_request(port, request_head(port, "/?token=%FF%FE%ED%A0%80"))
    assert page.status == 401
    # they count as wrong attempts: the limiter still works for them
    blocked = await raw_request(
        port, request_head(port, "/api/batches", extra="Authorization: Bearer \xff")
    )
    assert blocked.status == 429


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
    # A new User-Agent does not start a new count: the limit is per peer address.
    for agent in ("someone else", "curl/8", "Mozilla/5.0"):
        other = {"Authorization": "Bearer nope", "User-Agent": agent}
        assert (await harness.get("/api/batches", auth=False, headers=other)).status == 429
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
    port = harness.port
    cookie = f"Cookie: {harness.cookie_name}={await harness.sign_in()}"
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
    assert not security.token_matches("\udcff" * 43, token)  # undecodable request bytes
    assert not security.token_matches("\ud800", token)


def test_servers_starting_together_share_one_token(tmp_path: Path) -> None:
    """A team's servers create the shared token at the same moment: every one of them ends
    with the token in the file (it appears whole, linked into place), none with its own."""
    import threading

    for round_ in range(20):
        path = tmp_path / f"store{round_}" / "token"
        start = threading.Barrier(4)
        got: list[str] = []

        def create(
            path: Path = path, start: threading.Barrier = start, got: list[str] = got
        ) -> None:
            start.wait(5)
            got.append(load_or_create_token(path))

        threads = [threading.Thread(target=create) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        assert len(got) == 4 and set(got) == {path.read_text()}
        assert [p.name for p in path.parent.iterdir()] == ["token"]  # no temp file left
