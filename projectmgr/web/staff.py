"""Bureau staff's pages: the overdue radar (dashboard), project registration and the acceptance panel."""

import time
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask import Response, abort, flash, make_response, redirect, render_template, request, url_for
from flask import session as http_session
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import (
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from .. import labels
from ..errors import Conflict, DomainError, GuardFailed, NotFound, ValidationFailed
from ..etags import etag_for, not_modified
from ..extensions import db
from ..lifecycle import PANEL_OPEN
from ..models import (
    Category,
    DueKind,
    Flag,
    Level,
    Organization,
    Plan,
    Project,
    Role,
    User,
)
from ..permissions import can_check_applications, can_form_panel, can_read_overdue, can_register_project
from ..rules.deadlines import days_overdue, is_very_late
from ..services import experts as experts_service
from ..services import panels, settings
from ..services.applications import upward
from ..services.due_items import overdue_query
from ..services.projects import BudgetInput, IndicatorInput, ProjectInput, register_project
from ..services.radar import radar_counts
from ..summary_cache import cached
from . import allowed, apply, bp, failed_status, saved
from .forms import DecimalTextField, DrawForm, MoneyField, PageForm, choices
from .pages import PER_PAGE, _enum_arg, _page, load_project

# --- the overdue radar ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RadarFragments:
    summary: Markup  # the tiles
    list: Markup  # the page of overdue items and the pager


def _radar_fragments(today: date, rules, filters: dict, page: int, args: dict) -> RadarFragments:
    """The radar's tiles and list as HTML (inside the dashboard's cached body)."""
    level, kind, flag = filters["level"], filters["kind"], filters["flag"]
    flag_key = flag.value if flag else None
    # Each set of tiles ignores its own filter, so the other choices stay visible with their counts;
    # very late (rules.deadlines.is_very_late): at least very_late_days past the due date.
    counts = radar_counts(today, rules, level=level, kind=kind, flag=flag_key)
    query = overdue_query(today, level=level, kind=kind, flag=flag_key)
    rows = [
        {
            "item": item,
            "project": project,
            "level": lvl,
            "days": days_overdue(item.due_date, today),
            "very_late": is_very_late(item.due_date, today, rules),
        }
        for item, project, lvl in db.session.execute(
            query.options(selectinload(Project.responsible_staff)).limit(PER_PAGE).offset((page - 1) * PER_PAGE)
        )
    ]
    context = {
        "rows": rows,
        "very_late_days": rules.very_late_days,
        "by_kind": counts.by_kind,
        "by_level": counts.by_level,
        "total": counts.total,
        "very_late": counts.very_late,
        "filters": filters,
        "page": page,
        "pages": max(1, -(-counts.total // PER_PAGE)),
        "args": args,
        "without": lambda *keys: {k: v for k, v in args.items() if k not in keys},
    }
    return RadarFragments(
        Markup(render_template("web/_radar_summary.html", **context)),
        Markup(render_template("web/_radar_list.html", **context)),
    )


def _dashboard_body(today: date, rules, filters: dict, page: int, args: dict) -> Markup:
    radar = _radar_fragments(today, rules, filters, page, args)
    return Markup(
        render_template("web/_dashboard_body.html", today=today, filters=filters, args=args, radar=radar)
    )


@bp.route("/dashboard")
@allowed(can_read_overdue)
def dashboard():
    """Open items past their due date: counts by kind and level, the very late, the list."""
    today = date.today()
    level, kind, flag = _enum_arg("level", Level), _enum_arg("kind", DueKind), _enum_arg("flag", Flag)
    rules = settings()
    page = _page()
    # The page is the same for every reader but for the signed-in user's header and the form's
    # CSRF token (renewed every half hour): 304 to a browser that has it under this data version.
    etag = etag_for("dashboard", today, request.full_path, current_user.id, str(get_locale()), int(time.time()) // 1800)
    if etag and not http_session.get("_flashes") and not_modified(etag):
        return Response(status=304, headers={"ETag": etag})
    # Only the filters that were understood are carried into links; bad values are dropped.
    args = {k: v.value for k, v in (("level", level), ("kind", kind), ("flag", flag)) if v is not None}
    filters = {"level": level, "kind": kind, "flag": flag}
    # The whole page but its header, as HTML: the same for every reader of this data version, day,
    # filter, page and language who may (or may not) see the applications' side of the radar.
    key = ("dashboard_body", today, tuple(args.items()), page, str(get_locale()), can_check_applications(current_user))
    body = cached(key, lambda: _dashboard_body(today, rules, filters, page, args))
    response = make_response(render_template("web/dashboard.html", body=body))
    if etag:
        response.headers["ETag"] = etag
        response.headers["Cache-Control"] = "private, no-cache"
    return response


# --- registration ---------------------------------------------------------------------------------


def _optional_int(value):
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError(_l("Not a valid choice.")) from None


class BudgetRowForm(Form):
    special = MoneyField(_l("Special funds"), default=Decimal("0"))
    self_raised = MoneyField(_l("Self-raised funds"), default=Decimal("0"))


INDICATOR_KEY_CHARACTERS = Regexp(r"^[a-z0-9_]+$", message=_l("Lower-case letters, digits and underscores only."))


class IndicatorRowForm(Form):
    key = StringField(_l("Key"), validators=[Optional(), Length(max=64), INDICATOR_KEY_CHARACTERS])
    name = StringField(_l("Indicator"), validators=[Optional(), Length(max=200)])
    unit = StringField(_l("Unit"), validators=[Optional(), Length(max=40)])
    target = DecimalTextField(_l("Target"), validators=[Optional()], positive=True)
    weight = DecimalTextField(_l("Weight"), validators=[Optional()], positive=True)

    REQUIRED = ("key", "name", "unit", "target")

    def is_empty(self) -> bool:
        texts = [self.key.data, self.name.data, self.unit.data, self.target.raw, self.weight.raw]
        return not any((t or "").strip() for t in texts)


class IndicatorRows:
    """The indicator rows that registering, applying and adjusting a project's indicators share:
    a filled row needs its key, name, unit and target; empty rows are left out."""

    def indicator_rows_valid(self) -> bool:
        ok = True
        for entry in self.indicator_rows:
            row = entry.form
            if row.is_empty():
                continue
            for name in row.REQUIRED:
                field = getattr(row, name)
                if field.data in (None, "") and not field.errors:
                    field.errors.append(_("Required when the row is filled in."))
                    ok = False
        return ok

    def indicator_inputs(self) -> list[IndicatorInput]:
        return [
            IndicatorInput(
                row.key.data.strip(),
                row.name.data.strip(),
                row.unit.data.strip(),
                row.target.data,
                row.weight.data if row.weight.data is not None else Decimal("1"),
            )
            for row in (entry.form for entry in self.indicator_rows)
            if not row.is_empty()
        ]


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


BUDGET_CATEGORIES = list(labels.CATEGORIES)
INDICATOR_ROWS = 5


class ProjectForm(IndicatorRows, PageForm):
    code = StringField(_l("Project code"), validators=[DataRequired(), Length(max=64)])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    plan_id = SelectField(_l("Plan"), coerce=_optional_int, validators=[DataRequired()])
    organization_id = SelectField(_l("Undertaking organization"), coerce=_optional_int, validators=[DataRequired()])
    owner_id = SelectField(_l("Project owner"), coerce=_optional_int, validators=[DataRequired()])
    responsible_staff_id = SelectField(_l("Responsible officer"), coerce=_optional_int, validators=[Optional()])
    industry = StringField(_l("Industry"), validators=[Optional(), Length(max=100)])
    flags = CheckboxesField(_l("Key tracking"), choices=choices(labels.FLAGS))
    start_date = DateField(_l("Start date"), validators=[InputRequired()])
    end_date = DateField(_l("End date"), validators=[InputRequired()])
    special_funds = MoneyField(_l("Special (fiscal) funds (yuan)"), validators=[InputRequired()])
    self_raised_committed = MoneyField(_l("Self-raised funds committed (yuan)"), validators=[InputRequired()])
    budget_rows = FieldList(
        FormField(BudgetRowForm), min_entries=len(BUDGET_CATEGORIES), max_entries=len(BUDGET_CATEGORIES)
    )
    indicator_rows = FieldList(FormField(IndicatorRowForm), min_entries=INDICATOR_ROWS, max_entries=INDICATOR_ROWS)
    # Not inputs: where the service's messages about the budget and the indicators as a whole go.
    budget = HiddenField()
    indicators = HiddenField()

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        ok = self.indicator_rows_valid() and ok
        rows_ok = not any(entry.form.errors for entry in self.budget_rows)
        if rows_ok and not self.budget_lines():
            self.budget.errors = [_("Enter the budget: at least one category with an amount.")]
            ok = False
        return ok

    def budget_lines(self) -> list[BudgetInput]:
        """Only the categories with an amount."""
        lines = []
        for category, entry in zip(BUDGET_CATEGORIES, self.budget_rows, strict=True):
            special = entry.form.special.data or Decimal("0")
            self_raised = entry.form.self_raised.data or Decimal("0")
            if special or self_raised:
                lines.append(BudgetInput(Category(category), special, self_raised))
        return lines

    def project_input(self) -> ProjectInput:
        return ProjectInput(
            code=self.code.data.strip(),
            title=self.title.data.strip(),
            plan_id=self.plan_id.data,
            organization_id=self.organization_id.data,
            owner_id=self.owner_id.data,
            responsible_staff_id=self.responsible_staff_id.data,
            industry=(self.industry.data or "").strip() or None,
            flags=[Flag(f) for f in self.flags.data or []],
            start_date=self.start_date.data,
            end_date=self.end_date.data,
            special_funds=self.special_funds.data,
            self_raised_committed=self.self_raised_committed.data,
            budget=self.budget_lines(),
            indicators=self.indicator_inputs(),
        )


def _fill_choices(form: ProjectForm, recommendation=None) -> None:
    """Every plan, organization, owner and officer; for a won recommendation's project, plans of its
    level and its organization with that organization's owners."""
    blank = [SelectChoice("", "—")]
    plans = select(Plan).order_by(Plan.year.desc(), Plan.level, Plan.name)
    orgs = select(Organization).order_by(Organization.name)
    owners = (
        select(User, Organization.name)
        .join(Organization, Organization.id == User.organization_id)
        .where(User.role == Role.owner, User.active.is_(True))
        .order_by(Organization.name, User.display_name)
    )
    if recommendation is not None:
        plans = plans.where(Plan.level == recommendation.level)
        orgs = orgs.where(Organization.id == recommendation.organization_id)
        owners = owners.where(User.organization_id == recommendation.organization_id)
    form.plan_id.choices = blank + [
        SelectChoice(p.id, f"{p.year} · {labels.label('level', p.level)} · {p.name}") for p in db.session.scalars(plans)
    ]
    form.organization_id.choices = blank + [SelectChoice(o.id, o.name) for o in db.session.scalars(orgs)]
    form.owner_id.choices = blank + [
        SelectChoice(u.id, f"{u.display_name} ({org})") for u, org in db.session.execute(owners)
    ]
    staff = db.session.scalars(
        select(User).where(User.role.in_((Role.staff, Role.admin)), User.active.is_(True)).order_by(User.display_name)
    )
    form.responsible_staff_id.choices = blank + [SelectChoice(u.id, u.display_name) for u in staff]


def _register(form: ProjectForm, recommendation=None) -> Project:
    """The registration service; for a won direct recommendation the same service through
    services.applications.upward, which links the recommendation to the project."""
    if recommendation is not None and not upward.registrable(recommendation):
        raise Conflict(_("Only a won direct recommendation without a project registers one."))
    try:
        if recommendation is not None:
            return upward.register_recommended(
                current_user, recommendation, form.project_input(), settings(), date.today()
            )
        return register_project(current_user, form.project_input(), settings(), date.today())
    except Conflict as exc:
        # The only conflict at registration is a taken code: say so beside the code.
        raise ValidationFailed.one("code", exc.message) from None


def _recommendation():
    """?recommendation=<id>: the won direct recommendation whose project the form registers."""
    recommendation_id = request.args.get("recommendation", type=int)
    if recommendation_id is None:
        return None
    try:
        return upward.find_recommendation(recommendation_id)
    except NotFound:
        abort(404)


def _prefill(form: ProjectForm, recommendation) -> None:
    """What the recommendation gives: its title, organization, a plan of its level (of its year when
    there is one) and the special funds granted."""
    form.title.data = recommendation.title
    form.organization_id.data = recommendation.organization_id
    form.special_funds.data = recommendation.granted_funds
    plans = [c.value for c in form.plan_id.choices if c.value != ""]
    same_year = db.session.scalars(
        select(Plan.id).where(Plan.level == recommendation.level, Plan.year == recommendation.year).order_by(Plan.id)
    ).first()
    form.plan_id.data = same_year or (plans[0] if plans else None)


@bp.route("/projects/new", methods=["GET", "POST"])
@allowed(can_register_project)
def new_project():
    recommendation = _recommendation()
    if recommendation is not None and not upward.registrable(recommendation):
        flash(_("This recommendation's project is registered already, or it was not won."), "error")
        return redirect(url_for("web.recommendations_page", year=recommendation.year))
    form = ProjectForm()
    _fill_choices(form, recommendation)
    if request.method == "GET":
        form.responsible_staff_id.data = current_user.id
        if recommendation is not None:
            _prefill(form, recommendation)
    created: list[Project] = []
    if form.validate_on_submit() and apply(form, lambda: created.append(_register(form, recommendation))):
        saved()
        return redirect(url_for("web.project", project_id=created[0].id))
    status = failed_status() if request.method == "POST" else 200
    rows = list(zip(BUDGET_CATEGORIES, form.budget_rows, strict=True))
    return render_template("web/new_project.html", form=form, budget_rows=rows, recommendation=recommendation), status


# --- the acceptance panel -------------------------------------------------------------------------

CHECKS = {
    "panel_size": _l("Panel size"),
    "panel_finance": _l("Finance experts"),
    "conflict": _l("Conflict of interest (avoidance)"),
    "workload": _l("Panels per year"),
    "panel": _l("Panel"),
}


class ChooseForm(PageForm):
    expert_ids = SelectMultipleField(_l("Experts"), coerce=int)


def _pool(project: Project, current) -> list:
    """Every active expert reviewer, with their panels this year and the rules choosing them
    would break (services.experts.candidates)."""
    year = current.year if current is not None else date.today().year
    return experts_service.candidates(project, year, settings(), current.id if current is not None else None)


def _draw_spec(form: DrawForm) -> dict:
    raw = form.fields.data or ""
    for sep in ("，", "、", ";", "；"):
        raw = raw.replace(sep, ",")
    fields = [f.strip() for f in raw.split(",") if f.strip()]
    return {"size": form.size.data, "fields": fields or None, "seed": (form.seed.data or "").strip() or None}


@bp.route("/projects/<int:project_id>/panel", methods=["GET", "POST"])
@allowed(can_form_panel)
def panel(project_id: int):
    """Form the acceptance panel by choice or by a random draw (municipal projects)."""
    project = load_project(project_id)
    if project.plan.level != Level.municipal:
        abort(404)
    current = panels.panel_for_round(project) or panels.current_panel(project.id)
    pool = _pool(project, current)
    choose_form = ChooseForm(prefix="choose")
    choose_form.expert_ids.choices = [SelectChoice(e.user.id, e.user.display_name) for e in pool]
    draw_form = DrawForm(prefix="draw")
    problems: list[dict] = []
    mode = request.form.get("mode")
    checked = False
    if request.method == "POST" and mode == "choose" and request.form.get("preview"):
        # Check the choice against the panel rules without saving it.
        if choose_form.validate_on_submit():
            year = current.year if current is not None else date.today().year
            problems = experts_service.preview(
                project, choose_form.expert_ids.data, year, settings(), current.id if current else None
            )
            checked = True
    elif request.method == "POST":
        form = choose_form if mode == "choose" else draw_form
        if mode in ("choose", "draw") and form.validate_on_submit():
            spec = (
                {"expert_ids": choose_form.expert_ids.data}
                if mode == "choose"
                else {"draw_spec": _draw_spec(draw_form)}
            )
            result: list = []

            def action():
                try:
                    result.append(panels.set_panel(current_user, project, settings(), date.today(), **spec))
                except GuardFailed as exc:
                    problems.extend(exc.details)
                    raise DomainError(_("The panel was not saved: it breaks the panel rules below.")) from None

            if apply(form, action):
                if result[0].seed:
                    flash(_("Panel drawn with seed %(seed)s (recorded for audit).", seed=result[0].seed), "success")
                else:
                    saved()
                return redirect(url_for("web.panel", project_id=project.id))
            # The rollback expired what was loaded: load the panel and the pool again.
            current = panels.panel_for_round(project) or panels.current_panel(project.id)
            pool = _pool(project, current)
        elif mode not in ("choose", "draw"):
            abort(400)
    elif current is not None:
        choose_form.expert_ids.data = [m.expert_id for m in current.members if m.conflict_declared_at is None]
    chosen = set(choose_form.expert_ids.data or [])
    status = failed_status() if request.method == "POST" and not checked else 200
    return (
        render_template(
            "web/panel.html",
            project=project,
            current=current,
            pool=pool,
            chosen=chosen,
            choose_form=choose_form,
            draw_form=draw_form,
            problems=problems,
            checked=checked,
            checks=CHECKS,
            can_change=project.state in PANEL_OPEN,
        ),
        status,
    )
