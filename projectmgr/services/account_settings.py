"""The account and audit settings (issue 13), read from the app's configuration; defaults in
config.Config and the README."""

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app

from ..models import Role


@dataclass(frozen=True)
class AccountSettings:
    password_min_length: int = 10
    password_history: int = 5
    password_max_age_days: int = 90  # 0: never expires
    lockout_threshold: int = 5
    lockout_window: timedelta = timedelta(minutes=15)
    lockout_duration: timedelta = timedelta(minutes=30)
    session_idle: timedelta = timedelta(minutes=30)
    session_absolute: timedelta = timedelta(hours=12)
    api_token_days: int = 90
    totp_required_roles: frozenset = frozenset({Role.staff, Role.admin, Role.security_officer, Role.auditor})
    totp_issuer: str = "projectmgr"
    audit_retention_days: int = 180


def account_settings() -> AccountSettings:
    c = current_app.config
    roles = c.get("TOTP_REQUIRED_ROLES", "staff,admin,security_officer,auditor")
    if isinstance(roles, str):
        roles = [r.strip() for r in roles.split(",") if r.strip()]
    return AccountSettings(
        password_min_length=int(c.get("PASSWORD_MIN_LENGTH", 10)),
        password_history=int(c.get("PASSWORD_HISTORY", 5)),
        password_max_age_days=int(c.get("PASSWORD_MAX_AGE_DAYS", 90)),
        lockout_threshold=int(c.get("LOCKOUT_THRESHOLD", 5)),
        lockout_window=timedelta(minutes=int(c.get("LOCKOUT_WINDOW_MINUTES", 15))),
        lockout_duration=timedelta(minutes=int(c.get("LOCKOUT_MINUTES", 30))),
        session_idle=timedelta(minutes=int(c.get("SESSION_IDLE_MINUTES", 30))),
        session_absolute=timedelta(hours=int(c.get("SESSION_ABSOLUTE_HOURS", 12))),
        api_token_days=int(c.get("API_TOKEN_DAYS", 90)),
        totp_required_roles=frozenset(Role(r) for r in roles),
        totp_issuer=str(c.get("TOTP_ISSUER", "projectmgr")),
        audit_retention_days=int(c.get("AUDIT_RETENTION_DAYS", 180)),
    )
