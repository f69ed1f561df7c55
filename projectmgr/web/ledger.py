"""The target ledger's pages (目标台账): the year's tree with progress and status, a target with its
entries (progress by hand with an evidence file), exports and imports."""

from datetime import date

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from flask_login import current_user
from flask_wtf.file import FileField
from markupsafe import Markup
from sqlalchemy import select
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from .. import labels
from ..audit.log import recorded_import
from ..downloads import xlsx_response
from ..errors import DomainError
from ..extensions import db
from ..models import User
from ..permissions import can_export, can_import_ledger, can_keep_ledger, can_read_ledger, require
from ..services import excel, settings
from ..services import ledger as service
from ..summary_cache import cached
from ..unit_of_work import committing
from . import allowed, apply, bp, failed_status, int_arg, saved
from .charts import ledger_progress
from .forms import DecimalTextField, PageForm


class TargetForm(PageForm):
    title = StringField(_lp("ledger", "Target"), validators=[DataRequired(), Length(max=300)])
    unit = StringField(_l("Unit"), validators=[DataRequired(), Length(max=40)])
    target_value = DecimalTextField(_l("Target value"), positive=True)
    parent_id = SelectField(_l("Part of"), choices=[], validate_choice=False)
    responsible_id = SelectField(_l("Responsible officer"), choices=[], validate_choice=False)
    metric = SelectField(_l("Progress"), choices=[], validate_choice=False)
    cumulative = BooleanField(_l("Cumulative (a count growing through the year)"), default=True)
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=5000)])


class ProgressForm(PageForm):
    value = DecimalTextField(_l("Value reached so far"))
    recorded_on = DateField(_l("As of"), validators=[DataRequired()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=5000)])
    file = FileField(_l("Evidence (PDF, image or Office document)"))


class UploadForm(PageForm):
    file = FileField(_l(".xlsx file"))


def _years() -> list[int]:
    """The years that have targets, newest first (once per data version)."""
    return cached(("ledger_years",), service.years)


def _year() -> int:
    chosen = int_arg("year", 0, 2000, 2100)
    if chosen:
        return chosen
    years = _years()
    today = date.today().year
    return today if today in years or not years else years[0]


def _fill(form: TargetForm, year: int, target=None) -> None:
    staff = db.session.scalars(select(User).where(User.role.in_(("staff", "admin"))).order_by(User.id)).all()
    form.responsible_id.choices = [("", "—")] + [(str(u.id), u.display_name) for u in staff]
    views = service.flatten(service.ledger(year, date.today(), settings()))
    form.parent_id.choices = [("", _("— (a top-level target)"))] + [
        (str(v.target.id), "　" * v.depth + v.target.title) for v in views if target is None or v.target.id != target.id
    ]
    form.metric.choices = [("", _("Entered by hand"))] + [
        (k, _("Computed: %(m)s", m=m.label)) for k, m in service.METRICS.items()
    ]


def _ids(form: TargetForm) -> dict | None:
    """The form's parent and responsible ids; None (with an error beside the field) if one is not a number."""
    ids = {}
    for name in ("parent_id", "responsible_id"):
        field = getattr(form, name)
        try:
            ids[name] = int(field.data) if field.data not in (None, "") else None
        except (TypeError, ValueError):
            field.errors = [*field.errors, _("Not a whole number.")]
    return ids if len(ids) == 2 else None


def _input(form: TargetForm, year: int, ids: dict) -> service.TargetInput:
    return service.TargetInput(
        year=year,
        title=form.title.data,
        unit=form.unit.data,
        target_value=form.target_value.data,
        parent_id=ids["parent_id"],
        responsible_id=ids["responsible_id"],
        metric=form.metric.data or None,
        cumulative=form.cumulative.data,
        note=form.note.data or None,
    )


@bp.route("/ledger")
@allowed(can_read_ledger)
def ledger():
    year, today = _year(), date.today()
    # The tree, its counts and its chart are the same for every reader: drawn once per data
    # version, year, day and language (projectmgr.summary_cache).
    table = cached(("ledger_table", year, today, str(get_locale())), lambda: _ledger_table(year, today))
    return render_template(
        "web/ledger.html",
        year=year,
        years=sorted(set(_years()) | {today.year, year}, reverse=True),
        table=table,
        upload=UploadForm(),
        today=today,
    )


def _ledger_table(year: int, today: date) -> Markup:
    flat = service.flatten(service.ledger(year, today, settings()))
    counts = {s: sum(1 for v in flat if v.status == s) for s in labels.LEDGER_STATUS}
    return Markup(
        render_template(
            "web/_ledger_table.html",
            rows=flat,
            counts=counts,
            status_labels=labels.LEDGER_STATUS,
            metrics=service.METRICS,
            chart=ledger_progress(flat),
        )
    )


@bp.route("/ledger/targets/new", methods=["GET", "POST"])
@allowed(can_keep_ledger)
def ledger_new_target():
    year = _year()
    form = TargetForm()
    _fill(form, year)
    if request.method == "GET" and request.args.get("parent"):
        form.parent_id.data = request.args["parent"]
    if form.validate_on_submit() and (ids := _ids(form)) is not None:
        data = _input(form, year, ids)
        created = []
        if apply(form, lambda: created.append(service.create_target(current_user, data))):
            saved()
            return redirect(url_for("web.ledger_target", target_id=created[0].id))
    return render_template("web/ledger_target_form.html", form=form, year=year)


@bp.route("/ledger/targets/<int:target_id>/edit", methods=["GET", "POST"])
@allowed(can_keep_ledger)
def ledger_edit_target(target_id: int):
    """Change a target's title, unit, value, place in the tree, officer, progress source or note
    (its year is changed through the API or an Excel import)."""
    target = service.find_target(target_id)
    form = TargetForm()
    _fill(form, target.year, target)
    if request.method == "GET":
        form.title.data, form.unit.data, form.note.data = target.title, target.unit, target.note
        form.target_value.data = target.target_value
        form.parent_id.data = str(target.parent_id or "")
        form.responsible_id.data = str(target.responsible_id or "")
        form.metric.data = target.metric or ""
        form.cumulative.data = target.cumulative
    if form.validate_on_submit() and (ids := _ids(form)) is not None:
        data = _input(form, target.year, ids)
        if apply(form, lambda: service.update_target(current_user, target, data)):
            saved()
            return redirect(url_for("web.ledger_target", target_id=target.id))
    status = failed_status() if request.method == "POST" else 200
    return render_template("web/ledger_target_form.html", form=form, year=target.year, target=target), status


@bp.route("/ledger/targets/<int:target_id>", methods=["GET", "POST"])
@allowed(can_read_ledger)
def ledger_target(target_id: int):
    target = service.find_target(target_id)
    form = ProgressForm()
    if request.method == "GET":
        form.recorded_on.data = min(date.today(), date(target.year, 12, 31))
    if request.method == "POST":
        require(can_keep_ledger(current_user), _("Only bureau staff keep the target ledger."))
        if form.validate_on_submit():
            upload = form.file.data
            evidence = {"filename": upload.filename, "stream": upload.stream} if upload else {}
            if apply(
                form,
                lambda: service.add_progress(
                    current_user, target, form.value.data, form.note.data or "", form.recorded_on.data, **evidence
                ),
            ):
                saved()
                return redirect(url_for("web.ledger_target", target_id=target.id))
    view = service.view_of(target, date.today(), settings())
    if view is None:  # not in its year's tree (a parent of another year)
        abort(404)
    return render_template(
        "web/ledger_target.html",
        v=view,
        t=target,
        form=form,
        status_labels=labels.LEDGER_STATUS,
        metric=service.METRICS.get(target.metric) if target.metric else None,
        entries=list(reversed(target.entries)),
    )


@bp.route("/ledger/evidence/<int:entry_id>")
@allowed(can_read_ledger)
def ledger_evidence(entry_id: int):
    entry = service.find_entry(entry_id)
    return send_file(
        service.evidence_dir() / entry.evidence_stored_name,
        mimetype=entry.evidence_content_type,
        as_attachment=True,
        download_name=entry.evidence_filename,
    )


@bp.route("/ledger/export.xlsx")
@allowed(can_export)
def ledger_export():
    year = _year()
    stream = excel.export_ledger(year, date.today(), settings(), excel.current_lang())
    return xlsx_response(stream, f"ledger-{year}.xlsx")


@bp.route("/ledger/import", methods=["POST"])
@allowed(can_import_ledger)
def ledger_import():
    form = UploadForm()
    year = _year()
    if not form.validate_on_submit() or not form.file.data:
        flash(_("Choose an .xlsx file."), "error")
        return redirect(url_for("web.ledger", year=year))
    try:
        with committing():
            result = recorded_import(
                "ledger",
                current_user,
                lambda: excel.import_ledger(current_user, form.file.data.stream, date.today(), settings()),
            )
    except DomainError as exc:
        return render_template("web/import_errors.html", error=exc, back=url_for("web.ledger", year=year)), 422
    flash(
        _(
            "Ledger imported: %(u)s updated, %(c)s added, %(e)s progress entries.",
            u=result["updated"],
            c=result["created"],
            e=result["progress_entries"],
        ),
        "success",
    )
    return redirect(url_for("web.ledger", year=year))
