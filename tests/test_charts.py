"""Charts: their numbers match hand counts, the SVG has one bar per category, and the table of
numbers is on the page beside it; no external resource is referenced."""

import re
from datetime import date
from decimal import Decimal

import pytest

from projectmgr.extensions import db
from projectmgr.models import Level, Role
from projectmgr.services import ledger as ledger_service
from projectmgr.services import settings
from projectmgr.services.evaluation import year_report
from projectmgr.services.transitions import transition
from projectmgr.web import charts


def test_projects_by_state_and_level_counts(make, app):
    staff = make.user(Role.staff)
    nat, muni = make.plan(Level.national), make.plan(Level.municipal)
    a = make.project(plan=nat, staff=staff)
    make.project(plan=muni, staff=staff)
    make.project(plan=muni, staff=staff)
    transition(a, "start", staff, settings(), date(2026, 1, 1))
    db.session.commit()
    with app.test_request_context(headers={"Accept-Language": "en"}):
        chart = charts.projects_by_state_level()
        assert chart.categories == ["Approved", "In progress"]
        assert dict(chart.series) == {"National": [0.0, 1.0], "Provincial": [0.0, 0.0], "Municipal": [2.0, 0.0]}
        assert chart.totals() == [2.0, 1.0]
        svg = str(chart.svg())
        assert svg.count("<rect") >= 2 + 2  # a background and at least one segment per bar
        assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")
        table = str(chart.table())
        assert re.search(
            r"<th>Approved</th><td class=\"num\">0</td><td class=\"num\">0</td><td class=\"num\">2</td>", table
        )


def test_overdue_by_month_counts_open_items_by_due_month(make, app):
    staff = make.user(Role.staff)
    make.project(staff=staff, start=date(2024, 1, 1), end=date(2024, 6, 30))  # application due 2024-09-30
    make.project(staff=staff, start=date(2024, 1, 1), end=date(2024, 6, 30))
    with app.test_request_context(headers={"Accept-Language": "en"}):
        chart = charts.overdue_by_month(date(2025, 1, 1))
    # Each: the acceptance application (Sept) and the 2024 annual evaluation (Nov).
    assert chart.categories == ["2024-09", "2024-11"]
    assert chart.series[0][1] == [2.0, 2.0]


def test_ledger_and_grade_charts(make, app):
    staff = make.user(Role.staff)
    y = date.today().year
    t = ledger_service.create_target(staff, ledger_service.TargetInput(y, "科普", "项", Decimal(8)))
    ledger_service.create_target(staff, ledger_service.TargetInput(y, "子", "项", Decimal(1), parent_id=t.id))
    ledger_service.add_progress(staff, t, Decimal(2), "", date(y, 1, 1))
    db.session.commit()
    with app.test_request_context(headers={"Accept-Language": "en"}):
        views = ledger_service.flatten(ledger_service.ledger(y, date(y, 12, 31), settings()))
        chart = charts.ledger_progress(views)
        assert chart.categories == ["科普"]  # top-level targets only
        assert dict(chart.series)["Behind"] == [0.25] and chart.marks == [1.0]
        assert "25.0%" in str(chart.table())
        grades = charts.grade_distribution({"excellent": 3, "fail": 1, "unconfirmed": 2})
        assert grades.series[0][1] == [3.0, 0.0, 0.0, 1.0, 2.0]
        assert year_report(y).total == 0


def test_dashboard_shows_charts_with_their_tables(make, client):
    staff = make.user(Role.staff)
    make.project(staff=staff)
    client.post("/login", data={"username": staff.username, "password": "password123"})
    page = client.get("/dashboard").get_data(as_text=True)
    assert 'data-chart="projects"' in page and 'class="list chart-data" data-chart="projects"' in page
    assert 'data-chart="overdue"' in page


def test_overdue_by_month_is_counted_in_one_grouped_query(make, app):
    from sqlalchemy import event

    from projectmgr.models import DueItem

    staff = make.user(Role.staff)
    make.project(staff=staff, start=date(2023, 1, 1), end=date(2023, 6, 30))  # due 2023-09-30 and 2023-11-30
    make.project(staff=staff, start=date(2024, 1, 1), end=date(2024, 1, 31))  # due 2024-04-30 and 2024-11-30
    make.project(staff=staff, start=date(2024, 1, 1), end=date(2024, 6, 30))  # due 2024-09-30 and 2024-11-30
    expected = {}
    for (d,) in db.session.query(DueItem.due_date).filter(DueItem.due_date < date(2025, 1, 1)):
        expected[d.strftime("%Y-%m")] = expected.get(d.strftime("%Y-%m"), 0) + 1
    statements = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement.lower())

    with app.test_request_context(headers={"Accept-Language": "en"}):
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            chart = charts.overdue_by_month(date(2025, 1, 1))
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
    assert chart.categories == sorted(expected) and len(expected) >= 4
    assert chart.series[0][1] == [float(expected[m]) for m in sorted(expected)]
    assert "2024-04" in chart.categories and "2024-11" in chart.categories
    # Counted by the database: one statement grouping by month, not every due date fetched.
    assert len(statements) == 1 and "group by" in statements[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("专利申请", "专利申请"),  # fits: unchanged
        ("培育国家高新技术企业、省", "培育国家高新技术企业、省"),  # 12 CJK = 144 px
        ("培育国家高新技术企业、省创新型试点企业", "培育国家高新技术企业、省创新…"),  # 14 + ellipsis = 180 px
        ("a" * 25, "a" * 25),  # 175 px
        ("a" * 30, "a" * 24 + "…"),  # 24 * 7 + 12 = 180 px
    ],
)
def test_chart_labels_are_cut_to_fit_with_the_ellipsis(text, expected):
    from projectmgr.web.charts import _short

    assert _short(text) == expected
    width = sum(12 if ord(ch) > 0x2E80 else 7 for ch in expected.rstrip("…")) + (12 if expected.endswith("…") else 0)
    assert width <= 180
