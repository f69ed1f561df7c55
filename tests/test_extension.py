"""Extensions (DESIGN §7): requested by the owner before the end date, at most once, at most 12
months after the task book's end date, decided by staff; approval moves the acceptance deadline.

The API takes today as the request date, so the dates here are relative to today."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from projectmgr.extensions import db
from projectmgr.models import DueItem, DueKind, ExtensionRequest, Role
from projectmgr.rules.deadlines import add_months

TODAY = date.today()
START = date(TODAY.year - 1, 1, 1)
END = date(TODAY.year + 1, 6, 30)
LIMIT = add_months(END, 12)


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.json
    return response.json


@pytest.fixture
def running(api, make):
    """(project, staff, owner): a started municipal project ending END."""
    staff, owner = make.user(Role.staff), make.user(Role.owner)
    project = make.project(owner=owner, staff=staff, start=START, end=END)
    ok(api.as_(staff).post(f"/projects/{project.id}/transitions", json={"trigger": "start"}))
    return project, staff, owner


def request(api, owner, pid: int, new_end: date, reason: str = "设备到货延迟"):
    return api.as_(owner).post(
        f"/projects/{pid}/extension", json={"new_end_date": new_end.isoformat(), "reason": reason}
    )


def acceptance_due_dates(pid: int) -> list[date]:
    """Due dates of the open acceptance-application items (an approved extension closes the old
    item and opens one for the new deadline)."""
    return list(
        db.session.scalars(
            select(DueItem.due_date).where(
                DueItem.project_id == pid,
                DueItem.kind == DueKind.acceptance_application,
                DueItem.closed_on.is_(None),
            )
        )
    )


def field_errors(response) -> list[str]:
    assert response.status_code == 422, response.json
    assert response.json["error"]["code"] == "validation_error"
    return [d["field"] for d in response.json["error"]["details"]]


@pytest.mark.parametrize(
    "new_end, allowed",
    [
        (END + timedelta(days=1), True),
        (LIMIT, True),  # exactly 12 months after the original end date
        (LIMIT + timedelta(days=1), False),
        (END, False),  # not after the current end date
        (END - timedelta(days=1), False),
    ],
    ids=["one_day", "twelve_months", "twelve_months_and_a_day", "same_end", "earlier_end"],
)
def test_the_new_end_date_is_after_the_end_and_within_12_months(api, running, new_end, allowed):
    project, _, owner = running
    r = request(api, owner, project.id, new_end)
    if allowed:
        body = ok(r, 201)
        assert body == {
            "project_id": project.id,
            "new_end_date": new_end.isoformat(),
            "reason": "设备到货延迟",
            "status": "pending",
        }
    else:
        assert field_errors(r) == ["new_end_date"]
        assert db.session.scalar(select(ExtensionRequest.id)) is None
    # A request alone moves nothing.
    detail = ok(api.as_(owner).get(f"/projects/{project.id}"))
    assert (detail["end_date"], detail["original_end_date"]) == (END.isoformat(), END.isoformat())
    assert acceptance_due_dates(project.id) == [add_months(END, 3)]


def test_a_reason_is_required(api, running):
    project, _, owner = running
    assert field_errors(request(api, owner, project.id, LIMIT, reason="  ")) == ["reason"]


@pytest.mark.parametrize(
    "end_offset, allowed",
    [(1, True), (0, True), (-1, False)],
    ids=["before_the_end", "on_the_end_date", "after_the_end"],
)
def test_requests_are_made_by_the_end_date(api, make, end_offset, allowed):
    end = date.today() + timedelta(days=end_offset)
    staff, owner = make.user(Role.staff), make.user(Role.owner)
    project = make.project(owner=owner, staff=staff, start=START, end=end)
    ok(api.as_(staff).post(f"/projects/{project.id}/transitions", json={"trigger": "start"}))
    r = request(api, owner, project.id, end + timedelta(days=90))
    if allowed:
        ok(r, 201)
    else:
        assert field_errors(r) == ["new_end_date"]
        assert "before the end date" in r.json["error"]["details"][0]["message"]


@pytest.mark.parametrize("first_decision", [None, True, False], ids=["pending", "approved", "refused"])
def test_a_project_is_extended_at_most_once(api, running, first_decision):
    project, staff, owner = running
    ok(request(api, owner, project.id, END + timedelta(days=30)), 201)
    if first_decision is not None:
        ok(api.as_(staff).post(f"/projects/{project.id}/extension/decision", json={"approve": first_decision}))
    r = request(api, owner, project.id, END + timedelta(days=60))
    assert r.status_code == 409 and r.json["error"]["code"] == "conflict", r.json
    assert db.session.scalar(select(ExtensionRequest.new_end_date)) == END + timedelta(days=30)


def test_approval_moves_the_end_date_and_the_acceptance_deadline(api, running):
    project, staff, owner = running
    ok(request(api, owner, project.id, LIMIT), 201)
    detail = ok(api.as_(staff).post(f"/projects/{project.id}/extension/decision", json={"approve": True}))

    assert detail["end_date"] == LIMIT.isoformat()
    assert detail["original_end_date"] == END.isoformat()
    assert detail["extension"]["status"] == "approved"
    due = {d["kind"]: d["due_date"] for d in detail["due_items"] if d["kind"] != "annual_evaluation"}
    assert due == {"acceptance_application": add_months(LIMIT, 3).isoformat()}
    assert acceptance_due_dates(project.id) == [add_months(LIMIT, 3)]
    # The year the new deadline falls in gets its annual evaluation.
    years = db.session.scalars(
        select(DueItem.year).where(DueItem.project_id == project.id, DueItem.kind == DueKind.annual_evaluation)
    )
    assert sorted(years) == list(range(START.year, add_months(LIMIT, 3).year + 1))
    # Deciding again: nothing is pending any more.
    r = api.as_(staff).post(f"/projects/{project.id}/extension/decision", json={"approve": True})
    assert r.status_code == 409 and r.json["error"]["code"] == "conflict", r.json


def test_refusal_moves_nothing(api, running):
    project, staff, owner = running
    ok(request(api, owner, project.id, LIMIT), 201)
    detail = ok(api.as_(staff).post(f"/projects/{project.id}/extension/decision", json={"approve": False}))

    assert (detail["end_date"], detail["original_end_date"]) == (END.isoformat(), END.isoformat())
    assert detail["extension"]["status"] == "refused"
    assert acceptance_due_dates(project.id) == [add_months(END, 3)]


def test_only_staff_decide(api, running):
    project, _, owner = running
    ok(request(api, owner, project.id, LIMIT), 201)
    r = api.as_(owner).post(f"/projects/{project.id}/extension/decision", json={"approve": True})
    assert r.status_code == 403, r.json
    assert db.session.scalar(select(ExtensionRequest.status)).value == "pending"
    assert ok(api.as_(owner).get(f"/projects/{project.id}"))["end_date"] == END.isoformat()


def test_deciding_with_nothing_pending_is_a_conflict(api, running):
    project, staff, _ = running
    r = api.as_(staff).post(f"/projects/{project.id}/extension/decision", json={"approve": True})
    assert r.status_code == 409 and r.json["error"]["code"] == "conflict", r.json
    assert ok(api.as_(staff).get(f"/projects/{project.id}"))["end_date"] == END.isoformat()


def test_only_the_owner_requests(api, make, running):
    project, staff, _ = running
    r = api.as_(staff).post(
        f"/projects/{project.id}/extension", json={"new_end_date": LIMIT.isoformat(), "reason": "x"}
    )
    assert r.status_code == 403, r.json
    stranger = make.user(Role.owner)
    r = api.as_(stranger).post(
        f"/projects/{project.id}/extension", json={"new_end_date": LIMIT.isoformat(), "reason": "x"}
    )
    assert r.status_code == 404, r.json
    assert db.session.scalar(select(ExtensionRequest.id)) is None


def test_no_extension_once_the_project_has_applied(api, running):
    project, _, owner = running
    o = api.as_(owner)
    ok(
        o.post(
            f"/projects/{project.id}/reports",
            json={"kind": "acceptance", "summary": "完成", "indicators": [{"key": "sales", "achieved": "100"}]},
        ),
        201,
    )
    ok(o.post(f"/projects/{project.id}/transitions", json={"trigger": "apply_acceptance"}))
    r = request(api, owner, project.id, LIMIT)
    assert r.status_code == 409 and r.json["error"]["code"] == "conflict", r.json


def test_a_pending_request_is_not_approved_once_the_project_has_applied(api, running):
    project, staff, owner = running
    o = api.as_(owner)
    ok(request(api, owner, project.id, LIMIT), 201)
    report = {"kind": "acceptance", "summary": "完成", "indicators": [{"key": "sales", "achieved": "100"}]}
    ok(o.post(f"/projects/{project.id}/reports", json=report), 201)
    ok(o.post(f"/projects/{project.id}/transitions", json={"trigger": "apply_acceptance"}))
    r = api.as_(staff).post(f"/projects/{project.id}/extension/decision", json={"approve": True})
    assert r.status_code == 409 and r.json["error"]["code"] == "conflict", r.json
    db.session.expire_all()
    assert db.session.get(type(project), project.id).end_date == END


def test_terminating_refuses_the_pending_request(api, running):
    project, staff, owner = running
    ok(request(api, owner, project.id, LIMIT), 201)
    ok(api.as_(staff).post(f"/projects/{project.id}/transitions", json={"trigger": "terminate", "comment": "单位注销"}))
    db.session.expire_all()
    row = db.session.scalar(select(ExtensionRequest).where(ExtensionRequest.project_id == project.id))
    assert row.status.value == "refused" and row.decided_at is not None


# --- the decision is in the project's history, dated as_of, under the row lock -----------------


@pytest.mark.parametrize("approve", [True, False])
def test_the_decision_is_recorded_in_the_history_on_its_day(api, running, approve):
    project, staff, owner = running
    ok(request(api, owner, project.id, LIMIT), 201)
    decided_on = TODAY - timedelta(days=2)  # the API's as_of, not the server's today
    detail = ok(
        api.as_(staff).post(
            f"/projects/{project.id}/extension/decision?as_of={decided_on.isoformat()}", json={"approve": approve}
        )
    )
    assert detail["state"] == "in_progress"
    last = ok(api.as_(staff).get(f"/projects/{project.id}/history"))["items"][-1]
    trigger = "approve_extension" if approve else "refuse_extension"
    assert (last["trigger"], last["from_state"], last["to_state"], last["actor"]) == (
        trigger,
        "in_progress",
        "in_progress",
        staff.username,
    )
    assert last["comment"] == "设备到货延迟"
    assert last["details"] == {"from_end_date": END.isoformat(), "new_end_date": LIMIT.isoformat()}
    if approve:  # the old deadline's item was closed on the decision's day
        closed = db.session.scalar(
            select(DueItem.closed_on).where(
                DueItem.project_id == project.id,
                DueItem.kind == DueKind.acceptance_application,
                DueItem.due_date == add_months(END, 3),
            )
        )
        assert closed == decided_on
