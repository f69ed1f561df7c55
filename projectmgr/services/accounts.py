"""An account's life (issue 13 items 1, 3, 5): the password policy, changing and resetting a
password, signing out everywhere, deactivation and reactivation, unlocking, resetting the second
factor, and one's own API tokens. Each change is recorded in the security log in its own
transaction (the caller's)."""

import secrets
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select, update
from werkzeug.security import check_password_hash

from ..audit.log import record, user_target
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..models import ApiToken, Application, Organization, Project, RecoveryCode, Role, User
from ..models.base import utcnow
from ..permissions import (
    Actor,
    can_change_account_role,
    can_change_account_status,
    can_reset_second_factor,
    can_unlock_account,
    require,
)
from ..rules.passwords import policy_problems
from .account_settings import AccountSettings


def password_problems(user_or_name: User | str, password: str, cfg: AccountSettings) -> list[str]:
    """Every rule the new password breaks (the history too, for an existing user)."""
    username = user_or_name if isinstance(user_or_name, str) else user_or_name.username
    problems = policy_problems(password, username, cfg.password_min_length)
    if isinstance(user_or_name, User) and cfg.password_history:
        recent = [user_or_name.password_hash, *(user_or_name.password_history or [])][: cfg.password_history]
        if any(h and check_password_hash(h, password) for h in recent):
            problems.append(_("Must not be one of your last %(n)s passwords.", n=cfg.password_history))
    return problems


def check_policy(user_or_name: User | str, password: str, cfg: AccountSettings, field: str = "password") -> None:
    problems = password_problems(user_or_name, password, cfg)
    if problems:
        raise ValidationFailed([{"field": field, "message": p} for p in problems])


def end_sessions(user: User) -> None:
    """Every session signed with the current version stops working (the caller signs in afresh
    where the current one goes on)."""
    user.session_version = (user.session_version or 1) + 1


def sign_out(user: User) -> None:
    end_sessions(user)
    record("signout", actor=user, target=user_target(user))


def change_password(user: User, current: str, new: str, cfg: AccountSettings) -> None:
    if not user.check_password(current):  # the page records the refusal in its own transaction
        raise ValidationFailed.one("current_password", _("The current password is wrong."))
    check_policy(user, new, cfg, field="new_password")
    user.set_password(new)
    user.must_change_password = False
    user.password_policy_exempt = False
    end_sessions(user)
    record("password.change", actor=user, target=user_target(user))


def reset_password(actor: Actor, user: User) -> str:
    """A one-time password to hand over; it opens only the change-password page."""
    require(can_change_account_status(actor, user), _("You may not reset this account's password."))
    one_time = "-".join(secrets.token_urlsafe(9) for _n in range(2)) + "A1"
    user.set_password(one_time)
    user.must_change_password = True
    end_sessions(user)
    record("password.reset", actor=actor, target=user_target(user))
    return one_time


def _revoke_all_tokens(user: User) -> int:
    result = db.session.execute(
        update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)).values(revoked_at=utcnow())
    )
    return result.rowcount


def deactivate(actor: Actor, user: User) -> None:
    require(can_change_account_status(actor, user), _("You may not deactivate this account."))
    if not user.active:
        return
    user.active = False
    user.deactivated_at = utcnow()
    end_sessions(user)
    revoked = _revoke_all_tokens(user)
    record("account.deactivate", actor=actor, target=user_target(user), tokens_revoked=revoked)


def reactivate(actor: Actor, user: User) -> None:
    require(can_change_account_status(actor, user), _("You may not reactivate this account."))
    if user.active:
        return
    user.active = True
    user.deactivated_at = None
    record("account.reactivate", actor=actor, target=user_target(user))


def unlock(actor: Actor, user: User) -> None:
    require(can_unlock_account(actor, user), _("You may not unlock accounts."))
    user.locked_until = None
    user.failed_signins, user.failed_since = 0, None
    record("account.unlock", actor=actor, target=user_target(user))


def reset_second_factor(actor: Actor, user: User) -> None:
    """The user enrols again at the next sign-in (their recovery codes are gone too)."""
    require(can_reset_second_factor(actor, user), _("Only the security officer resets a second factor."))
    user.totp_secret = user.totp_enrolled_at = user.totp_last_step = None
    db.session.execute(RecoveryCode.__table__.delete().where(RecoveryCode.user_id == user.id))
    end_sessions(user)
    record("totp.reset", actor=actor, target=user_target(user))


_KEEP = object()


def change_role_or_organization(actor: Actor, user: User, role: Role | None = None, organization_id=_KEEP) -> None:
    """The admin changes an account's role and/or organization (`organization_id=None` takes it out
    of its organization). Each change is recorded with the old and new values in the same
    transaction; a new role ends the account's sessions and tokens (its next sign-in asks for what
    the new role needs, a second factor included)."""
    require(can_change_account_role(actor, user), _("Only an admin changes an account's role or organization."))
    new_role = role if role is not None else user.role
    new_org = user.organization_id if organization_id is _KEEP else organization_id
    errors = []
    if new_role != user.role and Role.expert in (new_role, user.role):
        errors.append(
            {"field": "role", "message": _("An expert's seats and scores are theirs: create another account.")}
        )
    owns = db.session.scalar(select(Project.id).where(Project.owner_id == user.id).limit(1)) or db.session.scalar(
        select(Application.id).where(Application.owner_id == user.id).limit(1)
    )
    if user.role == Role.owner and new_role != Role.owner and owns:
        errors.append({"field": "role", "message": _("This owner is named on projects or applications.")})
    if new_role == Role.owner and new_org is None:
        errors.append({"field": "organization_id", "message": _("A project owner belongs to an organization.")})
    organization = db.session.get(Organization, new_org) if new_org is not None and 0 < new_org <= 2**31 - 1 else None
    if new_org is not None and organization is None:
        errors.append({"field": "organization_id", "message": _("No such organization.")})
    if errors:
        raise ValidationFailed(errors)
    if new_role != user.role:
        old_role, user.role = user.role, new_role
        end_sessions(user)
        revoked = _revoke_all_tokens(user)
        record(
            "account.role_change",
            actor=actor,
            target=user_target(user),
            old=old_role.value,
            new=new_role.value,
            tokens_revoked=revoked,
        )
    if new_org != user.organization_id:
        old = db.session.get(Organization, user.organization_id) if user.organization_id else None
        user.organization_id = new_org
        record(
            "account.organization_change",
            actor=actor,
            target=user_target(user),
            old={"id": old.id, "name": old.name} if old else None,
            new={"id": organization.id, "name": organization.name} if organization else None,
        )
    db.session.flush()


# --- API tokens ---------------------------------------------------------------------------------


def issue_token(user: User, cfg: AccountSettings) -> str:
    token, secret = ApiToken.issue(user)
    token.created_at = utcnow()
    token.expires_at = token.created_at + timedelta(days=cfg.api_token_days)
    db.session.add(token)
    db.session.flush()
    record("token.issue", actor=user, target=f"token:{token.id}", expires_at=token.expires_at.isoformat())
    return secret


def tokens_of(user: User) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())))


def revoke_own_token(user: User, token_id: int) -> ApiToken:
    token = db.session.get(ApiToken, token_id) if 0 < token_id <= 2**31 - 1 else None
    if token is None or token.user_id != user.id:  # another user's token is not there for you
        raise NotFound(_("No token %(id)s.", id=token_id))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record("token.revoke", actor=user, target=f"token:{token.id}")
    return token
