"""Organizations, users (with expert profiles) and plans."""

from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
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
from ..permissions import SystemActor, can_create_account
from ..rules.credit_code import is_valid_credit_code, normalize_credit_code
from ..rules.settings import RuleSettings


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
    actor: User | SystemActor,
    *,
    username: str,
    password: str,
    role: Role,
    display_name: str,
    organization_id: int | None = None,
    email: str | None = None,
    expert: dict | None = None,
) -> User:
    if not can_create_account(actor, role):
        raise Forbidden(_("A %(actor)s may not create %(role)s accounts.", actor=actor.role.value, role=role.value))
    errors = []
    if len(password) < 8:
        errors.append({"field": "password", "message": _("At least 8 characters.")})
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
        username=username,
        role=role,
        display_name=display_name,
        organization_id=organization_id,
        email=email,
        active=True,
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
    return user


def create_plan(
    settings: RuleSettings,
    *,
    name: str,
    level: Level,
    year: int,
    min_self_raised_ratio: Decimal | None = None,
    panel_min_size: int | None = None,
    panel_min_finance: int | None = None,
    aggregation: Aggregation | None = None,
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
    token, secret = ApiToken.issue(user)
    db.session.add(token)
    db.session.flush()
    return secret


def user_for_token(secret: str) -> User | None:
    """The active user of an unrevoked token, in one query (every API request asks)."""
    return db.session.scalar(
        select(User)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == ApiToken.hash(secret), ApiToken.revoked_at.is_(None), User.active.is_(True))
    )


def revoke_token(secret: str) -> None:
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == ApiToken.hash(secret)))
    if token is not None and token.revoked_at is None:
        token.revoked_at = utcnow()


def authenticate(username: str, password: str) -> User | None:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or not user.active or not user.check_password(password):
        return None
    return user
