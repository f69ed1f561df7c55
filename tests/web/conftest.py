"""Page tests sign in through the real sign-in form (CSRF is off in TestConfig; tests/web/test_security.py
turns it on to check it)."""

import pytest


class Browser:
    def __init__(self, client):
        self.client = client

    def login(self, user, password: str = "password123"):
        response = self.client.post("/login", data={"username": user.username, "password": password})
        assert response.status_code == 302, response.data[:500]
        return self

    def get(self, url, **kw):
        return self.client.get(url, **kw)

    def post(self, url, **kw):
        return self.client.post(url, **kw)


@pytest.fixture
def browser(app):
    """A fresh cookie jar per call: browser().login(user)."""
    return lambda: Browser(app.test_client())
