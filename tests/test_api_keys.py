"""Key management across tenants: every scope x every key route x own / other / new tenant."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, insert

from imagelens.db import Database, upgrade
from imagelens.db.tables import ApiKey
from tests.live import LiveServer

API = "/api/v2"
SCOPES = ("read", "write", "admin", "operator")
VICTIM = "victim"

# (route, target) -> the status each caller scope gets: read, write, admin, operator.
EXPECTED: dict[tuple[str, str], tuple[int, int, int, int]] = {
    ("create", "own"): (403, 403, 201, 201),
    ("create", "other"): (403, 403, 403, 201),
    ("create", "new"): (403, 403, 403, 201),
    ("list", "own"): (403, 403, 200, 200),
    ("list", "other"): (403, 403, 403, 200),
    ("list", "new"): (403, 403, 403, 200),
    ("delete", "own"): (403, 403, 204, 204),
    ("delete", "other"): (403, 403, 404, 204),
    ("delete", "new"): (403, 403, 404, 404),
}


def _create(server: LiveServer, key: str | None = None, **body: object) -> dict[str, Any]:
    with server.client(key=key) as client:
        response = client.post(f"{API}/api-keys", json=body)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created


@pytest.mark.parametrize("target", ["own", "other", "new"])
@pytest.mark.parametrize("route", ["create", "list", "delete"])
@pytest.mark.parametrize("scope", SCOPES)
def test_key_routes_by_scope_and_tenant(
    server: LiveServer, scope: str, route: str, target: str
) -> None:
    home = f"home-{uuid.uuid4().hex[:8]}"
    caller = _create(server, name=f"caller-{scope}", tenant=home, scopes=[scope])["key"]
    tenant = {"own": home, "other": VICTIM, "new": f"new-{uuid.uuid4().hex[:8]}"}[target]
    expected = EXPECTED[(route, target)][SCOPES.index(scope)]
    with server.client(key=caller) as client:
        if route == "create":
            body: dict[str, object] = {"name": "minted", "scopes": ["read", "write", "admin"]}
            if target != "own":
                body["tenant"] = tenant
            response = client.post(f"{API}/api-keys", json=body)
        elif route == "list":
            params = {} if target == "own" else {"tenant": tenant}
            response = client.get(f"{API}/api-keys", params=params)
        else:
            victim_id = (
                str(uuid.uuid4())
                if target == "new"
                else _create(server, name="to-revoke", tenant=tenant, scopes=["read"])["id"]
            )
            response = client.delete(f"{API}/api-keys/{victim_id}")
    assert response.status_code == expected, response.text
    if expected == 201:
        assert response.json()["tenant"] == tenant
    if expected == 200:
        assert {k["tenant"] for k in response.json()["items"]} <= {tenant}
    if expected == 403:
        assert response.json()["error"]["code"] == "forbidden"


def test_a_tenant_admin_cannot_reach_another_tenants_data(server: LiveServer) -> None:
    """The reported hole: an admin naming an existing tenant got a key that read its data."""
    victim_admin = _create(server, name="victim-admin", tenant=VICTIM, scopes=["admin"])["key"]
    attacker = _create(server, name="attacker", tenant="attacker", scopes=["admin"])["key"]
    with server.client(key=attacker) as client:
        for tenant in (VICTIM, "default"):
            response = client.post(
                f"{API}/api-keys", json={"name": "steal", "tenant": tenant, "scopes": ["read"]}
            )
            assert response.status_code == 403, response.text
            assert "operator" in response.json()["error"]["message"]
    with server.client(key=victim_admin) as client:
        names = [k["name"] for k in client.get(f"{API}/api-keys").json()["items"]]
        assert "steal" not in names


def test_operator_is_granted_only_by_an_operator(server: LiveServer) -> None:
    admin = _create(server, name="t-admin", tenant="granting", scopes=["admin"])["key"]
    with server.client(key=admin) as client:
        response = client.post(f"{API}/api-keys", json={"name": "up", "scopes": ["operator"]})
        assert response.status_code == 403
        assert client.get("/metrics").status_code == 403  # server-wide: operator only
    second = _create(server, name="second-operator", scopes=["operator"])
    assert second["scopes"] == ["operator"]
    with server.client(key=second["key"]) as client:
        assert client.get("/metrics").status_code == 200
        assert client.get(f"{API}/files").status_code == 200  # operator holds read
        minted = client.post(f"{API}/api-keys", json={"name": "x", "tenant": "granting"})
        assert minted.status_code == 201


def test_keys_expiring_in_the_past_are_refused(server: LiveServer) -> None:
    past = (datetime.now(UTC) - timedelta(seconds=5)).isoformat()
    naive_past = (datetime.now(UTC) - timedelta(days=1)).replace(tzinfo=None).isoformat()
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    with server.client() as client:
        for when in (past, naive_past):
            response = client.post(f"{API}/api-keys", json={"name": "old", "expires_at": when})
            assert response.status_code == 400, response.text
            assert "expires_at" in response.json()["error"]["message"]
        ok = client.post(f"{API}/api-keys", json={"name": "soon", "expires_at": future})
        assert ok.status_code == 201


def test_upgrade_gives_the_owners_key_operator(tmp_path: Path) -> None:
    """A database from before the operator scope: its first admin key becomes the operator's."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0002")
    db = Database(url)
    try:
        # Rows written as that schema had them (today's ORM knows later columns).
        old = MetaData()
        old.reflect(bind=db.engine, only=["tenants", "api_keys"])
        owner_id, other_id = str(uuid.uuid4()), str(uuid.uuid4())
        now = datetime.now(UTC)
        with db.engine.begin() as connection:
            for key_id, tenant in ((owner_id, "default"), (other_id, "acme")):
                connection.execute(insert(old.tables["tenants"]).values(id=tenant, created_at=now))
                connection.execute(
                    insert(old.tables["api_keys"]).values(
                        id=key_id,
                        tenant_id=tenant,
                        name=tenant,
                        key_hash=uuid.uuid4().hex * 2,
                        prefix="il_test",
                        scopes="admin read",
                        created_at=now,
                    )
                )
        upgrade(url)
        with db.session() as session:
            scopes = {row.id: row.scopes.split() for row in session.query(ApiKey)}
        assert scopes[owner_id] == ["admin", "operator", "read"]
        assert scopes[other_id] == ["admin", "read"]
    finally:
        db.dispose()
