"""The public notice (公示) every signed-in user reads, objections and their resolution, the
recommendations upward, and the Excel export of a call."""

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import BooleanField, DateField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from .. import labels
from ..downloads import xlsx_response
from ..errors import NotFound
from ..extensions import db
from ..models import Level, Organization, Outcome, Plan
from ..permissions import can_check_applications, can_read_public_notice, can_recommend
from ..schemas import RecommendationIn
from ..services import settings
from ..services.applications import notice, upward
from ..services.applications.export import call_workbook
from . import allowed, apply, bp, saved
from .applications import call_for, form_input
from .forms import MoneyField, PageForm


class ObjectionForm(PageForm):
    text = TextAreaField(_l("Objection"), validators=[DataRequired(), Length(max=20000)])


class ResolveForm(PageForm):
    upheld = BooleanField(_l("The objection is upheld"))
    comment = TextAreaField(_l("Resolution"), validators=[DataRequired(), Length(max=20000)])


@bp.route("/notice")
@allowed(can_read_public_notice)
def notice_page():
    today = date.today()
    rows = list(db.session.scalars(notice.notice_query(today)))
    return render_template("web/notice.html", rows=rows, today=today, form=ObjectionForm(formdata=None))


@bp.route("/applications/<int:application_id>/objection", methods=["POST"])
@login_required
def raise_objection(application_id: int):
    try:
        application = notice.find_for_objection(current_user, application_id)
    except NotFound:
        abort(404)
    form = ObjectionForm()
    if form.validate_on_submit() and apply(
        form, lambda: notice.raise_objection(current_user, application, form.text.data.strip(), date.today())
    ):
        flash(_("Your objection is recorded; the bureau will look into it."), "success")
    return redirect(url_for("web.notice_page"))


@bp.route("/objections/<int:objection_id>/resolve", methods=["POST"])
@allowed(can_check_applications)
def resolve_objection(objection_id: int):
    form = ResolveForm()
    resolved = []
    if form.validate_on_submit() and apply(
        form,
        lambda: resolved.append(
            notice.resolve_objection(current_user, objection_id, bool(form.upheld.data), form.comment.data.strip())
        ),
    ):
        saved()
        return redirect(url_for("web.application_page", application_id=resolved[0].application_id))
    return redirect(request.referrer or url_for("web.applications_page"))


@bp.route("/calls/<int:call_id>/export.xlsx")
@login_required
def call_export(call_id: int):
    call = call_for(can_check_applications, call_id)
    return xlsx_response(call_workbook(current_user, call), f"call-{call.id}.xlsx")


# --- recommendations upward -------------------------------------------------------------------


class RecommendForm(PageForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    organization_id = SelectField(_l("Organization"), coerce=int, validators=[DataRequired()])
    level = SelectField(
        _l("Level"),
        choices=[SelectChoice(k, labels.LEVELS[k]) for k in ("provincial", "national")],
        validators=[DataRequired()],
    )
    programme = StringField(_l("Programme"), validators=[DataRequired(), Length(max=200)])
    year = IntegerField(_l("Year"), validators=[InputRequired(), NumberRange(2000, 2100)])
    submitted_on = DateField(_l("Submitted on"), validators=[InputRequired()])


class OutcomeForm(PageForm):
    outcome = SelectField(_l("Outcome"), choices=[SelectChoice(o.value, labels.OUTCOMES[o.value]) for o in Outcome])
    document_no = StringField(_l("Document number"), validators=[DataRequired(), Length(max=100)])
    plan_id = SelectField(_l("Plan (registers the project)"), coerce=lambda v: int(v) if v else None)
    code = StringField(_l("Project code"), validators=[Optional(), Length(max=64)])
    special_funds = MoneyField(_l("Special funds granted (yuan)"), validators=[Optional()])


def _outcome_form() -> OutcomeForm:
    form = OutcomeForm()
    plans = db.session.scalars(select(Plan).where(Plan.level != Level.municipal).order_by(Plan.year.desc(), Plan.name))
    form.plan_id.choices = [SelectChoice("", "—")] + [
        SelectChoice(p.id, f"{p.year} · {labels.label('level', p.level)} · {p.name}") for p in plans
    ]
    return form


@bp.route("/recommendations", methods=["GET", "POST"])
@allowed(can_recommend)
def recommendations_page():
    form = RecommendForm()
    form.organization_id.choices = [
        (o.id, o.name) for o in db.session.scalars(select(Organization).order_by(Organization.name))
    ]
    if request.method == "GET":
        form.year.data = date.today().year
        form.submitted_on.data = date.today()
    elif form.validate_on_submit():
        data = form_input(RecommendationIn, form)  # the service checks the organization
        if apply(form, lambda: upward.recommend(current_user, data)):
            saved()
            return redirect(url_for("web.recommendations_page"))
    year = request.args.get("year", type=int) or date.today().year
    rows = list(db.session.scalars(upward.recommendation_query(year, None, None)))
    names = dict(db.session.execute(select(Organization.id, Organization.name)).all())
    return render_template(
        "web/recommendations.html",
        rows=rows,
        names=names,
        form=form,
        outcome_form=_outcome_form(),
        year=year,
        won=upward.won_in_year(year),
        registrable={r.id for r in rows if upward.registrable(r)},
    ), (422 if request.method == "POST" else 200)


@bp.route("/recommendations/<int:recommendation_id>/outcome", methods=["POST"])
@allowed(can_recommend)
def recommendation_outcome(recommendation_id: int):
    form = _outcome_form()
    try:
        row = upward.find_recommendation(recommendation_id)
    except NotFound:
        abort(404)
    if form.validate_on_submit() and apply(
        form,
        lambda: upward.record_outcome(
            current_user,
            row,
            Outcome(form.outcome.data),
            form.document_no.data.strip(),
            settings(),
            date.today(),
            plan_id=form.plan_id.data,
            code=(form.code.data or "").strip() or None,
            special_funds=form.special_funds.data,
        ),
    ):
        saved()
    return redirect(url_for("web.recommendations_page", year=row.year))
