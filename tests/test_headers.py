"""Headers and error answers (issue 13 items 9 and 18): no-store on what a signed-in user sees,
HSTS behind HTTPS, no traceback or SQL in an error, every API error in the documented shape."""

import pytest
from sqlalchemy.exc import OperationalError

from projectmgr.models import Role


def signed_in(app, user):
    client = app.test_client()
    assert client.post("/login", data={"username": user.username, "password": "password123"}).status_code == 302
    return client


def test_pages_api_answers_and_exports_are_no_store(app, api, make):
    staff = make.user(Role.staff)
    pages = signed_in(app, staff)
    for url in ("/dashboard", "/projects", "/projects/export.xlsx", "/ledger/export.xlsx"):
        r = pages.get(url)
        assert r.status_code == 200, url
        assert r.headers["Cache-Control"] == "no-store", url
    s = api.as_(staff)
    for url in ("/me", "/projects", "/exports/projects.xlsx", "/imports/projects/template.xlsx", "/no/such"):
        r = s.get(url)
        assert r.headers["Cache-Control"] == "no-store", url
    assert app.test_client().post("/api/v1/auth/token", json={}).headers["Cache-Control"] == "no-store"


def test_static_files_may_be_cached(client):
    r = client.get("/static/app.css")
    assert r.status_code == 200
    assert "no-store" not in r.headers.get("Cache-Control", "")
    r.close()


def test_hsts_only_when_cookies_are_secure(app, client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    app.config["SESSION_COOKIE_SECURE"] = True
    try:
        hsts = client.get("/login").headers["Strict-Transport-Security"]
    finally:
        app.config["SESSION_COOKIE_SECURE"] = False
    assert "max-age=31536000" in hsts
    assert "default-src 'self'" in client.get("/login").headers["Content-Security-Policy"]  # CSP kept


@pytest.fixture
def real_errors(app):
    """As in production: an unexpected exception is answered, not raised into the test."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    yield
    app.config["PROPAGATE_EXCEPTIONS"] = None


def _boom(*args, **kwargs):
    raise OperationalError("SELECT password_hash FROM user WHERE id = ?", (1,), Exception("disk I/O error"))


def test_a_server_error_shows_no_traceback_or_sql(app, api, make, real_errors, monkeypatch):
    staff = make.user(Role.staff)
    monkeypatch.setattr("projectmgr.api.admin.user_json", _boom)
    r = api.as_(staff).get("/me")
    assert r.status_code == 500
    assert r.get_json() == {"error": {"code": "server_error", "message": "Internal error.", "details": []}}
    pages = signed_in(app, staff)
    monkeypatch.setattr("projectmgr.web.auth.url_for", _boom)
    page = pages.get("/")
    html = page.get_data(as_text=True)
    assert page.status_code == 500
    assert "500" in html
    for leak in ("Traceback", "SELECT", "password_hash", "OperationalError", "disk I/O"):
        assert leak not in html and leak not in r.get_data(as_text=True)


def _assert_shape(r, status: int, code: str):
    assert r.status_code == status
    assert r.mimetype == "application/json"
    body = r.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert r.headers["Cache-Control"] == "no-store"


def test_405_is_method_not_allowed_with_allow(api, make):
    r = api.as_(make.user(Role.staff)).client.patch("/api/v1/projects")
    _assert_shape(r, 405, "method_not_allowed")
    assert set(r.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


def test_413_is_payload_too_large_in_json(app, client):
    r = client.post("/api/v1/auth/token", data=b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1))
    _assert_shape(r, 413, "payload_too_large")


def test_unknown_api_path_is_json_404(client):
    _assert_shape(client.get("/api/v1/nothing/here"), 404, "not_found")
