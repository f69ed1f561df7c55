"""Workbook I/O: writing an export to a temporary file and sending it, opening an uploaded workbook,
reading its sheets into rows, and the cell positions import errors are reported at."""

import tempfile
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from xml.etree.ElementTree import ParseError

from flask import current_app, has_app_context
from flask_babel import force_locale, get_locale, ngettext
from flask_babel import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from ...errors import ValidationFailed
from ...labels import label
from ...rules.text import printable
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


# A text cell a spreadsheet would run as a formula (OWASP, "CSV Injection"): it is written with a
# leading apostrophe, so Excel and LibreOffice show it as the text it is (issue 13 item 14).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value):
    """A cell value as exports write it: text without control characters (item 13, defensively:
    the input refuses them, older rows may hold them) and never a formula (item 14)."""
    if not isinstance(value, str):
        return value
    value = printable(value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def unquote(value):
    """An imported cell: the apostrophe safe_text put before a formula-like text comes off again,
    so an export imports back to what was stored."""
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


class _SafeSheet:
    """A write-only sheet whose rows go through safe_text."""

    def __init__(self, ws):
        self._ws = ws

    def append(self, row):
        self._ws.append([safe_text(v) for v in row])

    def __getattr__(self, name):
        return getattr(self._ws, name)


class ExportBook(Workbook):
    def create_sheet(self, title=None, index=None):
        return _SafeSheet(super().create_sheet(title, index))


def new_book() -> Workbook:
    """Every export's workbook: written row by row (write-only), each text cell through safe_text."""
    return ExportBook(write_only=True)


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
    rows = _bounded_rows(ws.iter_rows(values_only=True), sheet_label)
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
        data = {key: unquote(values[i]) if i < len(values) else None for key, (i, _, _) in positions.items()}
        out.append(SheetRow(sheet_label, n, data, {k: (letter, h) for k, (_, letter, h) in positions.items()}))
    return out


def _not_a_workbook() -> ImportRefused:
    return ImportRefused([Cell("-", 0, None, None).error(_("The file is not an .xlsx workbook."))])


# Defaults of the EXCEL_IMPORT_MAX_BYTES and EXCEL_IMPORT_MAX_ROWS settings (issue 13 item 12).
MAX_UNCOMPRESSED = 50 * 1024 * 1024
MAX_ROWS = 5000


def _limit(name: str, default: int) -> int:
    return int(current_app.config.get(name, default)) if has_app_context() else default


def _check_uncompressed(stream) -> None:
    """An .xlsx is a zip: refuse it before parsing when its members would unpack to more than
    EXCEL_IMPORT_MAX_BYTES (a 0.2 MB file can hold a 200 MB shared string). The sizes the zip
    declares bound what is read: zipfile stops each member at its declared size."""
    limit = _limit("EXCEL_IMPORT_MAX_BYTES", MAX_UNCOMPRESSED)
    try:
        with zipfile.ZipFile(stream) as archive:
            total = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _not_a_workbook() from None
    finally:
        stream.seek(0)
    if total > limit:
        raise ImportRefused(
            [
                Cell("-", 0, None, None).error(
                    _(
                        "The workbook unpacks to %(size)s MB, more than the %(limit)s MB an import may have.",
                        size=f"{total / 2**20:.1f}",
                        limit=f"{limit / 2**20:.0f}",
                    )
                )
            ]
        )


def _bounded_rows(rows, sheet_label: str):
    """The sheet's rows, refused past EXCEL_IMPORT_MAX_ROWS while reading (the sheet's declared
    dimension may lie), so a 100,000-row sheet costs a few thousand rows' work."""
    limit = _limit("EXCEL_IMPORT_MAX_ROWS", MAX_ROWS)
    for n, values in enumerate(rows):
        if n > limit:  # the header row is not counted
            raise ImportRefused(
                [
                    Cell(sheet_label, n + 1, None, None).error(
                        _("The sheet has more than %(limit)s rows; split it into several imports.", limit=limit)
                    )
                ]
            )
        yield values


@contextmanager
def uploaded_workbook(stream):
    """An uploaded workbook, read-only (rows are parsed as they are read, never the whole sheet at
    once), for the body of the with-block, closed when it ends. Its unpacked size is checked first.
    Read-only workbooks parse the rows lazily, so a damaged sheet fails while the body reads it:
    a file openpyxl cannot open or parse is refused as not a workbook; any other error propagates."""
    _check_uncompressed(stream)
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
