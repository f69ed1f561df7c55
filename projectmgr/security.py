"""Sign-in throttling and security headers shared by the API and the pages."""

from flask import current_app, request
from flask_limiter.util import get_remote_address

from .extensions import limiter

SIGNIN_LIMIT = "10 per 15 minutes"


def _signin_key() -> str:
    """Failures count per username and address (DESIGN §12)."""
    username = request.form.get("username")
    if username is None:
        body = request.get_json(silent=True)
        username = body.get("username") if isinstance(body, dict) else None
    return f"signin:{str(username or '').strip().lower()}:{get_remote_address()}"


def _failed(response) -> bool:
    """Only failed sign-ins count; successful ones never do."""
    return response.status_code == 401


signin_limit = limiter.limit(SIGNIN_LIMIT, key_func=_signin_key, deduct_when=_failed, methods=["POST"])

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


# A year, as the HSTS preload list asks; sent only when the cookies are marked Secure (served over HTTPS).
HSTS = "max-age=31536000; includeSubDomains"


def security_headers(response):
    """On every answer. `no-store` on all but the static files: pages, API answers and exports carry
    a signed-in user's data, which no browser or proxy cache may keep (issue 13 item 9)."""
    if request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response
