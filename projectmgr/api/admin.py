"""The signed-in user, organizations, users (their role and organization), plans and the security
officer's password and lockout settings (tokens: api/auth.py)."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..models import ExpertProfile, Organization, Plan, User
from ..permissions import ACCOUNT_EDITORS, READERS, SETTINGS_KEEPERS, STAFF
from ..services import accounts, registry, settings
from ..services.account_settings import change_settings, settings_state
from . import schemas
from .core import paginate, tagged_route
from .serialize import organization_json, plan_json, user_json

route = tagged_route("registry")


@route("/me", tag="auth")
def get_me(user):
    """The signed-in user"""
    return user_json(user)


@route("/organizations", "POST", status=201, roles=STAFF)
def post_organization(user, data: schemas.OrganizationIn):
    """Register an undertaking organization"""
    return organization_json(registry.create_organization(data.name, data.kind, data.credit_code))


@route(
    "/organizations",
    query={"page": "", "per_page": ""},
    roles=READERS.refusing(_l("Only bureau staff and leaders list organizations.")),
)
def list_organizations(user):
    """List organizations"""
    return paginate(select(Organization).order_by(Organization.id), lambda row: organization_json(row[0]))


@route("/users", "POST", status=201, roles=STAFF.refusing(_l("Only bureau staff and admins create users.")))
def post_user(user, data: schemas.UserIn):
    """Create a user (admin: any role; staff: owners and experts)"""
    created = registry.create_user(
        user,
        username=data.username,
        password=data.password,
        role=data.role,
        display_name=data.display_name,
        organization_id=data.organization_id,
        email=data.email,
        expert=data.expert.model_dump() if data.expert else None,
    )
    return user_json(created)


@route(
    "/users",
    query={"role": "filter by role", "page": "", "per_page": ""},
    roles=STAFF.refusing(_l("Only bureau staff list users.")),
)
def list_users(user):
    """List users"""
    from ..models import Role
    from .core import q_enum

    query = select(User).options(selectinload(User.expert).selectinload(ExpertProfile.conflicts)).order_by(User.id)
    role = q_enum("role", Role)
    if role is not None:
        query = query.where(User.role == role)
    return paginate(query, lambda row: user_json(row[0]))


@route("/users/<int:user_id>", "PATCH", roles=ACCOUNT_EDITORS)
def patch_user(user, user_id: int, data: schemas.AccountChangeIn):
    """Change an account's role and/or organization (admin; never one's own); each change is in the security log with
    the old and new values"""
    target = registry.get_or_404(User, user_id, _l("user"))
    changes = {"organization_id": data.organization_id} if "organization_id" in data.model_fields_set else {}
    accounts.change_role_or_organization(user, target, role=data.role, **changes)
    return user_json(target)


@route("/security-settings", roles=SETTINGS_KEEPERS)
def get_security_settings(user):
    """The password and lockout settings in force, the server's defaults and which are stored"""
    return settings_state()


@route("/security-settings", "PUT", roles=SETTINGS_KEEPERS)
def put_security_settings(user, data: schemas.SecuritySettingsIn):
    """Change the password and lockout settings (the security officer; all six, within their bounds)"""
    change_settings(user, data.model_dump())
    return settings_state()


@route("/plans", "POST", status=201, roles=STAFF)
def post_plan(user, data: schemas.PlanIn):
    """Create a plan"""
    plan = registry.create_plan(settings(), **data.model_dump())
    return plan_json(plan)


@route("/plans", query={"page": "", "per_page": ""})
def list_plans(user):
    """List plans"""
    return paginate(select(Plan).order_by(Plan.year.desc(), Plan.id), lambda row: plan_json(row[0]))


@route("/plans/<int:plan_id>")
def get_plan(user, plan_id: int):
    """One plan"""
    return plan_json(registry.get_or_404(Plan, plan_id, _l("plan")))
