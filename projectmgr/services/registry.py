"""Organizations, users (with expert profiles) and plans."""

from datetime import timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import bindparam, select

from ..audit.log import record, user_target
from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import db
from ..models import (
    Aggregation,
    ApiToken,
    ExpertConflict,
    ExpertProfile,
    Level,
    Organization,
    OrgKind,
    Plan,
    Role,
    User,
)
from ..models.base import utcnow
from ..permissions import SystemActor, can_create_account, require
from ..rules.credit_code import is_valid_credit_code, normalize_credit_code
from ..rules.settings import RuleSettings
from ..summary_cache import note_version, with_version
from . import accounts
from .account_settings import account_settings


def create_organization(name: str, kind: OrgKind, credit_code: str) -> Organization:
    code = normalize_credit_code(credit_code)
    if not is_valid_credit_code(code):
        raise ValidationFailed.one(
            "credit_code", _("Not a valid unified social credit code (GB 32100-2015 check digit).")
        )
    if db.session.scalar(select(Organization.id).where(Organization.credit_code == code)):
        raise Conflict(_("An organization with credit code %(code)s exists already.", code=code))
    org = Organization(name=name, kind=kind, credit_code=code)
    db.session.add(org)
    db.session.flush()
    return org


def create_user(
    actor: User | SystemActor, *, username: str, password: str, role: Role, display_name: str,
    organization_id: int | None = None, email: str | None = None, expert: dict | None = None,
    policy_exempt: bool = False,
) -> User:
    """`policy_exempt` is for `demo load` (and the tests' factory) only: no page, API or command
    offers it. Everyone else's password passes the policy (issue 13 item 1)."""
    require(
        can_create_account(actor, role),
        _(
            "A %(actor)s may not create %(role)s accounts.",
            actor=getattr(actor.role, "value", actor.username),
            role=role.value,
        ),
    )
    errors = []
    if not policy_exempt:
        cfg = account_settings()
        errors += [{"field": "password", "message": p} for p in accounts.password_problems(username, password, cfg)]
    if role == Role.owner and organization_id is None:
        errors.append({"field": "organization_id", "message": _("A project owner belongs to an organization.")})
    if organization_id is not None and db.session.get(Organization, organization_id) is None:
        errors.append({"field": "organization_id", "message": _("No such organization.")})
    if expert is not None and role != Role.expert:
        errors.append({"field": "expert", "message": _("Only expert accounts carry an expert profile.")})
    conflict_ids = list((expert or {}).get("conflict_organization_ids") or [])
    if conflict_ids:
        known = set(db.session.scalars(select(Organization.id).where(Organization.id.in_(conflict_ids))))
        for oid in conflict_ids:
            if oid not in known:
                errors.append(
                    {"field": "expert.conflict_organization_ids", "message": _("No organization %(id)s.", id=oid)}
                )
    if errors:
        raise ValidationFailed(errors)
    if db.session.scalar(select(User.id).where(User.username == username)):
        raise Conflict(_("The username %(username)s is taken.", username=username))
    user = User(
        username=username, role=role, display_name=display_name, organization_id=organization_id, email=email,
        active=True, password_policy_exempt=policy_exempt,
    )
    user.set_password(password)
    if role == Role.expert:
        data = expert or {}
        user.expert = ExpertProfile(
            fields=list(data.get("fields") or []),
            finance=bool(data.get("finance", False)),
            title=data.get("title") or "",
            conflicts=[ExpertConflict(organization_id=oid) for oid in sorted(set(conflict_ids))],
        )
    db.session.add(user)
    db.session.flush()
    record("account.create", actor=actor, target=user_target(user), role=role.value, organization_id=organization_id)
    return user


def create_plan(
    settings: RuleSettings, *, name: str, level: Level, year: int, min_self_raised_ratio: Decimal | None = None,
    panel_min_size: int | None = None, panel_min_finance: int | None = None, aggregation: Aggregation | None = None,
    scoresheet: list[dict] | None = None,
) -> Plan:
    plan = Plan(
        name=name,
        level=level,
        year=year,
        min_self_raised_ratio=min_self_raised_ratio if min_self_raised_ratio is not None else Decimal("0"),
        panel_min_size=panel_min_size if panel_min_size is not None else settings.panel_min_size,
        panel_min_finance=panel_min_finance if panel_min_finance is not None else settings.panel_min_finance,
        aggregation=aggregation or Aggregation.mean,
        scoresheet=scoresheet,
    )
    db.session.add(plan)
    db.session.flush()
    return plan


def get_or_404(model, object_id: int, what: str):
    # Ids are 32-bit integers in the database: a larger one names nothing (and PostgreSQL would refuse it).
    obj = db.session.get(model, object_id) if 0 < object_id <= 2**31 - 1 else None
    if obj is None:
        raise NotFound(_("No %(what)s %(id)s.", what=what, id=object_id))
    return obj


def issue_token(user: User) -> str:
    return accounts.issue_token(user, account_settings())


# Built once: every API request asks, and building the statement costs more than running it.
_WORKING_TOKEN = with_version(
    select(ApiToken, User)
    .join(User, ApiToken.user_id == User.id)
    .where(ApiToken.token_hash == bindparam("token_hash"), ApiToken.revoked_at.is_(None), User.active.is_(True))
)


def _working_token(secret: str) -> tuple[ApiToken, User] | None:
    """The token and its user if it still works: not revoked, not expired, its user active — in
    one query (every API request asks), which also reads the data version (summary_cache)."""
    row = db.session.execute(_WORKING_TOKEN, {"token_hash": ApiToken.hash(secret)}).first()
    if row is None:
        return None
    token, user, data_version = row
    note_version(data_version)
    # Tokens from before expiry existed (migration 0005) expire API_TOKEN_DAYS after their issue.
    expires = token.expires_at or token.created_at + timedelta(days=account_settings().api_token_days)
    if expires <= utcnow():
        return None
    return token, user


def token_for(secret: str) -> ApiToken | None:
    found = _working_token(secret)
    return found[0] if found is not None else None


def user_for_token(secret: str) -> User | None:
    found = _working_token(secret)
    return found[1] if found is not None else None


def revoke_token(secret: str) -> None:
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == ApiToken.hash(secret)))
    if token is not None and token.revoked_at is None:
        token.revoked_at = utcnow()
        record("token.revoke", actor=token.user, target=f"token:{token.id}")
