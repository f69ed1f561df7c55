"""The annual evaluation's pages (年终考评): run the year, confirm or change each grade, the report;
and the project import (Excel) with its template."""

from datetime import date
from types import SimpleNamespace

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf.file import FileField
from sqlalchemy import func, select
from wtforms import SelectField, TextAreaField
from wtforms.validators import Length, Optional

from .. import labels
from ..audit.log import recorded_import
from ..downloads import xlsx_response
from ..errors import DomainError
from ..extensions import db
from ..models import Flag, Level
from ..permissions import can_export, can_import_projects, can_read_evaluation, can_run_evaluation, require
from ..services import evaluation as service
from ..services import excel, settings
from ..unit_of_work import committing
from . import allowed, apply, bp, int_arg, paging
from .charts import grade_distribution
from .forms import PageForm
from .pages import PER_PAGE, _enum_arg, _page, list_filters


class ConfirmForm(PageForm):
    grade = SelectField(_l("Grade"), choices=[], validate_choice=False)
    reason = TextAreaField(
        _l("Reason (required when the grade differs from the proposal)"), validators=[Optional(), Length(max=5000)]
    )


class RunForm(PageForm):
    pass


class ImportForm(PageForm):
    file = FileField(_l(".xlsx file"))


def _year() -> int:
    return int_arg("year", date.today().year, 2000, 2100)


@bp.route("/evaluation")
@allowed(can_read_evaluation)
def evaluation():
    year = _year()
    query = service.evaluations_query(year)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    page = _page()
    rows = db.session.scalars(query.limit(PER_PAGE).offset((page - 1) * PER_PAGE)).unique().all()
    report = service.year_report(year)
    form = ConfirmForm()
    form.grade.choices = [(k, str(v)) for k, v in labels.GRADES.items()]
    return render_template(
        "web/evaluation.html",
        year=year,
        rows=rows,
        **paging(total, page, PER_PAGE),
        report=report,
        chart=grade_distribution(report.by_grade),
        run_form=RunForm(),
        form=form,
        args={"year": year},
        weights=_weights(),
    )


def _weights() -> SimpleNamespace:
    """The evaluation's settings as the page states them (the weights as percentages)."""
    rules = settings()

    def pct(weight) -> str:
        return f"{(weight * 100).normalize():f}%"

    return SimpleNamespace(
        on_time=pct(rules.evaluation_weight_on_time),
        survey=pct(rules.evaluation_weight_survey),
        indicators=pct(rules.evaluation_weight_indicators),
        execution=pct(rules.evaluation_weight_execution),
        excellent=f"{rules.evaluation_excellent_from.normalize():f}",
        good=f"{rules.evaluation_good_from.normalize():f}",
        pass_=f"{rules.evaluation_pass_from.normalize():f}",
    )


@bp.route("/evaluation/run", methods=["POST"])
@allowed(can_run_evaluation)
def evaluation_run():
    year = _year()
    evaluations: list = []
    if RunForm().validate_on_submit() and apply(
        None, lambda: evaluations.extend(service.run_evaluation(current_user, year, date.today(), settings()))
    ):
        flash(
            ngettext(
                "%(num)s project evaluated for %(y)s.",
                "%(num)s projects evaluated for %(y)s.",
                len(evaluations),
                y=year,
            ),
            "success",
        )
    return redirect(url_for("web.evaluation", year=year))


@bp.route("/evaluation/<int:evaluation_id>", methods=["GET", "POST"])
@allowed(can_read_evaluation)
def evaluation_detail(evaluation_id: int):
    ev = service.find_evaluation(evaluation_id)
    form = ConfirmForm()
    form.grade.choices = [(k, str(v)) for k, v in labels.GRADES.items()]
    if request.method == "GET":
        form.grade.data = (ev.grade or ev.proposed_grade).value
    if request.method == "POST":
        require(can_run_evaluation(current_user), _("Only bureau staff confirm grades."))
        if form.validate_on_submit() and apply(
            form,
            lambda: service.confirm(current_user, ev, form.grade.data, form.reason.data, date.today(), settings()),
        ):
            flash(_("Saved."), "success")
            return redirect(url_for("web.evaluation", year=ev.year))
    return render_template("web/evaluation_detail.html", ev=ev, form=form)


@bp.route("/evaluation/export.xlsx")
@allowed(can_export)
def evaluation_export():
    year = _year()
    stream = excel.export_evaluation(year, excel.current_lang())
    return xlsx_response(stream, f"evaluation-{year}.xlsx")


@bp.route("/projects/export.xlsx")
@allowed(can_export)
def projects_export():
    filters = list_filters()
    stream = excel.export_projects(current_user, filters, excel.current_lang())
    return xlsx_response(stream, "projects.xlsx")


@bp.route("/overdue/export.xlsx")
@allowed(can_export)
def overdue_export():
    flag = _enum_arg("flag", Flag)
    stream = excel.export_overdue(
        current_user,
        date.today(),
        excel.current_lang(),
        level=_enum_arg("level", Level),
        kind=None,
        flag=flag.value if flag else None,
    )
    return xlsx_response(stream, "overdue.xlsx")


@bp.route("/projects/import", methods=["GET", "POST"])
@allowed(can_import_projects)
def projects_import():
    form = ImportForm()
    if request.method == "POST":
        if not form.validate_on_submit() or not form.file.data:
            flash(_("Choose an .xlsx file."), "error")
        else:
            try:
                with committing():
                    result = recorded_import(
                        "projects",
                        current_user,
                        lambda: excel.import_projects(current_user, form.file.data.stream, settings(), date.today()),
                    )
            except DomainError as exc:
                return render_template("web/import_errors.html", error=exc, back=url_for("web.projects_import")), 422
            flash(ngettext("%(num)s project imported.", "%(num)s projects imported.", len(result.created)), "success")
            return redirect(url_for("web.projects"))
    return render_template("web/projects_import.html", form=form)


@bp.route("/projects/import/template.xlsx")
@allowed(can_import_projects)
def projects_import_template():
    stream = excel.template(excel.current_lang())
    return xlsx_response(stream, "projects-template.xlsx")
