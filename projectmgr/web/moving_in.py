"""Moving in, the pages (API.md "Moving in"): upload a bureau's own workbook, map its columns and
read the preview, commit. The same services as the API; one commit per request."""

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from openpyxl.utils import column_index_from_string

from ..errors import DomainError, NotFound
from ..permissions import can_import_projects
from ..services import moving_in, settings
from ..services.moving_in.reading import read_file
from ..unit_of_work import committing
from . import allowed, bp


class UploadForm(FlaskForm):
    file = FileField()


class StepForm(FlaskForm):
    """The CSRF token of the mapping and commit forms (their columns are read from request.form)."""


def _workbook(workbook_id: int):
    try:
        return moving_in.find_workbook(current_user, workbook_id)
    except NotFound:
        abort(404)


@bp.route("/moving-in", methods=["GET", "POST"])
@allowed(can_import_projects)
def moving_in_upload():
    form = UploadForm()
    if request.method == "POST":
        upload = form.file.data if form.validate_on_submit() else None
        if not upload or not upload.filename:
            flash(_("Choose an .xlsx or .csv file."), "error")
        else:
            try:
                with committing():
                    workbook, _sheets = moving_in.upload(current_user, upload.filename, upload.read())
                    workbook_id = workbook.id
            except DomainError as exc:
                return render_template("web/import_errors.html", error=exc, back=url_for("web.moving_in_upload")), 422
            return redirect(url_for("web.moving_in_mapping", workbook_id=workbook_id))
    return render_template("moving_in/upload.html", form=form)


def _sheet_view(sheets: list[dict], chosen: str | None) -> dict | None:
    names = [s["name"] for s in sheets]
    if chosen not in names:
        chosen = next((s["name"] for s in sheets if s["header_row"]), names[0] if names else None)
    return next((s for s in sheets if s["name"] == chosen), None)


@bp.route("/moving-in/<int:workbook_id>", methods=["GET", "POST"])
@allowed(can_import_projects)
def moving_in_mapping(workbook_id: int):
    workbook = _workbook(workbook_id)
    form = StepForm()
    sheets = moving_in.sheets_json(workbook)
    saved = moving_in.saved_mapping(workbook)
    chosen = request.values.get("sheet") or (saved.sheet if saved else None)
    sheet = _sheet_view(sheets, chosen)
    if request.method == "POST" and form.validate_on_submit() and sheet is not None:
        mapping = _mapping_from_form(sheet)
        with committing():
            moving_in.set_mapping(current_user, workbook_id, mapping, date.today())
        return redirect(url_for("web.moving_in_mapping", workbook_id=workbook_id))
    preview = moving_in.current_preview(current_user, workbook_id, date.today()) if saved else None
    if preview is not None and saved.sheet != (sheet or {}).get("name"):
        preview = None  # another sheet is being looked at: map it first
    columns = dict(saved.columns) if saved and preview is not None else {}
    plans, staff = moving_in.default_choices()
    return render_template(
        "moving_in/mapping.html",
        form=form,
        workbook=workbook,
        sheets=sheets,
        sheet=sheet,
        mapping=saved if preview is not None else None,
        columns=columns,
        preview=preview,
        fields=moving_in.FIELDS,
        plans=plans,
        staff=staff,
        earlier=moving_in.earlier_import(workbook),
        sample=_sample(workbook, sheet),
    )


def _sample(workbook, sheet: dict | None) -> dict:
    """The first data row's cell under each header, to help staff recognise the columns."""
    if sheet is None or not sheet["header_row"]:
        return {}
    found = next(s for s in read_file(workbook.filename, workbook.content) if s.name == sheet["name"])
    start = sheet["header_row"] + sheet["header_rows"]
    if start > len(found.rows):
        return {}
    row = found.rows[start - 1]
    out = {}
    for c in sheet["columns"]:
        index = column_index_from_string(c["letter"]) - 1
        out[c["letter"]] = row[index] if index < len(row) else None
    return out


def _mapping_from_form(sheet: dict) -> "moving_in.Mapping":
    columns = {}
    for c in sheet["columns"]:
        value = request.form.get(f"col_{c['letter']}", "")
        columns[c["letter"]] = value or None
    unit = request.form.get("amount_unit") or None
    defaults = {}
    for key in ("plan_id", "responsible_staff_id"):
        raw = request.form.get(key, "")
        defaults[key] = int(raw) if raw.isascii() and raw.isdigit() else None
    return moving_in.Mapping(
        sheet=sheet["name"],
        columns=columns,
        header_row=sheet["header_row"],
        amount_unit=unit if unit in ("yuan", "wan") else None,
        defaults=defaults,
    )


@bp.route("/moving-in/<int:workbook_id>/commit", methods=["POST"])
@allowed(can_import_projects)
def moving_in_commit(workbook_id: int):
    _workbook(workbook_id)
    form = StepForm()
    if not form.validate_on_submit():
        abort(400)
    back = url_for("web.moving_in_mapping", workbook_id=workbook_id)
    try:
        with committing():
            result = moving_in.commit(current_user, workbook_id, date.today(), settings())
    except DomainError as exc:
        return render_template("web/import_errors.html", error=exc, back=back), 422
    count = len(result["created"]["projects"])
    flash(ngettext("%(num)s project moved in.", "%(num)s projects moved in.", count), "success")
    return render_template("moving_in/done.html", result=result, workbook_id=workbook_id)


@bp.route("/moving-in/organizations", methods=["GET", "POST"])
@allowed(can_import_projects)
def moving_in_organizations():
    """The organizations moved in without a credit code, each with a field to fill it in."""
    form = StepForm()
    problems: dict[int, str] = {}
    if request.method == "POST" and form.validate_on_submit():
        raw = request.form.get("organization_id", "")
        org_id = int(raw) if raw.isascii() and raw.isdigit() else 0
        try:
            with committing():
                org = moving_in.fill_credit_code(current_user, org_id, request.form.get("credit_code", ""))
                name = org.name
        except NotFound:
            abort(404)
        except DomainError as exc:
            problems[org_id] = exc.details[0]["message"] if exc.details else exc.message
        else:
            flash(_("Credit code of %(name)s saved.", name=name), "success")
            return redirect(url_for("web.moving_in_organizations"))
    return render_template(
        "moving_in/organizations.html",
        form=form,
        organizations=moving_in.organizations_without_code(),
        problems=problems,
    ), (422 if problems else 200)
