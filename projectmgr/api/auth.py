"""Signing in for a token (with the second factor), one's own tokens, and the security audit log."""

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..audit.log import REFUSED, keep, record, user_target
from ..audit.queries import AuditFilter, events_query
from ..errors import Unauthorized
from ..models import SecurityEvent, User
from ..permissions import ACCOUNT_KEEPERS, AUDITORS, SECURITY_OFFICERS, STAFF
from ..security import signin_limit
from ..services import accounts, signin
from ..services.account_settings import account_settings
from ..services.registry import get_or_404, revoke_token, token_for
from . import schemas
from .core import paginate, q_date, q_int, tagged_route

route = tagged_route("auth")


def _refuse(message: str):
    keep()
    raise Unauthorized(message)


@route("/auth/token", "POST", auth=False, roles="anyone", decorators=(signin_limit,))
def post_token(data: schemas.TokenIn):
    """Sign in: exchange username, password (and `totp`, the one-time code, where the account has a second factor) for a
    bearer token; 10 failures in 15 minutes → 429, 5 for one account lock it"""
    cfg = account_settings()
    step = signin.check_password(data.username, data.password, cfg)
    user = step.user
    if user is None:
        _refuse(step.message)
    if step.second_factor == "enrol":
        record(
            "signin", REFUSED, actor_name=user.username, target=user_target(user), reason="second factor not enrolled"
        )
        _refuse(_("This account must enrol a second factor: sign in on the web first."))
    if step.second_factor == "verify":
        if not data.totp:
            record("signin", REFUSED, actor_name=user.username, target=user_target(user), reason="no one-time code")
            _refuse(_("This account has a second factor: send the one-time code as 'totp'."))
        problem = signin.check_second_factor(user, data.totp, cfg)
        if problem:
            _refuse(problem)
    if signin.password_expired(user, cfg):
        record("signin", REFUSED, actor_name=user.username, target=user_target(user), reason="password expired")
        _refuse(_("The password has expired: change it on the web first."))
    signin.signed_in(user, "api")
    token = accounts.issue_token(user, cfg)
    return {"token": token, "user": {"id": user.id, "username": user.username, "role": user.role.value}}


def _current_secret() -> str:
    return request.headers["Authorization"].partition(" ")[2].strip()


@route("/auth/token", "DELETE")
def delete_token(user):
    """Revoke the token used for this request"""
    revoke_token(_current_secret())
    return {"revoked": True}


def token_json(token, current_id: int | None) -> dict:
    def iso(v):
        return v.isoformat() if v is not None else None

    return {
        "id": token.id,
        "created_at": iso(token.created_at),
        "expires_at": iso(token.expires_at),
        "revoked_at": iso(token.revoked_at),
        "current": token.id == current_id,
    }


@route("/auth/tokens")
def list_tokens(user):
    """Your own API tokens (newest first), never their secrets"""
    current = token_for(_current_secret())
    return {"items": [token_json(t, current.id if current else None) for t in accounts.tokens_of(user)]}


@route("/auth/tokens/<int:token_id>", "DELETE")
def delete_own_token(user, token_id: int):
    """Revoke one of your own tokens"""
    current = token_for(_current_secret())
    return token_json(accounts.revoke_own_token(user, token_id), current.id if current else None)


def event_json(e: SecurityEvent) -> dict:
    return {
        "id": e.id,
        "at": e.at.isoformat(),
        "actor_id": e.actor_id,
        "actor": e.actor_name,
        "address": e.address,
        "user_agent": e.user_agent,
        "event": e.event,
        "target": e.target,
        "outcome": e.outcome,
        "details": e.details,
        "hash": e.row_hash,
    }


@route(
    "/audit/events",
    tag="audit",
    query={
        "from": "YYYY-MM-DD",
        "to": "YYYY-MM-DD",
        "user": "username",
        "event": "event name",
        "page": "",
        "per_page": "",
    },
    roles=AUDITORS,
)
def list_audit_events(user):
    """The security audit log, newest first"""
    q_int("page", 1)
    flt = AuditFilter(
        start=q_date("from"),
        end=q_date("to"),
        user=(request.args.get("user") or "").strip()[:80] or None,
        event=(request.args.get("event") or "").strip()[:40] or None,
    )
    page = paginate(events_query(flt), lambda row: event_json(row[0]))
    record("audit.read", actor=user, filters=flt.as_dict())
    return page


# --- an account's life (the accounts page's buttons) ---------------------------------------------


def _account_route(action: str, summary: str, roles, service):
    """POST /users/<id>/<action>: `service` changes the account, which answers with its status."""

    def view(user, user_id: int):
        target = get_or_404(User, user_id, "user")
        service(user, target)
        return {
            "id": target.id,
            "username": target.username,
            "active": target.active,
            "locked": signin.is_locked(target),
            "second_factor": target.totp_enrolled,
        }

    view.__name__ = f"account_{action.replace('-', '_')}"
    route(f"/users/<int:user_id>/{action}", "POST", summary=summary, tag="registry", roles=roles)(view)


_account_route(
    "deactivate",
    "Deactivate an account: its sessions and tokens stop at once (never deleted)",
    STAFF.refusing(_l("Only bureau staff and admins deactivate accounts.")),
    accounts.deactivate,
)
_account_route(
    "reactivate",
    "Reactivate an account",
    STAFF.refusing(_l("Only bureau staff and admins reactivate accounts.")),
    accounts.reactivate,
)
_account_route("unlock", "Unlock an account locked after failed sign-ins", ACCOUNT_KEEPERS, accounts.unlock)
_account_route(
    "reset-second-factor",
    "Reset an account's second factor (it enrols again)",
    SECURITY_OFFICERS,
    accounts.reset_second_factor,
)
