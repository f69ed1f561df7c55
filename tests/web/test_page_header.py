"""The page header is kept per worker for a signed-in session (web/header.py page_header): each
session's forms carry that session's CSRF token, a write shows at once, a drawn header is renewed
every HEADER_SECONDS, and it never goes to a shared cache."""

import re

import pytest
from flask import template_rendered

from projectmgr.extensions import db
from projectmgr.models import Role
from projectmgr.web import header

SIGN_OUT = re.compile(r'action="/logout"[^>]*>\s*<input type="hidden" name="csrf_token" value="([^"]+)"')


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def _sign_in(app, user):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    answer = client.post("/login", data={"username": user.username, "password": "password123", "csrf_token": token})
    assert answer.status_code == 302
    return client


def _sign_out_token(client) -> str:
    for _ in range(2):  # the first page puts the token in the session; the second is kept
        page = client.get("/projects").get_data(as_text=True)
    return SIGN_OUT.search(page).group(1)


def test_two_sessions_of_one_user_each_get_their_own_token(csrf_on, app, make):
    user = make.user(Role.staff)
    here, there = _sign_in(app, user), _sign_in(app, user)
    mine, theirs = _sign_out_token(here), _sign_out_token(there)
    assert mine != theirs
    assert _sign_out_token(here) == mine  # kept: the same header for the same session and page
    assert there.post("/logout", data={"csrf_token": mine}).status_code == 400  # another session's token
    assert here.post("/logout", data={"csrf_token": mine}).status_code == 302
    assert there.post("/logout", data={"csrf_token": theirs}).status_code == 302


def test_a_kept_header_is_renewed_each_window(csrf_on, app, make, monkeypatch):
    client = _sign_in(app, make.user(Role.staff))
    drawn = []

    def note(_app, template, **_extra):
        drawn.append(template.name)

    window = header.header_window()
    first = _sign_out_token(client)
    with template_rendered.connected_to(note, app):
        assert _sign_out_token(client) == first
        assert "_header.html" not in drawn  # kept
        monkeypatch.setattr(header, "header_window", lambda: window + 1)
        renewed = _sign_out_token(client)
        assert drawn.count("_header.html") == 1  # drawn once in the new window, then kept
    assert client.post("/logout", data={"csrf_token": renewed}).status_code == 302


def test_the_header_follows_a_write_and_the_page(app, make, browser):
    user = make.user(Role.staff)
    b = browser().login(user)
    page = b.get("/projects").get_data(as_text=True)
    assert user.display_name in page and 'name="next" value="/projects?"' in page
    assert 'name="next" value="/ledger?"' in b.get("/ledger").get_data(as_text=True)
    user.display_name = "赵明远"
    db.session.commit()
    assert "赵明远" in b.get("/projects").get_data(as_text=True)


def test_a_header_is_never_shared_through_redis(app, summary_redis):
    import redis

    from projectmgr import create_app
    from projectmgr.summary_cache import cached
    from tests.conftest import DATABASE_URL

    url = summary_redis
    worker = create_app({"SQLALCHEMY_DATABASE_URI": DATABASE_URL, "SUMMARY_CACHE_URL": url})
    server = redis.Redis.from_url(url)
    before = set(server.keys("projectmgr:summary:*"))
    with worker.app_context():
        try:
            assert cached(("secret-test",), lambda: "token", shared=False) == "token"
            assert cached(("secret-test",), lambda: "other", shared=False) == "token"  # kept here
        finally:
            db.session.remove()
            db.engine.dispose()
    assert set(server.keys("projectmgr:summary:*")) == before
