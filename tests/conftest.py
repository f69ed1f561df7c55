"""Fixtures: one app per test session on the database named by TEST_DATABASE_URL (default: a
SQLite file in a temporary folder), emptied after each test; factories that go through the
services, as a user would; an API client that signs requests with a user's bearer token."""

import itertools
import os
import tempfile
from datetime import date, timedelta
from decimal import Decimal
from functools import partial

import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import text
from werkzeug.security import generate_password_hash

from projectmgr import create_app
from projectmgr.extensions import db, limiter
from projectmgr.models import Level, OrgKind, Role
from projectmgr.permissions import SYSTEM
from projectmgr.rules.credit_code import make_credit_code
from projectmgr.services import registry, settings
from projectmgr.services.projects import BudgetInput, IndicatorInput, ProjectInput, register_project

_TMP = tempfile.mkdtemp(prefix="projectmgr-tests-")
DATABASE_URL = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{_TMP}/test.sqlite3"


class Client(FlaskClient):
    """Each test keeps one app context pushed (for db.session in the test), and test-client
    requests reuse it, so `g` would carry over from one request to the next. A real server gives
    every request its own `g`: forget what extensions cached there (signed-in user, locale, CSRF
    token) before each request."""

    def open(self, *args, **kwargs):
        if has_app_context():
            for key in ("_login_user", "_flask_babel", "csrf_token", "api_user"):
                g.pop(key, None)
        return super().open(*args, **kwargs)


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashes():
    """scrypt's cost protects real passwords; in tests it only slows down the many users they
    create. Hashing stays real (a salted PBKDF2), just with one round."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            "projectmgr.models.user.generate_password_hash",
            partial(generate_password_hash, method="pbkdf2:sha256:1"),
        )
        yield


@pytest.fixture(scope="session")
def app():
    app = create_app({"SQLALCHEMY_DATABASE_URI": DATABASE_URL})
    app.test_client_class = Client
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean(app):
    """Each test starts on empty tables, inside an app context."""
    with app.app_context():
        yield
        db.session.rollback()
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        # DELETE, children first: on the few rows a test writes it is far quicker than TRUNCATE.
        with db.engine.begin() as conn:
            for t in tables:
                conn.execute(text(f'DELETE FROM "{t}"'))
        limiter.reset()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


_seq = itertools.count(1)
PASSWORD = "password123"  # the factory's exempt users
STRONG_PASSWORD = "Kx7-river-Lamp"  # meets the production policy


class Factory:
    """Builds domain objects through the services and commits, like a finished request."""

    def n(self) -> int:
        return next(_seq)

    def organization(self, name: str | None = None, kind: OrgKind = OrgKind.enterprise):
        n = self.n()
        org = registry.create_organization(name or f"单位{n}", kind, make_credit_code(f"91410000{n:09d}"))
        db.session.commit()
        return org

    def user(
        self, role: Role, organization=None, username: str | None = None, *, password: str | None = None, **expert
    ):
        """A user with PASSWORD ("password123") is marked policy-exempt, as `demo load` marks the demo's
        accounts: it signs in without a second factor. Pass a `password` that meets the policy
        (STRONG_PASSWORD) for a user the production rules apply to (TOTP for staff and admins)."""
        n = self.n()
        if role == Role.owner and organization is None:
            organization = self.organization()
        user = registry.create_user(
            SYSTEM,
            username=username or f"{role.value}{n}",
            password=password or PASSWORD,
            role=role,
            display_name=f"{role.value} {n}",
            organization_id=organization.id if organization else None,
            expert=expert or ({} if role == Role.expert else None),
            policy_exempt=password is None,
        )
        db.session.commit()
        return user

    def plan(self, level: Level = Level.municipal, **kwargs):
        plan = registry.create_plan(settings(), name=f"{level.value} plan", level=level, year=2026, **kwargs)
        db.session.commit()
        return plan

    def project(
        self,
        level: Level = Level.municipal,
        *,
        plan=None,
        owner=None,
        staff=None,
        start: date = date(2026, 1, 1),
        end: date = date(2026, 12, 31),
        special: str = "100000.00",
        self_raised: str = "100000.00",
        flags=(),
        indicators=(("sales", "销售收入", "万元", "100"),),
        **kwargs,
    ):
        plan = plan or self.plan(level)
        owner = owner or self.user(Role.owner)
        staff = staff or self.user(Role.staff)
        data = ProjectInput(
            code=kwargs.pop("code", f"P-{self.n()}"),
            title=kwargs.pop("title", "测试项目"),
            plan_id=plan.id,
            organization_id=owner.organization_id,
            owner_id=owner.id,
            start_date=start,
            end_date=end,
            special_funds=Decimal(special),
            self_raised_committed=Decimal(self_raised),
            budget=[BudgetInput("equipment", Decimal(special), Decimal(self_raised))],
            indicators=[IndicatorInput(k, name, unit, Decimal(t)) for k, name, unit, t in indicators],
            flags=list(flags),
            **kwargs,
        )
        project = register_project(staff, data, settings(), start)
        db.session.commit()
        return project


@pytest.fixture
def make():
    return Factory()


class Api:
    """client.get/post/put with a user's bearer token: api.as_(user).post(url, json=...)."""

    def __init__(self, client, token: str | None = None):
        self.client = client
        self.token = token

    def as_(self, user) -> "Api":
        token = registry.issue_token(user)
        db.session.commit()
        return Api(self.client, token)

    def _headers(self):
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def get(self, url, **kw):
        return self.client.get("/api/v1" + url, headers=self._headers(), **kw)

    def post(self, url, **kw):
        return self.client.post("/api/v1" + url, headers=self._headers(), **kw)

    def put(self, url, **kw):
        return self.client.put("/api/v1" + url, headers=self._headers(), **kw)

    def patch(self, url, **kw):
        return self.client.patch("/api/v1" + url, headers=self._headers(), **kw)

    def delete(self, url, **kw):
        return self.client.delete("/api/v1" + url, headers=self._headers(), **kw)


@pytest.fixture
def api(client):
    return Api(client)


def days(n: int) -> timedelta:
    return timedelta(days=n)


@pytest.fixture
def summary_redis(make):
    """A Redis database for the summary cache shared between workers (skips without Redis at
    127.0.0.1:6379), after a write so that the data version row exists."""
    import redis

    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url).ping()
    except redis.RedisError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    make.user(Role.staff)
    return url
