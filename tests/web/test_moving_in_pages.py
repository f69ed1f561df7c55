"""Moving in, the pages: upload, mapping and preview (the bad cell in the table), commit (what was
created, who to invite), in Chinese."""

import io
import re

from sqlalchemy import func, select

from projectmgr.extensions import db
from projectmgr.models import ImportWorkbook, Level, Organization, Project, Role
from tests.data import make_workbooks as books


def _form_fields(html: str) -> dict:
    """The mapping form's selects as the page chose them."""
    out = {}
    for name, body in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', body)
        out[name] = chosen.group(1) if chosen else ""
    return out


def test_upload_map_preview_and_commit_through_the_pages(browser, make, tmp_path):
    make.plan(Level.municipal)
    staff = make.user(Role.staff)
    b = browser().login(staff)
    data = books.bureau_2024(tmp_path / "b.xlsx").read_bytes()
    r = b.post("/moving-in", data={"file": (io.BytesIO(data), "项目汇总.xlsx")}, content_type="multipart/form-data")
    assert r.status_code == 302
    workbook = db.session.scalar(select(ImportWorkbook))
    page = b.get(r.headers["Location"], headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "2024年项目" in page and "财政资金（万元）" in page
    chosen = _form_fields(page)
    assert chosen["col_B"] == "code" and chosen["col_I"] == "period" and chosen["col_A"] == ""
    r = b.post(f"/moving-in/{workbook.id}", data={"sheet": "2024年项目", **chosen})
    assert r.status_code == 302
    page = b.get(f"/moving-in/{workbook.id}", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "约50万" in page and "AYKJ2024-004" in page
    assert re.search(r"<td>2024年项目</td><td class=\"num\">9</td><td>J</td><td>财政资金（万元）</td>", page)
    assert "disabled" in page
    r = b.post(f"/moving-in/{workbook.id}/commit", headers={"Accept-Language": "zh"})
    assert r.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Project)) == 0


def test_a_clean_file_commits_and_lists_who_to_invite(browser, make, tmp_path):
    make.plan(Level.provincial)
    staff = make.user(Role.staff)
    b = browser().login(staff)
    data = books.bureau_two_rows(tmp_path / "t.xlsx").read_bytes()
    r = b.post("/moving-in", data={"file": (io.BytesIO(data), "在研.xlsx")}, content_type="multipart/form-data")
    workbook_id = int(r.headers["Location"].rsplit("/", 1)[1])
    chosen = _form_fields(b.get(f"/moving-in/{workbook_id}").get_data(as_text=True))
    b.post(f"/moving-in/{workbook_id}", data={"sheet": "在研项目", **chosen})
    r = b.post(f"/moving-in/{workbook_id}/commit", headers={"Accept-Language": "zh"})
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert "3" in page and "周敏" in page and "安阳市农业科学院" in page
    assert db.session.scalar(select(func.count()).select_from(Project)) == 3


def test_owners_cannot_open_the_pages(browser, make):
    owner = make.user(Role.owner)
    assert browser().login(owner).get("/moving-in").status_code == 403


def test_staff_fill_in_the_credit_codes_that_were_missing(browser, make, tmp_path):
    make.plan(Level.municipal)
    staff = make.user(Role.staff)
    b = browser().login(staff)
    data = books.bureau_csv(tmp_path / "c.csv").read_bytes()
    r = b.post("/moving-in", data={"file": (io.BytesIO(data), "c.csv")}, content_type="multipart/form-data")
    workbook_id = int(r.headers["Location"].rsplit("/", 1)[1])
    chosen = _form_fields(b.get(f"/moving-in/{workbook_id}").get_data(as_text=True))
    b.post(f"/moving-in/{workbook_id}", data={"sheet": "c", **chosen})
    assert "/moving-in/organizations" in b.post(f"/moving-in/{workbook_id}/commit").get_data(as_text=True)
    org = db.session.scalar(select(Organization).where(Organization.name == "安阳市农业科学院"))
    assert org.credit_code is None
    page = b.get("/moving-in/organizations").get_data(as_text=True)
    assert f'data-organization="{org.id}"' in page
    r = b.post("/moving-in/organizations", data={"organization_id": org.id, "credit_code": "91410500MA3X00002"})
    assert r.status_code == 422 and "GB 32100-2015" in r.get_data(as_text=True)
    taken = db.session.scalar(select(Organization.credit_code).where(Organization.credit_code.is_not(None)))
    r = b.post("/moving-in/organizations", data={"organization_id": org.id, "credit_code": taken})
    assert r.status_code == 422
    good = books.credit(77)
    r = b.post("/moving-in/organizations", data={"organization_id": org.id, "credit_code": good.lower()})
    assert r.status_code == 302
    db.session.refresh(org)
    assert org.credit_code == good
    assert f'data-organization="{org.id}"' not in b.get("/moving-in/organizations").get_data(as_text=True)
