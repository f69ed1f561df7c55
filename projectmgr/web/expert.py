"""The expert reviewer's pages (my reviews, the scoresheet, declaring a conflict) and the project's
materials (attachments) that owners upload and the panel reads."""

from datetime import date
from decimal import Decimal

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from .. import labels
from ..errors import ValidationFailed
from ..extensions import db
from ..lifecycle import SCORING
from ..models import Organization, Plan, Project, Score
from ..permissions import can_record_for_project, can_review, can_score, can_see_others_scores, require
from ..services import attachments, panels
from ..services.project_view import project_detail
from . import allowed, apply, bp, failed_status
from .forms import ConflictForm, PageForm, choices
from .pages import load_project, render_project

# ---------------------------------------------------------------- my reviews


@bp.route("/reviews")
@allowed(can_review)
def reviews():
    rows = panels.review_projects(current_user)
    # Bounded queries: organizations, plans and scores of every row in one query each.
    projects = [p for p, _panel, _member in rows]
    if projects:
        db.session.scalars(select(Organization).where(Organization.id.in_({p.organization_id for p in projects}))).all()
        db.session.scalars(select(Plan).where(Plan.id.in_({p.plan_id for p in projects}))).all()
    member_ids = [m.id for _p, _panel, m in rows]
    totals = dict(db.session.execute(select(Score.member_id, Score.total).where(Score.member_id.in_(member_ids))).all())
    return render_template("web/reviews.html", rows=rows, totals=totals, today=date.today())


# ---------------------------------------------------------------- the scoresheet


def score_form(sheet, **kwargs) -> PageForm:
    """One number field per criterion (score_<key>), then recommendation, integrity flag, comment."""

    class ScoreForm(PageForm):
        recommendation = SelectField(
            _l("Recommendation"), choices=choices(labels.RECOMMENDATIONS, blank=True), validate_choice=False
        )
        integrity_concern = BooleanField(_l("Untruthful materials: the data in the materials are not true"))
        comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=20000)])

    zh = str(get_locale() or "zh") == "zh"
    for c in sheet:
        setattr(ScoreForm, f"score_{c.key}", StringField(c.name_zh if zh else c.name_en))
    return ScoreForm(**kwargs)


def _scoring_member(project_id: int):
    """The project and the caller's seat on its current panel: 404 if the project is not visible to
    them, 403 unless they are a current member who has not declared a conflict."""
    project = load_project(project_id)
    refusal = _("Only the panel's members who have not stepped aside score.")
    require(can_review(current_user), refusal)
    member = panels.member_of(current_user, project)
    require(can_score(current_user, member), refusal)
    return project, member


def points(value: Decimal) -> str:
    """20 rather than 2E+1 or 20.00."""
    return f"{value.normalize():f}"


def _frozen(project: Project, member) -> bool:
    return member.panel.concluded or project.state not in SCORING


def _previous(member) -> dict:
    """The expert's own last submission, to pre-fill the form (never anyone else's)."""
    score = member.score
    if score is None:
        return {}
    data = {f"score_{k}": f"{Decimal(v).normalize():f}" for k, v in (score.scores or {}).items()}
    data.update(
        recommendation=score.recommendation.value,
        integrity_concern=score.integrity_concern,
        comment=score.comment,
    )
    return data


def _submit(project: Project, sheet, form) -> None:
    scores = {}
    for c in sheet:
        raw = (form[f"score_{c.key}"].data or "").strip()
        if raw:
            scores[c.key] = raw
    try:
        panels.submit_score(
            current_user,
            project,
            scores,
            form.recommendation.data or "",
            bool(form.integrity_concern.data),
            form.comment.data or "",
        )
    except ValidationFailed as exc:
        # The service names fields "scores.<criterion>"; the form's fields are "score_<criterion>".
        maxima = {c.key: c.max for c in sheet}
        details = []
        for d in exc.details:
            field = d.get("field") or ""
            key = field.partition(".")[2]
            if field.startswith("scores.") and key in maxima:
                message = _("Enter a score from 0 to %(max)s, with at most two decimals.", max=points(maxima[key]))
                details.append({"field": f"score_{key}", "message": message})
            elif field == "recommendation":
                details.append({"field": "recommendation", "message": _("Choose pass, rectify or fail.")})
            else:
                details.append(d)
        raise ValidationFailed(details, _("The scores are not saved; see the messages beside the fields.")) from None


def _render_score(project: Project, member, sheet, form, conflict_form=None, status: int = 200):
    data = project_detail(project, current_user, date.today())
    concluded = member.panel.concluded
    # Blind scoring: before the conclusion the integrity check's figures would tell how many other
    # members flagged the materials, so it is left out here.
    binding = [
        c for c in data["binding_checks"] if c["key"] != "integrity" or can_see_others_scores(current_user, concluded)
    ]
    score = member.score
    return (
        render_template(
            "web/score.html",
            project=project,
            p=data,
            binding=binding,
            sheet=sheet,
            maxima={c.key: points(c.max) for c in sheet},
            sheet_total=points(sum((c.max for c in sheet), Decimal(0))),
            form=form,
            conflict_form=conflict_form or ConflictForm(formdata=None),
            frozen=_frozen(project, member),
            concluded=concluded,
            panel=member.panel,
            own_total=score.total if score is not None else None,
            submitted_at=score.updated_at if score is not None else None,
        ),
        status,
    )


@bp.route("/projects/<int:project_id>/score", methods=["GET", "POST"])
@login_required
def score(project_id: int):
    project, member = _scoring_member(project_id)
    sheet = panels.scoresheet(project)
    if request.method == "GET":
        return _render_score(project, member, sheet, score_form(sheet, data=_previous(member)))
    form = score_form(sheet)
    if form.validate_on_submit() and apply(form, lambda: _submit(project, sheet, form)):
        flash(_("Your scores are saved. You can change them until the acceptance is concluded."), "success")
        return redirect(url_for("web.score", project_id=project.id))
    db.session.refresh(project)
    return _render_score(project, member, sheet, form, status=409 if _frozen(project, member) else 422)


@bp.route("/projects/<int:project_id>/conflict", methods=["POST"])
@login_required
def declare_conflict(project_id: int):
    project, member = _scoring_member(project_id)
    form = ConflictForm()
    if form.validate_on_submit() and apply(
        form, lambda: panels.declare_conflict(current_user, project, form.reason.data)
    ):
        flash(_("Your conflict of interest is recorded; the bureau will replace you on this panel."), "success")
        return redirect(url_for("web.reviews"))
    sheet = panels.scoresheet(project)
    status = 409 if _frozen(project, member) else 422
    return _render_score(project, member, sheet, score_form(sheet, data=_previous(member)), form, status)


# ---------------------------------------------------------------- attachments


class AttachmentForm(PageForm):
    file = FileField(_l("File"), validators=[FileRequired(_l("Choose a file to upload."))])


REFUSALS = {
    "empty": _l("The file is empty."),
    "too_large": _l("The file is larger than %(mb)s MB."),
    "type": _l("Only PDF, PNG, JPEG and Word, Excel or PowerPoint documents are accepted (checked by content)."),
}


@bp.app_template_global()
def project_attachments(project: Project):
    return attachments.attachments_of(project)


@bp.app_template_global()
def new_attachment_form():
    return AttachmentForm(formdata=None)


@bp.app_template_global()
def can_attach(project: Project) -> bool:
    return current_user.is_authenticated and can_record_for_project(current_user, project)


def _store(project: Project, upload) -> None:
    limit = current_app.config["ATTACHMENT_MAX_BYTES"]
    try:
        attachments.add_attachment(
            current_user,
            project,
            upload.filename,
            upload.stream,
            max_bytes=limit,
            directory=attachments.storage_dir(),
        )
    except ValidationFailed as exc:
        details = [
            {"field": "file", "message": str(REFUSALS[d["code"]]) % {"mb": f"{limit / 1024 / 1024:g}"}}
            if d.get("code") in REFUSALS
            else d
            for d in exc.details
        ]
        raise ValidationFailed(details, _("The file was not attached.")) from None


@bp.route("/projects/<int:project_id>/attachments", methods=["POST"])
@login_required
def upload_attachment(project_id: int):
    project = load_project(project_id)
    require(can_record_for_project(current_user, project), _("Only the project's owner attaches files."))
    form = AttachmentForm()
    if form.validate_on_submit() and apply(form, lambda: _store(project, form.file.data)):
        flash(_("The file is attached."), "success")
        return redirect(url_for("web.project", project_id=project.id) + "#attachments")
    return render_project(project, failed_status(), attachment_form=form)


@bp.route("/attachments/<int:attachment_id>")
@login_required
def download_attachment(attachment_id: int):
    attachment = attachments.find_attachment(current_user, attachment_id)
    path = attachments.file_path(attachment, attachments.storage_dir())
    if not path.is_file():
        abort(404)
    response = send_file(
        path,
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachments.download_name(attachment),
        etag=attachment.sha256,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-cache"
    return response
