"""Answers of moving in (api/moving_in.py): the uploaded workbook's sheets, the mapping's preview
and what a commit created (services.moving_in)."""

from .shapes import INT, OBJ, STR, array, obj, opt

SHEET = obj(
    ("name", "header_row", "columns", "rows"),
    name=STR,
    header_row=opt(INT),
    header_rows=opt(INT),
    columns=array(obj(letter=STR, header=STR, suggested_field=opt(STR))),
    rows=INT,
)
# A problem at its cell; `value` is absent where a whole file or mapping is refused.
CELL_ERROR = obj(
    ("sheet", "row", "column", "header", "message"),
    sheet=STR,
    row=INT,
    column=opt(STR),
    header=opt(STR),
    value=opt(STR),
    message=STR,
)
PREVIEW = obj(
    sheet=STR,
    header_row=opt(INT),
    rows=array(obj(row=INT, values=OBJ, state=opt(STR))),
    errors=array(CELL_ERROR),
    would_create=obj(
        projects=INT,
        organizations=array(obj(name=STR, credit_code=opt(STR))),
        owners=array(obj(name=STR, organization=STR)),
    ),
    skipped_existing=INT,
)
CREATED = obj(
    ("created", "skipped_existing"),
    created=obj(
        projects=array(STR),
        organizations=array(obj(id=INT, name=STR, credit_code=opt(STR))),
        owners=array(obj(id=INT, name=STR, username=STR, organization=STR, phone=opt(STR))),
    ),
    skipped_existing=INT,
    message=STR,  # when every project of the file existed already
)

RESPONSES: dict[tuple[str, str], dict] = {
    ("POST", "/imports/workbooks"): obj(
        ("id", "filename", "sheets"),
        id=INT,
        filename=STR,
        sheets=array(SHEET),
        imported_before=obj(id=INT, committed_at=opt(STR)),
    ),
    ("PUT", "/imports/workbooks/<int:workbook_id>/mapping"): PREVIEW,
    ("POST", "/imports/workbooks/<int:workbook_id>/commit"): CREATED,
}
