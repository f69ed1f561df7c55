"""Sign-in throttling and security headers shared by the API and the pages."""

from flask import request
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


def security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response
