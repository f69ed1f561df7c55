"""Reading a bureau's own file: an .xlsx workbook or a .csv (UTF-8 or GB18030) into sheets of
rows, and finding the header past title rows and merged cells (one row, or two where a merged
group heading stands over its columns)."""

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from xml.etree.ElementTree import ParseError

from flask_babel import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.utils.exceptions import InvalidFileException

from ..excel.workbook import Cell, ImportRefused
from .fields import match_field, normalize

# An encrypted .xlsx (and an old .xls) is an OLE compound file, not a zip.
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
HEADER_SCAN_ROWS = 15  # the header is looked for among the first rows only


@dataclass
class Sheet:
    name: str
    rows: list[tuple]  # every row, 1-based row n at rows[n - 1]
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # (min_row, min_col, max_row, max_col)

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)

    def value(self, row: int, col: int):
        """1-based; a cell inside a merged range reads as the range's top-left cell."""
        for r1, c1, r2, c2 in self.merged:
            if r1 <= row <= r2 and c1 <= col <= c2:
                row, col = r1, c1
                break
        if row - 1 >= len(self.rows):
            return None
        values = self.rows[row - 1]
        return values[col - 1] if col - 1 < len(values) else None


@dataclass
class Header:
    row: int  # the first header row (1-based)
    rows: int  # 1 or 2
    columns: list[tuple[str, str]]  # (letter, header text) for every non-empty header cell

    @property
    def data_start(self) -> int:
        return self.row + self.rows


def _refused(filename: str, message: str) -> ImportRefused:
    return ImportRefused([Cell(filename, 0, None, None).error(message) | {"value": None}])


def read_file(filename: str, content: bytes) -> list[Sheet]:
    """The file's sheets, or ImportRefused naming why it cannot be read."""
    if filename.lower().endswith(".csv"):
        return [_read_csv(filename, content)]
    if content.startswith(OLE_MAGIC):
        raise _refused(
            filename,
            _(
                "The file is password-protected (or an old .xls): remove the password or save it as .xlsx, then upload it again."
            ),
        )
    damaged = _("The file is damaged or not an .xlsx workbook or .csv file.")
    try:
        # Read-only parses the rows as a stream (twice as fast on a thousand rows); it does not
        # read the merged ranges, which _merged_ranges takes from the sheet's XML.
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ParseError, OSError, ValueError):
        raise _refused(filename, damaged) from None
    try:
        sheets = []
        for ws in wb.worksheets:
            rows = [tuple(r) for r in ws.iter_rows(values_only=True)]
            sheets.append(Sheet(ws.title, rows, _merged_ranges(ws)))
    except (ParseError, KeyError, ValueError, zipfile.BadZipFile):
        raise _refused(filename, damaged) from None
    finally:
        wb.close()
    return sheets


_MERGE_REF = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"')


def _merged_ranges(ws) -> list[tuple[int, int, int, int]]:
    """(min_row, min_col, max_row, max_col) of every merged range of a read-only sheet."""
    source = getattr(ws, "_get_source", None)  # openpyxl's read-only sheet opens its XML part
    if source is None:  # pragma: no cover - a chartsheet or another openpyxl
        return []
    with source() as xml:
        text = xml.read()
    out = []
    for ref in _MERGE_REF.findall(text):
        min_col, min_row, max_col, max_row = range_boundaries(ref.decode())
        out.append((min_row, min_col, max_row, max_col))
    return out


def _read_csv(filename: str, content: bytes) -> Sheet:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise _refused(filename, _("The .csv file is neither UTF-8 nor GB18030 text."))
    if "\x00" in text:
        raise _refused(filename, _("The file is damaged or not an .xlsx workbook or .csv file."))
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = [tuple(c if c.strip() else None for c in r) for r in csv.reader(io.StringIO(text), dialect)]
    name = filename.rsplit("/", 1)[-1].rsplit(".", 1)[0] or "csv"
    return Sheet(name, rows)


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _row_header(sheet: Sheet, row: int) -> list[str]:
    return [_text(sheet.value(row, c)) for c in range(1, sheet.width + 1)]


def _score(texts: list[str]) -> int:
    """How many fields the row names: a heading merged over several columns counts once; a row
    of one text only (a title merged across the table, a note) names none."""
    distinct = {t for t in texts if t}
    if len(distinct) < 2:
        return 0
    return sum(1 for t in distinct if match_field(t) is not None)


def _two_row(sheet: Sheet, row: int) -> list[str]:
    """Row and row + 1 read as one header: a group heading (merged across its columns) over the
    columns' own words; a cell merged down both rows counts once."""
    top, bottom = _row_header(sheet, row), _row_header(sheet, row + 1)
    out = []
    for t, b in zip(top, bottom, strict=True):
        if not b or b == t:
            out.append(t)
        elif not t:
            out.append(b)
        else:
            out.append(f"{t}/{b}")
    return out


def _looks_like_data(texts: list[str]) -> bool:
    return any(t and match_field(t) is None and any(ch.isdigit() for ch in t) for t in texts)


def find_header(sheet: Sheet, row: int | None = None) -> Header | None:
    """The header among the first rows: the row (or pair of rows) whose cells name most fields.
    A title row (one cell merged across the columns) names none and is passed over."""
    if sheet.width == 0:
        return None
    candidates = [row] if row else range(1, min(len(sheet.rows), HEADER_SCAN_ROWS) + 1)
    best: tuple[int, int, int] | None = None  # (score, row, rows)
    for r in candidates:
        single = _row_header(sheet, r)
        score = _score(single)
        if score and (best is None or score > best[0]):
            best = (score, r, 1)
        if score and r + 1 <= len(sheet.rows):
            below = _row_header(sheet, r + 1)
            if not _looks_like_data(below):
                pair = _two_row(sheet, r)
                pair_score = _score(pair)
                if pair_score > score and (best is None or pair_score > best[0]):
                    best = (pair_score, r, 2)
    if best is None or (row is None and best[0] < 2):
        return None
    _, r, n = best
    texts = _row_header(sheet, r) if n == 1 else _two_row(sheet, r)
    columns = [(get_column_letter(i + 1), t) for i, t in enumerate(texts) if t]
    return Header(r, n, columns)


def data_rows(sheet: Sheet, header: Header):
    """(row number, values) of every non-empty row below the header."""
    for n in range(header.data_start, len(sheet.rows) + 1):
        values = sheet.rows[n - 1]
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        yield n, values


def header_key(text: str) -> str:
    """How a header is remembered: normalised, at most 200 characters."""
    return normalize(text)[:200]
