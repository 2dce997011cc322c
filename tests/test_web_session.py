"""The web page's server side over real HTTP: the page and its assets, signing in with a key
for an HttpOnly cookie, CSRF on state-changing calls, sign-out and revocation, and the
analysis read the page's result view uses. Runs on every deployment (the page is served by
the API role too)."""

from __future__ import annotations

import logging
import re
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from imagelens.db import Database
from imagelens.db.tables import WebSession, utcnow
from tests import imagegen
from tests.live import WITH_API_ROLE, LiveServer

pytestmark = WITH_API_ROLE
API = "/api/v2"
COOKIE = "imagelens_session"


def _browser(server: LiveServer) -> httpx.Client:
    """A client with no Authorization header: what a browser on the page is."""
    return httpx.Client(base_url=server.base_url, timeout=60)


def _sign_in(client: httpx.Client, key: str) -> dict[str, Any]:
    response = client.post("/web/session", json={"api_key": key})
    assert response.status_code == 201, response.text
    info: dict[str, Any] = response.json()
    return info


def _new_key(server: LiveServer, name: str, scopes: list[str]) -> dict[str, Any]:
    with server.client() as client:
        response = client.post(f"{API}/api-keys", json={"name": name, "scopes": scopes})
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created


def test_page_and_assets(server: LiveServer) -> None:
    with _browser(server) as client:
        page = client.get("/")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        csp = page.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert page.headers["x-content-type-options"] == "nosniff"
        assert page.headers["referrer-policy"] == "no-referrer"
        assert page.headers["cache-control"] == "no-cache"
        html = page.text
        # Every script is a file (no inline code), every asset under one hashed folder.
        assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
        assets = re.findall(r'(?:src|href)="(/assets/[^"]+)"', html)
        assert assets and len({a.split("/")[2] for a in assets}) == 1
        assert re.fullmatch(r"[0-9a-f]{12}", assets[0].split("/")[2])
        for path in assets:
            response = client.get(path)
            assert response.status_code == 200, path
            assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        app_js = client.get(next(a for a in assets if a.endswith("app.js")))
        assert "javascript" in app_js.headers["content-type"]
        assert client.get("/assets/000000000000/app.js").status_code == 404
        assert client.get("/web/session").json() == {"signed_in": False}


def test_sign_in_sets_an_http_only_strict_cookie(
    server: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with _browser(server) as client:
        response = client.post("/web/session", json={"api_key": server.key})
        assert response.status_code == 201, response.text
        cookie = response.headers["set-cookie"]
        assert cookie.startswith(f"{COOKIE}=")
        lowered = cookie.lower()
        assert "httponly" in lowered and "samesite=strict" in lowered and "path=/" in lowered
        assert response.headers["cache-control"] == "no-store"
        info = response.json()
        assert info["scopes"] == ["operator"] or "admin" in info["scopes"]
        assert info["backends"][0] == "local" and "auto" in info["categories"]
        assert server.key not in response.text  # the key is never handed back
        token = client.cookies[COOKIE]
        assert token != server.key and len(token) >= 40
        assert client.get("/web/session").json()["csrf_token"] == info["csrf_token"]
        assert client.get(f"{API}/files").status_code == 200
    # Neither the key nor the session token reaches a server log line (the test's own
    # client, httpx, logs its headers at DEBUG: not the server's doing).
    server_records = [r for r in caplog.records if r.name.startswith(("imagelens", "uvicorn"))]
    assert server_records
    logged = "\n".join(r.getMessage() + str(r.__dict__) for r in server_records)
    assert server.key not in logged and token not in logged
    # The database keeps the token's hash only.
    db = Database(server.settings.resolved_database_url)
    try:
        with db.session() as session:
            ids = list(session.scalars(select(WebSession.id)))
        assert ids and token not in ids
    finally:
        db.dispose()


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b'{"api_key": "il_not-a-real-key"}', "application/json", 401),
        (b'{"api_key": ""}', "application/json", 400),
        (b'{"key": "x"}', "application/json", 400),
        (b"{not json", "application/json", 400),
        (b"api_key=il_whatever", "application/x-www-form-urlencoded", 415),
    ],
)
def test_bad_sign_in_sets_no_cookie(
    server: LiveServer, body: bytes, content_type: str, status: int
) -> None:
    with _browser(server) as client:
        response = client.post("/web/session", content=body, headers={"content-type": content_type})
        assert response.status_code == status, response.text
        assert "set-cookie" not in response.headers
        assert response.json()["error"]["message"]


def test_state_changes_need_the_csrf_token(server: LiveServer) -> None:
    with _browser(server) as client:
        info = _sign_in(client, server.key)
        body = {"name": "csrf-probe", "scopes": ["read"]}
        refused = client.post(f"{API}/api-keys", json=body)
        assert refused.status_code == 403
        assert "X-CSRF-Token" in refused.json()["error"]["message"]
        wrong = client.post(f"{API}/api-keys", json=body, headers={"X-CSRF-Token": "guess"})
        assert wrong.status_code == 403
        token = {"X-CSRF-Token": info["csrf_token"]}
        made = client.post(f"{API}/api-keys", json=body, headers=token)
        assert made.status_code == 201, made.text
        # A read needs no token; a signed-out browser (no cookie) is simply unauthenticated.
        assert client.get(f"{API}/api-keys").status_code == 200
        client.cookies.clear()
        assert client.get(f"{API}/files").status_code == 401


def test_sign_out_and_revocation_end_the_session(server: LiveServer) -> None:
    key = _new_key(server, "browser", ["read", "write"])
    with _browser(server) as client:
        info = _sign_in(client, key["key"])
        token = client.cookies[COOKIE]
        assert client.delete("/web/session").status_code == 403  # no CSRF token
        out = client.delete("/web/session", headers={"X-CSRF-Token": info["csrf_token"]})
        assert out.status_code == 204
        assert 'imagelens_session=""' in out.headers["set-cookie"]
        # The old token is dead on the server, not merely forgotten by the browser.
        client.cookies.set(COOKIE, token)
        dead = client.get(f"{API}/files")
        assert dead.status_code == 401 and "session has ended" in dead.json()["error"]["message"]

        client.cookies.clear()
        _sign_in(client, key["key"])
        assert client.get(f"{API}/files").status_code == 200
        with server.client() as admin:
            assert admin.delete(f"{API}/api-keys/{key['id']}").status_code == 204
        assert client.get(f"{API}/files").status_code == 401
        assert client.post("/web/session", json={"api_key": key["key"]}).status_code == 401


def test_an_expired_session_is_refused(server: LiveServer) -> None:
    with _browser(server) as client:
        _sign_in(client, server.key)
        db = Database(server.settings.resolved_database_url)
        try:
            with db.session() as session:
                session.execute(update(WebSession).values(expires_at=utcnow()))
        finally:
            db.dispose()
        assert client.get(f"{API}/files").status_code == 401
        assert client.get("/web/session").json() == {"signed_in": False}


def test_a_session_sees_its_own_tenant_only(server: LiveServer) -> None:
    with server.client() as admin:
        other = admin.post(
            f"{API}/api-keys", json={"name": "other", "scopes": ["read", "write"], "tenant": "webx"}
        ).json()
        image = admin.post(
            f"{API}/images/analyze",
            files={"file": ("cat.jpg", imagegen.encode(imagegen.photo("chelsea"), "JPEG"))},
        ).json()
    with _browser(server) as client:
        _sign_in(client, other["key"])
        assert client.get(f"{API}/files/{image['image_id']}/analysis").status_code == 404
        assert client.get(f"{API}/files/{image['image_id']}/content").status_code == 404


def test_analysis_carries_exif_timings_and_regions(server: LiveServer) -> None:
    page = imagegen.text_page(("Harbour lights tonight",), size=(900, 300), font_size=48)
    with server.client() as client:
        done = client.post(
            f"{API}/images/analyze",
            files={"file": ("sign.png", imagegen.encode(page.image))},
        ).json()
        assert done["status"] == "completed", done
        analysis = client.get(f"{API}/files/{done['image_id']}/analysis").json()
    assert analysis["status"] == "completed" and analysis["filename"] == "sign.png"
    result = analysis["result"]
    assert result["timings_ms"]["total"] > 0 and "ocr" in result["timings_ms"]
    assert "Harbour" in result["visible_text"]
    assert result["text_regions"][0]["bbox"]["width"] > 0
    assert result["metadata"]["width"] == 900
