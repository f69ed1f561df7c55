"""Production keeps the sign-in counts in Redis so that several app servers share them (DESIGN §12).
Two separate processes, each its own app, fail sign-ins for the same user: the limit is reached
across both."""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
ROOT = Path(__file__).resolve().parents[1]

SERVER = """
import json, sys
from projectmgr import create_app
from projectmgr.extensions import db
from projectmgr.models import Role
from projectmgr.permissions import SYSTEM
from projectmgr.services import registry

database, redis_url, username, attempts, create = sys.argv[1:6]
# The address limiter alone: the account lockout (tests/web/test_accounts_security.py) is set aside.
app = create_app({"SQLALCHEMY_DATABASE_URI": database, "RATELIMIT_STORAGE_URI": redis_url, "LOCKOUT_THRESHOLD": 1000})
with app.app_context():
    if create == "1":
        db.create_all()
        registry.create_user(SYSTEM, username=username, password="right-password", role=Role.staff, display_name="x",
                            policy_exempt=True)
        db.session.commit()
client = app.test_client()
codes = []
for _ in range(int(attempts)):
    codes.append(client.post("/api/v1/auth/token", json={"username": username, "password": "wrong"}).status_code)
codes.append(client.post("/api/v1/auth/token", json={"username": username, "password": "right-password"}).status_code)
print(json.dumps(codes))
"""


def _redis_up() -> bool:
    import redis

    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        return False


def _server(tmp_path, username: str, attempts: int, create: bool) -> list[int]:
    database = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    out = subprocess.run(
        [sys.executable, "-c", SERVER, database, REDIS_URL, username, str(attempts), "1" if create else "0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not _redis_up(), reason=f"no Redis at {REDIS_URL} (CI starts one)")
def test_two_app_servers_share_the_sign_in_limit_through_redis(tmp_path):
    username = f"shared-{uuid.uuid4().hex[:8]}"
    first = _server(tmp_path, username, attempts=6, create=True)
    assert first == [401] * 6 + [200]  # six failures, then a success that does not count
    second = _server(tmp_path, username, attempts=4, create=False)
    # The other server's six failures count here too: four more make ten, then even the right
    # password is refused.
    assert second == [401] * 4 + [429]
