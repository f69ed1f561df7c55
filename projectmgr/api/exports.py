"""Excel exports and imports (.xlsx). File downloads are declared here with the same bearer auth,
error bodies and OpenAPI entries as every other route."""

from functools import wraps

from flask import g, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..audit.log import recorded_import
from ..downloads import xlsx_response
from ..errors import DomainError, Forbidden, ValidationFailed
from ..extensions import db
from ..models import DueKind, Flag, Level
from ..permissions import READERS, STAFF, Roles
from ..services import excel, settings
from .core import (
    ENDPOINTS,
    Endpoint,
    as_of,
    bearer_user,
    bp,
    error_response,
    q_enum,
    q_year,
    tagged_route,
    view_summary,
)
from .projects import project_filters

route = tagged_route("excel")

EXPORTERS = READERS.refusing(_l("Exports are for bureau staff and leaders."))
LANG = {"lang": "zh|en: header language (default: the caller's locale, else zh)"}


def _lang() -> str:
    raw = request.args.get("lang")
    if raw in ("zh", "en"):
        return raw
    return excel.current_lang()


def file_route(rule: str, *, tag: str = "excel", query: dict | None = None, roles: Roles = EXPORTERS):
    """A GET that answers with an .xlsx file (or the documented error body); the summary is the
    view's (view_summary)."""

    def decorate(fn):
        @wraps(fn)
        def view(**kwargs):
            try:
                g.api_user = user = bearer_user()
                if not roles.admits(user):
                    raise Forbidden(str(roles.refusal))
                stream, name = fn(user=user, **kwargs)
            except DomainError as exc:
                db.session.rollback()
                return error_response(exc)
            db.session.rollback()  # an export writes nothing
            return xlsx_response(stream, name)

        bp.add_url_rule(rule, endpoint=fn.__name__, view_func=view, methods=["GET"])
        endpoint = Endpoint(rule, "GET", view_summary(fn), tag, None, {**(query or {}), **LANG}, True, 200, roles)
        ENDPOINTS.append(endpoint)
        return view

    return decorate


@file_route(
    "/exports/projects.xlsx",
    query={"state": "", "level": "", "plan_id": "", "organization_id": "", "flag": "", "q": ""},
)
def export_projects(user):
    """The project list with the same filters as GET /projects, with budget lines and indicators (the import template's
    layout: re-importable)"""
    filters = project_filters()
    return excel.export_projects(user, filters, _lang()), "projects.xlsx"


@file_route("/exports/overdue.xlsx", query={"as_of": "YYYY-MM-DD", "level": "", "kind": "", "flag": ""})
def export_overdue(user):
    """The overdue list (same filters and order as GET /overdue)"""
    flag = q_enum("flag", Flag)
    filters = {"level": q_enum("level", Level), "kind": q_enum("kind", DueKind), "flag": flag.value if flag else None}
    when = as_of()
    return excel.export_overdue(user, when, _lang(), **filters), f"overdue-{when.isoformat()}.xlsx"


@file_route("/exports/ledger.xlsx", query={"year": "", "as_of": "YYYY-MM-DD"})
def export_ledger(user):
    """A year's target ledger (editable and re-importable with POST /imports/ledger)"""
    when = as_of()
    year = q_year(when.year)
    return excel.export_ledger(year, when, settings(), _lang()), f"ledger-{year}.xlsx"


@file_route("/exports/evaluation.xlsx", query={"year": ""})
def export_evaluation(user):
    """A year's annual evaluation: factors, score, proposed and confirmed grades"""
    from datetime import date

    year = q_year(date.today().year)
    return excel.export_evaluation(year, _lang()), f"evaluation-{year}.xlsx"


@file_route("/imports/projects/template.xlsx")
def import_template(user):
    """The empty project import template (sheets: projects, budget lines, indicators)"""
    return excel.template(_lang()), "projects-template.xlsx"


def _upload():
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationFailed.one("file", _("Send the .xlsx file as multipart/form-data field 'file'."))
    return upload.stream


@route("/imports/projects", "POST", status=201, roles=STAFF.refusing(_l("Only bureau staff import projects.")))
def import_projects(user):
    """Import projects with budget lines and indicators from the template (multipart field `file`). All or nothing: 422
    `validation_error` with details [{sheet, row, column, header, message}]"""
    from datetime import date

    result = recorded_import("projects", user, lambda: excel.import_projects(user, _upload(), settings(), date.today()))
    return {"created": result.created, "count": len(result.created)}


@route(
    "/imports/ledger",
    "POST",
    query={"as_of": "YYYY-MM-DD"},
    roles=STAFF.refusing(_l("Only bureau staff keep the target ledger.")),
)
def import_ledger(user):
    """Apply an edited ledger export (multipart field `file`): rows with an ID update the target, rows without add one,
    a changed achieved value becomes a progress entry. All or nothing."""
    return recorded_import("ledger", user, lambda: excel.import_ledger(user, _upload(), as_of(), settings()))


for _endpoint in ENDPOINTS:
    if _endpoint.rule in ("/imports/projects", "/imports/ledger"):
        _endpoint.upload = "file"
