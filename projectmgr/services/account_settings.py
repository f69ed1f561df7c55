"""The account and audit settings (issue 13). The password and lockout settings are the security
officer's (item 6): stored in the one `security_settings` row when they have saved them, else the
app's configuration (config.Config, the README); every other setting is the configuration's."""

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..audit.log import record
from ..errors import ValidationFailed
from ..extensions import db
from ..models import Role, SecuritySettings, User
from ..models.base import utcnow
from ..permissions import Actor, can_change_security_settings, require
from ..summary_cache import cached


@dataclass(frozen=True)
class Setting:
    """One setting the security officer holds: its configuration key (the default) and bounds."""

    name: str
    config_key: str
    default: int
    minimum: int
    maximum: int
    label: str
    hint: str = ""


# The bounds are chosen so that no value the page accepts weakens the policy below what a
# 等保 level-3 assessment would accept as a policy at all (a 3-character password, no lockout),
# nor makes the system unusable (a lockout longer than a day). README: "Accounts and the audit log".
SETTINGS = (
    Setting("password_min_length", "PASSWORD_MIN_LENGTH", 10, 8, 64, _l("Minimum password length")),
    Setting("password_history", "PASSWORD_HISTORY", 5, 0, 24, _l("Passwords remembered"), _l("0: not checked")),
    Setting("password_max_age_days", "PASSWORD_MAX_AGE_DAYS", 90, 0, 365, _l("Password expiry (days)"), _l("0: never")),
    Setting("lockout_threshold", "LOCKOUT_THRESHOLD", 5, 3, 20, _l("Failed sign-ins before lockout")),
    Setting("lockout_window_minutes", "LOCKOUT_WINDOW_MINUTES", 15, 1, 1440, _l("Counted within (minutes)")),
    Setting("lockout_minutes", "LOCKOUT_MINUTES", 30, 1, 1440, _l("Lockout (minutes)")),
)
SETTING_NAMES = tuple(s.name for s in SETTINGS)


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


def configured_values() -> dict[str, int]:
    """The security officer's settings as the configuration gives them (the defaults)."""
    c = current_app.config
    return {s.name: int(c.get(s.config_key, s.default)) for s in SETTINGS}


def _load_stored() -> dict[str, int]:
    row = db.session.get(SecuritySettings, 1)
    if row is None:
        return {}
    return {name: getattr(row, name) for name in SETTING_NAMES if getattr(row, name) is not None}


def stored_values() -> dict[str, int]:
    """What the security officer saved (a setting missing: never saved). One query under a new
    data version, none after (projectmgr.summary_cache): every page asks, for the password age."""
    return cached(("security_settings",), _load_stored)


def officer_values() -> dict[str, int]:
    return configured_values() | stored_values()


def account_settings() -> AccountSettings:
    c = current_app.config
    values = officer_values()
    roles = c.get("TOTP_REQUIRED_ROLES", "staff,admin,security_officer,auditor")
    if isinstance(roles, str):
        roles = [r.strip() for r in roles.split(",") if r.strip()]
    return AccountSettings(
        password_min_length=values["password_min_length"],
        password_history=values["password_history"],
        password_max_age_days=values["password_max_age_days"],
        lockout_threshold=values["lockout_threshold"],
        lockout_window=timedelta(minutes=values["lockout_window_minutes"]),
        lockout_duration=timedelta(minutes=values["lockout_minutes"]),
        session_idle=timedelta(minutes=int(c.get("SESSION_IDLE_MINUTES", 30))),
        session_absolute=timedelta(hours=int(c.get("SESSION_ABSOLUTE_HOURS", 12))),
        api_token_days=int(c.get("API_TOKEN_DAYS", 90)),
        totp_required_roles=frozenset(Role(r) for r in roles),
        totp_issuer=str(c.get("TOTP_ISSUER", "projectmgr")),
        audit_retention_days=int(c.get("AUDIT_RETENTION_DAYS", 180)),
    )


def settings_problems(values: dict) -> list[dict]:
    """Each value out of its bounds (or missing, or not a whole number), named by its field."""
    problems = []
    for s in SETTINGS:
        value = values.get(s.name)
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append({"field": s.name, "message": _("Must be a whole number.")})
        elif not s.minimum <= value <= s.maximum:
            problems.append(
                {"field": s.name, "message": _("Must be between %(min)s and %(max)s.", min=s.minimum, max=s.maximum)}
            )
    unknown = [key for key in values if key not in SETTING_NAMES]
    problems += [{"field": key, "message": _("Unknown field.")} for key in unknown]
    return problems


def change_settings(actor: Actor, values: dict) -> SecuritySettings:
    """The security officer saves all six settings (separation of duties: nobody else, the admin
    neither). Recorded as `settings.change` with the old and new values, in the same transaction."""
    require(can_change_security_settings(actor), _("Only the security officer changes these settings."))
    problems = settings_problems(values)
    if problems:
        raise ValidationFailed(problems)
    old = officer_values()
    row = db.session.get(SecuritySettings, 1)
    if row is None:
        row = SecuritySettings(id=1)
        db.session.add(row)
    new = {name: values[name] for name in SETTING_NAMES}
    for name, value in new.items():
        setattr(row, name, value)
    row.updated_at = utcnow()
    row.updated_by_id = actor.id
    db.session.flush()
    changed = [name for name in SETTING_NAMES if old[name] != new[name]]
    record("settings.change", actor=actor, target="security_settings", old=old, new=new, changed=changed)
    return row


def settings_state() -> dict:
    """The values in force, where each comes from, and who saved them last (the page and the API)."""
    row = db.session.get(SecuritySettings, 1)
    stored = stored_values()
    editor = db.session.get(User, row.updated_by_id) if row is not None and row.updated_by_id else None
    return {
        **officer_values(),
        "stored": sorted(stored),
        "defaults": configured_values(),
        "updated_at": row.updated_at.isoformat() if row is not None else None,
        "updated_by": editor.username if editor is not None else None,
    }
