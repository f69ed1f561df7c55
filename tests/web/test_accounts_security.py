"""Issue 13 items 1-5 and 15: the password policy, lockout, sessions (version, idle, absolute),
token expiry and one's own tokens, the second factor with real TOTP codes, and the account's
life (deactivate, reactivate, one-time reset). Users here are made with STRONG_PASSWORD, so the
production rules apply to them (the factory's default users are policy-exempt like the demo's)."""

import time
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from projectmgr.extensions import db
from projectmgr.models import ApiToken, RecoveryCode, Role, SecurityEvent, User
from projectmgr.models.base import utcnow
from projectmgr.permissions import SYSTEM
from projectmgr.services import registry
from tests.conftest import STRONG_PASSWORD

NEW_PASSWORD = "Another-Good-9"


def events(name: str | None = None) -> list[SecurityEvent]:
    query = select(SecurityEvent).order_by(SecurityEvent.id)
    if name:
        query = query.where(SecurityEvent.event == name)
    return list(db.session.scalars(query))


def post_login(client, username, password=STRONG_PASSWORD, address="10.0.0.1"):
    return client.post(
        "/login", data={"username": username, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


def enrol(client, user) -> tuple[str, list[str]]:
    """Walk the enrolment page after the password step; returns the secret and recovery codes."""
    page = client.get("/login/enrol")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'src="data:image/svg+xml' in html  # the QR code, drawn on the server
    secret = html.split('id="totp-secret">')[1].split("<")[0]
    done = client.post("/login/enrol", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200, done.get_data(as_text=True)[:500]
    codes = [c.split("</code>")[0] for c in done.get_data(as_text=True).split("<li><code>")[1:]]
    return secret, codes


def step_code(secret: str, steps_ahead: int) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


# --- password policy ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "broken"),
    [
        ("Short-1a", "At least 10 characters."),
        ("alllowercaseletters", "At least three of"),
        ("Abcdefghijkl", "At least three of"),
        ("Xx-wang.wu-99", "Must not contain the username."),
    ],
)
def test_a_weak_password_is_refused_naming_each_rule(make, api, password, broken):
    staff = make.user(Role.staff)
    r = api.as_(staff).post(
        "/users", json={"username": "wang.wu", "password": password, "role": "expert", "display_name": "王五"}
    )
    assert r.status_code == 422, r.json
    messages = [d["message"] for d in r.json["error"]["details"] if d["field"] == "password"]
    assert any(m.startswith(broken) for m in messages), messages
    assert db.session.scalar(select(User).where(User.username == "wang.wu")) is None


def test_change_password_refuses_the_last_five_and_names_the_field(make, browser):
    user = make.user(Role.owner, password=STRONG_PASSWORD)
    b = browser().login(user, STRONG_PASSWORD)
    r = b.post(
        "/account/password",
        data={"current_password": STRONG_PASSWORD, "new_password": STRONG_PASSWORD, "confirm": STRONG_PASSWORD},
    )
    assert r.status_code == 422 and "不得与最近 5 次使用的密码相同" in r.get_data(as_text=True)
    r = b.post(
        "/account/password", data={"current_password": "wrong", "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert r.status_code == 422 and "当前密码不正确" in r.get_data(as_text=True)
    assert [e.outcome for e in events("password.change")] == ["failure"]
    r = b.post(
        "/account/password",
        data={"current_password": STRONG_PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert r.status_code == 302
    db.session.refresh(user)
    assert user.check_password(NEW_PASSWORD) and user.password_hash.startswith(("scrypt:", "pbkdf2:"))
    assert [e.outcome for e in events("password.change")] == ["failure", "success"]


def test_an_expired_password_opens_only_the_change_page(app, make, browser):
    user = make.user(Role.owner, password=STRONG_PASSWORD)
    user.password_changed_at = utcnow() - timedelta(days=91)
    db.session.commit()
    b = browser()
    r = post_login(b.client, user.username)
    assert r.status_code == 302 and r.location.endswith("/account/password")
    assert b.get("/projects").location.endswith("/account/password")
    assert b.get("/account/password").status_code == 200


# --- lockout --------------------------------------------------------------------------------


def test_five_failures_lock_the_account_whatever_the_address(app, make, browser, api):
    user = make.user(Role.owner, password=STRONG_PASSWORD, username="li.lock")
    user.email = "li@example.test"
    db.session.commit()
    client = browser().client
    for n in range(5):
        assert post_login(client, "li.lock", f"wrong-{n}", address=f"10.0.0.{n + 1}").status_code == 401
    db.session.refresh(user)
    assert user.locked_until is not None
    r = post_login(client, "li.lock", STRONG_PASSWORD, address="10.9.9.9")
    assert r.status_code == 401 and "已锁定" in r.get_data(as_text=True)
    assert [e.outcome for e in events("signin")][-1] == "refused"
    assert len(events("account.lock")) == 1
    # Staff see it locked and unlock it; then the right password signs in.
    staff = make.user(Role.staff)
    s = browser().login(staff)
    assert "badge locked" in s.get("/accounts?q=li.lock").get_data(as_text=True)
    assert s.post(f"/accounts/{user.id}/unlock").status_code == 302
    assert post_login(client, "li.lock", STRONG_PASSWORD).status_code == 302
    assert len(events("account.unlock")) == 1 and events("signin")[-1].outcome == "success"


def test_the_api_counts_towards_the_same_lockout(client, make):
    make.user(Role.owner, password=STRONG_PASSWORD, username="api.lock")
    for n in range(5):
        r = client.post("/api/v1/auth/token", json={"username": "api.lock", "password": f"bad-{n}"})
        assert r.status_code == 401
    r = client.post("/api/v1/auth/token", json={"username": "api.lock", "password": STRONG_PASSWORD})
    assert r.status_code == 401 and "locked" in r.json["error"]["message"]


# --- sessions -------------------------------------------------------------------------------


def test_a_cookie_saved_before_sign_out_no_longer_opens_pages(make, browser):
    """Item 15: sign-out raises the session version, so a copied cookie dies with it."""
    user = make.user(Role.owner)
    b = browser().login(user)
    assert b.get("/projects").status_code == 200
    saved = b.client.get_cookie("session").value
    other = browser().login(user)  # another session of the same user
    assert b.post("/logout").status_code == 302
    thief = browser()
    thief.client.set_cookie("session", saved)
    assert thief.get("/projects").status_code == 302  # to the sign-in page
    assert other.get("/projects").status_code == 302  # every other session ended too
    assert [e.event for e in events("signout")] == ["signout"]


def test_a_password_change_ends_every_other_session(make, browser):
    user = make.user(Role.owner, password=STRONG_PASSWORD)
    here, there = browser().login(user, STRONG_PASSWORD), browser().login(user, STRONG_PASSWORD)
    r = here.post(
        "/account/password",
        data={"current_password": STRONG_PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert r.status_code == 302
    assert here.get("/projects").status_code == 200
    assert there.get("/projects").status_code == 302


def test_idle_and_absolute_timeouts(app, make, browser):
    user = make.user(Role.owner)
    b = browser().login(user)
    with b.client.session_transaction() as s:
        s["seen_at"] = time.time() - 31 * 60
    assert b.get("/projects").status_code == 302
    b = browser().login(user)
    with b.client.session_transaction() as s:
        s["signed_in_at"] = time.time() - 12 * 3600 - 1
    assert b.get("/projects").status_code == 302
    b = browser().login(user)
    with b.client.session_transaction() as s:
        s["seen_at"] = time.time() - 29 * 60
    assert b.get("/projects").status_code == 200


def test_the_last_seen_time_moves_in_steps_so_a_busy_page_sends_no_new_cookie(app, make, browser):
    from projectmgr.web.auth import SEEN_STEP_SECONDS

    b = browser().login(make.user(Role.owner))
    b.get("/projects")  # the first page puts the CSRF token in the session
    first = time.time() - SEEN_STEP_SECONDS + 5
    with b.client.session_transaction() as s:
        s["seen_at"] = first
    answer = b.get("/projects")
    assert answer.status_code == 200 and "Set-Cookie" not in answer.headers
    with b.client.session_transaction() as s:
        assert s["seen_at"] == first
        s["seen_at"] = time.time() - SEEN_STEP_SECONDS - 1
    answer = b.get("/projects")
    assert answer.status_code == 200 and "Set-Cookie" in answer.headers
    with b.client.session_transaction() as s:
        assert time.time() - s["seen_at"] < 5


# --- API tokens -----------------------------------------------------------------------------


def test_tokens_expire_and_are_listed_and_revoked_by_their_owner(client, make, api):
    user = make.user(Role.owner)
    other = make.user(Role.owner)
    mine, second = api.as_(user), api.as_(user)
    theirs = api.as_(other)
    listed = mine.get("/auth/tokens").json["items"]
    assert len(listed) == 2 and sum(t["current"] for t in listed) == 1
    assert all("token" not in t and t["expires_at"] for t in listed)
    token = db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).first()
    assert (token.expires_at - token.created_at).days == 90
    other_id = theirs.get("/auth/tokens").json["items"][0]["id"]
    assert mine.delete(f"/auth/tokens/{other_id}").status_code == 404
    second_id = next(t["id"] for t in listed if not t["current"])
    assert mine.delete(f"/auth/tokens/{second_id}").json["revoked_at"]
    assert second.get("/me").status_code == 401
    # An expired token stops working.
    for t in db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)):
        t.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert mine.get("/me").status_code == 401


# --- second factor --------------------------------------------------------------------------


def test_staff_enrol_right_after_the_password_then_sign_in_with_a_real_code(make, browser, client):
    user = make.user(Role.staff, password=STRONG_PASSWORD, username="zhao.totp")
    b = browser()
    r = post_login(b.client, "zhao.totp")
    assert r.status_code == 302 and "/login/enrol" in r.location
    assert b.get("/dashboard").status_code == 302  # not signed in before the second factor
    secret, codes = enrol(b.client, user)
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)).all()
    assert len(stored) == 10 and not {c.replace("-", "") for c in codes} & set(stored)
    assert b.get("/dashboard").status_code == 200
    # A later sign-in asks for the code; the enrolment's code cannot be used again.
    fresh = browser()
    r = post_login(fresh.client, "zhao.totp")
    assert "/login/verify" in r.location
    assert fresh.post("/login/verify", data={"code": "000000"}).status_code == 401
    r = fresh.post("/login/verify", data={"code": step_code(secret, 1)})
    assert r.status_code == 302 and fresh.get("/dashboard").status_code == 200
    again = browser()
    post_login(again.client, "zhao.totp")
    r = again.post("/login/verify", data={"code": step_code(secret, 1)})
    assert r.status_code == 401 and "已使用过" in r.get_data(as_text=True)
    # A recovery code works once.
    assert again.post("/login/verify", data={"code": codes[0]}).status_code == 302
    once_more = browser()
    post_login(once_more.client, "zhao.totp")
    assert once_more.post("/login/verify", data={"code": codes[0]}).status_code == 401
    outcomes = [(e.event, e.outcome) for e in events() if e.event.startswith(("signin", "totp"))]
    assert ("totp.enrol", "success") in outcomes and ("signin.second_factor", "failure") in outcomes


def test_the_api_asks_for_the_code(make, browser, client):
    user = make.user(Role.staff, password=STRONG_PASSWORD, username="qian.api")
    body = {"username": "qian.api", "password": STRONG_PASSWORD}
    r = client.post("/api/v1/auth/token", json=body)
    assert r.status_code == 401 and "enrol" in r.json["error"]["message"]
    b = browser()
    post_login(b.client, "qian.api")
    secret, _codes = enrol(b.client, user)
    assert client.post("/api/v1/auth/token", json=body).status_code == 401
    r = client.post("/api/v1/auth/token", json={**body, "totp": step_code(secret, 1)})
    assert r.status_code == 200, r.json


def test_the_security_officer_resets_a_second_factor(make, browser):
    user = make.user(Role.staff, password=STRONG_PASSWORD)
    b = browser()
    post_login(b.client, user.username)
    enrol(b.client, user)
    officer = make.user(Role.security_officer)
    admin = make.user(Role.admin)
    assert browser().login(admin).post(f"/accounts/{user.id}/reset-second-factor").status_code == 403
    assert browser().login(officer).post(f"/accounts/{user.id}/reset-second-factor").status_code == 302
    db.session.refresh(user)
    assert user.totp_secret is None
    assert b.get("/dashboard").status_code == 302  # the reset ended the user's sessions
    assert "/login/enrol" in post_login(browser().client, user.username).location


def test_the_demo_exemption_skips_the_second_factor_and_the_policy(make, browser):
    staff = make.user(Role.staff)  # the factory's default: exempt, as `demo load` makes them
    assert staff.password_policy_exempt
    assert browser().login(staff).get("/dashboard").status_code == 200


# --- account lifecycle ----------------------------------------------------------------------


def test_deactivation_stops_sessions_and_tokens_at_once(make, browser, api):
    staff = make.user(Role.staff)
    owner = make.user(Role.owner)
    session = browser().login(owner)
    token = api.as_(owner)
    assert token.get("/me").status_code == 200
    s = browser().login(staff)
    assert s.post(f"/accounts/{owner.id}/deactivate").status_code == 302
    assert session.get("/projects").status_code == 302
    assert token.get("/me").status_code == 401
    assert db.session.get(User, owner.id) is not None  # never deleted
    assert s.post(f"/accounts/{owner.id}/reactivate").status_code == 302
    assert browser().login(owner).get("/projects").status_code == 200
    assert [e.event for e in events() if e.event.startswith("account.")][-2:] == [
        "account.deactivate",
        "account.reactivate",
    ]


def test_a_reset_password_is_one_time_and_must_be_changed(make, browser):
    staff = make.user(Role.staff)
    owner = make.user(Role.owner, password=STRONG_PASSWORD)
    page = browser().login(staff).post(f"/accounts/{owner.id}/reset-password")
    one_time = page.get_data(as_text=True).split('id="one-time-password">')[1].split("<")[0]
    assert post_login(browser().client, owner.username, STRONG_PASSWORD).status_code == 401
    b = browser()
    r = post_login(b.client, owner.username, one_time)
    assert r.location.endswith("/account/password")
    assert b.get("/projects").location.endswith("/account/password")
    r = b.post(
        "/account/password", data={"current_password": one_time, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert r.status_code == 302 and b.get("/projects").status_code == 200


def test_staff_cannot_deactivate_an_admin_or_themselves(make, browser):
    staff, admin = make.user(Role.staff), make.user(Role.admin)
    s = browser().login(staff)
    assert s.post(f"/accounts/{admin.id}/deactivate").status_code == 403
    assert s.post(f"/accounts/{staff.id}/deactivate").status_code == 403
    assert db.session.get(User, admin.id).active


def test_the_command_line_creates_the_new_roles(make):
    user = registry.create_user(
        SYSTEM, username="audit1", password=STRONG_PASSWORD, role=Role.auditor, display_name="审计员"
    )
    db.session.commit()
    assert user.role == Role.auditor and not user.password_policy_exempt


def test_the_account_buttons_in_the_api(make, api):
    staff, officer, admin = make.user(Role.staff), make.user(Role.security_officer), make.user(Role.admin)
    owner = make.user(Role.owner)
    owner_api = api.as_(owner)
    r = api.as_(staff).post(f"/users/{owner.id}/deactivate")
    assert r.status_code == 200 and r.json["active"] is False
    assert owner_api.get("/me").status_code == 401
    assert api.as_(staff).post(f"/users/{admin.id}/deactivate").status_code == 403
    assert api.as_(staff).post(f"/users/{owner.id}/reactivate").json["active"] is True
    owner.locked_until = utcnow() + timedelta(minutes=30)
    db.session.commit()
    r = api.as_(officer).post(f"/users/{owner.id}/unlock")
    assert r.status_code == 200 and r.json["locked"] is False
    assert api.as_(admin).post(f"/users/{owner.id}/reset-second-factor").status_code == 403
    assert api.as_(officer).post(f"/users/{owner.id}/reset-second-factor").status_code == 200
    assert api.as_(officer).post("/users/999999/unlock").status_code == 404
