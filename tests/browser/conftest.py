"""Browser tests: Playwright (sync API) driving Debian's Chromium against the app served by a real
WSGI server in a background thread, on the same test database as the rest of the suite.

Where Chromium or the playwright package is missing, every test in this folder is skipped with the
reason. Playwright never downloads a browser here: the system's Chromium is launched directly."""

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]
# The README's screenshots are refreshed with `SCREENSHOTS=docs make test`; other runs write them
# to tests/artifacts/ (ignored by git), so a test run leaves the working tree clean.
_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = (
    _ROOT / "docs" / "screenshots" if os.environ.get("SCREENSHOTS") == "docs" else _ROOT / "tests" / "artifacts"
)
PASSWORD = "password123"  # tests/conftest.py Factory.user


def _missing() -> str | None:
    if CHROMIUM is None:
        return "Chromium is not installed (apt-get install chromium); browser tests skipped"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -r requirements-dev.txt); browser tests skipped"
    return None


def pytest_collection_modifyitems(config, items):
    """Every test in this folder is a browser test: mark it, and skip it with the reason when the
    browser or the package is missing."""
    here = Path(__file__).parent
    reason = _missing()
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


class LiveServer:
    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="live-server", daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


@pytest.fixture(scope="package")
def live_server(app):
    server = LiveServer(app)
    server.start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _real_csrf(app):
    """The suite's TestConfig turns CSRF off for the test client; a browser posts the real forms, so
    the tokens are checked here as in production."""
    before = app.config.get("WTF_CSRF_ENABLED")
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = before


@pytest.fixture(scope="package")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Session:
    """One person at one browser: their own context (cookies), one page, confirm() dialogs accepted."""

    def __init__(self, browser, base_url: str, locale: str):
        self.context = browser.new_context(
            base_url=base_url, locale=locale, viewport={"width": 1280, "height": 900}, device_scale_factor=1
        )
        self.page = self.context.new_page()
        self.page.set_default_timeout(10000)
        self.dialogs: list[str] = []
        self.page.on("dialog", self._accept)

    def _accept(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.accept()

    def goto(self, path: str):
        response = self.page.goto(path)
        assert response is not None
        return response

    def sign_in(self, username: str, password: str = PASSWORD):
        """The sign-in form, as a person fills it; returns the response to the POST."""
        page = self.page
        self.goto("/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        with page.expect_response(lambda r: r.request.method == "POST" and "/login" in r.url) as posted:
            page.locator("form:has(input[name=password]) button").click()
        page.wait_for_load_state()
        return posted.value

    def close(self):
        self.context.close()


@pytest.fixture
def open_session(browser, live_server):
    """open_session(locale="zh-CN") → a fresh Session (new cookies); all closed after the test."""
    sessions: list[Session] = []

    def open_(locale: str = "zh-CN") -> Session:
        s = Session(browser, live_server.url, locale)
        sessions.append(s)
        return s

    yield open_
    for s in sessions:
        s.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
