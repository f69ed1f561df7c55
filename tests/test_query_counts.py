"""The list endpoints cost a bounded number of SQL statements, whatever the number of projects
(DESIGN §12): the same count with 10 projects as with 1,000, and no more than the few each needs.

Projects and due items are bulk-inserted (the factories would take minutes for 1,000); the due
items follow services.due_items' registration rules (acceptance application + annual evaluations),
and every expected total is computed here from the rows inserted, not by the code under test.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, insert

from projectmgr.extensions import db
from projectmgr.models import (
    DueItem,
    DueKind,
    ExpertConflict,
    Level,
    Notification,
    Organization,
    Plan,
    Project,
    Role,
    State,
    User,
)
from projectmgr.rules.credit_code import make_credit_code
from projectmgr.rules.deadlines import acceptance_due, annual_evaluation_due
from projectmgr.rules.settings import RuleSettings

# Per request under a new data version: the bearer token with its user and the data version (one
# query), the first key of a page past the first (from the order index), the COUNT for `total`,
# the page itself. Asked again under the same version: that one query only.
MAX_STATEMENTS = 4
CACHED_STATEMENTS = 1
FAR_FUTURE = "2100-01-01"  # every open item is overdue then
ORGS = 5
LEVELS = (Level.national, Level.provincial, Level.municipal)
NOW = datetime(2026, 1, 1)


@dataclass
class Seeded:
    """What was inserted, to compute the expected totals from."""

    projects: list[dict] = field(default_factory=list)
    items: list[dict] = field(default_factory=list)
    plan_ids: dict = field(default_factory=dict)
    owner_ids: list[int] = field(default_factory=list)
    staff_id: int = 0

    def project(self, project_id: int) -> dict:
        return self.projects[project_id - 1]


def seed_base() -> Seeded:
    seeded = Seeded()
    db.session.execute(
        insert(Organization),
        [
            {"id": i, "name": f"单位{i}", "kind": "enterprise", "credit_code": make_credit_code(f"91410000{i:09d}")}
            for i in range(1, ORGS + 1)
        ],
    )
    users = [
        {"id": i, "username": f"owner{i}", "password_hash": "-", "role": Role.owner, "display_name": f"负责人{i}"}
        | {"organization_id": i, "active": True}
        for i in range(1, ORGS + 1)
    ]
    seeded.owner_ids = [u["id"] for u in users]
    seeded.staff_id = ORGS + 1
    users.append(
        {"id": seeded.staff_id, "username": "staff", "password_hash": "-", "role": Role.staff}
        | {"display_name": "科技局", "organization_id": None, "active": True}
    )
    db.session.execute(insert(User), users)
    for i, level in enumerate(LEVELS, start=1):
        seeded.plan_ids[level] = i
    db.session.execute(
        insert(Plan),
        [
            {"id": pid, "name": f"{level.value} plan", "level": level, "year": 2024}
            | {"min_self_raised_ratio": Decimal("0"), "panel_min_size": 5, "panel_min_finance": 2}
            for level, pid in seeded.plan_ids.items()
        ],
    )
    db.session.commit()
    return seeded


def seed_projects(seeded: Seeded, upto: int) -> None:
    """Projects number len(seeded.projects)+1 .. upto, varied by their number."""
    rules = RuleSettings()
    projects, items = [], []
    for pid in range(len(seeded.projects) + 1, upto + 1):
        level = LEVELS[pid % 3]
        start = date(2023 + pid % 3, 3, 1)
        end = date(start.year + 1, 12, 31)
        state = (State.in_progress, State.in_progress, State.approved, State.accepted)[pid % 4]
        concluded_on = end + timedelta(days=20) if state == State.accepted else None
        flags = {"flag_major": pid % 10 == 0, "flag_problematic": False, "flag_seasonal": pid % 15 == 0}
        key_tracking = any(flags.values())
        project = {
            "id": pid,
            "code": f"XM-{pid:05d}",
            "title": ("风电装备关键技术" if pid % 7 == 0 else "农业新品种示范") + f"（{pid}）",
            "plan_id": seeded.plan_ids[level],
            "organization_id": 1 + pid % ORGS,
            "owner_id": 1 + pid % ORGS,
            "responsible_staff_id": seeded.staff_id,
            **flags,
            "key_tracking": key_tracking,
            "start_date": start,
            "end_date": end,
            "original_end_date": end,
            "special_funds": Decimal("100000.00"),
            "self_raised_committed": Decimal("100000.00"),
            "state": state,
            "version": 1,
            "rectification_count": 0,
            "concluded_on": concluded_on,
        }
        projects.append(project)

        # services.due_items.open_registration_items, then close_after_conclusion for the accepted.
        due = acceptance_due(end, rules)
        owed = {"project_id": pid, "level": level, "key_tracking": key_tracking, "created_at": NOW}
        items.append(
            owed | {"kind": DueKind.acceptance_application, "due_date": due, "year": None, "closed_on": concluded_on}
        )
        for year in range(start.year, due.year + 1):
            closed = concluded_on if concluded_on and year > concluded_on.year else None
            items.append(
                owed
                | {"kind": DueKind.annual_evaluation, "due_date": annual_evaluation_due(year), "year": year}
                | {"closed_on": closed}
            )
    first_item = len(seeded.items) + 1
    for n, item in enumerate(items):
        item["id"] = first_item + n
    db.session.execute(insert(Project), projects)
    db.session.execute(insert(DueItem), items)
    db.session.commit()
    seeded.projects += projects
    seeded.items += items


# --- expected totals, from the seeded rows ---------------------------------------------------


def expected_projects(seeded: Seeded, params: dict, organization_id: int | None = None) -> int:
    def keep(p: dict) -> bool:
        return (
            (organization_id is None or p["organization_id"] == organization_id)
            and ("state" not in params or p["state"] == params["state"])
            and ("level" not in params or p["plan_id"] == seeded.plan_ids[params["level"]])
            and ("flag" not in params or p[f"flag_{params['flag']}"])
            and ("q" not in params or params["q"] in p["code"] + p["title"])
        )

    return sum(1 for p in seeded.projects if keep(p))


def expected_overdue(seeded: Seeded, params: dict) -> int:
    def keep(i: dict) -> bool:
        project = seeded.project(i["project_id"])
        return (
            i["closed_on"] is None  # as_of is far in the future: every open item is overdue
            and ("level" not in params or i["level"] == params["level"])
            and ("kind" not in params or i["kind"] == params["kind"])
            and ("flag" not in params or project[f"flag_{params['flag']}"])
        )

    return sum(1 for i in seeded.items if keep(i))


# --- counting ----------------------------------------------------------------------------------


@pytest.fixture
def statements(app):
    """Every SQL statement sent to the database while the test runs."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def counted_get(api, statements: list[str], url: str, params: dict):
    # A server starts each request with an empty session; the test client shares the test's.
    db.session.remove()
    statements.clear()
    response = api.get(url, query_string=params)
    assert response.status_code == 200, response.get_json()
    return response.get_json(), len(statements)


PROJECT_FILTERS = [
    pytest.param({}, id="all"),
    pytest.param({"state": "in_progress"}, id="state"),
    pytest.param({"level": "municipal"}, id="level"),
    pytest.param({"flag": "major"}, id="flag"),
    pytest.param({"q": "风电"}, id="q"),
    pytest.param({"state": "accepted", "level": "national", "q": "XM-"}, id="combined"),
    pytest.param({"page": 2, "per_page": 7}, id="page-2"),
]

OVERDUE_FILTERS = [
    pytest.param({}, id="all"),
    pytest.param({"level": "provincial"}, id="level"),
    pytest.param({"kind": "acceptance_application"}, id="kind"),
    pytest.param({"kind": "annual_evaluation"}, id="kind-evaluation"),
    pytest.param({"flag": "seasonal"}, id="flag"),
    pytest.param({"level": "municipal", "kind": "acceptance_application", "flag": "major"}, id="combined"),
]


def _grow_and_compare(api, statements, url, params, expected):
    """The same request on 10 and on 1,000 projects: same statement count, right totals."""
    seeded = seed_base()
    counts = {}
    for size in (10, 1000):
        seed_projects(seeded, size)
        caller = api.as_(db.session.get(User, expected.caller(seeded)))
        body, counts[size] = counted_get(caller, statements, url, params)
        assert body["total"] == expected.total(seeded, params)
        per_page = params.get("per_page", 50)
        page = params.get("page", 1)
        assert len(body["items"]) == max(0, min(per_page, body["total"] - (page - 1) * per_page))
        again, cached = counted_get(caller, statements, url, params)
        assert again == body
        assert cached == CACHED_STATEMENTS
    assert counts[10] == counts[1000]
    assert counts[1000] <= MAX_STATEMENTS
    return body


class StaffProjects:
    caller = staticmethod(lambda seeded: seeded.staff_id)
    total = staticmethod(expected_projects)


class OwnerProjects:
    caller = staticmethod(lambda seeded: seeded.owner_ids[2])
    total = staticmethod(lambda seeded, params: expected_projects(seeded, params, organization_id=3))


class Overdue:
    caller = staticmethod(lambda seeded: seeded.staff_id)
    total = staticmethod(expected_overdue)


@pytest.mark.parametrize("params", PROJECT_FILTERS)
def test_project_list_as_staff(api, statements, params):
    body = _grow_and_compare(api, statements, "/projects", params, StaffProjects)
    # Key-tracking projects first, newest next.
    order = [(not bool(p["flags"]), -p["id"]) for p in body["items"]]
    assert order == sorted(order)


@pytest.mark.parametrize("params", [PROJECT_FILTERS[0], PROJECT_FILTERS[1], PROJECT_FILTERS[4]])
def test_project_list_as_owner(api, statements, params):
    body = _grow_and_compare(api, statements, "/projects", params, OwnerProjects)
    assert {p["organization_id"] for p in body["items"]} == {3}


@pytest.mark.parametrize("params", OVERDUE_FILTERS)
def test_overdue_radar(api, statements, params):
    body = _grow_and_compare(api, statements, "/overdue", {"as_of": FAR_FUTURE} | params, Overdue)
    # Key-tracking first, then most days overdue.
    order = [(not bool(i["flags"]), -i["days_overdue"]) for i in body["items"]]
    assert order == sorted(order)
    assert all(i["very_late"] for i in body["items"])


def test_the_seed_gives_every_filter_something_to_find(make):
    """The totals above would prove little if a filter matched nothing or everything."""
    seeded = seed_base()
    seed_projects(seeded, 1000)
    for params in [p.values[0] for p in PROJECT_FILTERS[1:6]]:
        assert 0 < expected_projects(seeded, params) < 1000, params
    everything = expected_overdue(seeded, {})
    for params in [p.values[0] for p in OVERDUE_FILTERS[1:]]:
        assert 0 < expected_overdue(seeded, params) < everything, params


# --- reviews and users: a fixed number of statements per page ---------------------------------


def _panels_for(make, expert_id: int, n: int) -> None:
    """n more projects (each with its own plan) whose panel the expert sits on, every other one scored."""
    from projectmgr.models import Panel, PanelMember, Recommendation, Score

    for i in range(n):
        project = make.project()
        member = PanelMember(expert_id=expert_id)
        db.session.add(Panel(project_id=project.id, round=1, year=2026, members=[member]))
        if i % 2 == 0:
            member.score = Score(scores={}, total=Decimal("80.00"), recommendation=Recommendation.pass_)
    db.session.commit()


def test_reviews_cost_the_same_at_2_and_8_panels(api, make, statements):
    expert_id = make.user(Role.expert).id
    counts = {}
    for size in (2, 8):
        _panels_for(make, expert_id, size - (2 if counts else 0))
        body, counts[size] = counted_get(api.as_(db.session.get(User, expert_id)), statements, "/reviews", {})
        assert body["total"] == size and len(body["items"]) == size and body["page"] == 1
        assert sum(1 for item in body["items"] if item["scored"]) == size // 2
    assert counts[2] == counts[8]
    body, _ = counted_get(api.as_(db.session.get(User, expert_id)), statements, "/reviews", {"page": 2, "per_page": 3})
    assert (body["total"], body["page"], body["per_page"], len(body["items"])) == (8, 2, 3, 3)


def _experts_with_a_conflict(make, org_id: int, size: int) -> None:
    """Finance experts, each with a declared conflict, until there are `size` of them."""
    while db.session.query(User).filter(User.role == Role.expert).count() < size:
        expert = make.user(Role.expert, finance=True)
        expert.expert.conflicts.append(ExpertConflict(organization_id=org_id))
        db.session.commit()


def test_users_cost_the_same_at_2_and_8_experts(api, make, statements):
    staff_id = make.user(Role.staff).id
    org_id = make.organization().id
    counts = {}
    for size in (2, 8):
        _experts_with_a_conflict(make, org_id, size)
        body, counts[size] = counted_get(
            api.as_(db.session.get(User, staff_id)), statements, "/users", {"role": "expert"}
        )
        assert body["total"] == size
        assert all(u["expert"]["conflict_organization_ids"] == [org_id] for u in body["items"])
    assert counts[2] == counts[8]


def test_accounts_page_costs_the_same_at_2_and_8_experts(client, make, statements):
    staff = make.user(Role.staff)
    org_id = make.organization().id
    client.post("/login", data={"username": staff.username, "password": "password123"})
    counts = {}
    for size in (2, 8):
        _experts_with_a_conflict(make, org_id, size)
        db.session.remove()
        statements.clear()
        page = client.get("/accounts?role=expert")
        assert page.status_code == 200
        assert page.get_data(as_text=True).count('<tr data-username="') == size
        counts[size] = len(statements)
    assert counts[2] == counts[8]


def test_a_project_page_under_review_costs_the_same_with_5_and_7_panel_members(client, api, make, statements):
    """The panel rules, the scores and the greyed `conclude` read every member: not a query each."""
    from tests.test_panels import applied_project, experts, formed_panel, score

    counts = {}
    for size in (5, 7):
        case = applied_project(make, api)
        members = experts(make, size)
        formed_panel(case, members)
        assert score(case, members[0], 80).status_code == 200
        client.post("/login", data={"username": case.staff.username, "password": "password123"})
        db.session.remove()
        statements.clear()
        page = client.get(f"/projects/{case.pid}", headers={"Accept-Language": "en"})
        assert page.status_code == 200 and 'data-trigger="conclude"' in page.get_data(as_text=True)
        counts[size] = len(statements)
        client.post("/logout")
    assert counts[5] == counts[7]


# --- the reminders' chase: who is chased for every overdue item, read for all at once --------


@dataclass
class Chase:
    """Who is seeded for the reminders' chase (ids: the test empties the session between sizes),
    and the messages expected from the rows seeded."""

    owner: int
    staff: list[int]
    leader: int
    experts: list[int]  # the first one has not scored yet
    expected: set = field(default_factory=set)
    count: int = 0


def _overdue_for_the_chase(make, chase: Chase, upto: int, as_of: date) -> None:
    """Projects until there are `upto`, each with one item 14 days overdue (the `after:14` reminder
    and the escalation are due): expert scores, a survey report or an annual evaluation in turn; every
    other project has a responsible staff member, every third is key-tracking."""
    from projectmgr.models import Flag, Panel, PanelMember, Recommendation, Score

    plan = make.plan()
    owner, registrar = db.session.get(User, chase.owner), db.session.get(User, chase.staff[0])
    while chase.count < upto:
        n = chase.count
        chase.count += 1
        responsible = chase.staff[0] if n % 2 == 0 else None
        flags = [Flag.major] if n % 3 == 0 else []
        project = make.project(plan=plan, owner=owner, staff=registrar, responsible_staff_id=responsible, flags=flags)
        kind = (DueKind.expert_scores, DueKind.survey_report, DueKind.annual_evaluation)[n % 3]
        item = DueItem(
            project_id=project.id,
            kind=kind,
            due_date=as_of - timedelta(days=14),
            level=Level.municipal,
            key_tracking=project.key_tracking,
            year=as_of.year if kind == DueKind.annual_evaluation else None,
        )
        db.session.add(item)
        if kind == DueKind.expert_scores:
            scored = PanelMember(expert_id=chase.experts[1])
            scored.score = Score(scores={}, total=Decimal("80.00"), recommendation=Recommendation.pass_)
            db.session.add(
                Panel(
                    project_id=project.id,
                    round=1,
                    year=as_of.year,
                    formed_on=as_of - timedelta(days=30),
                    scoring_due=item.due_date,
                    members=[PanelMember(expert_id=chase.experts[0]), scored],
                )
            )
        db.session.commit()
        responsible_ones = [responsible] if responsible else chase.staff
        chased = {
            DueKind.expert_scores: [chase.experts[0]],
            DueKind.survey_report: [chase.owner],
            DueKind.annual_evaluation: responsible_ones,
        }[kind]
        escalated = responsible_ones + ([chase.leader] if project.key_tracking else [])
        chase.expected |= {(item.id, "after:14", user_id) for user_id in chased}
        chase.expected |= {(item.id, "escalation", user_id) for user_id in escalated}


def test_the_reminders_chase_reads_the_same_for_3_and_30_overdue_items(make, statements):
    """Owners, the panels' unscored experts, responsible staff and leaders are read for all the
    items at once: the SELECTs do not grow with the items; each message is one INSERT."""
    from projectmgr.services import reminders, settings

    as_of = date(2026, 6, 30)
    chase = Chase(
        owner=make.user(Role.owner).id,
        staff=[make.user(Role.staff).id, make.user(Role.staff).id],
        leader=make.user(Role.leader).id,
        experts=[make.user(Role.expert).id, make.user(Role.expert).id],
    )
    selects = {}
    for size in (3, 30):
        _overdue_for_the_chase(make, chase, size, as_of)
        db.session.query(Notification).delete()
        db.session.commit()
        db.session.remove()
        statements.clear()
        created = reminders.queue_reminders(as_of, settings())
        assert {(n.due_item_id, n.rule, n.user_id) for n in created} == chase.expected
        selects[size] = sum(1 for s in statements if s.lstrip().upper().startswith("SELECT"))
        assert sum(1 for s in statements if s.lstrip().upper().startswith("INSERT")) == len(created)
    assert selects[3] == selects[30]


# --- the panel draw and the chosen experts: a fixed number of queries, whatever the pool -----


def _pool_of(make, org_id: int, size: int) -> None:
    """Experts until there are `size`: every other one a finance expert, each with a declared
    conflict (another organization's) and, every third, a prior panel this year."""
    from projectmgr.models import Panel, PanelMember

    other = None
    while db.session.query(User).filter(User.role == Role.expert).count() < size:
        n = db.session.query(User).filter(User.role == Role.expert).count()
        expert = make.user(Role.expert, finance=n % 2 == 0, fields=["装备制造"])
        expert.expert.conflicts.append(ExpertConflict(organization_id=org_id))
        if n % 3 == 0:
            other = other or make.project()
            db.session.add(
                Panel(project_id=other.id, round=n + 1, year=2026, members=[PanelMember(expert_id=expert.id)])
            )
        db.session.commit()


@pytest.mark.parametrize("fields", [None, ["装备制造"]])
def test_a_draw_costs_the_same_from_5_and_25_experts(make, statements, fields):
    from projectmgr.services import panels, settings

    project_id = make.project().id
    org_id = make.organization().id
    counts, drawn = {}, {}
    for size in (5, 25):
        _pool_of(make, org_id, size)
        db.session.remove()
        project = db.session.get(Project, project_id)
        project.plan  # noqa: B018 - loaded before counting: the draw's caller has it
        statements.clear()
        chosen = panels.draw(project, 5, fields, "audit", 2026, settings())
        counts[size] = len(statements)
        drawn[size] = len(chosen)
    assert drawn == {5: 5, 25: 5}
    assert counts[5] == counts[25] <= 4, counts  # the pool, its profiles, their conflicts, the workload


def test_choosing_experts_costs_the_same_for_5_and_25(make, statements):
    from projectmgr.services.panels import load_experts

    org_id = make.organization().id
    counts = {}
    for size in (5, 25):
        _pool_of(make, org_id, size)
        ids = [u.id for u in db.session.query(User).filter(User.role == Role.expert).order_by(User.id)]
        db.session.remove()
        statements.clear()
        experts = load_experts(ids)
        # What the panel rules read of each: the profile and its declared conflicts.
        assert all(e.expert.conflict_organization_ids == [org_id] for e in experts)
        assert sum(e.expert.finance for e in experts) == (size + 1) // 2
        counts[size] = len(statements)
    assert counts[5] == counts[25] <= 3, counts


# --- a transition asks each guard once ---------------------------------------------------------


def test_firing_a_transition_asks_its_guard_once(make, statements):
    """submit_survey's guard (a survey report since the window opened) reads the reports once:
    the explanation of a refusal and the machine's own run share the answer."""
    from projectmgr.models import ReportKind
    from projectmgr.services import funds, settings
    from projectmgr.services.transitions import transition

    staff, owner = make.user(Role.staff), make.user(Role.owner)
    project = make.project(owner=owner, staff=staff)
    transition(project, "start", staff, settings(), date(2026, 1, 5))
    transition(project, "open_survey", staff, settings(), date(2026, 6, 1), {"due_date": date(2026, 6, 30)})
    funds.submit_report(owner, project, ReportKind.survey, "进展", [], None)
    db.session.commit()
    project_id, owner_id = project.id, owner.id
    db.session.remove()
    project = db.session.get(Project, project_id)
    owner = db.session.get(User, owner_id)
    statements.clear()
    transition(project, "submit_survey", owner, settings(), date(2026, 6, 20))
    assert project.state == State.survey_submitted
    report_reads = [s for s in statements if s.lstrip().startswith("SELECT report.id")]
    assert len(report_reads) == 1, report_reads
