"""Bearer tokens and sign-in throttling (API.md "Conventions", DESIGN §12): a token for the right
password, 401 for anything else, revocation, and 429 after 10 failed sign-ins for one username from
one address — successful sign-ins never count. conftest resets the limiter between tests."""

import pytest
from sqlalchemy import func, select

from projectmgr.extensions import db
from projectmgr.models import ApiToken, Role

PASSWORD = "password123"  # what the factory gives every user
LIMIT = 10


def assert_error(r, status: int, code: str) -> None:
    assert r.status_code == status, (r.status_code, r.get_data(as_text=True))
    body = r.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}, body
    assert body["error"]["code"] == code, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"], body
    assert isinstance(body["error"]["details"], list), body


def sign_in(client, username, password, address="10.0.0.1"):
    return client.post(
        "/api/v1/auth/token",
        json={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def me(client, token):
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})


@pytest.fixture(autouse=True)
def _limiter_only(app):
    """These tests count the address limiter's failures; the account lockout (5 failures lock the
    account, tests/web/test_accounts_security.py) is set out of their way."""
    before = app.config["LOCKOUT_THRESHOLD"]
    app.config["LOCKOUT_THRESHOLD"] = 1000
    yield
    app.config["LOCKOUT_THRESHOLD"] = before


@pytest.fixture
def user(make):
    return make.user(Role.staff, username="li.si")


# --- tokens ---------------------------------------------------------------------------------


def test_sign_in_returns_a_token_and_the_user(client, user):
    r = sign_in(client, "li.si", PASSWORD)
    assert r.status_code == 200, r.json
    assert set(r.json) == {"token", "user"}
    assert r.json["user"] == {"id": user.id, "username": "li.si", "role": "staff"}
    token = r.json["token"]
    assert isinstance(token, str) and len(token) >= 32
    r = me(client, token)
    assert r.status_code == 200 and r.json["id"] == user.id


def test_each_sign_in_issues_a_new_token_stored_only_as_a_hash(client, user):
    tokens = [sign_in(client, "li.si", PASSWORD).json["token"] for _ in range(2)]
    assert tokens[0] != tokens[1]
    hashes = set(db.session.scalars(select(ApiToken.token_hash).where(ApiToken.user_id == user.id)))
    assert len(hashes) == 2 and not set(tokens) & hashes


@pytest.mark.parametrize(
    ("username", "password"),
    [("li.si", "wrong-password"), ("li.si", PASSWORD.upper()), ("li.si ", PASSWORD), ("nobody", PASSWORD)],
)
def test_wrong_credentials_are_401_and_issue_no_token(client, user, username, password):
    r = sign_in(client, username, password)
    assert_error(r, 401, "unauthorized")
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0


def test_an_inactive_user_cannot_sign_in_or_use_a_token(client, user):
    token = sign_in(client, "li.si", PASSWORD).json["token"]
    user.active = False
    db.session.commit()
    assert_error(sign_in(client, "li.si", PASSWORD), 401, "unauthorized")
    assert_error(me(client, token), 401, "unauthorized")


@pytest.mark.parametrize("body", [{"username": "li.si"}, {"password": PASSWORD}, {"username": "", "password": "x"}])
def test_an_incomplete_sign_in_is_422(client, user, body):
    r = client.post("/api/v1/auth/token", json=body)
    assert r.status_code == 422 and r.json["error"]["code"] == "validation_error", r.json


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": ""},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer "},
        {"Authorization": "Bearer garbage"},
        {"Authorization": "Token abc"},
        {"Authorization": "Basic bGkuc2k6cGFzc3dvcmQxMjM="},
    ],
)
@pytest.mark.parametrize("url", ["/api/v1/me", "/api/v1/projects", "/api/v1/overdue"])
def test_no_or_garbage_token_is_401(client, user, headers, url):
    assert_error(client.get(url, headers=headers), 401, "unauthorized")


def test_a_write_without_a_token_is_401_and_writes_nothing(client, user):
    r = client.post("/api/v1/plans", json={"name": "市级计划", "level": "municipal", "year": 2026})
    assert_error(r, 401, "unauthorized")
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0


def test_delete_revokes_the_current_token_only(client, user):
    first = sign_in(client, "li.si", PASSWORD).json["token"]
    second = sign_in(client, "li.si", PASSWORD).json["token"]
    r = client.delete("/api/v1/auth/token", headers={"Authorization": f"Bearer {first}"})
    assert r.status_code == 200, r.json
    assert_error(me(client, first), 401, "unauthorized")
    assert_error(client.delete("/api/v1/auth/token", headers={"Authorization": f"Bearer {first}"}), 401, "unauthorized")
    assert me(client, second).status_code == 200
    assert sign_in(client, "li.si", PASSWORD).status_code == 200  # signing in again still works


def test_delete_without_a_token_is_401(client, user):
    assert_error(client.delete("/api/v1/auth/token"), 401, "unauthorized")


# --- throttling -----------------------------------------------------------------------------


def test_the_eleventh_attempt_after_ten_failures_is_429_even_with_the_right_password(client, user):
    for attempt in range(LIMIT):
        assert_error(sign_in(client, "li.si", f"wrong-{attempt}"), 401, "unauthorized")
    assert_error(sign_in(client, "li.si", PASSWORD), 429, "rate_limited")
    assert_error(sign_in(client, "li.si", "wrong-again"), 429, "rate_limited")
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0


def test_nine_failures_do_not_block(client, user):
    for attempt in range(LIMIT - 1):
        assert_error(sign_in(client, "li.si", f"wrong-{attempt}"), 401, "unauthorized")
    assert sign_in(client, "li.si", PASSWORD).status_code == 200


def test_the_limit_is_per_username(client, make, user):
    make.user(Role.owner, username="wang.wu")
    for attempt in range(LIMIT):
        sign_in(client, "li.si", f"wrong-{attempt}")
    assert_error(sign_in(client, "li.si", PASSWORD), 429, "rate_limited")
    assert sign_in(client, "wang.wu", PASSWORD).status_code == 200
    assert_error(sign_in(client, "wang.wu", "wrong"), 401, "unauthorized")


def test_the_limit_is_per_address(client, user):
    for attempt in range(LIMIT):
        sign_in(client, "li.si", f"wrong-{attempt}", address="10.0.0.1")
    assert_error(sign_in(client, "li.si", PASSWORD, address="10.0.0.1"), 429, "rate_limited")
    assert sign_in(client, "li.si", PASSWORD, address="10.0.0.2").status_code == 200


def test_failures_for_unknown_usernames_count_too(client):
    for attempt in range(LIMIT):
        assert_error(sign_in(client, "ghost", f"guess-{attempt}"), 401, "unauthorized")
    assert_error(sign_in(client, "ghost", "guess"), 429, "rate_limited")


def test_successful_sign_ins_never_count(client, user):
    for _ in range(2 * LIMIT):
        assert sign_in(client, "li.si", PASSWORD).status_code == 200
    # Nine failures, a success, then a tenth failure: if the success had counted, this would be
    # the eleventh counted attempt and get 429.
    for attempt in range(LIMIT - 1):
        assert_error(sign_in(client, "li.si", f"wrong-{attempt}"), 401, "unauthorized")
    assert sign_in(client, "li.si", PASSWORD).status_code == 200
    assert_error(sign_in(client, "li.si", "wrong-last"), 401, "unauthorized")
    assert_error(sign_in(client, "li.si", PASSWORD), 429, "rate_limited")


def test_the_limiter_counts_only_sign_ins(client, user):
    """Bad bearer tokens on other endpoints are 401 but are not sign-in failures."""
    for _ in range(2 * LIMIT):
        assert_error(client.get("/api/v1/me", headers={"Authorization": "Bearer nope"}), 401, "unauthorized")
    assert sign_in(client, "li.si", PASSWORD).status_code == 200
