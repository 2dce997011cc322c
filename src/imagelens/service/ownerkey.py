"""The owner's key, made at the first start: from IMAGELENS_BOOTSTRAP_API_KEY, or generated
and written to DATA_DIR/admin-key (mode 0600) for `make run` users to copy."""

from __future__ import annotations

import os
import stat

from imagelens.config import Settings
from imagelens.db import Database
from imagelens.db.keys import create_key, find_key, grant_scopes, has_scope_key, new_key
from imagelens.service.auth import OWNER_SCOPES

DEFAULT_TENANT = "default"


def ensure_owner_key(db: Database, settings: Settings) -> None:
    """The owner's key: the bootstrap key if set (granted the owner's scopes), else one
    generated on an empty database, written to DATA_DIR/admin-key (0600), never logged."""
    bootstrap = settings.bootstrap_api_key
    with db.session() as session:
        if bootstrap is not None:
            value = bootstrap.get_secret_value()
            row = find_key(session=session, key=value)
            if row is None:
                create_key(
                    session=session,
                    tenant_id=DEFAULT_TENANT,
                    name="bootstrap",
                    scopes=OWNER_SCOPES,
                    key=value,
                )
            else:  # a database from before the operator scope
                grant_scopes(row=row, scopes=OWNER_SCOPES)
            return
        if has_scope_key(session=session, scope="operator"):
            return
        _row, key = create_key(
            session=session,
            tenant_id=DEFAULT_TENANT,
            name="admin",
            scopes=OWNER_SCOPES,
            key=new_key(),
        )
    path = settings.data_dir / "admin-key"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, stat.S_IRUSR | stat.S_IWUSR)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")


def announce_owner_key(db: Database, settings: Settings) -> None:
    """Print the generated key on the console at each start while it is valid."""
    # The generated key lives in DATA_DIR/admin-key (0600); say it on the console at each
    # start while it is valid, so `make run` users can copy it. It never goes to the logs.
    path = settings.data_dir / "admin-key"
    if settings.bootstrap_api_key is not None or not path.is_file():
        return
    key = path.read_text().strip()
    with db.session() as session:
        if find_key(session=session, key=key) is None:
            return
    print(f"imagelens: admin API key (from {path}): {key}", flush=True)
