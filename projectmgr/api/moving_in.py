"""Moving in (API.md "Moving in"): upload a bureau's own workbook, map its columns and see the
preview, commit it all or nothing."""

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..errors import ValidationFailed
from ..permissions import STAFF
from ..services import moving_in, settings
from ..services.project_view import instant
from . import schemas
from .core import ENDPOINTS, as_of, tagged_route

route = tagged_route("moving in")

MOVERS = STAFF.refusing(_l("Only bureau staff import projects."))


def _file() -> tuple[str, bytes]:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationFailed.one("file", _("Send the .xlsx or .csv file as multipart/form-data field 'file'."))
    return upload.filename, upload.read()


@route("/imports/workbooks", "POST", status=201, roles=MOVERS)
def upload_workbook(user):
    """Upload a bureau's own workbook (.xlsx, or .csv in UTF-8 or GB18030; multipart field `file`): its sheets, each
    with the header row found and every column's suggested field"""
    workbook, sheets = moving_in.upload(user, *_file())
    answer = {"id": workbook.id, "filename": workbook.filename, "sheets": sheets}
    earlier = moving_in.earlier_import(workbook)
    if earlier is not None:
        answer["imported_before"] = {"id": earlier.id, "committed_at": instant(earlier.committed_at)}
    return answer


@route("/imports/workbooks/<int:workbook_id>/mapping", "PUT", query={"as_of": "YYYY-MM-DD"}, roles=MOVERS)
def map_workbook(user, workbook_id: int, data: schemas.MappingIn):
    """Choose the sheet and map its columns (remembered for the next import): the preview, every problem at its cell,
    and what a commit would create. Writes no project."""
    mapping = moving_in.Mapping(
        sheet=data.sheet,
        header_row=data.header_row,
        columns=dict(data.columns),
        amount_unit=data.amount_unit,
        defaults=data.defaults.model_dump(),
    )
    return moving_in.set_mapping(user, workbook_id, mapping, as_of()).as_json()


@route("/imports/workbooks/<int:workbook_id>/commit", "POST", query={"as_of": "YYYY-MM-DD"}, roles=MOVERS)
def commit_workbook(user, workbook_id: int):
    """Commit the mapped workbook, all or nothing: projects at their states with opening balances, due items and a
    `migrate` history row; codes that exist already are skipped. 422 `validation_error` with the preview's errors in
    details and nothing written."""
    return moving_in.commit(user, workbook_id, as_of(), settings())


for _endpoint in ENDPOINTS:
    if _endpoint.rule == "/imports/workbooks":
        _endpoint.upload = "file"
