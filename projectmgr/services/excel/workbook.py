"""Workbook I/O: writing an export to a temporary file and sending it, opening an uploaded workbook,
reading its sheets into rows, and the cell positions import errors are reported at."""

import tempfile
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from xml.etree.ElementTree import ParseError

from flask_babel import force_locale, get_locale, ngettext
from flask_babel import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from ...errors import ValidationFailed
from ...labels import label
from .columns import SHEETS


def current_lang() -> str:
    """zh or en: the page's language when there is a request, else Chinese (the bureau's)."""
    try:
        locale = get_locale()
        return "en" if locale is not None and locale.language == "en" else "zh"
    except (RuntimeError, AttributeError):
        return "zh"


def heading(col, lang: str) -> str:
    return col[1] if lang == "zh" else col[2]


def word(kind: str, value: str, lang: str) -> str:
    """A domain key as a Chinese export shows it (the catalog's label); an English export keeps the key."""
    if lang != "zh":
        return value
    with force_locale("zh"):
        return label(kind, value)


def new_book() -> Workbook:
    return Workbook(write_only=True)


def save(wb: Workbook):
    """Save to a temporary file (deleted on close) and return it rewound, for send_file."""
    out = tempfile.TemporaryFile(suffix=".xlsx")
    wb.save(out)
    out.seek(0)
    return out


def money(value: Decimal | None):
    return None if value is None else float(value) if value == value.quantize(Decimal("0.01")) else str(value)


def number(value: Decimal | None):
    if value is None:
        return None
    value = value.normalize()
    return int(value) if value == value.to_integral_value() else float(value)


@dataclass
class Cell:
    sheet: str
    row: int
    column: str | None  # the letter
    header: str | None

    def error(self, message: str) -> dict:
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "header": self.header, "message": message}


@dataclass
class SheetRow:
    sheet: str
    row: int
    values: dict
    positions: dict  # key -> (letter, header)

    def cell(self, key: str | None) -> Cell:
        letter, header = self.positions.get(key, (None, None)) if key else (None, None)
        return Cell(self.sheet, self.row, letter, header)


class ImportRefused(ValidationFailed):
    """Every error of a refused import: details = [{sheet, row, column, header, message}]."""

    def __init__(self, details: list[dict]):
        super().__init__(
            details,
            ngettext(
                "Nothing was imported: %(num)s error in the file.",
                "Nothing was imported: %(num)s errors in the file.",
                len(details),
            ),
        )


def find_sheet(wb, key: str):
    names = {n.strip(): n for n in wb.sheetnames}
    for candidate in (*SHEETS[key], key):
        if candidate in names:
            return wb[names[candidate]]
    return None


def read_sheet(ws, columns, sheet_label: str, errors: list) -> list[SheetRow]:
    rows = ws.iter_rows(values_only=True)
    header = next(rows, None) or ()
    lookup = {}
    for col in columns:
        for word in (col[0], col[1], col[2]):
            lookup[word.strip().lower()] = col[0]
    positions = {}
    for i, h in enumerate(header):
        if h is not None and str(h).strip().lower() in lookup:
            key = lookup[str(h).strip().lower()]
            positions.setdefault(key, (i, get_column_letter(i + 1), str(h).strip()))
    out = []
    missing = [c for c in columns if c[0] not in positions and c[3] != "optional"]
    required = {"code", "title", "plan_id", "organization_id", "owner_id", "start_date", "end_date"}
    required |= {"special_funds", "self_raised_committed", "category", "special", "self_raised", "key", "name"}
    required |= {"unit", "target"}
    for c in missing:
        if c[0] in required:
            errors.append(
                Cell(sheet_label, 1, None, c[1]).error(_("Missing column '%(zh)s' / '%(en)s'.", zh=c[1], en=c[2]))
            )
    for n, values in enumerate(rows, start=2):
        if values is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        data = {key: values[i] if i < len(values) else None for key, (i, _, _) in positions.items()}
        out.append(SheetRow(sheet_label, n, data, {k: (letter, h) for k, (_, letter, h) in positions.items()}))
    return out


def _not_a_workbook() -> ImportRefused:
    return ImportRefused([Cell("-", 0, None, None).error(_("The file is not an .xlsx workbook."))])


@contextmanager
def uploaded_workbook(stream):
    """An uploaded workbook, read-only, for the body of the with-block, closed when it ends.
    Read-only workbooks parse the rows lazily, so a damaged sheet fails while the body reads it:
    a file openpyxl cannot open or parse is refused as not a workbook; any other error propagates."""
    try:
        wb = load_workbook(stream, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ParseError):
        raise _not_a_workbook() from None
    try:
        yield wb
    except ParseError:
        raise _not_a_workbook() from None
    finally:
        wb.close()
