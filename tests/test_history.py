"""Lifecycle history (DESIGN §3): one row per transition, in the transition's own database
transaction; a refused transition writes nothing and changes nothing."""

from datetime import date, timedelta

import pytest

from projectmgr.errors import Conflict
from projectmgr.models import Level, Role
from projectmgr.services import due_items

from .test_lifecycle import SCORESHEET_90, Flow, snapshot


def rows(flow: Flow) -> list[tuple]:
    return [(h["trigger"], h["from_state"], h["to_state"], h["actor"], h["comment"]) for h in flow.history()]


def test_one_row_per_transition_oldest_first(api, make):
    flow = Flow(api, make)
    other_staff = make.user(Role.staff)
    admin = make.user(Role.admin)
    due = (date.today() + timedelta(days=15)).isoformat()
    s, o, s2 = flow.staff, flow.owner, api.as_(other_staff)
    staff, owner = flow.staff_user.username, flow.owner_user.username

    flow.ok(s, "start")
    flow.ok(s2, "open_survey", due_date=due)
    flow.report("survey")
    flow.ok(o, "submit_survey", comment="按期提交")
    flow.ok(s2, "return_survey", comment="请补充销售收入佐证")
    flow.report("survey")
    flow.ok(o, "submit_survey")
    flow.ok(s, "accept_survey")
    flow.ok(api.as_(admin), "terminate", comment="企业停产，无法继续实施")

    assert rows(flow) == [
        ("start", "approved", "in_progress", staff, None),
        ("open_survey", "in_progress", "mid_year_survey", other_staff.username, None),
        ("submit_survey", "mid_year_survey", "survey_submitted", owner, "按期提交"),
        ("return_survey", "survey_submitted", "mid_year_survey", other_staff.username, "请补充销售收入佐证"),
        ("submit_survey", "mid_year_survey", "survey_submitted", owner, None),
        ("accept_survey", "survey_submitted", "in_progress", staff, None),
        ("terminate", "in_progress", "terminated", admin.username, "企业停产，无法继续实施"),
    ]
    history = flow.history()
    stamps = [h["at"] for h in history]
    assert stamps == sorted(stamps)
    assert all(stamp.endswith("Z") and stamp[:10] == date.today().isoformat() for stamp in stamps)
    # Each row's destination is the next row's source: nothing else moved the state.
    assert all(a["to_state"] == b["from_state"] for a, b in zip(history, history[1:], strict=False))
    assert flow.get()["version"] == 1 + len(history)


def test_the_owner_reads_the_history_and_other_organizations_do_not(api, make):
    flow = Flow(api, make)
    flow.ok(flow.staff, "start")
    r = flow.owner.get(f"{flow.url}/history")
    assert r.status_code == 200
    assert [h["trigger"] for h in r.json["items"]] == ["start"]
    assert r.json["total"] == 1
    stranger = api.as_(make.user(Role.owner))
    assert stranger.get(f"{flow.url}/history").status_code == 404


def test_the_sweep_is_recorded_as_the_system(api, make):
    flow = Flow(api, make)  # ends 2026-12-31: the acceptance application is due 2027-03-31
    flow.ok(flow.staff, "start")
    r = flow.staff.post("/sweep?as_of=2027-04-01")
    assert r.status_code == 200, r.json
    assert [c["project_id"] for c in r.json["changed"]] == [flow.id]
    (trigger, source, dest, actor, comment) = rows(flow)[-1]
    assert (trigger, source, dest, actor) == ("expire", "in_progress", "failed", "system")
    assert "2027-03-31" in comment
    r = flow.staff.post("/sweep?as_of=2027-04-02")
    assert r.json["count"] == 0
    assert len(flow.history()) == 2


def test_conclude_records_the_computed_decision(api, make):
    flow = Flow(api, make)
    flow.self_raised_in_full()
    for e in flow.to_under_review():
        flow.score(e, SCORESHEET_90)
    data = flow.ok(flow.staff, "conclude")
    last = flow.history()[-1]
    assert (last["trigger"], last["from_state"], last["to_state"]) == ("conclude", "under_review", "accepted")
    assert last["details"]["rule"] == data["decision"]["rule"] == 5
    assert last["details"]["score"] == "90.00"
    assert last["comment"] == data["decision"]["reason"]


def test_record_conclusion_keeps_the_document_number_in_the_history(api, make):
    flow = Flow(api, make, Level.national)
    flow.to_acceptance_applied()
    flow.ok(flow.staff, "record_conclusion", conclusion="failed", document_no="国科发〔2026〕12号", comment="未通过")
    last = flow.history()[-1]
    assert (last["to_state"], last["comment"]) == ("failed", "未通过")
    assert last["details"] == {"conclusion": "failed", "document_no": "国科发〔2026〕12号"}


def _refusals(flow: Flow, make, api) -> dict:
    """Each way a transition request can be refused, on a project in its survey window."""
    stranger = api.as_(make.user(Role.owner))
    return {
        "guard_failed": (422, lambda: flow.fire(flow.owner, "submit_survey")),
        "invalid_transition": (409, lambda: flow.fire(flow.staff, "accept_survey")),
        "validation_error": (422, lambda: flow.fire(flow.staff, "terminate")),
        "forbidden": (403, lambda: flow.fire(flow.owner, "terminate", comment="x")),
        "stale_version": (409, lambda: flow.fire(flow.staff, "terminate", comment="x", version=1)),
        "unknown_trigger": (422, lambda: flow.fire(flow.staff, "finish")),
        "not_found": (404, lambda: flow.fire(stranger, "terminate", comment="x")),
        "bad_request": (400, lambda: flow.staff.post(f"{flow.url}/transitions", json=["terminate"])),
    }


@pytest.mark.parametrize(
    "refusal",
    [
        "guard_failed",
        "invalid_transition",
        "validation_error",
        "forbidden",
        "stale_version",
        "unknown_trigger",
        "not_found",
        "bad_request",
    ],
)
def test_a_refused_transition_writes_nothing(api, make, refusal):
    flow = Flow(api, make)
    flow.ok(flow.staff, "start")
    flow.ok(flow.staff, "open_survey", due_date=(date.today() + timedelta(days=15)).isoformat())
    status, attempt = _refusals(flow, make, api)[refusal]
    before = snapshot(flow.id)
    assert before["history"] == 2 and any(closed is None for *_, closed in before["due_items"])

    r = attempt()

    assert r.status_code == status, r.json
    if refusal in ("guard_failed", "invalid_transition", "validation_error", "forbidden", "stale_version"):
        assert r.json["error"]["code"] == refusal
    assert snapshot(flow.id) == before
    assert len(flow.history()) == 2


def test_a_failure_after_the_state_change_rolls_the_whole_transition_back(api, make, monkeypatch):
    """The state, its history row and its consequences are one transaction: when a consequence
    fails after the state has changed in memory, none of them is written."""
    flow = Flow(api, make)
    flow.ok(flow.staff, "start")
    before = snapshot(flow.id)

    def refuse(*args, **kwargs):
        raise Conflict("closing the due items failed")

    with monkeypatch.context() as patch:
        patch.setattr(due_items, "close_items", refuse)
        r = flow.fire(flow.staff, "terminate", comment="停止")
    assert r.status_code == 409, r.json
    assert r.json["error"]["message"] == "closing the due items failed"
    assert snapshot(flow.id) == before
    assert flow.ok(flow.staff, "terminate", comment="停止")["state"] == "terminated"
    assert len(flow.history()) == 2
