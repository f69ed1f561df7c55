"""Moving in (API.md "Moving in"): a bureau's own workbooks, with projects already under way.
reading (xlsx and csv, the header found), fields (what columns map to, from the bureau's words),
values (amounts, dates, periods, states, levels as bureaus write them), preview (each problem at
its cell; writes nothing), commit (all or nothing), store (the three steps both faces walk)."""

from .fields import FIELDS
from .preview import Mapping, Preview
from .store import (
    commit,
    current_preview,
    default_choices,
    earlier_import,
    fill_credit_code,
    find_workbook,
    organizations_without_code,
    saved_mapping,
    set_mapping,
    sheets_json,
    upload,
)

__all__ = [
    "FIELDS",
    "Mapping",
    "Preview",
    "commit",
    "current_preview",
    "default_choices",
    "earlier_import",
    "fill_credit_code",
    "find_workbook",
    "organizations_without_code",
    "saved_mapping",
    "set_mapping",
    "sheets_json",
    "upload",
]
