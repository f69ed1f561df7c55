"""PRODUCTION=1 refuses to start on an unsafe configuration, with one line naming the setting;
PROXY_FIX=1 trusts one hop of X-Forwarded-* headers."""

import subprocess
import sys

import pytest

from config import default_workers, production_problem
from projectmgr import create_app

SAFE = {
    "PRODUCTION": "1",
    "SECRET_KEY": "k" * 32,
    "DATABASE_URL": "postgresql+psycopg://app@db/projectmgr",
    "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
    "WEB_CONCURRENCY": "4",
}


def test_default_workers_is_two_per_core_plus_one_at_most_eight():
    assert 3 <= default_workers() <= 8


def test_a_safe_configuration_starts():
    assert production_problem(SAFE) is None
    assert production_problem({}) is None  # not production: the development defaults stand


@pytest.mark.parametrize(
    ("change", "setting"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"SECRET_KEY": "k" * 31}, "SECRET_KEY"),
        ({"DATABASE_URL": "sqlite:////srv/projectmgr.sqlite3"}, "DATABASE_URL"),
        ({"RATELIMIT_STORAGE_URI": "memory://"}, "RATELIMIT_STORAGE_URI"),
    ],
)
def test_an_unsafe_configuration_is_named(change, setting):
    problem = production_problem(SAFE | change)
    assert setting in problem and "\n" not in problem


def test_sqlite_and_memory_limits_are_fine_for_one_worker():
    one = SAFE | {"DATABASE_URL": "sqlite:////srv/p.sqlite3", "RATELIMIT_STORAGE_URI": "memory://"}
    assert production_problem(one | {"WEB_CONCURRENCY": "1"}) is None


@pytest.mark.parametrize(
    "command", [["-c", "import wsgi"], ["-m", "gunicorn", "--check-config", "-c", "gunicorn.conf.py", "wsgi:app"]]
)
def test_the_app_and_gunicorn_refuse_with_one_line(command):
    env = {"PATH": "/usr/bin:/bin", "PRODUCTION": "1", "SECRET_KEY": "short"}
    done = subprocess.run([sys.executable, *command], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert done.stderr.strip().splitlines()[-1] == "PRODUCTION=1: SECRET_KEY must be set to at least 32 characters."


def test_proxy_fix_trusts_one_hop_when_enabled(tmp_path):
    seen = {}
    for enabled in (False, True):
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.sqlite3", "PROXY_FIX": enabled})

        @app.get("/_where")
        def where():
            from flask import request

            return f"{request.scheme} {request.remote_addr}"

        headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "10.0.0.9, 10.0.0.7"}
        seen[enabled] = app.test_client().get("/_where", headers=headers).text
    assert seen == {False: "http 127.0.0.1", True: "https 10.0.0.7"}
