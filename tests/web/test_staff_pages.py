"""Staff pages: the overdue radar, project registration and the acceptance panel, asserted on the HTML."""

import re
from datetime import date, timedelta

import pytest
from flask_babel import get_babel
from sqlalchemy import event, func, select

from projectmgr.extensions import db
from projectmgr.models import BudgetLine, DueItem, DueKind, Flag, Indicator, Level, Panel, Project, Role
from projectmgr.rules.deadlines import add_months
from tests.test_panels import FIELD, applied_project, experts, formed_panel


@pytest.fixture(autouse=True)
def _english_pages(app, monkeypatch):
    """These pages are asserted on their English wording (tests/test_i18n.py covers the Chinese)."""
    monkeypatch.setattr(get_babel(app), "locale_selector", lambda: "en")


# Ended mid-2020: the acceptance application (due 2020-09-30) and the 2020 annual evaluation
# (due 2020-11-30) are both overdue, and very late.
OLD = {"start": date(2020, 1, 1), "end": date(2020, 6, 30)}


def html(response) -> str:
    return response.get_data(as_text=True)


def tile(page: str, attr: str, key: str) -> int:
    match = re.search(rf'data-{attr}="{key}">\s*<span class="n">(\d+)</span>', page)
    assert match, f"no {attr} tile {key}"
    return int(match.group(1))


def radar_rows(page: str) -> list[tuple[str, str, str]]:
    """(row class, project code, due kind) of each row of the overdue list, in order."""
    return re.findall(r'<tr class="(very-late|overdue)" data-project="([^"]+)" data-kind="([^"]+)">', page)


# --- the overdue radar ----------------------------------------------------------------------------


@pytest.fixture
def radar(make):
    """Two old municipal projects (one key-tracking), a provincial one due 5 days ago, a future one."""
    staff = make.user(Role.staff)
    municipal = make.plan(Level.municipal)
    make.project(plan=municipal, staff=staff, code="OLD-PLAIN", **OLD)
    make.project(plan=municipal, staff=staff, code="OLD-MAJOR", flags=[Flag.major], **OLD)
    due = date.today() - timedelta(days=5)
    end = add_months(due, -3)
    recent = make.project(Level.provincial, staff=staff, code="RECENT", start=end - timedelta(days=30), end=end)
    recent_due = db.session.scalar(
        select(DueItem.due_date).where(DueItem.project_id == recent.id, DueItem.kind == DueKind.acceptance_application)
    )
    next_year = date(date.today().year + 1, 1, 1)
    make.project(Level.national, staff=staff, code="FUTURE", start=next_year, end=next_year + timedelta(days=300))
    return staff, (date.today() - recent_due).days


def test_dashboard_counts_and_lists_key_tracking_first(radar, browser):
    staff, recent_days = radar
    assert 0 < recent_days < 14  # the setup: overdue, not very late
    b = browser().login(staff)

    page = html(b.get("/dashboard?kind=acceptance_application"))
    assert tile(page, "count", "total") == 3
    assert tile(page, "count", "very_late") == 2
    rows = radar_rows(page)
    assert [code for _, code, _ in rows] == ["OLD-MAJOR", "OLD-PLAIN", "RECENT"]
    assert [cls for cls, _, _ in rows] == ["very-late", "very-late", "overdue"]
    assert "FUTURE" not in page

    page = html(b.get("/dashboard?level=municipal"))
    assert tile(page, "kind", "acceptance_application") == 2
    assert tile(page, "kind", "annual_evaluation") == 2
    assert tile(page, "kind", "survey_report") == 0
    assert tile(page, "count", "total") == 4
    rows = radar_rows(page)
    assert [code for _, code, _ in rows] == ["OLD-MAJOR", "OLD-MAJOR", "OLD-PLAIN", "OLD-PLAIN"]
    assert {kind for _, _, kind in rows} == {"acceptance_application", "annual_evaluation"}
    # The level tiles ignore the level filter itself; nothing national is overdue.
    assert tile(page, "level", "municipal") == 4
    assert tile(page, "level", "national") == 0
    assert tile(page, "level", "provincial") >= 1
    # Days overdue are shown, with the very late marked.
    assert "Very late" in page and f">{(date.today() - date(2020, 9, 30)).days} " in page


def test_dashboard_flag_filter_and_bad_values_ignored(radar, browser):
    staff, _ = radar
    b = browser().login(staff)
    page = html(b.get("/dashboard?flag=major"))
    assert {code for _, code, _ in radar_rows(page)} == {"OLD-MAJOR"}
    assert tile(page, "count", "total") == 2
    everything = html(b.get("/dashboard"))
    bogus = b.get("/dashboard?level=galactic&kind=nope&flag=urgent&page=x")
    assert bogus.status_code == 200
    assert radar_rows(html(bogus)) == radar_rows(everything)
    assert tile(html(bogus), "count", "total") == tile(everything, "count", "total") >= 5


@pytest.mark.parametrize(
    "days, shown, very_late", [(0, False, False), (1, True, False), (13, True, False), (14, True, True)]
)
def test_very_late_from_14_days_overdue(make, browser, days, shown, very_late):
    staff = make.user(Role.staff)
    next_year = date(date.today().year + 1, 1, 1)
    project = make.project(staff=staff, start=next_year, end=next_year + timedelta(days=100))
    item = db.session.scalar(
        select(DueItem).where(DueItem.project_id == project.id, DueItem.kind == DueKind.acceptance_application)
    )
    item.due_date = date.today() - timedelta(days=days)  # written directly: a due date `days` ago
    db.session.commit()
    page = html(browser().login(staff).get("/dashboard"))
    expected = [("very-late" if very_late else "overdue", project.code, "acceptance_application")] if shown else []
    assert radar_rows(page) == expected
    assert tile(page, "count", "total") == int(shown)
    assert tile(page, "count", "very_late") == int(very_late)


def test_dashboard_paginates_25_per_page(make, browser):
    staff = make.user(Role.staff)
    plan = make.plan()
    owner = make.user(Role.owner)
    for _ in range(13):  # two overdue items each
        make.project(plan=plan, owner=owner, staff=staff, **OLD)
    b = browser().login(staff)
    first = html(b.get("/dashboard"))
    assert tile(first, "count", "total") == 26
    assert len(radar_rows(first)) == 25 and "Page 1 of 2" in first
    second = html(b.get("/dashboard?page=2"))
    assert len(radar_rows(second)) == 1


def test_dashboard_queries_do_not_grow_with_the_data(make, browser):
    staff = make.user(Role.staff)
    plan = make.plan()
    b = browser().login(staff)

    def statements() -> int:
        count = 0

        def bump(*_args):
            nonlocal count
            count += 1

        event.listen(db.engine, "before_cursor_execute", bump)
        try:
            assert b.get("/dashboard").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", bump)
        return count

    make.project(plan=plan, staff=staff, **OLD)
    few = statements()
    for _ in range(4):
        make.project(plan=plan, staff=make.user(Role.staff), flags=[Flag.seasonal], **OLD)
    assert statements() == few


@pytest.mark.parametrize("role, status", [(Role.leader, 200), (Role.admin, 200), (Role.owner, 403), (Role.expert, 403)])
def test_dashboard_is_for_staff_and_leaders(make, browser, role, status):
    user = make.user(role)
    assert browser().login(user).get("/dashboard").status_code == status


# --- registration ---------------------------------------------------------------------------------


@pytest.fixture
def reg(make):
    staff = make.user(Role.staff)
    owner = make.user(Role.owner)
    plan = make.plan(min_self_raised_ratio=1)
    return staff, owner, plan


def form_data(owner, plan, **overrides) -> dict:
    data = {
        "code": "JY-2026-001",
        "title": "高强度特种钢研发",
        "plan_id": str(plan.id),
        "organization_id": str(owner.organization_id),
        "owner_id": str(owner.id),
        "responsible_staff_id": "",
        "industry": "装备制造",
        "flags": ["major"],
        "start_date": "2026-01-01",
        "end_date": "2027-12-31",
        "special_funds": "500000.00",
        "self_raised_committed": "600000",
        "budget_rows-0-special": "300000",  # equipment
        "budget_rows-0-self_raised": "400000",
        "budget_rows-1-special": "200000.00",  # materials
        "budget_rows-1-self_raised": "200000",
        "indicator_rows-0-key": "sales",
        "indicator_rows-0-name": "销售收入",
        "indicator_rows-0-unit": "万元",
        "indicator_rows-0-target": "1000",
        "indicator_rows-1-key": "patents",
        "indicator_rows-1-name": "发明专利",
        "indicator_rows-1-unit": "件",
        "indicator_rows-1-target": "3",
        "indicator_rows-1-weight": "2",
    }
    data.update(overrides)
    return data


def rows_written() -> tuple[int, int, int, int]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(m)) for m in (Project, BudgetLine, Indicator, DueItem)
    )


def test_registration_form_shows_every_part(reg, browser):
    staff, owner, plan = reg
    page = browser().login(staff).get("/projects/new")
    assert page.status_code == 200
    text = html(page)
    assert text.count('name="budget_rows-') == 20 and text.count('name="indicator_rows-') == 25
    assert "Indirect costs" in text and owner.display_name in text and plan.name in text
    assert f'<option selected value="{staff.id}">' in text  # responsible officer defaults to the signed-in staff


def test_valid_registration_creates_the_project(reg, browser):
    staff, owner, plan = reg
    r = browser().login(staff).post("/projects/new", data=form_data(owner, plan))
    assert r.status_code == 302, html(r)[:3000]
    project = db.session.scalar(select(Project).where(Project.code == "JY-2026-001"))
    assert r.headers["Location"].endswith(f"/projects/{project.id}")
    assert project.flags == ["major"] and project.key_tracking
    assert {(b.category.value, str(b.special), str(b.self_raised)) for b in project.budget_lines} == {
        ("equipment", "300000.00", "400000.00"),
        ("materials", "200000.00", "200000.00"),
    }  # the eight categories left at 0 are not budgeted
    assert [(i.key, i.weight) for i in project.indicators] == [("sales", 1), ("patents", 2)]


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"budget_rows-0-special": "290000"}, "budget", "Special budget lines sum to 490000.00"),
        (
            {"self_raised_committed": "400000", "budget_rows-0-self_raised": "200000"},
            "self_raised_committed",
            "at least",
        ),
        ({"end_date": "2025-12-31"}, "end_date", "The end date is before the start date."),
        (
            {f"budget_rows-{i}-{s}": "0" for i in (0, 1) for s in ("special", "self_raised")},
            "budget",
            "at least one category with an amount",
        ),
        ({"budget_rows-1-special": "200000.005"}, "budget_rows-1-special", "at most 2 decimal places"),
        ({"special_funds": "1.234"}, "special_funds", "at most 2 decimal places"),
        ({"indicator_rows-1-unit": ""}, "indicator_rows-1-unit", "Required when the row is filled in."),
        ({"indicator_rows-1-key": "sales"}, "indicators", "Indicator sales appears twice."),
    ],
)
def test_refused_registration_keeps_the_input_and_writes_nothing(reg, browser, overrides, field, message):
    staff, owner, plan = reg
    before = rows_written()
    r = browser().login(staff).post("/projects/new", data=form_data(owner, plan, **overrides))
    assert r.status_code == 422
    page = html(r)
    error = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', page)
    assert error and message in error.group(1), page[:200]
    assert 'value="高强度特种钢研发"' in page  # what was entered is kept
    assert rows_written() == before


def test_owner_from_another_organization_is_refused_beside_the_owner(reg, make, browser):
    staff, owner, plan = reg
    other = make.organization()
    r = browser().login(staff).post("/projects/new", data=form_data(owner, plan, organization_id=str(other.id)))
    assert r.status_code == 422
    assert re.search(r'id="owner_id-error">The owner does not belong to the undertaking organization', html(r))


def test_duplicate_code_shows_the_conflict_beside_the_code(reg, make, browser):
    staff, owner, plan = reg
    make.project(code="JY-2026-001")
    before = rows_written()
    r = browser().login(staff).post("/projects/new", data=form_data(owner, plan))
    assert r.status_code == 422
    assert re.search(r'id="code-error">A project with code JY-2026-001 exists already', html(r))
    assert rows_written() == before


@pytest.mark.parametrize("role", [Role.leader, Role.owner, Role.expert])
def test_only_staff_register(make, browser, role):
    b = browser().login(make.user(role))
    assert b.get("/projects/new").status_code == 403
    assert b.post("/projects/new", data={"code": "X"}).status_code == 403


# --- the acceptance panel -------------------------------------------------------------------------


def test_panel_by_choice(make, api, browser):
    case = applied_project(make, api)
    pool = experts(make, 5)
    b = browser().login(case.staff)
    page = html(b.get(f"/projects/{case.pid}"))
    assert f'href="/projects/{case.pid}/panel"' in page  # linked from the project page

    page = html(b.get(f"/projects/{case.pid}/panel"))
    assert all(e.display_name in page for e in pool) and "No panel has been put together yet." in page

    r = b.post(f"/projects/{case.pid}/panel", data={"mode": "choose", "choose-expert_ids": [str(e.id) for e in pool]})
    assert r.status_code == 302
    panel = db.session.scalar(select(Panel).where(Panel.project_id == case.pid))
    assert sorted(m.expert_id for m in panel.members) == sorted(e.id for e in pool)
    assert panel.seed is None
    page = html(b.get(f"/projects/{case.pid}"))
    assert "Acceptance panel" in page and all(e.display_name in page for e in pool)


def test_panel_refusal_lists_every_broken_rule(make, api, browser):
    case = applied_project(make, api)
    pool = experts(make, 4, finance=1)
    colleague = make.user(Role.expert, organization=db.session.get(Project, case.pid).organization, finance=True)
    b = browser().login(case.staff)
    chosen = [str(e.id) for e in [*pool, colleague]]
    r = b.post(f"/projects/{case.pid}/panel", data={"mode": "choose", "choose-expert_ids": chosen[:4]})
    assert r.status_code == 422
    page = html(r)
    assert re.findall(r'<li data-check="([a-z_]+)">', page) == ["panel_size", "panel_finance"]
    assert "The panel has 4 members" in page and "it needs at least 2" in page
    assert db.session.scalar(select(func.count()).select_from(Panel)) == 0

    r = b.post(f"/projects/{case.pid}/panel", data={"mode": "choose", "choose-expert_ids": chosen})
    page = html(r)
    assert re.findall(r'<li data-check="([a-z_]+)">', page) == ["conflict"]
    assert colleague.display_name in page
    # The colleague is greyed out and flagged in the list, still ticked as submitted.
    row = re.search(rf'<tr class="barred" data-expert="{colleague.id}">(.*?)</tr>', page, re.S)
    assert row and "From the undertaking organization" in row.group(1) and "checked" in row.group(1)


def test_panel_by_draw_records_the_seed(make, api, browser):
    case = applied_project(make, api)
    experts(make, 7, finance=3)
    experts(make, 3, finance=3, fields=("医药",))
    b = browser().login(case.staff)
    data = {"mode": "draw", "draw-size": "5", "draw-fields": FIELD, "draw-seed": "audit-42"}
    r = b.post(f"/projects/{case.pid}/panel", data=data)
    assert r.status_code == 302
    panel = db.session.scalar(select(Panel).where(Panel.project_id == case.pid))
    assert panel.seed == "audit-42" and len(panel.members) == 5
    assert all(FIELD in m.expert.expert.fields for m in panel.members)
    page = html(b.get(f"/projects/{case.pid}/panel"))
    assert "<code data-seed>audit-42</code>" in page


def test_draw_from_too_small_a_pool_is_refused(make, api, browser):
    case = applied_project(make, api)
    experts(make, 2, finance=1)
    r = browser().login(case.staff).post(f"/projects/{case.pid}/panel", data={"mode": "draw", "draw-size": "5"})
    assert r.status_code == 422
    assert re.findall(r'<li data-check="([a-z_]+)">', html(r)) == ["panel_size", "panel_finance"]
    assert db.session.scalar(select(func.count()).select_from(Panel)) == 0


def test_panel_page_is_for_staff_only(make, api, browser):
    case = applied_project(make, api)
    leader = make.user(Role.leader)
    b = browser().login(leader)
    assert b.get(f"/projects/{case.pid}/panel").status_code == 403
    assert b.post(f"/projects/{case.pid}/panel", data={"mode": "draw"}).status_code == 403
    assert browser().login(case.owner).get(f"/projects/{case.pid}/panel").status_code == 403


def test_owner_sees_nothing_of_the_panel_before_the_conclusion(make, api, browser):
    case = applied_project(make, api)
    pool = experts(make, 5)
    staff = browser().login(case.staff)
    assert (
        staff.post(
            f"/projects/{case.pid}/panel", data={"mode": "choose", "choose-expert_ids": [str(e.id) for e in pool]}
        ).status_code
        == 302
    )
    page = html(browser().login(case.owner).get(f"/projects/{case.pid}"))
    assert 'id="panel"' not in page and not any(e.display_name in page for e in pool)


def test_expert_sees_only_themselves_and_a_link_to_score(make, api, browser):
    case = applied_project(make, api)
    pool = experts(make, 5)
    formed_panel(case, pool)
    page = html(browser().login(pool[0]).get(f"/projects/{case.pid}"))
    assert 'id="panel"' in page and "You have not scored yet." in page
    assert f'href="/projects/{case.pid}/score"' in page
    assert not any(e.display_name in page for e in pool[1:])
    staff_page = html(browser().login(case.staff).get(f"/projects/{case.pid}"))
    assert all(e.display_name in staff_page for e in pool) and "Scoring due" in staff_page


# --- leaders read only ----------------------------------------------------------------------------


def test_leader_reads_the_project_without_actions(make, api, browser):
    case = applied_project(make, api)
    leader = make.user(Role.leader)
    b = browser().login(leader)
    page = html(b.get(f"/projects/{case.pid}"))
    assert case.owner.display_name in page
    assert 'id="actions"' not in page and 'name="trigger"' not in page
    assert f"/projects/{case.pid}/panel" not in page
    staff_page = html(browser().login(case.staff).get(f"/projects/{case.pid}"))
    assert 'name="trigger" value="terminate"' in staff_page  # the same page does offer them to staff
    version = db.session.get(Project, case.pid).version
    r = b.post(
        f"/projects/{case.pid}/transition", data={"trigger": "terminate", "comment": "停止", "version": str(version)}
    )
    assert r.status_code == 403
    assert db.session.get(Project, case.pid).state.value == "acceptance_applied"
