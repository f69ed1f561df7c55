"""GET /healthz for load balancers and monitoring: no sign-in, no session, no CSRF, no rate limit.

Two statements at most: one that the database answers, one for the Alembic revision it is at.
"""

import functools
import os

from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory
from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .extensions import db

bp = Blueprint("health", __name__)


@functools.cache
def _heads(directory: str) -> frozenset[str]:
    """The migrations' heads: read from the files once per process (they do not change while it runs)."""
    config = AlembicConfig()
    config.set_main_option("script_location", directory)
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def migration_heads() -> frozenset[str]:
    return _heads(os.path.join(os.path.dirname(current_app.root_path), "migrations"))


def check() -> tuple[int, dict]:
    """(HTTP status, body): 200 when the database answers and is at head, 503 naming what failed."""
    body = {"status": "ok", "database": "ok", "migrations": "current"}
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            try:
                revisions = set(conn.scalars(text("SELECT version_num FROM alembic_version")))
            except SQLAlchemyError:
                revisions = set()
    except SQLAlchemyError:
        return 503, {"status": "error", "database": "unreachable", "migrations": "unknown"}
    if revisions != migration_heads():
        body.update(status="error", migrations="behind" if revisions else "missing")
        return 503, body
    return 200, body


@bp.get("/healthz")
def healthz():
    status, body = check()
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response
