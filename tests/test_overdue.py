"""The overdue radar (DESIGN §7, API.md "Overdue and the sweep"): open due items past their due date
on `as_of`, key-tracking projects first, then the most days overdue."""

from datetime import date, timedelta

import pytest

from projectmgr.extensions import db
from projectmgr.models import Level, ReportKind, Role
from projectmgr.services import funds, settings
from projectmgr.services.transitions import transition
from tests.test_rectification import ok


def fire(project, trigger: str, user, on: date, **params) -> None:
    transition(project, trigger, user, settings(), on, params)
    db.session.commit()


def radar(api, user, query: str = "") -> dict:
    return ok(api.as_(user).get("/overdue" + (f"?{query}" if query else "")))


def rows(api, user, query: str) -> list[tuple[str, str, str, int]]:
    """(code, kind, due_date, days_overdue) of each item, in the radar's order."""
    return [(i["code"], i["kind"], i["due_date"], i["days_overdue"]) for i in radar(api, user, query)["items"]]


@pytest.fixture
def staff(make):
    return make.user(Role.staff)


def test_an_item_is_listed_with_its_project(api, make, staff):
    project = make.project(
        Level.provincial, staff=staff, code="HN-1", title="矿用机电", end=date(2026, 6, 30), flags=["seasonal"]
    )
    body = radar(api, staff, "as_of=2026-10-01")
    assert body["total"] == 1 and body["page"] == 1
    [item] = body["items"]
    expected = {
        "project_id": project.id,
        "code": "HN-1",
        "title": "矿用机电",
        "level": "provincial",
        "kind": "acceptance_application",
        "due_date": "2026-09-30",
        "days_overdue": 1,
        "very_late": False,
        "flags": ["seasonal"],
    }
    assert {key: item.get(key) for key in expected} == expected


@pytest.mark.parametrize(
    "on, days, very_late",
    [
        (date(2026, 9, 29), None, None),
        (date(2026, 9, 30), None, None),  # the due day itself is on time
        (date(2026, 10, 1), 1, False),
        (date(2026, 10, 13), 13, False),
        (date(2026, 10, 14), 14, True),
        (date(2026, 11, 15), 46, True),
    ],
)
def test_overdue_after_the_due_date_and_very_late_from_14_days(api, make, staff, on, days, very_late):
    make.project(staff=staff, end=date(2026, 6, 30))  # acceptance application due 2026-09-30
    items = radar(api, staff, f"as_of={on}&kind=acceptance_application")["items"]
    if days is None:
        assert items == []
    else:
        assert [(i["due_date"], i["days_overdue"], i["very_late"]) for i in items] == [("2026-09-30", days, very_late)]


def test_key_tracking_first_then_most_days_overdue_and_flags_move_a_project_up(api, make, staff):
    make.project(staff=staff, code="A", end=date(2026, 3, 31))  # due 06-30
    b = make.project(staff=staff, code="B", end=date(2026, 6, 30), flags=["major"])  # due 09-30
    c = make.project(staff=staff, code="C", end=date(2026, 5, 31))  # due 08-31
    query = "as_of=2026-10-15&kind=acceptance_application"

    assert [r[0] for r in rows(api, staff, query)] == ["B", "A", "C"]
    assert [r[3] for r in rows(api, staff, query)] == [15, 107, 45]

    detail = ok(api.as_(staff).put(f"/projects/{c.id}/flags", json={"flags": ["seasonal"]}))
    assert detail["flags"] == ["seasonal"]
    assert [r[0] for r in rows(api, staff, query)] == ["C", "B", "A"]

    ok(api.as_(staff).put(f"/projects/{b.id}/flags", json={"flags": []}))
    assert [r[0] for r in rows(api, staff, query)] == ["C", "A", "B"]
    items = radar(api, staff, query)["items"]
    assert [i["flags"] for i in items] == [["seasonal"], [], []]


def test_filters(api, make, staff):
    make.project(Level.national, staff=staff, code="N", end=date(2026, 3, 31), flags=["major"])
    make.project(Level.provincial, staff=staff, code="P", end=date(2026, 3, 31), flags=["problematic"])
    m = make.project(staff=staff, code="M", end=date(2026, 12, 31))
    fire(m, "start", staff, date(2026, 1, 5))
    fire(m, "open_survey", staff, date(2026, 6, 1), due_date=date(2026, 6, 30))
    on = "as_of=2026-10-01"

    assert sorted(r[0] for r in rows(api, staff, on)) == ["M", "N", "P"]
    assert [r[:2] for r in rows(api, staff, f"{on}&level=national")] == [("N", "acceptance_application")]
    assert [r[:2] for r in rows(api, staff, f"{on}&level=municipal")] == [("M", "survey_report")]
    assert [r[0] for r in rows(api, staff, f"{on}&kind=survey_report")] == ["M"]
    assert [r[0] for r in rows(api, staff, f"{on}&kind=acceptance_application")] == ["N", "P"]
    assert [r[0] for r in rows(api, staff, f"{on}&flag=problematic")] == ["P"]
    assert rows(api, staff, f"{on}&flag=seasonal") == []
    assert rows(api, staff, f"{on}&level=national&kind=survey_report") == []
    for name in ("level", "kind", "flag", "as_of"):
        r = api.as_(staff).get(f"/overdue?{name}=bogus")
        assert r.status_code == 422, r.json
        assert r.json["error"]["details"][0]["field"] == name

    body = radar(api, staff, f"{on}&per_page=2&page=2")
    assert body["total"] == 3 and len(body["items"]) == 1


def test_as_of_shows_what_was_open_on_that_day(api, make, staff):
    owner = make.user(Role.owner)
    project = make.project(staff=staff, owner=owner, code="LATE", end=date(2026, 6, 30))  # due 09-30
    fire(project, "start", staff, date(2026, 1, 5))
    funds.submit_report(owner, project, ReportKind.acceptance, "完成", [], True)
    fire(project, "apply_acceptance", owner, date(2026, 10, 20))
    kind = "kind=acceptance_application"

    # Applied late, on 20 October: the radar of an earlier day still lists the application.
    assert rows(api, staff, f"as_of=2026-10-10&{kind}") == [("LATE", "acceptance_application", "2026-09-30", 10)]
    assert rows(api, staff, f"as_of=2026-10-19&{kind}") == [("LATE", "acceptance_application", "2026-09-30", 19)]
    assert rows(api, staff, f"as_of=2026-10-20&{kind}") == []
    assert rows(api, staff, f"as_of=2027-01-01&{kind}") == []


def test_the_annual_evaluation_is_due_on_30_november(api, make, staff):
    make.project(staff=staff, code="Y", start=date(2026, 1, 1), end=date(2027, 6, 30))
    kind = "kind=annual_evaluation"
    assert rows(api, staff, f"as_of=2026-11-30&{kind}") == []
    assert rows(api, staff, f"as_of=2026-12-01&{kind}") == [("Y", "annual_evaluation", "2026-11-30", 1)]
    # The next year's evaluation joins it a year later, behind the older one.
    assert rows(api, staff, f"as_of=2027-12-01&{kind}") == [
        ("Y", "annual_evaluation", "2026-11-30", 366),
        ("Y", "annual_evaluation", "2027-11-30", 1),
    ]
    # Without a kind filter the acceptance application, overdue since 1 October 2027, comes in between.
    assert [r[1:3] for r in rows(api, staff, "as_of=2027-12-01")] == [
        ("annual_evaluation", "2026-11-30"),
        ("acceptance_application", "2027-09-30"),
        ("annual_evaluation", "2027-11-30"),
    ]


def test_survey_reports_come_from_open_survey(api, make, staff):
    owner = make.user(Role.owner)
    project = make.project(staff=staff, owner=owner, code="S")
    fire(project, "start", staff, date(2026, 1, 5))
    kind = "kind=survey_report"
    assert rows(api, staff, f"as_of=2026-07-01&{kind}") == []

    fire(project, "open_survey", staff, date(2026, 6, 1), due_date=date(2026, 6, 30))
    assert rows(api, staff, f"as_of=2026-06-30&{kind}") == []
    assert rows(api, staff, f"as_of=2026-07-01&{kind}") == [("S", "survey_report", "2026-06-30", 1)]

    funds.submit_report(owner, project, ReportKind.survey, "进展", [], None)
    fire(project, "submit_survey", owner, date(2026, 7, 5))
    assert rows(api, staff, f"as_of=2026-07-04&{kind}") == [("S", "survey_report", "2026-06-30", 4)]
    assert rows(api, staff, f"as_of=2026-07-05&{kind}") == []

    # Returned for rework: the report is owed again.
    fire(project, "return_survey", staff, date(2026, 7, 8), comment="数据不全")
    assert rows(api, staff, f"as_of=2026-07-10&{kind}") == [("S", "survey_report", "2026-06-30", 10)]


def test_the_default_as_of_is_today(api, make, staff):
    make.project(staff=staff, end=date.today() - timedelta(days=100))
    due = next(i for i in radar(api, staff)["items"] if i["kind"] == "acceptance_application")
    assert due["days_overdue"] == (date.today() - date.fromisoformat(due["due_date"])).days > 0


def test_the_radar_is_for_staff_and_leaders(api, make, staff):
    make.project(staff=staff, end=date(2026, 3, 31))
    assert radar(api, make.user(Role.leader), "as_of=2026-10-01")["total"] == 1
    for role in (Role.owner, Role.expert):
        r = api.as_(make.user(role)).get("/overdue?as_of=2026-10-01")
        assert r.status_code == 403, r.json
