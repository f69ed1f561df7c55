"""Configuration read from the environment (microblog style): Config for running, TestConfig for tests."""

import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _secret_key() -> str:
    """SECRET_KEY from the environment, else a per-installation key generated into instance/.

    No secret is committed; a fresh clone gets its own key on first start.
    """
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    INSTANCE_DIR.mkdir(exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def default_workers() -> int:
    """gunicorn's rule of thumb, 2 × cores + 1, capped at 8 for an intranet server."""
    return min(2 * (os.cpu_count() or 1) + 1, 8)


def production_problem(env=os.environ) -> str | None:
    """With PRODUCTION=1, the one line that says why this configuration must not serve, else None."""
    if env.get("PRODUCTION") != "1":
        return None
    workers = int(env.get("WEB_CONCURRENCY") or default_workers())
    if len(env.get("SECRET_KEY", "")) < 32:
        return "PRODUCTION=1: SECRET_KEY must be set to at least 32 characters."
    if env.get("DATABASE_URL", "sqlite:").startswith("sqlite:") and workers > 1:
        return f"PRODUCTION=1: DATABASE_URL is SQLite, which cannot serve {workers} workers (WEB_CONCURRENCY=1)."
    if env.get("RATELIMIT_STORAGE_URI", "memory://").startswith("memory:") and workers > 1:
        return (
            f"PRODUCTION=1: RATELIMIT_STORAGE_URI is in memory, which {workers} workers cannot share "
            "(set it to redis://…, or WEB_CONCURRENCY=1)."
        )
    return None


class Config:
    SECRET_KEY = _secret_key()
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'projectmgr.sqlite3'}")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    # Flask-Limiter: memory for the embedded default, Redis in production (RATELIMIT_STORAGE_URI=redis://…).
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    # Cached figures (projectmgr.summary_cache) are shared between workers through this Redis;
    # unset: RATELIMIT_STORAGE_URI when that is Redis, else each worker keeps its own.
    if "SUMMARY_CACHE_URL" in os.environ:
        SUMMARY_CACHE_URL = os.environ["SUMMARY_CACHE_URL"]
    RATELIMIT_HEADERS_ENABLED = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "0") == "1"
    # Behind nginx: trust one hop of X-Forwarded-For/-Proto/-Host/-Port/-Prefix (Werkzeug's ProxyFix).
    PROXY_FIX = os.environ.get("PROXY_FIX", "0") == "1"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    BABEL_DEFAULT_LOCALE = "zh"
    LANGUAGES = ("zh", "en")
    # Request bodies (issue 13 item 11): any body at most MAX_CONTENT_LENGTH; one that is not a
    # multipart upload (JSON, page forms) at most JSON_MAX_BYTES.
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", 20 * 1024 * 1024))
    JSON_MAX_BYTES = int(os.environ.get("JSON_MAX_BYTES", 1024 * 1024))
    # Sign-in throttling (DESIGN §12, issue 13 item 10): failed or refused sign-ins, form and API
    # counted together, per username and address, and per username from any address.
    SIGNIN_LIMIT = os.environ.get("SIGNIN_LIMIT", "10 per 15 minutes")
    SIGNIN_USERNAME_LIMIT = os.environ.get("SIGNIN_USERNAME_LIMIT", "30 per 15 minutes")
    # Excel imports (issue 13 item 12): refused before parsing when the workbook unpacks to more than
    # this many bytes, and while reading when a sheet has more data rows than this.
    EXCEL_IMPORT_MAX_BYTES = int(os.environ.get("EXCEL_IMPORT_MAX_BYTES", 50 * 1024 * 1024))
    EXCEL_IMPORT_MAX_ROWS = int(os.environ.get("EXCEL_IMPORT_MAX_ROWS", 5000))
    # Project attachments: at most this many bytes each, stored outside the web root
    # (default: <instance>/attachments).
    ATTACHMENT_MAX_BYTES = int(os.environ.get("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024))
    ATTACHMENT_DIR = os.environ.get("ATTACHMENT_DIR") or None
    # The issuing bureau named on the official documents (certificates, task books, notices).
    BUREAU_NAME = os.environ.get("BUREAU_NAME", "市科学技术局")
    # Reminder emails (Flask-Mail over SMTP). MAIL_ENABLED=0 keeps reminders in the app only.
    MAIL_ENABLED = os.environ.get("MAIL_ENABLED", "1") == "1"
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", 25))
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "0") == "1"
    MAIL_USE_SSL = os.environ.get("MAIL_USE_SSL", "0") == "1"
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "projectmgr@localhost")
    MAIL_SUPPRESS_SEND = False
    # A send that failed is retried by each later sweep until it has been tried this many times.
    MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS", 5))
    # Seconds before a silent mail server fails a send (retried by the next sweep).
    MAIL_TIMEOUT = int(os.environ.get("MAIL_TIMEOUT", 30))
    # Accounts and the security audit (issue 13; README "Accounts and the audit log").
    PASSWORD_MIN_LENGTH = int(os.environ.get("PASSWORD_MIN_LENGTH", 10))
    PASSWORD_HISTORY = int(os.environ.get("PASSWORD_HISTORY", 5))
    PASSWORD_MAX_AGE_DAYS = int(os.environ.get("PASSWORD_MAX_AGE_DAYS", 90))
    LOCKOUT_THRESHOLD = int(os.environ.get("LOCKOUT_THRESHOLD", 5))
    LOCKOUT_WINDOW_MINUTES = int(os.environ.get("LOCKOUT_WINDOW_MINUTES", 15))
    LOCKOUT_MINUTES = int(os.environ.get("LOCKOUT_MINUTES", 30))
    SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", 30))
    SESSION_ABSOLUTE_HOURS = int(os.environ.get("SESSION_ABSOLUTE_HOURS", 12))
    API_TOKEN_DAYS = int(os.environ.get("API_TOKEN_DAYS", 90))
    TOTP_REQUIRED_ROLES = os.environ.get("TOTP_REQUIRED_ROLES", "staff,admin,security_officer,auditor")
    TOTP_ISSUER = os.environ.get("TOTP_ISSUER", "projectmgr")
    AUDIT_RETENTION_DAYS = int(os.environ.get("AUDIT_RETENTION_DAYS", 180))
    # Rule settings (thresholds, panel limits, deadlines) come from RULE_* environment variables;
    # create_app() copies them into app.config, and rules.settings.RuleSettings reads them.


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret-key"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    RATELIMIT_STORAGE_URI = "memory://"
    WTF_CSRF_ENABLED = False
    # Tests that do not care about mail never connect; the mail tests switch it on and point
    # MAIL_SERVER/MAIL_PORT at an SMTP server they start (so sending is never suppressed).
    MAIL_ENABLED = False
    MAIL_SUPPRESS_SEND = False
