"""Issue 13 item 13 at input: control characters (but tab and line breaks in multi-line text) and
text made only of invisible characters are refused by the API, the pages and the Excel import, with
the field named and nothing written; item 13 at export and item 14 (formula injection) in
tests/test_excel_safety.py."""

import pytest
from sqlalchemy import func, select

from projectmgr.extensions import db
from projectmgr.models import Organization, Project, Role
from projectmgr.rules.text import printable, text_problem


@pytest.mark.parametrize(
    "value", ["a\x00b", "\x1b[31mred", "x\x01", "a\x7f", "tab\there", "two\nlines", "\u200b", "\u200b\u200d\ufeff"]
)
def test_single_line_text_refuses(value):
    assert text_problem(value) is not None


@pytest.mark.parametrize("value", ["a\tb", "line\nline", "crlf\r\nline", "标题", "a\u200bb"])
def test_multi_line_text_keeps_tabs_and_line_breaks(value):
    assert text_problem(value, multiline=True) is None


def test_multi_line_text_still_refuses_nul_and_escape():
    assert text_problem("a\x00", multiline=True) and text_problem("\x1b", multiline=True)


def test_printable_strips_what_text_problem_refuses():
    assert printable("a\x00b\x1bc\x01\td\ne") == "abc\td\ne"


@pytest.fixture
def staff(make):
    return make.user(Role.staff)


@pytest.mark.parametrize(
    ("field", "value"),
    [("title", "项目\x00"), ("title", "\u200b\u200b"), ("code", "P-\x1b1"), ("title", "两\n行"), ("industry", "x\x01")],
)
def test_api_project_registration_refuses_control_characters(api, make, staff, field, value):
    owner = make.user(Role.owner)
    plan = make.plan()
    body = {
        "code": "CC-1",
        "title": "正常标题",
        "plan_id": plan.id,
        "organization_id": owner.organization_id,
        "owner_id": owner.id,
        "start_date": "2026-01-01",
        "end_date": "2026-12-31",
        "special_funds": "100",
        "self_raised_committed": "100",
        "budget": [{"category": "equipment", "special": "100", "self_raised": "100"}],
        "indicators": [{"key": "sales", "name": "销售", "unit": "万元", "target": "1"}],
        field: value,
    }
    r = api.as_(staff).post("/projects", json=body)
    assert r.status_code == 422, r.get_json()
    assert [d["field"] for d in r.get_json()["error"]["details"]] == [field]
    assert db.session.scalar(select(func.count()).select_from(Project)) == 0


def test_api_refuses_control_characters_in_nested_and_other_bodies(api, staff):
    s = api.as_(staff)
    r = s.post("/organizations", json={"name": "单位\x01", "kind": "enterprise", "credit_code": "91410000000000001X"})
    assert r.status_code == 422 and r.get_json()["error"]["details"][0]["field"] == "name"
    r = s.post("/ledger/targets", json={"year": 2026, "title": "目标\x00", "unit": "个", "target_value": "1"})
    assert r.status_code == 422 and r.get_json()["error"]["details"][0]["field"] == "title"
    assert db.session.scalar(select(func.count()).select_from(Organization)) == 0


def test_the_registration_page_refuses_control_characters_beside_the_field(app, make, staff):
    from tests.web.test_staff_pages import form_data

    owner = make.user(Role.owner)
    plan = make.plan()
    client = app.test_client()
    client.post("/login", data={"username": staff.username, "password": "password123"})
    data = form_data(owner, plan, title="标题\x00", **{"indicator_rows-0-name": "销售\x1b"})
    r = client.post("/projects/new", data=data)
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert 'id="title-error"' in page and 'id="indicator_rows-0-name-error"' in page
    assert db.session.scalar(select(func.count()).select_from(Project)) == 0
    ok = client.post("/projects/new", data=form_data(owner, plan))
    assert ok.status_code == 302
