"""CSRF, security headers, cookie flags, error pages in both languages, the sign-in limit."""

import re

import pytest
from sqlalchemy import func, select

from projectmgr.extensions import db
from projectmgr.models import Disbursement, Role


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def _token(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def test_sign_in_form_carries_csrf_token_and_refuses_without_it(csrf_on, client, make):
    user = make.user(Role.staff)
    page = client.get("/login").get_data(as_text=True)
    assert 'name="username"' in page and 'name="password"' in page
    refused = client.post("/login", data={"username": user.username, "password": "password123"})
    assert refused.status_code in (400, 401) and "session" not in refused.headers.get("Set-Cookie", "")
    ok = client.post("/login", data={"username": user.username, "password": "password123", "csrf_token": _token(page)})
    assert ok.status_code == 302


def test_post_only_buttons_need_csrf(csrf_on, client, make):
    staff = make.user(Role.staff)
    project = make.project(staff=staff)
    page = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"username": staff.username, "password": "password123", "csrf_token": _token(page)})
    response = client.post(f"/projects/{project.id}/transition", data={"trigger": "start"})
    assert response.status_code in (400, 422)
    db.session.expire_all()
    assert db.session.get(type(project), project.id).state.value == "approved"


def test_security_headers_and_cookie_flags(client, make):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "http" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    user = make.user(Role.staff)
    signed_in = client.post("/login", data={"username": user.username, "password": "password123"})
    cookie = signed_in.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.mark.parametrize(
    ("accept", "lang", "text"),
    [("zh-CN,zh;q=0.9", "zh-CN", None), ("en-US,en;q=0.9", "en", "Not found"), ("", "zh-CN", None)],
)
def test_404_page_in_the_browsers_language(client, accept, lang, text):
    response = client.get("/no/such/page", headers={"Accept-Language": accept} if accept else {})
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert f'<html lang="{lang}">' in html
    if text:
        assert text in html


def test_403_page_for_a_page_of_another_role(make, browser):
    owner = make.user(Role.owner)
    response = browser().login(owner).get("/dashboard")
    assert response.status_code == 403
    assert "403" in response.get_data(as_text=True)


def test_language_choice_is_remembered_per_user(make, browser):
    owner = make.user(Role.owner)
    b = browser().login(owner)
    b.post("/lang", data={"lang": "en", "next": "/projects"})
    db.session.expire_all()
    assert db.session.get(type(owner), owner.id).locale == "en"
    again = browser().login(owner).get("/projects", headers={"Accept-Language": "zh-CN"})
    assert '<html lang="en">' in again.get_data(as_text=True)


def test_server_error_rolls_back_and_shows_the_500_page(app, make, browser, monkeypatch):
    staff = make.user(Role.staff)
    project = make.project(staff=staff)

    def broken(user, project, on, amount):
        db.session.add(Disbursement(project_id=project.id, date=on, amount=amount, recorded_by_id=user.id))
        db.session.flush()
        raise RuntimeError("boom")

    monkeypatch.setattr("projectmgr.services.funds.record_disbursement", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        response = (
            browser()
            .login(staff)
            .post(f"/projects/{project.id}/disbursements", data={"date": "2026-03-01", "amount": "1000"})
        )
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = None
    assert response.status_code == 500
    assert "500" in response.get_data(as_text=True)
    db.session.remove()
    assert db.session.scalar(select(func.count(Disbursement.id))) == 0


def test_sign_in_form_is_limited_after_ten_failures(client, make):
    user = make.user(Role.staff)
    for _ in range(10):
        assert client.post("/login", data={"username": user.username, "password": "wrong-password"}).status_code == 401
    blocked = client.post("/login", data={"username": user.username, "password": "password123"})
    assert blocked.status_code == 429
    assert "15" in blocked.get_data(as_text=True)
    other = make.user(Role.staff)
    assert client.post("/login", data={"username": other.username, "password": "password123"}).status_code == 302


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "/%09/evil.example",
        "/\t/evil.example",
        "/\\evil.example",
        "https://evil.example",
        "/\n/evil.example",
    ],
)
def test_sign_in_never_redirects_to_another_site(client, make, target):
    from urllib.parse import unquote

    user = make.user(Role.staff)
    response = client.post(
        "/login", data={"username": user.username, "password": "password123", "next": unquote(target)}
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "evil.example" not in location


def test_sign_in_keeps_a_local_next_path(client, make):
    user = make.user(Role.staff)
    response = client.post(
        "/login", data={"username": user.username, "password": "password123", "next": "/projects?q=x"}
    )
    assert response.headers["Location"] == "/projects?q=x"


@pytest.mark.parametrize("page", ["99999999999999999999", "²", "-1", "abc", "0"])
def test_odd_page_numbers_show_the_first_page(make, browser, page):
    staff = make.user(Role.staff)
    b = browser().login(staff)
    for url in ("/projects", "/dashboard", "/notifications"):
        assert b.get(f"{url}?page={page}").status_code == 200, url


def test_every_asset_a_page_links_is_served_by_the_app(client):
    """No CDN and no 404 in the browser's console: the icon, stylesheet and script are the app's own."""
    html = client.get("/login").get_data(as_text=True)
    links = re.findall(r'(?:href|src)="(/static/[^"]+)"', html)
    assert any(link.endswith("favicon.svg") for link in links), links
    for link in links:
        r = client.get(link)
        assert r.status_code == 200, link
        r.close()
