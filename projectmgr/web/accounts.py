"""Accounts and undertaking organizations (DESIGN §11: staff create owners and experts, admins
everyone), over the same registry services as the API."""

import re

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload
from wtforms import BooleanField, EmailField, PasswordField, SelectChoice, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from .. import labels
from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..models import ExpertProfile, Organization, OrgKind, Role, User
from ..permissions import (
    can_change_account_role,
    can_change_account_status,
    can_create_account,
    can_manage_accounts,
    can_reset_second_factor,
    can_see_security_settings,
    can_unlock_account,
    can_view_accounts,
)
from ..services import accounts as account_service
from ..services import registry
from ..services.account_settings import account_settings
from ..services.signin import is_locked
from . import allowed, apply, bp, failed_status, saved
from .forms import EmptyForm, PageForm, choices
from .pages import PER_PAGE, _enum_arg, _page

USERNAME_CHARACTERS = Regexp(r"^[A-Za-z0-9_.-]+$", message=_l("Letters, digits, '.', '_' and '-' only."))


class AccountForm(PageForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=80), USERNAME_CHARACTERS])
    display_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    password = PasswordField(_l("Initial password"), validators=[DataRequired(), Length(min=8, max=200)])
    role = SelectField(_l("Role"), validators=[DataRequired()])
    organization_id = SelectField(_l("Organization"), validators=[Optional()])
    # The API's rule (api.schemas.UserIn): something@somewhere, no spaces.
    email = EmailField(
        _l("Email"),
        validators=[Optional(), Length(max=254), Regexp(r"^[^@\s]+@[^@\s]+$", message=_l("Not an email address."))],
    )
    fields = StringField(_l("Fields of expertise (separated by commas)"), validators=[Optional(), Length(max=500)])
    title = StringField(_l("Professional title"), validators=[Optional(), Length(max=120)])
    finance = BooleanField(_l("Finance expert"))
    conflicts = SelectMultipleField(_l("Declared conflicts"), validators=[Optional()])


class AccountChangeForm(PageForm):
    """The admin's change of an account's role and organization."""

    role = SelectField(_l("Role"), validators=[DataRequired()])
    organization_id = SelectField(_l("Organization"), validators=[Optional()])


class OrganizationForm(PageForm):
    name = StringField(_l("Organization name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=choices(labels.ORG_KINDS), validators=[DataRequired()])
    credit_code = StringField(
        _l("Unified social credit code"),
        validators=[DataRequired(), Length(min=18, max=18)],
        filters=[lambda v: v.strip().upper() if isinstance(v, str) else v],
    )


def _organizations() -> list[SelectChoice]:
    rows = db.session.execute(select(Organization.id, Organization.name).order_by(Organization.name)).all()
    return [SelectChoice(str(i), name) for i, name in rows]


def _account_choices(form: AccountForm) -> None:
    form.role.choices = choices({r: v for r, v in labels.ROLES.items() if can_create_account(current_user, Role(r))})
    orgs = _organizations()
    form.organization_id.choices = [SelectChoice("", "—"), *orgs]
    form.conflicts.choices = orgs


@bp.route("/accounts")
@allowed(can_view_accounts)
def accounts():
    role = _enum_arg("role", Role)
    q = (request.args.get("q") or "").strip()[:100]
    query = select(User).options(
        joinedload(User.organization), selectinload(User.expert).selectinload(ExpertProfile.conflicts)
    )
    if role is not None:
        query = query.where(User.role == role)
    if q:
        # The text as typed: `_` and `%` are characters of a username, not wildcards.
        like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(User.username.ilike(like, escape="\\"), User.display_name.ilike(like, escape="\\")))
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    page = _page()
    users = db.session.scalars(query.order_by(User.role, User.username).limit(PER_PAGE).offset((page - 1) * PER_PAGE))
    organizations = dict(db.session.execute(select(Organization.id, Organization.name)).all())
    return render_template(
        "web/accounts.html",
        users=users.unique().all(),
        total=total,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        role=role.value if role else "",
        q=q,
        organizations=organizations,
        form=EmptyForm(),
        is_locked=is_locked,
        can_change_status=lambda u: can_change_account_status(current_user, u),
        can_change_role=lambda u: can_change_account_role(current_user, u),
        can_unlock=can_unlock_account(current_user),
        can_reset_factor=lambda u: can_reset_second_factor(current_user, u),
        settings=account_settings() if can_see_security_settings(current_user) else None,
        args={k: v for k, v in {"role": role.value if role else None, "q": q or None}.items() if v},
    )


@bp.route("/accounts/new", methods=["GET", "POST"])
@allowed(can_manage_accounts)
def new_account():
    form = AccountForm()
    _account_choices(form)
    if form.validate_on_submit():
        role = Role(form.role.data)
        expert = None
        if role == Role.expert:
            expert = {
                "fields": [f.strip() for f in re.split(r"[,，、;；]", form.fields.data or "") if f.strip()],
                "finance": bool(form.finance.data),
                "title": (form.title.data or "").strip(),
                "conflict_organization_ids": [int(i) for i in form.conflicts.data or []],
            }

        def create():
            try:
                return registry.create_user(
                    current_user,
                    username=form.username.data.strip(),
                    password=form.password.data,
                    role=role,
                    display_name=form.display_name.data.strip(),
                    organization_id=int(form.organization_id.data) if form.organization_id.data else None,
                    email=(form.email.data or "").strip() or None,
                    expert=expert,
                )
            except Conflict as exc:  # the username is taken: say so beside it
                raise ValidationFailed.one("username", exc.message) from None

        if apply(form, create):
            saved()
            return redirect(url_for("web.accounts", q=form.username.data.strip()))
    status = failed_status() if request.method == "POST" else 200
    return render_template("web/account_form.html", form=form), status


@bp.route("/accounts/<int:user_id>/edit", methods=["GET", "POST"])
@allowed(can_change_account_role)
def edit_account(user_id: int):
    """The admin changes an account's role and organization (each change is in the security log)."""
    user = db.get_or_404(User, user_id)
    data = {"role": user.role.value, "organization_id": str(user.organization_id or "")}
    form = AccountChangeForm(data=data if request.method == "GET" else None)
    form.role.choices = choices(labels.ROLES)
    form.organization_id.choices = [SelectChoice("", "—"), *_organizations()]
    if form.validate_on_submit():
        role = Role(form.role.data)
        org = int(form.organization_id.data) if form.organization_id.data else None
        if apply(form, lambda: account_service.change_role_or_organization(current_user, user, role, org)):
            saved()
            return redirect(url_for("web.accounts", q=user.username))
    status = failed_status() if request.method == "POST" else 200
    return render_template("web/account_edit.html", form=form, user=user), status


@bp.route("/organizations/new", methods=["GET", "POST"])
@allowed(can_manage_accounts)
def new_organization():
    form = OrganizationForm()
    if form.validate_on_submit():

        def create():
            try:
                return registry.create_organization(
                    form.name.data.strip(), OrgKind(form.kind.data), form.credit_code.data
                )
            except Conflict as exc:  # the credit code is registered already
                raise ValidationFailed.one("credit_code", exc.message) from None

        if apply(form, create):
            saved()
            return redirect(url_for("web.new_account"))
    status = failed_status() if request.method == "POST" else 200
    return render_template("web/organization_form.html", form=form, title=_("New organization")), status


# --- an account's life: deactivate, reactivate, reset the password, unlock, reset the second factor

ACTIONS = {
    "deactivate": (
        account_service.deactivate,
        _l("Account %(username)s deactivated: its sessions and tokens no longer work."),
    ),
    "reactivate": (account_service.reactivate, _l("Account %(username)s reactivated.")),
    "unlock": (account_service.unlock, _l("Account %(username)s unlocked.")),
    "reset-second-factor": (
        account_service.reset_second_factor,
        _l("The second factor of %(username)s was reset: it enrols again at the next sign-in."),
    ),
}


@bp.route(
    "/accounts/<int:user_id>/<any(deactivate, reactivate, unlock, 'reset-second-factor'):action>", methods=["POST"]
)
@login_required
def account_action(user_id: int, action: str):
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    user = db.get_or_404(User, user_id)
    service, message = ACTIONS[action]
    if apply(form, lambda: service(current_user, user)):
        flash(str(message) % {"username": user.username}, "success")
    return redirect(url_for("web.accounts", q=user.username))


@bp.route("/accounts/<int:user_id>/reset-password", methods=["POST"])
@login_required
def reset_password(user_id: int):
    """The one-time password is shown once, to hand over; it opens only the change-password page."""
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    user = db.get_or_404(User, user_id)
    result = {}
    if not apply(form, lambda: result.setdefault("password", account_service.reset_password(current_user, user))):
        return redirect(url_for("web.accounts", q=user.username))
    return render_template("web/password_reset.html", user=user, password=result["password"])
