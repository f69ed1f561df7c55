"""THE lifecycle (DESIGN §3): every trigger from every state, each guard from both sides, who may
fire what, and `allowed_triggers`. The expected table is written out below from DESIGN §3, apart from
lifecycle.TRANSITIONS, so that a wrong row in the code's table fails here."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from projectmgr import lifecycle
from projectmgr.errors import GuardFailed, InvalidTransition
from projectmgr.extensions import db
from projectmgr.models import (
    CreditRecord,
    DueItem,
    DueKind,
    Grade,
    Level,
    Panel,
    Project,
    Role,
    State,
    TransitionRecord,
)
from projectmgr.models.base import utcnow
from projectmgr.permissions import SYSTEM
from projectmgr.services import due_items, settings
from projectmgr.services.transitions import transition

S = State
BEFORE_CONCLUSION = {
    S.approved,
    S.in_progress,
    S.mid_year_survey,
    S.survey_submitted,
    S.acceptance_applied,
    S.under_review,
    S.rectifying,
}
# DESIGN §3, written out: trigger -> (sources, destinations, who fires it).
DESIGN = {
    "start": ({S.approved}, {S.in_progress}, "staff"),
    "open_survey": ({S.in_progress}, {S.mid_year_survey}, "staff"),
    "submit_survey": ({S.mid_year_survey}, {S.survey_submitted}, "owner"),
    "return_survey": ({S.survey_submitted}, {S.mid_year_survey}, "staff"),
    "accept_survey": ({S.survey_submitted}, {S.in_progress}, "staff"),
    "apply_acceptance": ({S.in_progress}, {S.acceptance_applied}, "owner"),
    "form_panel": ({S.acceptance_applied}, {S.under_review}, "staff"),
    "conclude": ({S.under_review}, {S.accepted, S.rectifying, S.failed}, "staff"),
    "close_out": ({S.under_review}, {S.closed_out}, "staff"),
    "record_conclusion": ({S.acceptance_applied}, {S.accepted, S.closed_out, S.failed}, "staff"),
    "reapply": ({S.rectifying}, {S.acceptance_applied}, "owner"),
    "evaluate": ({S.accepted, S.closed_out, S.failed}, {S.evaluated}, "staff"),
    "terminate": (BEFORE_CONCLUSION, {S.terminated}, "staff"),
    "expire": ({S.in_progress, S.mid_year_survey, S.survey_submitted, S.rectifying}, {S.failed}, "system"),
}
STAFF_TRIGGERS = [t for t, (_, _, who) in DESIGN.items() if who == "staff"]
OWNER_TRIGGERS = [t for t, (_, _, who) in DESIGN.items() if who == "owner"]
# What each guarded trigger refuses on a freshly registered municipal project (no reports, no panel).
REFUSED_ON_A_BARE_PROJECT = {
    "submit_survey": ["survey_report"],
    "apply_acceptance": ["acceptance_report"],
    "form_panel": ["panel"],
    "conclude": ["panel", "scores"],
    "record_conclusion": ["higher_authority_only"],
    "reapply": ["acceptance_report"],
    "expire": ["deadline"],
}
SCORESHEET_90 = {
    "task_content": 18,
    "technical_indicators": 18,
    "economic_indicators": 9,
    "deliverables": 18,
    "funds_in_place": 9,
    "fund_usage": 9,
    "management": 9,
}


def params_for(trigger: str) -> dict:
    """Valid parameters for each trigger (API.md), so that only the state or a guard can refuse."""
    return {
        "open_survey": {"due_date": (date.today() + timedelta(days=30)).isoformat()},
        "return_survey": {"comment": "请补充经费执行数据"},
        "close_out": {"comment": "不可抗力，客观原因"},
        "terminate": {"comment": "承担单位停产"},
        "record_conclusion": {"conclusion": "accepted", "document_no": "豫科〔2026〕83号"},
        "evaluate": {"grade": "good"},
    }.get(trigger, {})


def put_in_state(project: Project, state: State) -> None:
    """Test setup only: place the project in `state`, with the fields the database requires of it."""
    project.state = state
    project.state_changed_at = utcnow()
    if state in (S.mid_year_survey, S.survey_submitted):  # a submitted survey had its window
        project.survey_due_date = date.today() + timedelta(days=30)
    if state == S.rectifying:
        project.rectification_started_on = date.today()
        project.rectification_count = 1
    if state in (S.accepted, S.closed_out, S.failed, S.evaluated):
        project.concluded_on = date.today()
    if state == S.evaluated:
        project.evaluation_grade = Grade.good
    if state == S.terminated:
        project.termination_reason = "测试"
    db.session.commit()


def snapshot(project_id: int) -> dict:
    """Everything a transition may change, read afresh from the database."""
    db.session.expire_all()
    project = db.session.get(Project, project_id)
    return {
        "state": project.state,
        "version": project.version,
        "state_changed_at": project.state_changed_at,
        "concluded_on": project.concluded_on,
        "history": db.session.scalar(
            select(func.count(TransitionRecord.id)).where(TransitionRecord.project_id == project_id)
        ),
        "credit": db.session.scalar(select(func.count(CreditRecord.id)).where(CreditRecord.project_id == project_id)),
        "due_items": [
            (i.id, i.kind, i.due_date, i.closed_on)
            for i in db.session.scalars(select(DueItem).where(DueItem.project_id == project_id).order_by(DueItem.id))
        ],
    }


def checks_of(response) -> list[str]:
    assert response.status_code == 422, response.json
    error = response.json["error"]
    assert error["code"] == "guard_failed", error
    assert all(d["message"] for d in error["details"])
    return [d["check"] for d in error["details"]]


def fields_of(response) -> list[str]:
    assert response.status_code == 422, response.json
    error = response.json["error"]
    assert error["code"] == "validation_error", error
    return [d["field"] for d in error["details"]]


class Flow:
    """One project with its staff member and owner, driven over the API."""

    def __init__(self, api, make, level: Level = Level.municipal, **project):
        self.api, self.make = api, make
        self.staff_user = make.user(Role.staff)
        self.owner_user = make.user(Role.owner)
        self.project = make.project(level, owner=self.owner_user, staff=self.staff_user, **project)
        self.id = self.project.id
        self.url = f"/projects/{self.id}"
        self.staff = api.as_(self.staff_user)
        self.owner = api.as_(self.owner_user)

    def fire(self, client, trigger: str, **params):
        return client.post(f"{self.url}/transitions", json={"trigger": trigger, **params})

    def ok(self, client, trigger: str, **params) -> dict:
        r = self.fire(client, trigger, **params)
        assert r.status_code == 200, r.json
        return r.json

    def get(self, client=None) -> dict:
        r = (client or self.staff).get(self.url)
        assert r.status_code == 200, r.json
        return r.json

    def history(self) -> list[dict]:
        return self.staff.get(f"{self.url}/history").json["items"]

    def report(self, kind: str, achieved="100", separate_account=True) -> None:
        body = {"kind": kind, "summary": f"{kind} 报告", "indicators": [{"key": "sales", "achieved": achieved}]}
        if kind == "acceptance":
            body["separate_account"] = separate_account
        r = self.owner.post(f"{self.url}/reports", json=body)
        assert r.status_code == 201, r.json

    def report_refused(self, kind: str) -> None:
        """Out of its window a report is refused (409) and counts for nothing."""
        body = {"kind": kind, "summary": f"{kind} 报告", "indicators": [{"key": "sales", "achieved": "100"}]}
        r = self.owner.post(f"{self.url}/reports", json=body)
        assert r.status_code == 409, r.json

    def self_raised_in_full(self) -> None:
        r = self.owner.post(f"{self.url}/self-raised", json={"date": "2026-02-01", "amount": "100000.00"})
        assert r.status_code == 201, r.json

    def experts(self, n: int = 5, finance: int = 2) -> list:
        return [self.make.user(Role.expert, finance=i < finance, fields=["装备制造"]) for i in range(n)]

    def set_panel(self, experts) -> None:
        r = self.staff.put(f"{self.url}/panel", json={"expert_ids": [e.id for e in experts]})
        assert r.status_code == 200, r.json

    def to_acceptance_applied(self) -> None:
        self.ok(self.staff, "start")
        self.report("acceptance")
        self.ok(self.owner, "apply_acceptance")

    def to_under_review(self, staff_client=None) -> list:
        self.to_acceptance_applied()
        experts = self.experts()
        self.set_panel(experts)
        self.ok(staff_client or self.staff, "form_panel")
        return experts

    def score(self, expert, sheet=SCORESHEET_90) -> None:
        r = self.api.as_(expert).put(
            f"{self.url}/scores/me", json={"scores": sheet, "recommendation": "pass", "comment": "可"}
        )
        assert r.status_code == 200, r.json


# --- the table ------------------------------------------------------------------------------


def test_the_table_is_design_section_3():
    assert len(State) == 12
    assert len(lifecycle.TRANSITIONS) == 14
    table = {t.trigger: (set(t.sources), set(t.dests), t.actor.value) for t in lifecycle.TRANSITIONS}
    assert table == DESIGN


def test_final_states_have_no_way_out():
    for trigger, (sources, _, _) in DESIGN.items():
        assert not sources & {S.evaluated, S.terminated}, trigger


# --- every trigger from every state ---------------------------------------------------------


@pytest.mark.parametrize("trigger", [t for t in DESIGN if t != "expire"])
@pytest.mark.parametrize("state", list(State))
def test_every_trigger_from_every_state(api, make, state, trigger):
    sources, dests, who = DESIGN[trigger]
    flow = Flow(api, make)
    put_in_state(flow.project, state)
    caller = flow.staff if who == "staff" else flow.owner
    allowed = flow.get(caller)["allowed_triggers"]
    before = snapshot(flow.id)

    r = flow.fire(caller, trigger, **params_for(trigger))

    if state not in sources:
        assert r.status_code == 409, r.json
        assert r.json["error"]["code"] == "invalid_transition"
        assert trigger not in allowed
        assert snapshot(flow.id) == before
    elif trigger in REFUSED_ON_A_BARE_PROJECT:
        assert checks_of(r) == REFUSED_ON_A_BARE_PROJECT[trigger]
        assert trigger not in allowed
        assert snapshot(flow.id) == before
    else:
        assert r.status_code == 200, r.json
        assert trigger in allowed
        assert State(r.json["state"]) in dests
        assert r.json["version"] == before["version"] + 1
        assert [(h["trigger"], h["from_state"], h["to_state"]) for h in flow.history()] == [
            (trigger, state.value, r.json["state"])
        ]


@pytest.mark.parametrize("state", list(State))
def test_expire_from_every_state(make, state):
    """The system's trigger, fired as the sweep fires it; before the deadline its guard refuses."""
    project = make.project()  # acceptance application due 2027-03-31
    put_in_state(project, state)
    before = snapshot(project.id)
    sources = DESIGN["expire"][0]
    expected = GuardFailed if state in sources else InvalidTransition
    with pytest.raises(expected) as caught:
        transition(project, "expire", SYSTEM, settings(), date(2027, 3, 31))
    if state in sources:
        assert [d["check"] for d in caught.value.details] == ["deadline"]
    db.session.rollback()
    assert snapshot(project.id) == before


@pytest.mark.parametrize(
    ("state", "kind", "due"),
    [
        (S.in_progress, DueKind.acceptance_application, date(2027, 3, 31)),
        (S.mid_year_survey, DueKind.acceptance_application, date(2027, 3, 31)),
        (S.survey_submitted, DueKind.acceptance_application, date(2027, 3, 31)),
        (S.rectifying, DueKind.rectification, date(2027, 2, 15)),
    ],
)
@pytest.mark.parametrize("late", [0, 1])
def test_expire_fires_only_after_the_deadline(make, state, kind, due, late):
    project = make.project()
    put_in_state(project, state)
    if kind == DueKind.rectification:
        due_items.close_items(project, DueKind.acceptance_application, on=date(2026, 11, 1))
        due_items.open_item(project, DueKind.rectification, due)
        db.session.commit()
    if not late:
        with pytest.raises(GuardFailed):
            transition(project, "expire", SYSTEM, settings(), due)
        db.session.rollback()
        assert snapshot(project.id)["state"] == state
        return
    transition(project, "expire", SYSTEM, settings(), due + timedelta(days=late))
    db.session.commit()
    after = snapshot(project.id)
    assert after["state"] == S.failed
    assert after["credit"] == 1
    record = db.session.scalar(select(TransitionRecord).where(TransitionRecord.project_id == project.id))
    assert (record.trigger, record.from_state, record.to_state, record.actor_id) == ("expire", state, S.failed, None)
    assert str(due) in record.comment


@pytest.mark.parametrize("name", ["launch", "START", "to_in_progress", "may_start", "state", "conclude "])
def test_an_unknown_trigger_is_a_validation_error(api, make, name):
    flow = Flow(api, make)
    before = snapshot(flow.id)
    r = flow.fire(flow.staff, name)
    assert fields_of(r) == ["trigger"]
    assert snapshot(flow.id) == before


# --- each guard, both sides -----------------------------------------------------------------


def test_submit_survey_needs_a_report_from_this_survey_window(api, make):
    flow = Flow(api, make)
    flow.ok(flow.staff, "start")
    flow.report_refused("survey")  # before the window opens: refused
    flow.ok(flow.staff, "open_survey", due_date=(date.today() + timedelta(days=20)).isoformat())
    assert checks_of(flow.fire(flow.owner, "submit_survey")) == ["survey_report"]
    flow.report("survey")
    assert flow.ok(flow.owner, "submit_survey")["state"] == "survey_submitted"

    # Returned: the report that was returned does not count for the reopened window.
    flow.ok(flow.staff, "return_survey", comment="数据不全")
    assert checks_of(flow.fire(flow.owner, "submit_survey")) == ["survey_report"]
    flow.report("survey")
    assert flow.ok(flow.owner, "submit_survey")["state"] == "survey_submitted"


def test_apply_acceptance_needs_an_acceptance_report(api, make):
    flow = Flow(api, make)
    flow.ok(flow.staff, "start")
    assert checks_of(flow.fire(flow.owner, "apply_acceptance")) == ["acceptance_report"]
    flow.report_refused("survey")  # survey reports belong to the survey window
    assert checks_of(flow.fire(flow.owner, "apply_acceptance")) == ["acceptance_report"]
    flow.report("acceptance")
    data = flow.ok(flow.owner, "apply_acceptance")
    assert data["state"] == "acceptance_applied"
    assert "acceptance_application" not in [d["kind"] for d in data["due_items"]]


def test_reapply_needs_a_new_acceptance_report_after_rectification_began(api, make):
    flow = Flow(api, make)
    experts = flow.to_under_review()  # no self-raised funds arrived: a remediable failure
    for e in experts:
        flow.score(e)
    data = flow.ok(flow.staff, "conclude")
    assert data["state"] == "rectifying", data.get("decision")
    assert "rectification" in [d["kind"] for d in data["due_items"]]

    # The acceptance report from before the rectification does not count.
    assert checks_of(flow.fire(flow.owner, "reapply")) == ["acceptance_report"]
    flow.report_refused("survey")
    assert checks_of(flow.fire(flow.owner, "reapply")) == ["acceptance_report"]
    flow.self_raised_in_full()
    flow.report("acceptance")
    data = flow.ok(flow.owner, "reapply")
    assert data["state"] == "acceptance_applied"
    assert "rectification" not in [d["kind"] for d in data["due_items"]]


def test_form_panel_needs_a_panel(api, make):
    flow = Flow(api, make)
    flow.to_acceptance_applied()
    assert checks_of(flow.fire(flow.staff, "form_panel")) == ["panel"]
    flow.set_panel(flow.experts())
    assert flow.ok(flow.staff, "form_panel")["state"] == "under_review"


def test_form_panel_refuses_a_panel_broken_by_a_declared_conflict(api, make):
    flow = Flow(api, make)
    flow.to_acceptance_applied()
    experts = flow.experts()
    flow.set_panel(experts)
    r = api.as_(experts[4]).post(f"{flow.url}/panel/conflict", json={"reason": "曾在该单位任职"})
    assert r.status_code == 200, r.json
    assert checks_of(flow.fire(flow.staff, "form_panel")) == ["panel"]  # 4 members now
    flow.set_panel(experts[:4] + flow.experts(1, finance=0))
    assert flow.ok(flow.staff, "form_panel")["state"] == "under_review"


@pytest.mark.parametrize("level", [Level.national, Level.provincial])
def test_form_panel_is_municipal_only(api, make, level):
    flow = Flow(api, make, level)
    flow.to_acceptance_applied()
    before = snapshot(flow.id)
    # A valid panel is refused for its level: a higher authority concludes these projects.
    r = flow.staff.put(f"{flow.url}/panel", json={"expert_ids": [e.id for e in flow.experts()]})
    assert checks_of(r) == ["municipal_only"]
    assert checks_of(flow.fire(flow.staff, "form_panel")) == ["municipal_only", "panel"]
    assert snapshot(flow.id) == before
    assert db.session.scalar(select(func.count()).select_from(Panel)) == 0


def test_conclude_needs_every_member_scored(api, make):
    flow = Flow(api, make)
    flow.self_raised_in_full()
    experts = flow.to_under_review()
    for e in experts[:4]:
        flow.score(e)
    before = snapshot(flow.id)
    assert checks_of(flow.fire(flow.staff, "conclude")) == ["scores"]
    assert snapshot(flow.id) == before
    flow.score(experts[4])
    data = flow.ok(flow.staff, "conclude")
    assert data["state"] == "accepted"
    assert data["decision"]["rule"] == 5


def test_conclude_takes_no_destination_from_the_caller(api, make):
    flow = Flow(api, make)
    experts = flow.to_under_review()  # no self-raised funds: the rules say rectifying
    for e in experts:
        flow.score(e)
    r = flow.fire(flow.staff, "conclude", conclusion="accepted", document_no="x")
    assert r.status_code == 200, r.json
    assert r.json["state"] == "rectifying"


@pytest.mark.parametrize(
    ("category", "amount", "passes"),
    [
        ("equipment", "100000.00", True),  # the whole grant, in its budgeted category
        ("equipment", "100000.01", False),  # over the total special grant
        ("materials", "0.01", False),  # a category with no approved special budget (挪用)
    ],
)
def test_close_out_refuses_a_hard_binding_failure(api, make, category, amount, passes):
    flow = Flow(api, make)
    r = flow.owner.post(
        f"{flow.url}/expenditures",
        json={"date": "2026-03-01", "category": category, "source": "special", "amount": amount},
    )
    assert r.status_code == 201, r.json
    put_in_state(flow.project, S.under_review)
    before = snapshot(flow.id)
    r = flow.fire(flow.staff, "close_out", comment="客观原因")
    if passes:
        assert r.status_code == 200, r.json
        assert r.json["state"] == "closed_out"
        # Remediable failures (no self-raised funds, no separate account) do not stop a close-out.
        failing = {c["key"] for c in r.json["binding_checks"] if not c["passed"]}
        assert failing == {"self_raised_in_place", "separate_account"}
    else:
        assert checks_of(r) == ["binding_hard"]
        assert snapshot(flow.id) == before


@pytest.mark.parametrize("level", [Level.national, Level.provincial])
@pytest.mark.parametrize("conclusion", ["accepted", "closed_out", "failed"])
def test_record_conclusion_for_higher_authority_projects(api, make, level, conclusion):
    flow = Flow(api, make, level)
    flow.to_acceptance_applied()
    data = flow.ok(flow.staff, "record_conclusion", conclusion=conclusion, document_no=" 国科发〔2026〕7号 ")
    assert data["state"] == conclusion
    assert data["conclusion_document_no"] == "国科发〔2026〕7号"
    assert data["concluded_on"] == date.today().isoformat()
    assert snapshot(flow.id)["credit"] == (1 if conclusion == "failed" else 0)
    (last,) = flow.history()[-1:]
    assert last["details"] == {"conclusion": conclusion, "document_no": "国科发〔2026〕7号"}


@pytest.mark.parametrize(
    ("body", "missing"),
    [
        ({}, ["conclusion", "document_no"]),
        ({"conclusion": "accepted"}, ["document_no"]),
        ({"conclusion": "accepted", "document_no": "   "}, ["document_no"]),
        ({"document_no": "国科发〔2026〕7号"}, ["conclusion"]),
    ],
)
def test_record_conclusion_names_each_missing_field(api, make, body, missing):
    flow = Flow(api, make, Level.provincial)
    flow.to_acceptance_applied()
    before = snapshot(flow.id)
    assert fields_of(flow.fire(flow.staff, "record_conclusion", **body)) == missing
    assert snapshot(flow.id) == before


def test_record_conclusion_is_not_for_municipal_projects(api, make):
    flow = Flow(api, make)
    flow.to_acceptance_applied()
    before = snapshot(flow.id)
    r = flow.fire(flow.staff, "record_conclusion", conclusion="accepted", document_no="x")
    assert checks_of(r) == ["higher_authority_only"]
    assert snapshot(flow.id) == before


@pytest.mark.parametrize("concluded", [S.accepted, S.closed_out, S.failed])
def test_evaluate_needs_a_grade(api, make, concluded):
    flow = Flow(api, make)
    put_in_state(flow.project, concluded)
    before = snapshot(flow.id)
    assert fields_of(flow.fire(flow.staff, "evaluate")) == ["grade"]
    assert fields_of(flow.fire(flow.staff, "evaluate", grade="A")) == ["grade"]
    assert snapshot(flow.id) == before
    data = flow.ok(flow.staff, "evaluate", grade="pass")
    assert (data["state"], data["evaluation_grade"]) == ("evaluated", "pass")


@pytest.mark.parametrize(
    ("trigger", "state"),
    [("close_out", S.under_review), ("terminate", S.in_progress), ("return_survey", S.survey_submitted)],
)
@pytest.mark.parametrize("comment", [None, "", "   "])
def test_a_comment_is_required(api, make, trigger, state, comment):
    flow = Flow(api, make)
    put_in_state(flow.project, state)
    before = snapshot(flow.id)
    body = {} if comment is None else {"comment": comment}
    assert fields_of(flow.fire(flow.staff, trigger, **body)) == ["comment"]
    assert snapshot(flow.id) == before
    data = flow.ok(flow.staff, trigger, comment=" 理由 ")
    assert flow.history()[-1]["comment"] == "理由"
    if trigger == "terminate":
        assert data["termination_reason"] == "理由"


@pytest.mark.parametrize(("offset", "accepted"), [(-1, False), (0, True), (1, True)])
def test_open_survey_due_date_not_in_the_past(api, make, offset, accepted):
    flow = Flow(api, make)
    flow.ok(flow.staff, "start")
    due = date.today() + timedelta(days=offset)
    r = flow.fire(flow.staff, "open_survey", due_date=due.isoformat())
    if accepted:
        assert r.status_code == 200, r.json
        assert r.json["survey_due_date"] == due.isoformat()
        assert [d["due_date"] for d in r.json["due_items"] if d["kind"] == "survey_report"] == [due.isoformat()]
    else:
        assert fields_of(r) == ["due_date"]
        assert flow.get()["state"] == "in_progress"


def test_open_survey_needs_a_due_date(api, make):
    flow = Flow(api, make)
    flow.ok(flow.staff, "start")
    assert fields_of(flow.fire(flow.staff, "open_survey")) == ["due_date"]


@pytest.mark.parametrize("role", [Role.staff, Role.admin, Role.owner])
def test_expire_is_the_systems_only(api, make, role):
    flow = Flow(api, make)
    put_in_state(flow.project, S.in_progress)
    user = flow.owner_user if role == Role.owner else make.user(role)
    before = snapshot(flow.id)
    r = flow.fire(api.as_(user), "expire")
    assert r.status_code == 403, r.json
    assert r.json["error"]["code"] == "forbidden"
    assert snapshot(flow.id) == before


# --- roles ----------------------------------------------------------------------------------


def ready_for_owner_trigger(flow: Flow, trigger: str) -> None:
    """Put the project where its owner could fire `trigger` now."""
    state, kind = {
        "submit_survey": (S.mid_year_survey, "survey"),
        "apply_acceptance": (S.in_progress, "acceptance"),
        "reapply": (S.rectifying, "acceptance"),
    }[trigger]
    put_in_state(flow.project, state)
    flow.report(kind)


@pytest.mark.parametrize("trigger", OWNER_TRIGGERS)
@pytest.mark.parametrize(
    ("who", "status"),
    [("staff", 403), ("admin", 403), ("leader", 403), ("other_owner", 404), ("expert", 404)],
)
def test_owner_triggers_are_the_owners(api, make, trigger, who, status):
    flow = Flow(api, make)
    ready_for_owner_trigger(flow, trigger)
    user = make.user(Role.owner) if who == "other_owner" else make.user(Role(who))
    assert trigger in flow.get(flow.owner)["allowed_triggers"]
    assert trigger not in (flow.get(api.as_(user))["allowed_triggers"] if status == 403 else [])
    before = snapshot(flow.id)
    r = flow.fire(api.as_(user), trigger)
    assert r.status_code == status, r.json
    assert snapshot(flow.id) == before
    flow.ok(flow.owner, trigger)  # the project's owner could


@pytest.mark.parametrize("trigger", OWNER_TRIGGERS)
def test_any_owner_of_the_organization_acts_for_it(api, make, trigger):
    flow = Flow(api, make)
    ready_for_owner_trigger(flow, trigger)
    colleague = make.user(Role.owner, organization=flow.owner_user.organization)
    data = flow.ok(api.as_(colleague), trigger)
    assert flow.history()[-1]["actor"] == colleague.username
    assert data["state"] in {s.value for s in DESIGN[trigger][1]}


def ready_for_staff_trigger(flow: Flow, trigger: str) -> None:
    """Put the project where staff could fire `trigger` now (form_panel and conclude: a real panel)."""
    if trigger == "form_panel":
        flow.to_acceptance_applied()
        flow.set_panel(flow.experts())
    elif trigger == "conclude":
        for e in flow.to_under_review():
            flow.score(e)
    elif trigger == "record_conclusion":
        flow.to_acceptance_applied()
    else:
        state = next(iter(sorted(DESIGN[trigger][0], key=list(State).index)))
        put_in_state(flow.project, state)


@pytest.mark.parametrize("trigger", STAFF_TRIGGERS)
@pytest.mark.parametrize("who", ["owner", "leader", "admin"])
def test_staff_triggers_are_the_bureaus(api, make, trigger, who):
    flow = Flow(api, make, Level.provincial if trigger == "record_conclusion" else Level.municipal)
    ready_for_staff_trigger(flow, trigger)
    assert trigger in flow.get(flow.staff)["allowed_triggers"]
    user = flow.owner_user if who == "owner" else make.user(Role(who))
    client = api.as_(user)
    before = snapshot(flow.id)
    r = flow.fire(client, trigger, **params_for(trigger))
    if who == "admin":
        assert r.status_code == 200, r.json
        assert flow.history()[-1]["actor"] == user.username
    else:
        assert r.status_code == 403, r.json
        assert r.json["error"]["code"] == "forbidden"
        assert trigger not in flow.get(client)["allowed_triggers"]
        assert snapshot(flow.id) == before
        flow.ok(flow.staff, trigger, **params_for(trigger))


@pytest.mark.parametrize("trigger", list(DESIGN))
def test_a_leader_fires_nothing(api, make, trigger):
    flow = Flow(api, make)
    sources = sorted(DESIGN[trigger][0], key=list(State).index)
    put_in_state(flow.project, sources[0])
    leader = api.as_(make.user(Role.leader))
    assert flow.get(leader)["allowed_triggers"] == []
    before = snapshot(flow.id)
    r = flow.fire(leader, trigger, **params_for(trigger))
    assert r.status_code == 403, r.json
    assert snapshot(flow.id) == before


def test_an_expert_on_the_panel_fires_nothing(api, make):
    flow = Flow(api, make)
    experts = flow.to_under_review()
    member = api.as_(experts[0])
    assert flow.get(member)["allowed_triggers"] == []
    for trigger in ("conclude", "close_out", "terminate"):
        assert flow.fire(member, trigger, comment="x").status_code == 403
    assert flow.get()["state"] == "under_review"


# --- allowed_triggers -----------------------------------------------------------------------


def test_allowed_triggers_follow_the_owners_survey_report(api, make):
    flow = Flow(api, make)
    flow.ok(flow.staff, "start")
    flow.ok(flow.staff, "open_survey", due_date=(date.today() + timedelta(days=10)).isoformat())
    assert flow.get(flow.owner)["allowed_triggers"] == []
    flow.report("survey")
    assert flow.get(flow.owner)["allowed_triggers"] == ["submit_survey"]
    assert flow.get(flow.staff)["allowed_triggers"] == ["terminate"]


def test_allowed_triggers_in_progress(api, make):
    flow = Flow(api, make)
    flow.ok(flow.staff, "start")
    assert flow.get(flow.staff)["allowed_triggers"] == ["open_survey", "terminate"]
    assert flow.get(api.as_(make.user(Role.admin)))["allowed_triggers"] == ["open_survey", "terminate"]
    assert flow.get(flow.owner)["allowed_triggers"] == []
    flow.report("acceptance")
    assert flow.get(flow.owner)["allowed_triggers"] == ["apply_acceptance"]
    assert flow.get(flow.staff)["allowed_triggers"] == ["open_survey", "terminate"]


def test_allowed_triggers_under_review(api, make):
    flow = Flow(api, make)
    experts = flow.to_under_review()
    assert flow.get(flow.staff)["allowed_triggers"] == ["close_out", "terminate"]
    for e in experts:
        flow.score(e)
    assert flow.get(flow.staff)["allowed_triggers"] == ["conclude", "close_out", "terminate"]
    assert flow.get(flow.owner)["allowed_triggers"] == []


@pytest.mark.parametrize(
    ("level", "expected"),
    [(Level.municipal, ["form_panel", "terminate"]), (Level.national, ["record_conclusion", "terminate"])],
)
def test_allowed_triggers_after_the_application(api, make, level, expected):
    flow = Flow(api, make, level)
    flow.to_acceptance_applied()
    if level == Level.municipal:
        flow.set_panel(flow.experts())
    assert flow.get(flow.staff)["allowed_triggers"] == expected


@pytest.mark.parametrize("state", [S.evaluated, S.terminated])
def test_nothing_is_allowed_in_a_final_state(api, make, state):
    flow = Flow(api, make)
    put_in_state(flow.project, state)
    assert flow.get(flow.staff)["allowed_triggers"] == []
    assert flow.get(flow.owner)["allowed_triggers"] == []


# --- the diagram ----------------------------------------------------------------------------


def test_lifecycle_diagram_is_drawn_from_the_table(runner):
    result = runner.invoke(args=["lifecycle", "diagram"])
    assert result.exit_code == 0, result.output
    lines = [line.strip() for line in result.output.splitlines()]
    assert lines[0] == "stateDiagram-v2"
    edges = [line for line in lines if ": " in line]
    expected = [
        f"{source.value} --> {dest.value}: {t.trigger}"
        for t in lifecycle.TRANSITIONS
        for source in t.sources
        for dest in t.dests
    ]
    assert sorted(edges) == sorted(expected)
    assert len(edges) == len(set(edges))
    for known in (
        "approved --> in_progress: start",
        "under_review --> rectifying: conclude",
        "under_review --> accepted: conclude",
        "under_review --> failed: conclude",
        "acceptance_applied --> closed_out: record_conclusion",
        "rectifying --> acceptance_applied: reapply",
        "rectifying --> failed: expire",
        "approved --> terminated: terminate",
        "failed --> evaluated: evaluate",
    ):
        assert known in edges
    # Every (source, destination, trigger) of DESIGN §3, counted from the written-out table.
    assert len(edges) == sum(len(src) * len(dst) for src, dst, _ in DESIGN.values())
    assert "accepted --> terminated: terminate" not in edges
    assert "[*] --> approved" in lines


def test_evaluate_closes_every_open_annual_evaluation(api, make):
    """Earlier years' open evaluations too: an evaluated project owes none."""
    flow = Flow(api, make)
    put_in_state(flow.project, S.accepted)
    year = date.today().year
    for y in (year - 1, year, year + 1):
        due_items.open_item(flow.project, DueKind.annual_evaluation, date(y, 12, 31), year=y)
    db.session.commit()
    flow.ok(flow.staff, "evaluate", grade="good")
    db.session.expire_all()
    still_open = due_items.items_of(db.session.get(Project, flow.id), DueKind.annual_evaluation)
    assert still_open == []
