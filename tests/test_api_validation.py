"""Bad input over the JSON API (API.md "Errors", DESIGN §12): the documented status and code, a
`details` entry naming the field, and nothing written — every table keeps its row count."""

import copy
import json
import re
from contextlib import contextmanager
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from projectmgr.extensions import db
from projectmgr.models import Level, Project, Role, State
from projectmgr.rules.credit_code import ALPHABET, make_credit_code

MISSING = object()


def row_counts() -> dict[str, int]:
    return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}


@contextmanager
def writes_nothing():
    """Every table has as many rows after the block as before it."""
    before = row_counts()
    yield
    db.session.rollback()  # read what was committed, not what this session may still hold
    assert row_counts() == before


def assert_error(r, status: int, code: str) -> list[dict]:
    """The one error shape: {"error": {"code", "message", "details": [...]}} and nothing else."""
    assert r.status_code == status, (r.status_code, r.get_data(as_text=True))
    body = r.get_json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "details"}, body
    assert body["error"]["code"] == code, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"], body
    assert isinstance(body["error"]["details"], list), body
    return body["error"]["details"]


def assert_fields(r, *fields: str) -> None:
    """422 validation_error whose details name exactly these fields (in any order)."""
    details = assert_error(r, 422, "validation_error")
    for d in details:
        assert set(d) >= {"field", "message"} and d["message"], d
    assert sorted(d["field"] for d in details) == sorted(fields), details


def edit(body: dict, path: str, value) -> dict:
    """A copy of body with the value at "a.b[0].c" replaced (MISSING: removed)."""
    body = copy.deepcopy(body)
    parts = [int(p) if p.isdigit() else p for p in re.findall(r"[^.\[\]]+", path)]
    target = body
    for p in parts[:-1]:
        target = target[p]
    if value is MISSING:
        del target[parts[-1]]
    else:
        target[parts[-1]] = value
    return body


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture
def staff(make):
    return make.user(Role.staff)


@pytest.fixture
def s(api, staff):
    return api.as_(staff)


@pytest.fixture
def owner(make):
    return make.user(Role.owner)


@pytest.fixture
def plan(make):
    return make.plan(Level.municipal)


@pytest.fixture
def body(plan, owner):
    """A valid POST /projects body: 100000.00 special in two lines, 100000.00 self-raised."""
    return {
        "code": "XM-2026-001",
        "title": "矿用机电设备研发",
        "plan_id": plan.id,
        "organization_id": owner.organization_id,
        "owner_id": owner.id,
        "start_date": "2026-01-01",
        "end_date": "2026-12-31",
        "flags": ["major"],
        "special_funds": "100000.00",
        "self_raised_committed": "100000.00",
        "budget": [
            {"category": "equipment", "special": "60000.00", "self_raised": "100000.00"},
            {"category": "materials", "special": "40000.00", "self_raised": "0"},
        ],
        "indicators": [{"key": "sales", "name": "销售收入", "unit": "万元", "target": "100"}],
    }


@pytest.fixture
def project(make, owner, staff):
    return make.project(owner=owner, staff=staff)


def test_the_valid_body_registers(s, body):
    """The baseline every rejection below departs from by one field."""
    r = s.post("/projects", json=body)
    assert r.status_code == 201, r.json
    assert r.json["state"] == "approved" and r.json["version"] == 1


# --- 400: not JSON, not an object -----------------------------------------------------------


@pytest.mark.parametrize("raw", ["not json", "{'code': 1}", '{"code": ', "", "[1, 2]", '"text"', "null", "42", "true"])
def test_body_not_a_json_object_is_400(s, project, raw):
    with writes_nothing():
        r = s.post("/projects", data=raw, content_type="application/json")
        assert_error(r, 400, "bad_request")


@pytest.mark.parametrize("raw", ["disbursement", "[]"])
def test_fund_body_not_a_json_object_is_400(s, project, raw):
    with writes_nothing():
        r = s.post(f"/projects/{project.id}/disbursements", data=raw, content_type="application/json")
        assert_error(r, 400, "bad_request")


# --- 422: POST /projects, one bad field at a time -------------------------------------------

BAD_PROJECT_FIELDS = [
    # wrong types
    ("special_funds", {"amount": 1}, "special_funds"),
    ("special_funds", [100000], "special_funds"),
    ("special_funds", "abc", "special_funds"),
    ("budget[0].special", [], "budget[0].special"),
    ("budget[1].self_raised", "0x10", "budget[1].self_raised"),
    ("plan_id", "1", "plan_id"),
    ("plan_id", 1.5, "plan_id"),
    ("title", 5, "title"),
    ("title", "   ", "title"),
    ("flags", "major", "flags"),
    ("budget", {}, "budget"),
    ("budget", [], "budget"),
    ("indicators[0].target", "0", "indicators[0].target"),
    ("indicators[0].key", "Sales Revenue", "indicators[0].key"),
    # unknown enum values
    ("budget[0].category", "rent", "budget[0].category"),
    ("budget[0].category", "EQUIPMENT", "budget[0].category"),
    ("flags", ["urgent"], "flags[0]"),
    ("flags", ["major", "key"], "flags[1]"),
    # money: negative, three decimals, not finite, boolean
    ("special_funds", "-100000.00", "special_funds"),
    ("budget[0].special", -60000, "budget[0].special"),
    ("special_funds", "100000.001", "special_funds"),
    ("budget[0].special", "1.234", "budget[0].special"),
    ("budget[0].self_raised", 100000.005, "budget[0].self_raised"),
    ("special_funds", "NaN", "special_funds"),
    ("special_funds", "nan", "special_funds"),
    ("special_funds", "Infinity", "special_funds"),
    ("special_funds", "-Infinity", "special_funds"),
    ("special_funds", "inf", "special_funds"),
    ("special_funds", True, "special_funds"),
    ("budget[0].special", False, "budget[0].special"),
    ("special_funds", None, "special_funds"),
    # dates
    ("start_date", "2026-02-30", "start_date"),
    ("start_date", "2026-1-1", "start_date"),
    ("start_date", "2026/01/01", "start_date"),
    ("end_date", "2026-13-01", "end_date"),
    ("end_date", 20261231, "end_date"),
    ("end_date", "2025-12-31", "end_date"),  # before the start date
    # unbalanced budget, duplicates
    ("budget[0].special", "60000.01", "budget.special"),
    ("budget[1].special", "39999.99", "budget.special"),
    ("budget[0].self_raised", "99999.99", "budget.self_raised"),
    ("budget[1].self_raised", "0.01", "budget.self_raised"),
    ("budget[1].category", "equipment", "budget[1].category"),
    # references that do not exist
    ("plan_id", 999999, "plan_id"),
    ("organization_id", 999999, ("organization_id", "owner_id")),  # and so the owner is not of it
    ("owner_id", 999999, "owner_id"),
    # missing and unknown fields
    ("code", MISSING, "code"),
    ("special_funds", MISSING, "special_funds"),
    ("surprise", "x", "surprise"),
    ("budget[0].note", "x", "budget[0].note"),
]


@pytest.mark.parametrize(("path", "value", "field"), BAD_PROJECT_FIELDS)
def test_bad_project_field_is_422_naming_it_and_writes_nothing(s, body, path, value, field):
    with writes_nothing():
        assert_fields(
            s.post("/projects", json=edit(body, path, value)), *([field] if isinstance(field, str) else field)
        )


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_json_literals_are_rejected(s, body, literal):
    """JSON has no NaN, but Python's parser takes it: the money parser must still refuse it."""
    raw = json.dumps(edit(body, "special_funds", "__X__")).replace('"__X__"', literal)
    with writes_nothing():
        r = s.post("/projects", data=raw, content_type="application/json")
        # Either refused as not JSON at all, or as a non-finite amount; never written.
        if r.status_code == 400:
            assert_error(r, 400, "bad_request")
        else:
            assert_fields(r, "special_funds")


def test_several_bad_fields_are_all_named(s, body):
    bad = edit(edit(edit(body, "special_funds", "-1"), "budget[0].category", "rent"), "start_date", "2026-1-1")
    with writes_nothing():
        assert_fields(s.post("/projects", json=bad), "special_funds", "budget[0].category", "start_date")


def test_both_unbalanced_budget_sums_are_reported(s, body):
    bad = edit(edit(body, "budget[0].special", "1.00"), "budget[0].self_raised", "1.00")
    with writes_nothing():
        assert_fields(s.post("/projects", json=bad), "budget.special", "budget.self_raised")


@pytest.mark.parametrize(
    ("ratio", "special", "committed", "ok"),
    [
        ("1.50", "100000.00", "150000.00", True),  # exactly at the ratio
        ("1.50", "100000.00", "149999.99", False),  # one cent below
        ("1.50", "100000.00", "150000.01", True),
        ("3.00", "33333.33", "99999.99", True),  # Henan major programmes: 3×
        ("3.00", "33333.33", "99999.98", False),
        ("1.00", "0.01", "0.01", True),
        ("1.00", "0.01", "0.00", False),
        ("0.00", "100000.00", "0.00", True),  # the default ratio asks for nothing
    ],
)
def test_self_raised_commitment_against_the_plan_ratio(make, s, owner, body, ratio, special, committed, ok):
    plan = make.plan(Level.municipal, min_self_raised_ratio=Decimal(ratio))
    data = dict(
        body,
        plan_id=plan.id,
        special_funds=special,
        self_raised_committed=committed,
        budget=[{"category": "equipment", "special": special, "self_raised": committed}],
    )
    if ok:
        r = s.post("/projects", json=data)
        assert r.status_code == 201, r.json
        assert r.json["self_raised_committed"] == committed
    else:
        with writes_nothing():
            assert_fields(s.post("/projects", json=data), "self_raised_committed")


@pytest.mark.parametrize(
    ("special_in", "self_raised_in", "special_out", "self_raised_out"),
    [
        ("1200000", "12.5", "1200000.00", "12.50"),
        (1200000, 12.5, "1200000.00", "12.50"),
        ("1200000.00", "12.50", "1200000.00", "12.50"),
        (0.1, "0", "0.10", "0.00"),
        ("99.9", 7, "99.90", "7.00"),
        ("100000.000", "0", "100000.00", "0.00"),  # trailing zeros are not extra precision
    ],
)
def test_money_accepted_as_number_or_short_string_and_echoed_with_two_decimals(
    s, body, special_in, self_raised_in, special_out, self_raised_out
):
    data = dict(
        body,
        special_funds=special_in,
        self_raised_committed=self_raised_in,
        budget=[{"category": "equipment", "special": special_in, "self_raised": self_raised_in}],
    )
    r = s.post("/projects", json=data)
    assert r.status_code == 201, r.json
    assert r.json["special_funds"] == special_out
    assert r.json["self_raised_committed"] == self_raised_out
    assert r.json["budget"][0]["special"] == special_out
    assert r.json["budget"][0]["self_raised"] == self_raised_out
    stored = db.session.get(Project, r.json["id"])
    assert stored.special_funds == Decimal(special_out)


def test_a_zero_budget_line_is_allowed(s, body):
    data = edit(edit(body, "budget[1].special", 0), "budget[0].special", "100000")
    r = s.post("/projects", json=data)
    assert r.status_code == 201, r.json
    assert [line["special"] for line in r.json["budget"]] == ["100000.00", "0.00"]


# --- 422 on the other bodies ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "out"), [("1200000", "1200000.00"), (1200000, "1200000.00"), ("12.5", "12.50"), (0.01, "0.01")]
)
def test_disbursement_amount_accepted_and_echoed(s, project, amount, out):
    r = s.post(f"/projects/{project.id}/disbursements", json={"date": "2026-02-01", "amount": amount})
    assert r.status_code == 201, r.json
    assert r.json["amount"] == out


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"date": "2026-02-01", "amount": "0"}, "amount"),  # disbursements are positive
        ({"date": "2026-02-01", "amount": 0}, "amount"),
        ({"date": "2026-02-01", "amount": "-1"}, "amount"),
        ({"date": "2026-02-01", "amount": "1.234"}, "amount"),
        ({"date": "2026-02-01", "amount": 1.234}, "amount"),
        ({"date": "2026-02-01", "amount": "NaN"}, "amount"),
        ({"date": "2026-02-01", "amount": "Infinity"}, "amount"),
        ({"date": "2026-02-01", "amount": True}, "amount"),
        ({"date": "2026-02-01", "amount": "1,000"}, "amount"),
        ({"date": "2026-02-01", "amount": "１００"}, "amount"),  # full-width digits
        ({"date": "2026-02-01", "amount": "1000000000000"}, "amount"),  # over the limit
        ({"date": "2026-02-30", "amount": "1"}, "date"),
        ({"date": "2026-2-1", "amount": "1"}, "date"),
        ({"amount": "1"}, "date"),
        ({"date": "2026-02-01", "amount": "1", "recorded_by": 1}, "recorded_by"),
    ],
)
def test_bad_disbursement_is_422_and_writes_nothing(s, project, data, field):
    with writes_nothing():
        assert_fields(s.post(f"/projects/{project.id}/disbursements", json=data), field)


EXPENDITURE = {"date": "2026-03-01", "category": "equipment", "source": "special", "amount": "10.00"}


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("source", "loan", "source"),
        ("source", "SPECIAL", "source"),
        ("category", "rent", "category"),
        ("amount", "-10", "amount"),
        ("amount", "0.00", "amount"),
        ("amount", "10.001", "amount"),
        ("amount", "-Infinity", "amount"),
        ("amount", False, "amount"),
        ("date", "2026-03-32", "date"),
        ("voucher", 12, "voucher"),
        ("vendor", "x", "vendor"),
    ],
)
def test_bad_expenditure_is_422(api, owner, project, path, value, field):
    o = api.as_(owner)
    with writes_nothing():
        assert_fields(o.post(f"/projects/{project.id}/expenditures", json=edit(EXPENDITURE, path, value)), field)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "final", "summary": "x"}, "kind"),
        ({"kind": "survey", "summary": ""}, "summary"),
        (
            {"kind": "survey", "summary": "x", "indicators": [{"key": "sales", "achieved": "-1"}]},
            "indicators[0].achieved",
        ),
        (
            {"kind": "survey", "summary": "x", "indicators": [{"key": "sales", "achieved": "NaN"}]},
            "indicators[0].achieved",
        ),
        ({"kind": "survey", "summary": "x", "indicators": [{"key": "nope", "achieved": "1"}]}, "indicators[0].key"),
        ({"kind": "acceptance", "summary": "x", "separate_account": "yes"}, "separate_account"),
        ({"kind": "survey", "summary": "x", "separate_account": True}, "separate_account"),
    ],
)
def test_bad_report_is_422(api, owner, staff, project, data, field):
    # In the survey window, where a survey report is accepted: only the body is wrong.
    project.state = State.mid_year_survey
    project.survey_due_date = date(2026, 7, 1)
    db.session.commit()
    o = api.as_(owner)
    with writes_nothing():
        assert_fields(o.post(f"/projects/{project.id}/reports", json=data), field)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "中原特钢", "kind": "company", "credit_code": make_credit_code("91410500MA0000001")}, "kind"),
        ({"name": "", "kind": "enterprise", "credit_code": make_credit_code("91410500MA0000001")}, "name"),
        ({"name": "中原特钢", "kind": "enterprise"}, "credit_code"),
        ({"name": "中原特钢", "kind": "enterprise", "credit_code": 914105}, "credit_code"),
    ],
)
def test_bad_organization_is_422(s, data, field):
    with writes_nothing():
        assert_fields(s.post("/organizations", json=data), field)


def _bad_check_digit(code: str) -> str:
    return code[:17] + next(c for c in ALPHABET if c != code[17])


@pytest.mark.parametrize(
    "credit_code",
    [
        _bad_check_digit(make_credit_code("91410500MA0000001")),
        make_credit_code("91410500MA0000001")[:17],  # too short
        make_credit_code("91410500MA0000001") + "0",  # too long
        "91410500MA000000IO",  # letters outside the alphabet
    ],
)
def test_invalid_credit_code_is_422_naming_it(s, credit_code):
    with writes_nothing():
        r = s.post("/organizations", json={"name": "清水源", "kind": "enterprise", "credit_code": credit_code})
        assert_fields(r, "credit_code")


def test_valid_credit_code_is_stored_normalized(s):
    code = make_credit_code("91410500MA0000001")
    r = s.post("/organizations", json={"name": "清水源", "kind": "enterprise", "credit_code": f" {code.lower()} "})
    assert r.status_code == 201, r.json
    assert r.json["credit_code"] == code


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "市级计划", "level": "county", "year": 2026}, "level"),
        ({"name": "市级计划", "level": "municipal", "year": "2026"}, "year"),
        ({"name": "市级计划", "level": "municipal", "year": 1999}, "year"),
        (
            {"name": "市级计划", "level": "municipal", "year": 2026, "min_self_raised_ratio": "-1"},
            "min_self_raised_ratio",
        ),
        (
            {"name": "市级计划", "level": "municipal", "year": 2026, "min_self_raised_ratio": "1.234"},
            "min_self_raised_ratio",
        ),
        ({"name": "市级计划", "level": "municipal", "year": 2026, "aggregation": "median"}, "aggregation"),
    ],
)
def test_bad_plan_is_422(s, data, field):
    with writes_nothing():
        assert_fields(s.post("/plans", json=data), field)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"username": "u1", "password": "Good-Pass-2026", "role": "superuser", "display_name": "U"}, "role"),
        ({"username": "u1", "password": "Sh0rt-pw", "role": "staff", "display_name": "U"}, "password"),
        ({"username": "has space", "password": "Good-Pass-2026", "role": "staff", "display_name": "U"}, "username"),
        ({"username": "u1", "password": "Good-Pass-2026", "role": "owner", "display_name": "U"}, "organization_id"),
        (
            {"username": "u1", "password": "Good-Pass-2026", "role": "staff", "display_name": "U", "expert": {}},
            "expert",
        ),
        (
            {
                "username": "u1",
                "password": "Good-Pass-2026",
                "role": "expert",
                "display_name": "U",
                "expert": {"finance": "yes"},
            },
            "expert.finance",
        ),
    ],
)
def test_bad_user_is_422(api, make, data, field):
    admin = api.as_(make.user(Role.admin))
    with writes_nothing():
        assert_fields(admin.post("/users", json=data), field)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"trigger": "launch"}, "trigger"),
        ({"trigger": ""}, "trigger"),
        ({"trigger": 1}, "trigger"),
        ({}, "trigger"),
        ({"trigger": "start", "version": "1"}, "version"),
        ({"trigger": "start", "extra": True}, "extra"),
        ({"trigger": "terminate"}, "comment"),  # a reason is required
        ({"trigger": "terminate", "comment": "   "}, "comment"),
    ],
)
def test_bad_transition_is_422_and_leaves_the_project_alone(s, project, data, field):
    with writes_nothing():
        assert_fields(s.post(f"/projects/{project.id}/transitions", json=data), field)
    db.session.refresh(project)
    assert (project.state.value, project.version) == ("approved", 1)


def test_bad_flags_are_422(s, project):
    with writes_nothing():
        assert_fields(s.put(f"/projects/{project.id}/flags", json={"flags": ["major", "urgent"]}), "flags[1]")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"new_end_date": "2027-02-30", "reason": "设备到货延迟"}, "new_end_date"),
        ({"new_end_date": "2027-6-30", "reason": "设备到货延迟"}, "new_end_date"),
        ({"new_end_date": "2027-06-30"}, "reason"),
    ],
)
def test_bad_extension_is_422(api, owner, project, data, field):
    o = api.as_(owner)
    with writes_nothing():
        assert_fields(o.post(f"/projects/{project.id}/extension", json=data), field)


# --- 409 conflict: duplicates ---------------------------------------------------------------


def test_duplicate_project_code_is_409(make, s, body, owner, staff):
    make.project(owner=owner, staff=staff, code=body["code"])
    with writes_nothing():
        assert_error(s.post("/projects", json=body), 409, "conflict")


def test_duplicate_credit_code_is_409(s):
    code = make_credit_code("91410500MA0000002")
    assert (
        s.post("/organizations", json={"name": "贝迪公司", "kind": "enterprise", "credit_code": code}).status_code
        == 201
    )
    with writes_nothing():
        r = s.post("/organizations", json={"name": "另一家", "kind": "institute", "credit_code": code})
        assert_error(r, 409, "conflict")
    with writes_nothing():  # the same code written in lower case is the same organization
        r = s.post("/organizations", json={"name": "另一家", "kind": "institute", "credit_code": code.lower()})
        assert_error(r, 409, "conflict")


def test_duplicate_username_is_409(make, s):
    make.user(Role.expert, username="zhang.san")
    with writes_nothing():
        r = s.post(
            "/users",
            json={"username": "zhang.san", "password": "Zhang-San-2026", "role": "expert", "display_name": "张三"},
        )
        assert_error(r, 409, "conflict")


# --- query strings --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("state=nope", "state"),
        ("state=APPROVED", "state"),
        ("level=county", "level"),
        ("flag=urgent", "flag"),
        ("plan_id=abc", "plan_id"),
        ("plan_id=-1", "plan_id"),
        ("organization_id=1.5", "organization_id"),
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=x", "page"),
        ("per_page=0", "per_page"),
        ("per_page=201", "per_page"),
        ("per_page=1e2", "per_page"),
    ],
)
def test_bad_project_list_query_is_422_naming_the_parameter(s, project, query, param):
    assert_fields(s.get(f"/projects?{query}"), param)


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("as_of=bad", "as_of"),
        ("as_of=2026-02-30", "as_of"),
        ("as_of=2026-1-1", "as_of"),
        ("as_of=20260101", "as_of"),
        ("level=county", "level"),
        ("kind=nope", "kind"),
        ("flag=urgent", "flag"),
        ("page=0", "page"),
        ("per_page=201", "per_page"),
    ],
)
def test_bad_overdue_query_is_422_naming_the_parameter(s, project, query, param):
    assert_fields(s.get(f"/overdue?{query}"), param)


def test_bad_as_of_on_a_project_and_the_sweep_is_422(s, project):
    assert_fields(s.get(f"/projects/{project.id}?as_of=2026-13-01"), "as_of")
    with writes_nothing():
        assert_fields(s.post("/sweep?as_of=tomorrow"), "as_of")


@pytest.mark.parametrize("query", ["page=1&per_page=200", "per_page=1", "state=approved&level=municipal&flag=major"])
def test_boundary_query_values_are_accepted(s, project, query):
    r = s.get(f"/projects?{query}")
    assert r.status_code == 200, r.json
    assert set(r.json) == {"items", "total", "page", "per_page", "next_cursor"}


def test_overdue_as_of_at_a_boundary_is_accepted(s, project):
    r = s.get("/overdue?as_of=2028-02-29&per_page=200")
    assert r.status_code == 200, r.json
    assert r.json["per_page"] == 200


# --- every error, one shape -----------------------------------------------------------------


def test_every_documented_error_has_the_one_shape(make, api, client, s, project, owner):
    other_owner = api.as_(make.user(Role.owner))
    o = api.as_(owner)
    expert = api.as_(make.user(Role.expert))
    pid = project.id
    cases = [
        (s.post("/projects", data="{", content_type="application/json"), 400, "bad_request"),
        (client.get("/api/v1/projects"), 401, "unauthorized"),
        (client.get("/api/v1/projects", headers={"Authorization": "Bearer nope"}), 401, "unauthorized"),
        (o.post(f"/projects/{pid}/disbursements", json={"date": "2026-02-01", "amount": "1"}), 403, "forbidden"),
        (expert.get("/overdue"), 403, "forbidden"),
        (other_owner.get(f"/projects/{pid}"), 404, "not_found"),
        (s.get("/projects/999999"), 404, "not_found"),
        (s.get("/no-such-endpoint"), 404, "not_found"),
        (s.post(f"/projects/{pid}/transitions", json={"trigger": "conclude"}), 409, "invalid_transition"),
        (s.post(f"/projects/{pid}/transitions", json={"trigger": "start", "version": 7}), 409, "stale_version"),
        (s.post("/projects/999999/transitions", json={"trigger": "start"}), 404, "not_found"),
        (s.post("/plans", json={"name": "x", "level": "county", "year": 2026}), 422, "validation_error"),
    ]
    for r, status, code in cases:
        assert_error(r, status, code)


def test_guard_failed_names_each_check_and_writes_nothing(api, s, owner, project):
    pid = project.id
    assert s.post(f"/projects/{pid}/transitions", json={"trigger": "start"}).status_code == 200
    with writes_nothing():
        r = s.post(f"/projects/{pid}/transitions", json={"trigger": "open_survey", "due_date": "2000-01-01"})
        assert_fields(r, "due_date")
    r = s.post(f"/projects/{pid}/transitions", json={"trigger": "open_survey", "due_date": "2099-06-30"})
    assert r.status_code == 200, r.json
    version = r.json["version"]
    o = api.as_(owner)
    with writes_nothing():
        r = o.post(f"/projects/{pid}/transitions", json={"trigger": "submit_survey"})
        details = assert_error(r, 422, "guard_failed")
    assert [d["check"] for d in details] == ["survey_report"]
    assert all(d["message"] for d in details)
    db.session.refresh(project)
    assert (project.state.value, project.version) == ("mid_year_survey", version)


@pytest.mark.parametrize("value", ["²", "99999999999999999999", "1e3"])
def test_odd_whole_numbers_in_query_strings_are_named_errors(api, make, value):
    staff = make.user(Role.staff)
    response = api.as_(staff).get(f"/projects?page={value}")
    assert response.status_code == 422
    assert response.json["error"]["details"][0]["field"] == "page"
    response = api.as_(staff).get(f"/projects?plan_id={value}")
    assert response.status_code == 422 and response.json["error"]["details"][0]["field"] == "plan_id"


# --- ids, dates and ratios beyond what the database and the rules hold: 422/404, never 500 ----


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("plan_id", 2**31, "plan_id"),
        ("organization_id", 10**20, "organization_id"),
        ("owner_id", 0, "owner_id"),
        ("responsible_staff_id", 2**40, "responsible_staff_id"),
        ("end_date", "9999-12-31", "end_date"),
        ("start_date", "0001-01-01", "start_date"),
        ("indicators", [], "indicators"),
    ],
)
def test_out_of_range_registration_is_422(s, body, path, value, field):
    with writes_nothing():
        assert_fields(s.post("/projects", json=edit(body, path, value)), field)


def test_huge_path_id_is_404(s):
    for url in ("/projects/99999999999999999999", f"/projects/{2**31}", f"/plans/{2**31}"):
        assert_error(s.get(url), 404, "not_found")


def test_huge_query_date_is_422(s, project):
    assert_fields(s.get(f"/projects/{project.id}", query_string={"as_of": "9999-12-31"}), "as_of")


def test_huge_self_raised_ratio_is_422(s):
    body = {"name": "计划", "level": "municipal", "year": 2026, "min_self_raised_ratio": "10000.00"}
    with writes_nothing():
        assert_fields(s.post("/plans", json=body), "min_self_raised_ratio")


def test_panel_expert_id_beyond_32_bits_is_422(s, project):
    assert_fields(s.put(f"/projects/{project.id}/panel", json={"expert_ids": [2**31]}), "expert_ids[0]")


@pytest.mark.parametrize("when", ["before_start", "after_tomorrow"])
def test_expenditure_dated_outside_the_project_is_422(api, owner, project, when):
    """Issue 13 item 21: not before the project's start, not after today + 1 day."""
    from datetime import date, timedelta

    on = project.start_date - timedelta(days=1) if when == "before_start" else date.today() + timedelta(days=2)
    o = api.as_(owner)
    with writes_nothing():
        assert_fields(
            o.post(f"/projects/{project.id}/expenditures", json=edit(EXPENDITURE, "date", on.isoformat())), "date"
        )
    ok = o.post(f"/projects/{project.id}/expenditures", json=edit(EXPENDITURE, "date", date.today().isoformat()))
    assert ok.status_code == 201


def test_money_with_an_exponent_is_422(api, owner, project):
    """Issue 13 item 21: "1E+2" is not 100.00."""
    o = api.as_(owner)
    with writes_nothing():
        assert_fields(
            o.post(f"/projects/{project.id}/expenditures", json=edit(EXPENDITURE, "amount", "1E+2")), "amount"
        )
