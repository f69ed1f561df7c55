"""Projects the front of the lifecycle registers (issue 14 items 5 and 6): a project registered from
an application begins its history with the application's rows, in the API as on the page; a direct
recommendation won with a plan registers its project through the registration service with the
`project` fields of the outcome, validated as POST /projects is, all or nothing."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event

from projectmgr.extensions import db
from projectmgr.models import (
    ApplicationState,
    ApplicationTransition,
    Level,
    Project,
    Role,
    TransitionRecord,
    UpwardRecommendation,
)
from projectmgr.services import ledger

from .test_applications import World
from .test_permissions import assert_error, row_counts
from .test_recommendations import recommend

TODAY = date.today()
APPLICATION_TRIGGERS = ["submit", "pass_check", "form_panel", "conclude_review", "publicize", "approve"]


@pytest.fixture
def world(make, api):
    return World(make, api)


def approved(world) -> tuple[dict, int]:
    """An application taken from draft to approved: (the application, its project's id)."""
    a = world.to_publicized()
    world.end_notice(a["id"])
    body = world.ok(world.as_staff, a["id"], "approve", code="SJ-2027-100")
    # The project's own first row: staff start it.
    r = world.as_staff.post(f"/projects/{body['project_id']}/transitions", json={"trigger": "start"})
    assert r.status_code == 200, r.json
    return body, body["project_id"]


def test_the_project_history_begins_with_the_applications(world):
    a, project_id = approved(world)
    r = world.as_staff.get(f"/projects/{project_id}/history")
    assert r.status_code == 200, r.json
    items = r.json["items"]
    own = db.session.query(TransitionRecord).filter_by(project_id=project_id).count()
    assert own >= 1 and r.json["total"] == len(APPLICATION_TRIGGERS) + own == len(items)
    head, tail = items[: len(APPLICATION_TRIGGERS)], items[len(APPLICATION_TRIGGERS) :]
    assert [h["trigger"] for h in head] == APPLICATION_TRIGGERS
    assert {(h["record"], h["application_id"]) for h in head} == {("application", a["id"])}
    assert [(h["from_state"], h["to_state"]) for h in head[:2]] == [("draft", "submitted"), ("submitted", "checked")]
    assert head[0]["actor"] == world.owner.username and head[1]["actor"] == world.staff.username
    assert {(h["record"], h["application_id"]) for h in tail} == {("project", None)}
    # Oldest first across both: the approval comes before the project's first row.
    assert [h["at"] for h in items] == sorted(h["at"] for h in items)
    # The documented fields of every row are kept.
    assert all({"trigger", "from_state", "to_state", "actor", "at", "comment", "details"} <= set(h) for h in items)
    conclusion = next(h for h in head if h["trigger"] == "conclude_review")
    assert conclusion["details"]  # the review's aggregate: staff see it
    owner_rows = world.as_owner.get(f"/projects/{project_id}/history").json["items"]
    assert [h["trigger"] for h in owner_rows[: len(head)]] == APPLICATION_TRIGGERS
    assert all(h["details"] is None for h in owner_rows[: len(head)])


def test_history_pages_run_across_the_application_and_the_project(world):
    _a, project_id = approved(world)
    whole = world.as_staff.get(f"/projects/{project_id}/history?per_page=200").json["items"]
    pages = []
    for page in (1, 2, 3, 4):
        body = world.as_staff.get(f"/projects/{project_id}/history?page={page}&per_page=4").json
        assert body["total"] == len(whole) and body["page"] == page and body["per_page"] == 4
        pages += body["items"]
    assert pages == whole
    # Page 2 holds the application's last two rows, then the project's first.
    second = world.as_staff.get(f"/projects/{project_id}/history?page=2&per_page=4").json["items"]
    assert [h["record"] for h in second][:3] == ["application", "application", "project"]


def test_a_project_without_an_application_has_only_its_own_rows(world, make):
    project = make.project()
    r = world.as_staff.post(f"/projects/{project.id}/transitions", json={"trigger": "start"})
    assert r.status_code == 200, r.json
    items = world.as_staff.get(f"/projects/{project.id}/history").json["items"]
    assert items and {h["record"] for h in items} == {"project"}


def test_the_history_costs_the_same_queries_however_many_rows(world, make, statements):
    a, project_id = approved(world)
    application_id, state = a["id"], db.session.get(Project, project_id).state
    # Rows by many actors, others on each side: a lazily loaded actor per row would show as more statements.
    actors = [make.user(Role.staff).id for _ in range(12)]

    def counted() -> int:
        db.session.remove()
        statements.clear()
        r = world.as_staff.get(f"/projects/{project_id}/history")
        assert r.status_code == 200, r.json
        return len(statements)

    few = counted()
    at = datetime(2026, 1, 1)
    for n in range(30):
        db.session.add(
            ApplicationTransition(
                application_id=application_id,
                trigger="return",
                from_state=ApplicationState.submitted,
                to_state=ApplicationState.returned,
                actor_id=actors[n % 6],
                at=at + timedelta(minutes=n),
                comment=f"退回{n}",
            )
        )
        db.session.add(
            TransitionRecord(
                project_id=project_id,
                trigger="note",
                from_state=None,
                to_state=state,
                actor_id=actors[6 + n % 6],
                at=datetime.utcnow() + timedelta(minutes=n),
            )
        )
    db.session.commit()
    many = counted()
    assert many == few, (few, many)
    body = world.as_staff.get(f"/projects/{project_id}/history?per_page=200").json
    assert body["total"] >= 66 and body["items"][0]["comment"] == "退回0"


# --- a direct recommendation won with a plan ------------------------------------------------


def registration(world, **over) -> dict:
    body = {
        "code": "SK-2026-001",
        "owner_id": world.owner.id,
        "responsible_staff_id": world.staff.id,
        "start_date": "2027-01-01",
        "end_date": "2028-12-31",
        "industry": "装备制造",
        "special_funds": "800000.00",
        "self_raised_committed": "900000.00",
        "flags": ["major"],
        "budget": [
            {"category": "equipment", "special": "500000.00", "self_raised": "600000.00"},
            {"category": "labor", "special": "300000.00", "self_raised": "300000.00"},
        ],
        "indicators": [{"key": "sales", "name": "销售收入", "unit": "万元", "target": "2000"}],
    }
    body.update(over)
    return body


def direct(world, **over) -> dict:
    r = recommend(world, title="直接推荐的重点研发项目", organization_id=world.owner.organization_id, **over)
    assert r.status_code == 201, r.json
    return r.json


def win(world, rec_id: int, **body):
    return world.as_staff.post(
        f"/recommendations/{rec_id}/outcome", json={"outcome": "won", "document_no": "豫科〔2026〕12号", **body}
    )


def test_a_direct_win_with_a_plan_registers_its_project(world, make):
    plan = make.plan(Level.provincial)
    rec = direct(world)
    r = win(world, rec["id"], plan_id=plan.id, project=registration(world))
    assert r.status_code == 200, r.json
    assert r.json["outcome"] == "won" and r.json["granted_funds"] == "800000.00" and r.json["project_id"]
    project = db.session.get(Project, r.json["project_id"])
    assert (project.title, project.organization_id, project.plan_id) == (
        "直接推荐的重点研发项目",
        world.owner.organization_id,
        plan.id,
    )
    assert (project.code, project.owner_id, project.special_funds) == ("SK-2026-001", world.owner.id, Decimal("800000"))
    assert project.flags == ["major"] and [i.key for i in project.indicators] == ["sales"]
    assert {b.category.value: b.special for b in project.budget_lines} == {
        "equipment": Decimal("500000.00"),
        "labor": Decimal("300000.00"),
    }
    detail = world.as_owner.get(f"/projects/{project.id}").json
    assert detail["application_id"] is None and detail["state"] == "approved"
    world.as_staff.post(f"/projects/{project.id}/transitions", json={"trigger": "start"})
    history = world.as_staff.get(f"/projects/{project.id}/history").json["items"]
    assert [(h["record"], h["trigger"]) for h in history] == [("project", "start")]
    # Counted once in the ledger: the won recommendation, not also its national/provincial project.
    assert ledger.METRICS["national_provincial_won"].compute(plan.year, TODAY) == 1


def test_a_direct_win_without_a_plan_keeps_the_grant(world):
    rec = direct(world)
    r = win(world, rec["id"], special_funds="650000.00")
    assert r.status_code == 200, r.json
    assert r.json["granted_funds"] == "650000.00" and r.json["project_id"] is None
    rec = direct(world)
    r = world.as_staff.post(
        f"/recommendations/{rec['id']}/outcome", json={"outcome": "not_won", "document_no": "d", "special_funds": "1"}
    )
    assert_error(r, 422, "validation_error")
    assert [d["field"] for d in r.json["error"]["details"]] == ["special_funds"]


def fields_of(r) -> list[str]:
    return [d["field"] for d in r.json["error"]["details"]]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        pytest.param({"plan_id": "PLAN"}, ["project"], id="no-project"),
        pytest.param({"project": "REG"}, ["plan_id"], id="no-plan"),
        pytest.param({"plan_id": "PLAN", "project": "REG", "code": "X-1"}, ["code"], id="code-beside"),
        pytest.param({"plan_id": "OTHER", "project": "REG"}, ["plan_id"], id="plan-of-another-level"),
        pytest.param(
            {"plan_id": "PLAN", "project": "REG", "special_funds": "1.00"}, ["special_funds"], id="grant-differs"
        ),
        pytest.param(
            {"plan_id": "PLAN", "project": {"special_funds": "700000.00"}},
            ["project.budget.special"],
            id="budget-does-not-balance",
        ),
        pytest.param(
            {"plan_id": "PLAN", "project": {"self_raised_committed": "100.00", "budget": None}},
            ["project.self_raised_committed"],
            id="self-raised-ratio",
        ),
        pytest.param(
            {"plan_id": "PLAN", "project": {"end_date": "2026-06-01"}}, ["project.end_date"], id="end-before-start"
        ),
        pytest.param({"plan_id": "PLAN", "project": {"owner_id": "OTHER_OWNER"}}, ["project.owner_id"], id="owner"),
        pytest.param(
            {"plan_id": "PLAN", "project": {"budget": [{"category": "equipment", "special": "x", "self_raised": "1"}]}},
            ["project.budget[0].special"],
            id="bad-money",
        ),
        pytest.param({"plan_id": "PLAN", "project": {"code": None}}, ["project.code"], id="missing-code"),
        pytest.param({"plan_id": "PLAN", "project": {"title": "另一个名称"}}, ["project.title"], id="title-is-given"),
        pytest.param({"plan_id": "PLAN", "project": {"indicators": []}}, ["project.indicators"], id="no-indicator"),
    ],
)
def test_bad_direct_registrations_name_the_field_and_write_nothing(world, make, body, fields):
    plan = make.plan(Level.provincial, min_self_raised_ratio=1)
    national = make.plan(Level.national)
    stranger = make.user(Role.owner)
    rec = direct(world)
    sent = {}
    for key, value in body.items():
        if value == "PLAN":
            value = plan.id
        elif value == "OTHER":
            value = national.id
        elif value == "REG":
            value = registration(world)
        elif isinstance(value, dict):
            value = registration(world, **{k: stranger.id if v == "OTHER_OWNER" else v for k, v in value.items()})
            value = {k: v for k, v in value.items() if v is not None}
            if "self_raised_committed" in body["project"]:
                value["budget"] = [{"category": "equipment", "special": "800000.00", "self_raised": "100.00"}]
        sent[key] = value
    before = row_counts()
    r = win(world, rec["id"], **sent)
    assert_error(r, 422, "validation_error")
    assert sorted(fields_of(r)) == sorted(fields), r.json
    assert row_counts() == before
    row = db.session.get(UpwardRecommendation, rec["id"])
    db.session.refresh(row)
    assert row.outcome is None and row.project_id is None and row.granted_funds is None


def test_a_not_won_outcome_registers_nothing(world, make):
    plan = make.plan(Level.provincial)
    rec = direct(world)
    before = row_counts()
    r = world.as_staff.post(
        f"/recommendations/{rec['id']}/outcome",
        json={"outcome": "not_won", "document_no": "d", "plan_id": plan.id, "project": registration(world)},
    )
    assert_error(r, 422, "validation_error")
    assert fields_of(r) == ["plan_id"]
    assert row_counts() == before


def test_a_taken_code_is_a_conflict_and_writes_nothing(world, make):
    plan = make.plan(Level.provincial)
    taken = make.project()
    rec = direct(world)
    before = row_counts()
    r = win(world, rec["id"], plan_id=plan.id, project=registration(world, code=taken.code))
    assert_error(r, 409, "conflict")
    assert row_counts() == before


def test_the_application_route_refuses_a_project_body(world, make):
    plan = make.plan(Level.provincial)
    application = world.apply()
    rec = recommend(world, application_id=application["id"]).json
    before = row_counts()
    r = win(world, rec["id"], plan_id=plan.id, code="SK-9", project=registration(world))
    assert_error(r, 422, "validation_error")
    assert fields_of(r) == ["project"]
    assert row_counts() == before


@pytest.mark.parametrize("role", [Role.owner, Role.leader, Role.expert, Role.auditor, Role.security_officer])
def test_only_staff_record_a_win_that_registers(world, make, role):
    plan = make.plan(Level.provincial)
    rec = direct(world)
    user = world.owner if role == Role.owner else make.user(role)
    client = world.api.as_(user)
    before = row_counts()
    r = client.post(
        f"/recommendations/{rec['id']}/outcome",
        json={"outcome": "won", "document_no": "d", "plan_id": plan.id, "project": registration(world)},
    )
    assert_error(r, 403, "forbidden")
    assert row_counts() == before


def test_a_won_recommendation_from_an_application_begins_its_projects_history(world, make):
    plan = make.plan(Level.provincial)
    application = world.to_checked()
    rec = recommend(world, application_id=application["id"]).json
    r = win(world, rec["id"], plan_id=plan.id, code="SK-10")
    assert r.status_code == 200, r.json
    started = world.as_staff.post(f"/projects/{r.json['project_id']}/transitions", json={"trigger": "start"})
    assert started.status_code == 200, started.json
    items = world.as_staff.get(f"/projects/{r.json['project_id']}/history").json["items"]
    assert [(h["record"], h["trigger"]) for h in items[:2]] == [
        ("application", "submit"),
        ("application", "pass_check"),
    ]
    assert items[2]["record"] == "project"


@pytest.fixture
def statements(app):
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(db.engine, "before_cursor_execute", record)
