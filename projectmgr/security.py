"""Sign-in throttling and security headers shared by the API and the pages."""

from flask import current_app, request
from flask_limiter.util import get_remote_address

from .bodies import json_field
from .extensions import limiter


def _signin_username() -> str:
    """The username tried, from the form or from a JSON body whatever its Content-Type (a text/plain
    body must not get past the count: the token endpoint refuses it, and the refusal counts)."""
    username = request.form.get("username")
    if username is None:
        username = json_field("username")
    return username.strip().lower()[:200] if isinstance(username, str) else ""


def _username_key() -> str:
    return f"signin-user:{_signin_username()}"


def _username_address_key() -> str:
    return f"signin:{_signin_username()}:{get_remote_address()}"


def _refused(response) -> bool:
    """Failed and refused sign-ins count (wrong password, a body that is not JSON or too large,
    unknown fields, a CSRF refusal); successful ones never do."""
    return response.status_code >= 400


# One count for the form and the API (a shared scope), per username + address (DESIGN §12) and
# per username from any address; the numbers are settings (SIGNIN_LIMIT, SIGNIN_USERNAME_LIMIT).
def _signin_counter(setting: str, scope: str, key_func):
    """A count of refused sign-ins under `scope`, keyed by key_func, limited by the setting."""
    return limiter.shared_limit(
        lambda: current_app.config[setting], scope=scope, key_func=key_func, deduct_when=_refused, methods=["POST"]
    )


_per_username_address = _signin_counter("SIGNIN_LIMIT", "signin-user-address", _username_address_key)
_per_username = _signin_counter("SIGNIN_USERNAME_LIMIT", "signin-user", _username_key)


def signin_limit(view):
    """The sign-in limits, on the sign-in form and POST /api/v1/auth/token."""
    return _per_username(_per_username_address(view))


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
