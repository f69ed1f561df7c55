"""The computed conclusion over the API (DESIGN §6): `conclude` waits for every score, then the
conclusion rules decide from exact figures; a failure writes a credit record (DESIGN §8)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from projectmgr.extensions import db
from projectmgr.models import Aggregation, CreditRecord, Project, Role
from tests.test_panels import (
    applied_project,
    checks,
    experts,
    formed_panel,
    score,
)


def run_conclusion(case, members, totals, flags=()):
    """Every member scores (members listed in `flags` flag untruthful materials); staff conclude."""
    for i, (expert, points) in enumerate(zip(members, totals, strict=True)):
        r = score(case, expert, points, integrity_concern=i in flags, comment=f"意见{i}")
        assert r.status_code == 200, r.json
    return case.fire("conclude")


def credit_records(pid: int) -> list[CreditRecord]:
    return list(db.session.scalars(db.select(CreditRecord).where(CreditRecord.project_id == pid)))


@pytest.mark.parametrize(
    ("totals", "figures", "state", "rule", "grade"),
    [
        pytest.param([60] * 5, {}, "accepted", 5, "pass", id="score-exactly-60"),
        pytest.param([60, 60, 60, 60, 59], {}, "failed", 2, "fail", id="score-59.80"),
        pytest.param(["59.99"] * 5, {}, "failed", 2, "fail", id="score-59.99"),
        pytest.param([90] * 5, {"achieved": "90"}, "accepted", 5, "excellent", id="completion-exactly-90"),
        pytest.param([90] * 5, {"achieved": "89.99"}, "rectifying", 4, "excellent", id="completion-89.99"),
        pytest.param([90] * 5, {"achieved": "80"}, "rectifying", 4, "excellent", id="completion-exactly-80"),
        pytest.param([90] * 5, {"achieved": "79.99"}, "failed", 3, "excellent", id="completion-79.99"),
        pytest.param(
            [100] * 5,
            {"expenditures": [("equipment", "special", "1000.00"), ("materials", "special", "1000.00")]},
            "failed",
            1,
            "excellent",
            id="special-spent-outside-its-budget",
        ),
        pytest.param(
            [100] * 5,
            {"expenditures": [("equipment", "special", "110000.01")]},
            "failed",
            1,
            "excellent",
            id="special-over-budget",
        ),
        pytest.param([85] * 5, {"arrived": "99999.99"}, "rectifying", 4, "good", id="self-raised-short-one-cent"),
        pytest.param([85] * 5, {"separate_account": False}, "rectifying", 4, "good", id="no-separate-account"),
        pytest.param([79, 79, 79, 80, 80], {}, "accepted", 5, "pass", id="grade-79.40"),
        pytest.param([80] * 5, {}, "accepted", 5, "good", id="grade-exactly-80"),
    ],
)
def test_conclusion_rules_end_to_end(api, make, totals, figures, state, rule, grade):
    case = applied_project(make, api, **figures)
    members = experts(make, 5)
    formed_panel(case, members)

    r = run_conclusion(case, members, totals)

    assert r.status_code == 200, r.json
    assert r.json["state"] == state
    decision = r.json["decision"]
    assert decision["rule"] == rule
    assert decision["grade"] == grade
    assert decision["reason"]
    assert r.json["conclusion_rule"] == decision["reason"]
    history = case.s.get(case.url("/history")).json["items"]
    assert history[-1]["trigger"] == "conclude" and history[-1]["to_state"] == state
    assert history[-1]["details"]["rule"] == rule
    assert history[-1]["details"]["reason"] == decision["reason"]
    assert [h["trigger"] for h in history].count("conclude") == 1
    assert bool(credit_records(case.pid)) == (state == "failed")
    if state == "rectifying":
        assert "rectification" in [d["kind"] for d in r.json["due_items"]]


def test_decision_reports_the_exact_figures(api, make):
    case = applied_project(make, api, achieved="95")
    members = experts(make, 5)
    formed_panel(case, members)

    r = run_conclusion(case, members, [60, 60, 60, 60, 59])

    decision = r.json["decision"]
    assert decision["score"] == "59.80" and decision["grade"] == "fail"
    assert decision["totals"] == ["59.00", "60.00", "60.00", "60.00", "60.00"]  # sorted: blind
    assert decision["aggregation"] == "mean"
    assert decision["failed_checks"] == []
    assert "59.8" in decision["reason"]


def test_hard_binding_failure_wins_over_a_perfect_score(api, make):
    case = applied_project(make, api, expenditures=[("materials", "special", "500.00")])
    members = experts(make, 5)
    formed_panel(case, members)

    r = run_conclusion(case, members, [100] * 5)

    assert r.json["state"] == "failed"
    assert r.json["decision"]["rule"] == 1
    assert r.json["decision"]["score"] == "100.00"
    assert "special_only_budgeted" in r.json["decision"]["failed_checks"]
    assert "special_only_budgeted" in r.json["decision"]["reason"]


def test_conclude_waits_for_every_member(api, make):
    case = applied_project(make, api)
    members = experts(make, 5)
    formed_panel(case, members)
    for e in members[:4]:
        assert score(case, e).status_code == 200

    assert checks(case.fire("conclude")) == ["scores"]
    project = case.s.get(case.url()).json
    assert project["state"] == "under_review"
    assert "conclude" not in project["allowed_triggers"]
    assert credit_records(case.pid) == []

    assert score(case, members[4]).status_code == 200
    assert "conclude" in case.s.get(case.url()).json["allowed_triggers"]
    assert case.fire("conclude").json["state"] == "accepted"


def test_the_destination_cannot_be_chosen_by_hand(api, make):
    case = applied_project(make, api)
    members = experts(make, 5)
    formed_panel(case, members)
    for e in members:
        assert score(case, e, 50).status_code == 200
    # A conclusion sent along (as record_conclusion takes one) is ignored: the rules decide.
    r = case.s.post(case.url("/transitions"), json={"trigger": "conclude", "conclusion": "accepted"})
    assert r.status_code == 200, r.json
    assert r.json["state"] == "failed" and r.json["decision"]["rule"] == 2


def test_only_staff_conclude(api, make):
    case = applied_project(make, api)
    members = experts(make, 5)
    formed_panel(case, members)
    for e in members:
        assert score(case, e).status_code == 200
    assert case.o.post(case.url("/transitions"), json={"trigger": "conclude"}).status_code == 403
    r = api.as_(members[0]).post(case.url("/transitions"), json={"trigger": "conclude"})
    assert r.status_code == 403
    assert case.s.get(case.url()).json["state"] == "under_review"


@pytest.mark.parametrize(
    ("aggregation", "totals", "state", "score_shown"),
    [
        # mean 66.40 passes; without the highest (100) and the lowest (58) it is 58.00
        (Aggregation.mean, [100, 58, 58, 58, 58], "accepted", "66.40"),
        (Aggregation.trimmed_mean, [100, 58, 58, 58, 58], "failed", "58.00"),
        # mean 49.60 fails; without the lowest (0) and the highest (62) it is 62.00
        (Aggregation.mean, [0, 62, 62, 62, 62], "failed", "49.60"),
        (Aggregation.trimmed_mean, [0, 62, 62, 62, 62], "accepted", "62.00"),
        # only one extreme each way is dropped
        (Aggregation.trimmed_mean, [100, 100, 55, 40, 40], "accepted", "65.00"),
    ],
)
def test_trimmed_mean_drops_one_highest_and_one_lowest(api, make, aggregation, totals, state, score_shown):
    case = applied_project(make, api, plan=make.plan(aggregation=aggregation))
    members = experts(make, 5)
    formed_panel(case, members)

    r = run_conclusion(case, members, totals)

    assert r.status_code == 200, r.json
    assert r.json["decision"]["score"] == score_shown
    assert r.json["decision"]["aggregation"] == aggregation.value
    assert r.json["state"] == state
    owner_view = case.o.get(case.url("/scores")).json
    assert owner_view["aggregate"] == score_shown


@pytest.mark.parametrize(("flagged", "state"), [(2, "accepted"), (3, "failed")])
def test_integrity_flags_from_half_the_panel_fail_the_project(api, make, flagged, state):
    case = applied_project(make, api)
    members = experts(make, 5)
    formed_panel(case, members)

    r = run_conclusion(case, members, [95] * 5, flags=range(flagged))

    assert r.status_code == 200, r.json
    assert r.json["state"] == state
    integrity = next(c for c in r.json["binding_checks"] if c["key"] == "integrity")
    assert integrity["passed"] is (state == "accepted")
    assert integrity["severity"] == "hard"
    if state == "failed":
        assert r.json["decision"]["rule"] == 1
        assert "integrity" in r.json["decision"]["failed_checks"]
    else:
        assert r.json["decision"]["rule"] == 5


def test_a_failed_conclusion_writes_a_credit_record(api, make):
    case = applied_project(make, api)
    members = experts(make, 5)
    formed_panel(case, members)

    r = run_conclusion(case, members, [50] * 5)

    assert r.json["state"] == "failed"
    project = db.session.get(Project, case.pid)
    [record] = credit_records(case.pid)
    assert record.organization_id == project.organization_id == case.organization_id
    assert record.person_id == case.owner.id
    assert record.recorded_on.isoformat() == r.json["concluded_on"]
    assert record.reason == r.json["decision"]["reason"]

    # The record blocks a new project for the organization (DESIGN §8).
    r = case.s.post(
        "/projects",
        json={
            "code": "NEW-1",
            "title": "新项目",
            "plan_id": project.plan_id,
            "organization_id": project.organization_id,
            "owner_id": case.owner.id,
            "start_date": "2027-01-01",
            "end_date": "2027-12-31",
            "special_funds": "1000.00",
            "self_raised_committed": "1000.00",
            "budget": [{"category": "equipment", "special": "1000.00", "self_raised": "1000.00"}],
            "indicators": [{"key": "sales", "name": "销售收入", "unit": "万元", "target": "10"}],
        },
    )
    assert checks(r) == ["credit"]


# --- what decides the conclusion is fixed during the review ---------------------------------


@pytest.mark.parametrize("kind", ["acceptance", "survey"])
@pytest.mark.parametrize("under_review", [False, True])
def test_no_report_while_the_acceptance_is_examined(api, make, kind, under_review):
    case = applied_project(make, api, achieved="50")
    members = experts(make, 5)
    if under_review:
        formed_panel(case, members)
    body = {"kind": kind, "summary": "改", "indicators": [{"key": "sales", "achieved": "100"}]}
    r = case.o.post(case.url("/reports"), json=body)
    assert r.status_code == 409, r.json
    assert r.json["error"]["code"] == "conflict"
    if under_review:
        # The conclusion counts the report that was examined: 50% completion, rule 3.
        r = run_conclusion(case, members, [90] * 5)
        assert r.json["decision"]["rule"] == 3 and r.json["state"] == "failed", r.json


def test_the_conclusion_counts_acceptance_reports_only(api, make):
    """A survey report filed after the acceptance report does not change the completion counted."""
    staff, owner = make.user(Role.staff), make.user(Role.owner)
    project = make.project(owner=owner, staff=staff)
    s, o = api.as_(staff), api.as_(owner)
    url = f"/projects/{project.id}"

    def ok(r, status=200):
        assert r.status_code == status, r.json
        return r.json

    ok(s.post(f"{url}/transitions", json={"trigger": "start"}))
    ok(s.post(f"{url}/disbursements", json={"date": "2026-02-01", "amount": "100000.00"}), 201)
    ok(o.post(f"{url}/self-raised", json={"date": "2026-02-01", "amount": "100000.00"}), 201)
    report = {"kind": "acceptance", "summary": "完成", "separate_account": True}
    ok(o.post(f"{url}/reports", json=report | {"indicators": [{"key": "sales", "achieved": "50"}]}), 201)
    due = (date.today() + timedelta(days=10)).isoformat()
    ok(s.post(f"{url}/transitions", json={"trigger": "open_survey", "due_date": due}))
    survey = {"kind": "survey", "summary": "中期", "indicators": [{"key": "sales", "achieved": "100"}]}
    ok(o.post(f"{url}/reports", json=survey), 201)
    ok(o.post(f"{url}/transitions", json={"trigger": "submit_survey"}))
    ok(s.post(f"{url}/transitions", json={"trigger": "accept_survey"}))
    ok(o.post(f"{url}/transitions", json={"trigger": "apply_acceptance"}))
    from tests.test_panels import Case

    case = Case(project.id, project.organization_id, staff, owner, s, o, api)
    members = experts(make, 5)
    formed_panel(case, members)
    r = run_conclusion(case, members, [90] * 5)
    decision = r.json["decision"]
    assert Decimal(decision["indicator_completion"]) == Decimal("0.5")
    assert decision["rule"] == 3 and r.json["state"] == "failed"


@pytest.mark.parametrize(
    ("state", "kind"), [("approved", "survey"), ("approved", "acceptance"), ("in_progress", "survey")]
)
def test_reports_outside_their_window_are_refused(api, make, state, kind):
    staff, owner = make.user(Role.staff), make.user(Role.owner)
    project = make.project(owner=owner, staff=staff)
    if state == "in_progress":
        assert api.as_(staff).post(f"/projects/{project.id}/transitions", json={"trigger": "start"}).status_code == 200
    r = api.as_(owner).post(f"/projects/{project.id}/reports", json={"kind": kind, "summary": "x"})
    assert r.status_code == 409, r.json


# --- a panel whose members all stepped aside ------------------------------------------------


def test_conclude_with_every_member_conflicted_is_refused_naming_the_panel(api, make):
    case = applied_project(make, api)
    members = experts(make, 5)
    formed_panel(case, members)
    for e in members:
        r = case.api.as_(e).post(case.url("/panel/conflict"), json={"reason": "亲属"})
        assert r.status_code == 200, r.json
    r = case.fire("conclude")
    assert "panel" in checks(r)
    assert case.s.get(case.url()).json["state"] == "under_review"


# --- blind scoring: leaders and the owner's history -----------------------------------------


def test_leader_sees_members_only_after_the_conclusion_and_history_hides_totals(api, make):
    case = applied_project(make, api)
    members = experts(make, 5)
    formed_panel(case, members)
    leader = make.user(Role.leader)
    for e, points in zip(members, [90, 80, 85, 85, 85], strict=True):
        assert score(case, e, points).status_code == 200
    r = case.api.as_(leader).get(case.url("/scores"))
    assert r.status_code == 200 and "members" not in r.json and r.json["aggregate"] is None, r.json
    assert case.fire("conclude").status_code == 200
    r = case.api.as_(leader).get(case.url("/scores"))
    assert len(r.json["members"]) == 5

    def conclude_details(client):
        [row] = [h for h in client.get(case.url("/history")).json["items"] if h["trigger"] == "conclude"]
        return row["details"]

    assert conclude_details(case.s)["totals"] == ["80.00", "85.00", "85.00", "85.00", "90.00"]
    for client in (case.o, case.api.as_(leader)):
        details = conclude_details(client)
        assert "totals" not in details and details["score"] == "85.00"
