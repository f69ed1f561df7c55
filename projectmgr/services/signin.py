"""Signing in (issue 13 items 1-4): the password step with lockout, the second factor (TOTP or a
recovery code) and what the signed-in session may open (an expired password only the
change-password page). Every outcome is in the security log; a refusal's counters and record
are committed by the caller before it answers (audit.log.keep)."""

import hashlib
import hmac
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

import pyotp
import segno
from flask import current_app
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_mail import Message
from sqlalchemy import select
from werkzeug.security import check_password_hash

from ..audit.log import FAILURE, REFUSED, record, user_target
from ..extensions import db, mail
from ..models import RecoveryCode, User
from ..models.base import utcnow
from .account_settings import AccountSettings

log = logging.getLogger(__name__)
RECOVERY_CODES = 10
STEP = 30  # seconds per TOTP code (RFC 6238's default)


@dataclass
class PasswordStep:
    user: User | None  # None: refused (message says why)
    message: str = ""
    second_factor: str | None = None  # "verify" or "enrol" when a second step is needed


def is_locked(user: User, now: datetime | None = None) -> bool:
    return user.locked_until is not None and user.locked_until > (now or utcnow())


def needs_second_factor(user: User, cfg: AccountSettings) -> bool:
    return user.totp_enrolled or must_enrol(user, cfg)


def must_enrol(user: User, cfg: AccountSettings) -> bool:
    """Required roles enrol before their first page; the demo's exempt accounts never must."""
    return not user.totp_enrolled and user.role in cfg.totp_required_roles and not user.password_policy_exempt


def password_expired(user: User, cfg: AccountSettings, now: datetime | None = None) -> bool:
    if user.must_change_password:
        return True
    if user.password_policy_exempt or not cfg.password_max_age_days or user.password_changed_at is None:
        return False
    return (now or utcnow()) - user.password_changed_at > timedelta(days=cfg.password_max_age_days)


def _locked_message(user: User) -> str:
    return _(
        "This account is locked after too many failed sign-ins until %(until)s; ask staff or the security "
        "officer to unlock it.",
        until=format_datetime(user.locked_until, "yyyy-MM-dd HH:mm") + " UTC",
    )


def _count_failure(user: User, cfg: AccountSettings, event: str) -> None:
    now = utcnow()
    if user.failed_since is None or now - user.failed_since > cfg.lockout_window:
        user.failed_since, user.failed_signins = now, 0
    user.failed_signins += 1
    record(event, FAILURE, actor_name=user.username, target=user_target(user), failures=user.failed_signins)
    if user.failed_signins >= cfg.lockout_threshold:
        user.locked_until = now + cfg.lockout_duration
        user.failed_signins, user.failed_since = 0, None
        record("account.lock", target=user_target(user), until=user.locked_until.isoformat())
        _tell_owner_locked(user, cfg)


def _tell_owner_locked(user: User, cfg: AccountSettings) -> None:
    """Best effort: the lockout stands whether or not the mail goes out."""
    if not current_app.config.get("MAIL_ENABLED") or not user.email:
        return
    try:
        mail.send(
            Message(
                subject=_("Your account was locked"),
                recipients=[user.email],
                body=_(
                    "Your account %(username)s was locked after %(n)s failed sign-ins. If this was not you, "
                    "tell the security officer.",
                    username=user.username,
                    n=cfg.lockout_threshold,
                ),
            )
        )
    except Exception:  # noqa: BLE001 — a mail server down must not undo the lockout
        log.warning("could not mail the lockout notice to %s", user.username, exc_info=True)


@cache
def _dummy_hash() -> str:
    """A hash made as users' hashes are, of a password nobody knows: an unknown username costs a
    password check too, so the answer's time does not tell which usernames exist."""
    user = User()
    user.set_password(secrets.token_hex(16))
    return user.password_hash


def check_password(username: str, password: str, cfg: AccountSettings) -> PasswordStep:
    """The first step. Known users' failures count towards the lockout, whatever the address."""
    user = db.session.scalar(select(User).where(User.username == username))
    wrong = _("Wrong username or password.")
    if user is None:
        check_password_hash(_dummy_hash(), password)  # as long as a known user's check (item 17)
        record("signin", FAILURE, actor_name=username[:80], reason="unknown user")
        return PasswordStep(None, wrong)
    if not user.active:
        record("signin", REFUSED, actor_name=username, target=user_target(user), reason="deactivated")
        return PasswordStep(None, wrong)
    if is_locked(user):
        record("signin", REFUSED, actor_name=username, target=user_target(user), reason="locked")
        return PasswordStep(None, _locked_message(user))
    if not user.check_password(password):
        _count_failure(user, cfg, "signin")
        return PasswordStep(None, _locked_message(user) if is_locked(user) else wrong)
    if user.totp_enrolled:
        return PasswordStep(user, second_factor="verify")
    if must_enrol(user, cfg):
        return PasswordStep(user, second_factor="enrol")
    return PasswordStep(user)


def signed_in(user: User, how: str) -> None:
    """The sign-in is complete: failures forgotten, the success recorded."""
    user.failed_signins, user.failed_since = 0, None
    record("signin", actor=user, target=user_target(user), method=how)


# --- TOTP (RFC 6238) ----------------------------------------------------------------------------


def new_totp_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str, cfg: AccountSettings) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=cfg.totp_issuer)


def qr_svg_data_uri(uri: str) -> str:
    """The QR code as an inline SVG image, drawn here (nothing leaves the server)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def _matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    code = code.strip().replace(" ", "")
    if not (code.isascii() and code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = int((now if now is not None else time.time()) // STEP)
    for step in (current - 1, current, current + 1):  # one step of clock drift either way
        if hmac.compare_digest(totp.at(step * STEP), code):
            return step
    return None


def _hash_code(code: str) -> str:
    return hashlib.sha256(code.strip().replace("-", "").replace(" ", "").lower().encode()).hexdigest()


def _use_recovery_code(user: User, code: str) -> bool:
    row = db.session.scalar(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash_code(code), RecoveryCode.used_at.is_(None)
        )
    )
    if row is None:
        return False
    row.used_at = utcnow()
    return True


def check_second_factor(user: User, code: str, cfg: AccountSettings) -> str | None:
    """A TOTP code not used before (a code seen once is refused for the rest of its window), or an
    unused recovery code. Returns None when accepted, else the message; failures count towards
    the lockout."""
    if is_locked(user) or not user.active:
        record("signin.second_factor", REFUSED, actor_name=user.username, target=user_target(user))
        return _locked_message(user) if user.active else _("Wrong username or password.")
    step = _matching_step(user.totp_secret, code) if user.totp_secret else None
    if step is not None and (user.totp_last_step is None or step > user.totp_last_step):
        user.totp_last_step = step
        return None
    if step is None and _use_recovery_code(user, code):
        record("totp.recovery_code_used", actor=user, target=user_target(user))
        return None
    _count_failure(user, cfg, "signin.second_factor")
    if step is not None:
        return _("This code has been used already; wait for the next one.")
    return _locked_message(user) if is_locked(user) else _("Wrong code.")


def enrol(user: User, secret: str, code: str) -> list[str] | None:
    """Confirm enrolment with a first code from the app: the secret is kept and ten recovery
    codes are made (shown once, stored hashed). None when the code is wrong."""
    step = _matching_step(secret, code)
    if step is None:
        record("totp.enrol", FAILURE, actor=user, target=user_target(user))
        return None
    user.totp_secret, user.totp_enrolled_at, user.totp_last_step = secret, utcnow(), step
    db.session.execute(RecoveryCode.__table__.delete().where(RecoveryCode.user_id == user.id))
    codes = []
    for _n in range(RECOVERY_CODES):
        raw = secrets.token_hex(5)
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash_code(raw)))
    record("totp.enrol", actor=user, target=user_target(user))
    return codes


def unused_recovery_codes(user: User) -> int:
    return len(
        db.session.scalars(
            select(RecoveryCode.id).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        ).all()
    )
