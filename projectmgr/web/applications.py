"""The application side's pages (DESIGN §13): calls, the owner's application form (the project
registration's budget and indicator rows, one form), the application page with its actions, the
formal-check queue, the approval-review panel and the expert's scoresheet."""

from datetime import date
from decimal import Decimal

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf.file import FileField, FileRequired
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from wtforms import DateField, HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from .. import labels
from ..errors import Forbidden, NotFound
from ..extensions import db
from ..lifecycle.applications import REVIEW_PANEL_OPEN
from ..models import Application, ApplicationState, Call, ExpertProfile, Plan, Role, User
from ..permissions import (
    EDITABLE_APPLICATION_STATES,
    can_apply,
    can_check_applications,
    can_edit_application,
    can_manage_calls,
    can_review,
)
from ..schemas import ApplicationIn, ApplicationPatchIn, CallIn
from ..services import settings
from ..services.applications import calls, forms, lists, machine, notice, radar, review, view
from ..services.attachments import storage_dir
from ..services.panels import is_conflicted
from ..summary_cache import cached
from . import allowed, apply, bp, int_arg, paging, saved
from .expert import _previous, score_form
from .forms import MoneyField, PageForm, choices
from .staff import BUDGET_CATEGORIES, ProjectForm

PER_PAGE = 50


def load_application(application_id: int) -> Application:
    try:
        return forms.find_application(current_user, application_id)
    except NotFound:
        abort(404)


def application_route(rule: str = "", **options):
    """A page of one application, /applications/<id><rule>, for a signed-in user: the view is
    called with the application (the 404 page when there is none the user may see)."""

    def decorate(view):
        @bp.route(f"/applications/<int:application_id>{rule}", endpoint=view.__name__, **options)
        @login_required
        def page(application_id: int):
            return view(load_application(application_id))

        return page

    return decorate


# --- calls ------------------------------------------------------------------------------------


class CallForm(PageForm):
    plan_id = SelectField(_l("Plan"), coerce=int, validators=[DataRequired()])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    opens_on = DateField(_l("Opens on"), validators=[InputRequired()])
    closes_on = DateField(_l("Closes on"), validators=[InputRequired()])
    max_special_funds = MoneyField(_l("Maximum special funds (yuan)"), validators=[Optional()])
    guide = TextAreaField(_l("Guide"), validators=[Optional(), Length(max=20000)])


def form_input(model: type[BaseModel], form: PageForm) -> BaseModel:
    """The service's input from a page's form that has validated: the model's fields the form has, text
    stripped (empty text is None), as ApplicationIn from ApplicationForm.values(); the service checks the rest."""

    def value(data):
        return (data.strip() or None) if isinstance(data, str) else data

    return model.model_construct(**{name: value(form[name].data) for name in model.model_fields if name in form})


def call_for(may, call_id: int) -> Call:
    """The call, for a user the predicate may(user) lets in: 403 when it does not, 404 when there is
    no such call."""
    if not may(current_user):
        abort(403)
    try:
        return calls.find_call(current_user, call_id)
    except NotFound:
        abort(404)


@bp.route("/calls")
@login_required
def calls_page():
    form = None
    if can_manage_calls(current_user):
        form = CallForm()
        _plan_choices(form)
    return _render_calls(form, 200)


@bp.route("/calls", methods=["POST"])
@allowed(can_manage_calls)
def publish_call():
    form = CallForm()
    _plan_choices(form)
    if form.validate_on_submit():
        data = form_input(CallIn, form)  # the service checks the plan and the window
        created = []
        if apply(form, lambda: created.append(calls.create_call(current_user, data))):
            saved()
            return redirect(url_for("web.call_page", call_id=created[0].id))
    return _render_calls(form, 422)


def _plan_choices(form: CallForm) -> None:
    plans = db.session.scalars(select(Plan).where(Plan.level == "municipal").order_by(Plan.year.desc(), Plan.name))
    form.plan_id.choices = [SelectChoice(p.id, f"{p.year} · {p.name}") for p in plans]


def _render_calls(form: CallForm | None, status: int):
    today = date.today()
    rows = list(db.session.scalars(calls.call_query(current_user, today)))
    return render_template("web/calls.html", calls=rows, form=form, today=today), status


@bp.route("/calls/<int:call_id>")
@login_required
def call_page(call_id: int):
    call = call_for(can_check_applications, call_id)
    ranked = notice.ranking(current_user, call)
    query, _count = lists.application_query(current_user, call_id=call.id)
    applications = list(db.session.scalars(query.options(joinedload(Application.organization))))
    return render_template("web/call.html", call=call, ranked=ranked, applications=applications, today=date.today())


# --- the application form ---------------------------------------------------------------------


class ApplicationForm(ProjectForm):
    """The registration form's fields, budget and indicator rows and checks, without what staff
    decide at approval (code, plan, owner, officer, flags): one form for both."""

    code = None
    plan_id = None
    organization_id = None
    owner_id = None
    responsible_staff_id = None
    flags = None
    summary = TextAreaField(_l("Summary"), validators=[DataRequired(), Length(max=20000)])

    def values(self) -> dict:
        return {
            "title": self.title.data.strip(),
            "industry": (self.industry.data or "").strip() or None,
            "summary": self.summary.data.strip(),
            "start_date": self.start_date.data,
            "end_date": self.end_date.data,
            "special_funds": self.special_funds.data,
            "self_raised_committed": self.self_raised_committed.data,
            "budget": self.budget_lines(),
            "indicators": self.indicator_inputs(),
        }

    def fill(self, application: Application) -> None:
        for name in (
            "title",
            "industry",
            "summary",
            "start_date",
            "end_date",
            "special_funds",
            "self_raised_committed",
        ):
            getattr(self, name).data = getattr(application, name)
        lines = {b.category.value: b for b in application.budget_lines}
        for category, entry in zip(BUDGET_CATEGORIES, self.budget_rows, strict=True):
            if category in lines:
                entry.form.special.data = lines[category].special
                entry.form.self_raised.data = lines[category].self_raised
        for entry, ind in zip(self.indicator_rows, application.indicators, strict=False):
            row = entry.form
            row.key.data, row.name.data, row.unit.data = ind.key, ind.name, ind.unit
            row.target.data, row.weight.data = ind.target, ind.weight


def _render_form(form: ApplicationForm, call: Call, application: Application | None, status: int = 200):
    rows = list(zip(BUDGET_CATEGORIES, form.budget_rows, strict=True))
    return render_template(
        "web/application_form.html", form=form, call=call, application=application, budget_rows=rows
    ), status


@bp.route("/calls/<int:call_id>/apply", methods=["GET", "POST"])
@login_required
def new_application(call_id: int):
    call = call_for(can_apply, call_id)
    form = ApplicationForm()
    created: list[Application] = []
    if form.validate_on_submit():
        # The service checks the whole (ApplicationIn's fields, validated as the registration).
        data = ApplicationIn.model_construct(call_id=call.id, **form.values())
        if apply(form, lambda: created.append(forms.create_application(current_user, data))):
            saved()
            return redirect(url_for("web.application_page", application_id=created[0].id))
    return _render_form(form, call, None, 422 if request.method == "POST" else 200)


@application_route("/edit", methods=["GET", "POST"])
def edit_application(application: Application):
    if not can_edit_application(current_user, application):
        abort(403)
    form = ApplicationForm()
    if request.method == "GET":
        form.fill(application)
    elif form.validate_on_submit():
        data = ApplicationPatchIn.model_construct(version=None, **form.values())
        if apply(form, lambda: forms.update_application(current_user, application, data)):
            saved()
            return redirect(url_for("web.application_page", application_id=application.id))
    return _render_form(form, application.call, application, 422 if request.method == "POST" else 200)


# --- lists and the application page -----------------------------------------------------------


@bp.route("/applications")
@login_required
def applications_page():
    raw = request.args.get("state") or None
    state = ApplicationState(raw) if raw in ApplicationState.__members__ else None
    query, count = lists.application_query(current_user, state=state)
    total = db.session.scalar(count)
    page = int_arg("page", 1)
    rows = list(
        db.session.scalars(
            query.options(joinedload(Application.organization), joinedload(Application.call))
            .limit(PER_PAGE)
            .offset((page - 1) * PER_PAGE)
        )
    )
    return render_template(
        "web/applications.html",
        applications=rows,
        state=state,
        **paging(total, page, PER_PAGE),
        staff=can_check_applications(current_user),
    )


class TriggerForm(PageForm):
    trigger = HiddenField(validators=[DataRequired()])
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=5000)])
    notice_until = DateField(_l("Notice until"), validators=[Optional()])
    code = StringField(_l("Project code"), validators=[Optional(), Length(max=64)])
    special_funds = MoneyField(_l("Granted special funds (yuan)"), validators=[Optional()])


class UploadForm(PageForm):
    kind = SelectField(_l("Kind"), choices=choices(labels.ATTACHMENT_KINDS), validators=[DataRequired()])
    file = FileField(_l("File"), validators=[FileRequired(_l("Choose a file to upload."))])


class PanelChoiceForm(PageForm):
    seed = StringField(_l("Seed (optional)"), validators=[Optional(), Length(max=64)])


def _experts_for(application: Application) -> list[dict]:
    experts = db.session.scalars(
        select(User)
        .join(ExpertProfile, ExpertProfile.user_id == User.id)
        .options(selectinload(User.expert).selectinload(ExpertProfile.conflicts))
        .where(User.role == Role.expert, User.active.is_(True))
        .order_by(User.display_name, User.id)
    )
    return [{"user": e, "conflicted": is_conflicted(e, application.organization_id)} for e in experts]


def _render_application(application: Application, trigger_form=None, upload_form=None, status: int = 200):
    rules, today = settings(), date.today()
    staff = can_check_applications(current_user)
    detail = view.application_detail(application, current_user, rules, today)
    panel = review.panel_of(application) if current_user.role != Role.owner else None
    scores = None
    if panel is not None and (staff or can_review(current_user)):
        try:
            scores = review.scores_view(current_user, application)
        except (NotFound, Forbidden):
            scores = None
    elif current_user.role == Role.owner and application.score is not None:
        scores = review.scores_view(current_user, application) if review.panel_of(application) else None
    return render_template(
        "web/application.html",
        application=application,
        detail=detail,
        staff=staff,
        panel=panel,
        scores=scores,
        experts=_experts_for(application) if staff and application.state in REVIEW_PANEL_OPEN else [],
        can_edit=can_edit_application(current_user, application),
        editable_states=EDITABLE_APPLICATION_STATES,
        trigger_form=trigger_form or TriggerForm(formdata=None),
        upload_form=upload_form or UploadForm(formdata=None),
        panel_form=PanelChoiceForm(formdata=None),
        today=today,
    ), status


@application_route()
def application_page(application: Application):
    return _render_application(application)


@application_route("/transition", methods=["POST"])
def application_transition(application: Application):
    form = TriggerForm()
    if form.validate_on_submit():
        params = {
            k: v
            for k, v in {
                "comment": form.comment.data,
                "notice_until": form.notice_until.data,
                "code": form.code.data,
                "special_funds": form.special_funds.data,
                "responsible_staff_id": current_user.id if form.trigger.data == "approve" else None,
            }.items()
            if v not in (None, "")
        }
        outcome = []

        def fire():
            outcome.append(
                machine.transition(application, form.trigger.data, current_user, settings(), date.today(), params)
            )

        if apply(form, fire):
            flash(_("Done: %(action)s.", action=labels.label("application_trigger", form.trigger.data)), "success")
            if outcome[0].project is not None:
                return redirect(url_for("web.project", project_id=outcome[0].project.id))
            return redirect(url_for("web.application_page", application_id=application.id))
    db.session.refresh(application)
    return _render_application(application, trigger_form=form, status=422)


@application_route("/attachments", methods=["POST"])
def application_attachment(application: Application):
    form = UploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        if apply(
            form,
            lambda: forms.add_attachment(
                current_user,
                application,
                form.kind.data,
                upload.filename,
                upload.stream,
                max_bytes=current_app.config["ATTACHMENT_MAX_BYTES"],
                directory=storage_dir(),
            ),
        ):
            saved()
            return redirect(url_for("web.application_page", application_id=application.id))
    return _render_application(application, upload_form=form, status=422)


@application_route("/panel", methods=["POST"])
def application_panel(application: Application):
    if not can_check_applications(current_user):
        abort(403)
    form = PanelChoiceForm()
    ids = [int(i) for i in request.form.getlist("expert_ids") if i.isascii() and i.isdigit()]
    if form.validate_on_submit():
        draw = request.form.get("action") == "draw"
        spec = {"seed": (form.seed.data or "").strip() or None} if draw else None

        def choose():
            review.set_review_panel(
                current_user, application, settings(), date.today(), expert_ids=None if draw else ids, draw_spec=spec
            )

        if apply(form, choose):
            saved()
            return redirect(url_for("web.application_page", application_id=application.id) + "#panel")
    return _render_application(application, status=422)


# --- the expert's scoresheet ------------------------------------------------------------------


@application_route("/score", methods=["GET", "POST"])
def application_score(application: Application):
    if not can_review(current_user):
        abort(403)
    try:
        member = review.member_of(current_user, application)
    except Forbidden:
        abort(403)
    sheet = review.scoresheet()
    frozen = member.panel.concluded or application.state != ApplicationState.under_review
    if request.method == "GET":
        form = score_form(sheet, data=_previous(member))
    else:
        form = score_form(sheet)
        scores = {c.key: (form[f"score_{c.key}"].data or "").strip() for c in sheet}
        scores = {k: v for k, v in scores.items() if v}
        if form.validate_on_submit() and apply(
            form,
            lambda: review.submit_score(
                current_user,
                application,
                scores,
                form.recommendation.data,
                bool(form.integrity_concern.data),
                form.comment.data or "",
            ),
        ):
            flash(_("Your scores are saved. You can change them until the review is concluded."), "success")
            return redirect(url_for("web.application_score", application_id=application.id))
    form.recommendation.choices = [
        SelectChoice("", "—"),
        SelectChoice("pass", _("Recommend funding")),
        SelectChoice("fail", _("Do not recommend")),
    ]
    return render_template(
        "web/application_score.html",
        application=application,
        sheet=sheet,
        form=form,
        frozen=frozen,
        total=sum((Decimal(v) for v in (member.score.scores.values() if member.score else [])), Decimal(0)),
    ), (200 if request.method == "GET" else 422)


@bp.app_template_global()
def application_reviews() -> list:
    """The expert's approval reviews, for the reviews page beside the acceptance panels."""
    if not current_user.is_authenticated or not can_review(current_user):
        return []
    return list(db.session.execute(review.review_query(current_user)).tuples())


@bp.app_template_global()
def open_calls_now() -> list:
    """The calls open today: owners see them on their start page."""
    return calls.open_calls(date.today()) if current_user.is_authenticated and can_apply(current_user) else []


@bp.app_template_global()
def application_radar() -> dict:
    """The radar's application-side items, for staff: read once per data version and day."""
    if not current_user.is_authenticated or not can_check_applications(current_user):
        return {}
    today = date.today()
    return cached(
        ("application_radar", today),
        lambda: {"checks": radar.waiting_checks(today), "scores": radar.late_scores(today)},
    )
