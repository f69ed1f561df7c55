"""Project pages shared by every role: the list, the project page, transitions, funds, reports."""

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from .. import labels
from ..extensions import db
from ..lifecycle import REPORT_WINDOWS
from ..models import Flag, Level, Project, ReportKind, State
from ..permissions import can_apply
from ..services import funds, project_history, settings
from ..services.project_list import filters_key, page_start, project_rows, project_total, scope_of
from ..services.project_view import project_detail
from ..services.projects import ProjectFilters, find_project
from ..services.transitions import transition, trigger_choices
from ..summary_cache import cached
from . import apply, bp, failed_status, int_arg, saved
from .diagram import lifecycle_svg
from .forms import (
    DisbursementForm,
    EmptyForm,
    ExpenditureForm,
    ExtensionForm,
    SelfRaisedForm,
    TransitionForm,
)

PER_PAGE = 25


def _enum_arg(name: str, enum):
    raw = request.args.get(name) or None
    try:
        return enum(raw) if raw else None
    except ValueError:
        return None


def list_filters() -> ProjectFilters:
    """The project list's filters from the query string; a bad value is ignored."""
    return ProjectFilters(
        state=_enum_arg("state", State),
        level=_enum_arg("level", Level),
        flag=_enum_arg("flag", Flag),
        q=(request.args.get("q") or "").strip()[:100] or None,
    )


def _page() -> int:
    return int_arg("page", 1)


def load_project(project_id: int) -> Project:
    """The project if the signed-in user may see it; otherwise the 404 page (web/__init__.py)."""
    return find_project(current_user, project_id)


@bp.route("/projects")
@login_required
def projects():
    filters = list_filters()
    page = _page()
    args = {k: v for k, v in request.args.items() if k != "page"}
    # The exact total, the page's first key and the page's HTML, each made once per data version
    # for the user's scope, the filters, the page and the language (project_list, summary_cache).
    # Owners see today's open calls above the list, so whether the user may apply and the day are
    # part of the key too.
    key = ("project_list_html", scope_of(current_user), filters_key(filters), page, tuple(args.items()))
    key = (*key, str(get_locale()), can_apply(current_user), date.today())
    body = cached(key, lambda: _project_list(filters, page, args))
    return render_template("web/projects.html", body=body)


def _project_list(filters: ProjectFilters, page: int, args: dict) -> Markup:
    """The page below its header as HTML: the filters, the exact total and the page of projects."""
    total = project_total(current_user, filters)
    start = page_start(current_user, filters, page, PER_PAGE)
    rows = project_rows(current_user, filters, PER_PAGE, start).projects
    pages = max(1, -(-total // PER_PAGE))
    listing = render_template("web/_project_list.html", projects=rows, page=page, pages=pages, args=args)
    return Markup(
        render_template("web/_projects_body.html", total=total, filters=filters, listing=Markup(listing))
    )


def _choices_and_detail(project: Project, when: date) -> tuple[list, list, dict]:
    """What the user may fire (and what not yet, with why) and the project's figures, through one
    guard context: each of the project's records is read once (facts.figures)."""
    allowed, blocked = trigger_choices(project, current_user, settings(), when)
    blocked = [(t, [str(r) for r in reasons]) for t, reasons in blocked]
    return allowed, blocked, project_detail(project, current_user, when, allowed)


def render_project(project: Project, status: int = 200, **forms):
    when = date.today()
    # The same for this user, project, day and language until the next write (summary_cache).
    key = ("project_page", project.id, current_user.id, when, str(get_locale()))
    _allowed, blocked, data = cached(key, lambda: _choices_and_detail(project, when))
    history = project_history.project_rows(project.id)
    taken = [(h.from_state.value, h.to_state.value) for h in history if h.from_state]
    forms.setdefault("transition_form", TransitionForm(formdata=None, version=project.version))
    forms.setdefault("disbursement_form", DisbursementForm(formdata=None))
    forms.setdefault("self_raised_form", SelfRaisedForm(formdata=None))
    forms.setdefault("expenditure_form", ExpenditureForm(formdata=None))
    forms.setdefault("extension_form", ExtensionForm(formdata=None))
    from .extras import project_extras

    return (
        render_template(
            "web/project.html",
            project=project,
            p=data,
            history=history,
            application_history=project_history.application_rows(project.id),
            diagram=lifecycle_svg(project.state.value, taken),
            blocked=blocked,
            report_kinds=[k.value for k, states in REPORT_WINDOWS.items() if project.state in states],
            empty_form=EmptyForm(),
            today=when,
            **project_extras(project),
            **forms,
        ),
        status,
    )


@bp.route("/projects/<int:project_id>")
@login_required
def project(project_id: int):
    return render_project(load_project(project_id))


@bp.route("/projects/<int:project_id>/transition", methods=["POST"])
@login_required
def project_transition(project_id: int):
    project = load_project(project_id)
    form = TransitionForm()
    if not form.validate_on_submit():
        return render_project(project, 422, transition_form=form)
    params = {
        "comment": form.comment.data or None,
        "due_date": form.due_date.data,
        "conclusion": form.conclusion.data or None,
        "document_no": form.document_no.data or None,
        "grade": form.grade.data or None,
    }
    params = {k: v for k, v in params.items() if v is not None}
    if apply(
        form,
        lambda: transition(
            project, form.trigger.data, current_user, settings(), date.today(), params, form.version.data
        ),
    ):
        saved()
        return redirect(url_for("web.project", project_id=project.id))
    db.session.refresh(project)
    return render_project(project, failed_status(), transition_form=form)


def _funds_route(rule: str, form_cls, form_name: str):
    """A funds form's POST route, /projects/<id><rule>: the action records the valid form for the
    project, then back to the funds section; otherwise the project page again with the form's errors."""

    def decorate(action):
        @bp.route(f"/projects/<int:project_id>{rule}", methods=["POST"], endpoint=action.__name__)
        @login_required
        def record(project_id: int):
            project = load_project(project_id)
            form = form_cls()
            if form.validate_on_submit() and apply(form, lambda: action(project, form)):
                saved()
                return redirect(url_for("web.project", project_id=project.id) + "#funds")
            return render_project(project, failed_status(), **{form_name: form})

        return record

    return decorate


@_funds_route("/disbursements", DisbursementForm, "disbursement_form")
def add_disbursement(p: Project, f: DisbursementForm) -> None:
    funds.record_disbursement(current_user, p, f.date.data, f.amount.data)


@_funds_route("/self-raised", SelfRaisedForm, "self_raised_form")
def add_self_raised(p: Project, f: SelfRaisedForm) -> None:
    funds.record_self_raised(current_user, p, f.date.data, f.amount.data, f.note.data or None)


@_funds_route("/expenditures", ExpenditureForm, "expenditure_form")
def add_expenditure(p: Project, f: ExpenditureForm) -> None:
    funds.record_expenditure(
        current_user, p, f.date.data, f.category.data, f.source.data, f.amount.data, f.voucher.data or None
    )


@_funds_route("/extension", ExtensionForm, "extension_form")
def request_extension(p: Project, f: ExtensionForm) -> None:
    funds.request_extension(current_user, p, f.new_end_date.data, f.reason.data, settings(), date.today())


@bp.route("/projects/<int:project_id>/extension/<decision>", methods=["POST"])
@login_required
def decide_extension(project_id: int, decision: str):
    if decision not in ("approve", "refuse"):
        abort(404)
    project = load_project(project_id)
    form = EmptyForm()
    if form.validate_on_submit() and apply(
        form, lambda: funds.decide_extension(current_user, project, decision == "approve", settings(), date.today())
    ):
        saved()
    return redirect(url_for("web.project", project_id=project.id))


@bp.route("/projects/<int:project_id>/reports/<kind>", methods=["GET", "POST"])
@login_required
def report(project_id: int, kind: str):
    """The survey report or the acceptance report, with each indicator's achieved value."""
    try:
        report_kind = ReportKind(kind)
    except ValueError:
        abort(404)
    project = load_project(project_id)
    if funds.report_window_closed(project, report_kind):
        # Not a form to fill in and then be refused (nor a submission after the window closed):
        # back to the project, saying why in the page's words. Nothing is saved.
        state = labels.label("state", project.state.value)
        if report_kind == ReportKind.survey:
            flash(
                _("A survey report is written while the survey window is open; the project is %(state)s.", state=state),
                "error",
            )
        else:
            flash(
                _(
                    "An acceptance report is written while the project runs or is rectified; the project is %(state)s.",
                    state=state,
                ),
                "error",
            )
        return redirect(url_for("web.project", project_id=project.id))
    from .forms import report_form

    form = report_form(project, report_kind)
    if form.validate_on_submit():
        achieved = [
            (i.key, getattr(form, f"ind_{i.id}").data)
            for i in project.indicators
            if getattr(form, f"ind_{i.id}").data is not None
        ]
        separate = form.separate_account.data if report_kind == ReportKind.acceptance else None
        if apply(
            form, lambda: funds.submit_report(current_user, project, report_kind, form.summary.data, achieved, separate)
        ):
            saved()
            return redirect(url_for("web.project", project_id=project.id))
    status = failed_status() if request.method == "POST" else 200
    return render_template("web/report.html", project=project, form=form, kind=report_kind), status
