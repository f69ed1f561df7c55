"""Answers of moving in (api/moving_in.py): the uploaded workbook's sheets, the mapping's preview
and what a commit created (services.moving_in)."""

from .shapes import obj

SHEET = obj(
    "name:str header_row:int? header_rows?:int? columns:[{letter:str header:str suggested_field:str?}] rows:int"
)
# A problem at its cell; `value` is absent where a whole file or mapping is refused.
CELL_ERROR = obj("sheet:str row:int column:str? header:str? value?:str? message:str")
PREVIEW = obj(
    "sheet:str header_row:int? rows:[{row:int values:obj state:str?}] errors:[cell_error]"
    " would_create:{projects:int organizations:[{name:str credit_code:str?}] owners:[{name:str organization:str}]}"
    " skipped_existing:int",
    cell_error=CELL_ERROR,
)
CREATED = obj(
    "created:{projects:[str] organizations:[{id:int name:str credit_code:str?}]"
    " owners:[{id:int name:str username:str organization:str phone:str?}]} skipped_existing:int"
    " message?:str"  # when every project of the file existed already
)

RESPONSES: dict[tuple[str, str], dict] = {
    ("POST", "/imports/workbooks"): obj(
        "id:int filename:str sheets:[sheet] imported_before?:{id:int committed_at:str?}", sheet=SHEET
    ),
    ("PUT", "/imports/workbooks/<int:workbook_id>/mapping"): PREVIEW,
    ("POST", "/imports/workbooks/<int:workbook_id>/commit"): CREATED,
}
