"""Rectification (DESIGN §6 rule 4, §7): one chance to fix within 3 months, reapplying with a new
acceptance report, a second panel, and a final conclusion after it.

The helpers drive a municipal project over the API to a chosen outcome; test_sweep and test_credit
reuse them."""

from datetime import date

import pytest
from sqlalchemy import select

from projectmgr.extensions import db
from projectmgr.models import CreditRecord, DueItem, DueKind, Role
from projectmgr.rules.deadlines import add_months

# 18+18+9+18+9+9+9 = 90 points: the score never decides the outcome in these tests.
SHEET = {
    "task_content": 18,
    "technical_indicators": 18,
    "economic_indicators": 9,
    "deliverables": 18,
    "funds_in_place": 9,
    "fund_usage": 9,
    "management": 9,
}


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.json
    return response.json


def fire(api_user, pid: int, trigger: str, **params) -> dict:
    return ok(api_user.post(f"/projects/{pid}/transitions", json={"trigger": trigger, **params}))


def acceptance_report(api_owner, pid: int, achieved: str = "120", separate_account: bool = True) -> None:
    ok(
        api_owner.post(
            f"/projects/{pid}/reports",
            json={
                "kind": "acceptance",
                "summary": "验收材料",
                "indicators": [{"key": "sales", "achieved": achieved}],
                "separate_account": separate_account,
            },
        ),
        201,
    )


def make_experts(make) -> list:
    """Five experts, two of them finance experts: the smallest valid panel."""
    return [make.user(Role.expert, finance=i < 2, fields=["装备制造"]) for i in range(5)]


def apply_for_acceptance(
    api, staff, owner, pid: int, *, arrived: str = "100000", achieved: str = "120", separate_account: bool = True
) -> dict:
    """start → funds → acceptance report → apply_acceptance. The project commits 100000 self-raised."""
    s, o = api.as_(staff), api.as_(owner)
    fire(s, pid, "start")
    ok(s.post(f"/projects/{pid}/disbursements", json={"date": "2026-02-01", "amount": "100000"}), 201)
    if arrived != "0":
        ok(o.post(f"/projects/{pid}/self-raised", json={"date": "2026-02-01", "amount": arrived}), 201)
    ok(
        o.post(
            f"/projects/{pid}/expenditures",
            json={"date": "2026-03-01", "category": "equipment", "source": "special", "amount": "90000.00"},
        ),
        201,
    )
    acceptance_report(o, pid, achieved, separate_account)
    return fire(o, pid, "apply_acceptance")


def review(api, staff, experts, pid: int, sheet: dict = SHEET) -> dict:
    """Put the panel together, form it, let every member score, conclude; the conclude response."""
    s = api.as_(staff)
    panel = ok(s.put(f"/projects/{pid}/panel", json={"expert_ids": [e.id for e in experts]}))
    fire(s, pid, "form_panel")
    for e in experts:
        ok(
            api.as_(e).put(
                f"/projects/{pid}/scores/me", json={"scores": sheet, "recommendation": "pass", "comment": "可"}
            )
        )
    result = fire(s, pid, "conclude")
    result["panel_round"] = panel["round"]
    return result


def to_rectifying(api, make, **project_kwargs):
    """A municipal project concluded `rectifying` today: its self-raised funds are half in place."""
    staff, owner = make.user(Role.staff), make.user(Role.owner)
    project = make.project(owner=owner, staff=staff, **project_kwargs)
    experts = make_experts(make)
    apply_for_acceptance(api, staff, owner, project.id, arrived="50000")
    result = review(api, staff, experts, project.id)
    assert result["state"] == "rectifying", result.get("decision")
    return project, staff, owner, experts


def rectification_items(pid: int) -> list[DueItem]:
    return list(
        db.session.scalars(select(DueItem).where(DueItem.project_id == pid, DueItem.kind == DueKind.rectification))
    )


@pytest.mark.parametrize(
    "shortfall, cause",
    [
        ({"arrived": "50000"}, "self_raised_in_place"),
        ({"separate_account": False}, "separate_account"),
        ({"achieved": "85"}, "indicator completion 85% is below 90%"),
    ],
    ids=["self_raised_short", "no_separate_account", "completion_85"],
)
def test_a_rule_4_shortfall_starts_the_rectification_due_in_3_months(api, make, shortfall, cause):
    staff, owner = make.user(Role.staff), make.user(Role.owner)
    project = make.project(owner=owner, staff=staff)
    apply_for_acceptance(api, staff, owner, project.id, **shortfall)
    result = review(api, staff, make_experts(make), project.id)

    today = date.today()
    assert result["state"] == "rectifying"
    assert result["decision"]["rule"] == 4
    assert cause in result["decision"]["reason"]
    assert result["rectification_started_on"] == today.isoformat()
    assert result["concluded_on"] is None
    kinds = {d["kind"]: d for d in result["due_items"]}
    assert kinds["rectification"]["due_date"] == add_months(today, 3).isoformat()
    assert "acceptance_application" not in kinds
    assert "expert_scores" not in kinds
    assert [i.due_date for i in rectification_items(project.id)] == [add_months(today, 3)]
    assert db.session.scalar(select(CreditRecord.id).where(CreditRecord.project_id == project.id)) is None


def test_reapply_needs_a_new_acceptance_report_and_closes_the_rectification(api, make):
    project, staff, owner, _ = to_rectifying(api, make)
    pid, o = project.id, api.as_(owner)

    # The acceptance report filed before the rectification began does not count.
    r = o.post(f"/projects/{pid}/transitions", json={"trigger": "reapply"})
    assert r.status_code == 422, r.json
    assert r.json["error"]["code"] == "guard_failed"
    assert [d["check"] for d in r.json["error"]["details"]] == ["acceptance_report"]
    assert ok(o.get(f"/projects/{pid}"))["state"] == "rectifying"
    assert "reapply" not in ok(o.get(f"/projects/{pid}"))["allowed_triggers"]
    assert rectification_items(pid)[0].closed_on is None

    # Reapplying is the owner's act, not the bureau's.
    r = api.as_(staff).post(f"/projects/{pid}/transitions", json={"trigger": "reapply"})
    assert r.status_code == 403, r.json

    ok(o.post(f"/projects/{pid}/self-raised", json={"date": "2026-12-01", "amount": "50000"}), 201)
    acceptance_report(o, pid)
    assert "reapply" in ok(o.get(f"/projects/{pid}"))["allowed_triggers"]
    result = fire(o, pid, "reapply")
    assert result["state"] == "acceptance_applied"
    assert "rectification" not in {d["kind"] for d in result["due_items"]}
    [item] = rectification_items(pid)
    db.session.refresh(item)
    assert item.closed_on == date.today()
    history = ok(o.get(f"/projects/{pid}/history"))["items"]
    assert (history[-1]["trigger"], history[-1]["from_state"], history[-1]["to_state"]) == (
        "reapply",
        "rectifying",
        "acceptance_applied",
    )


def test_the_second_round_needs_its_own_panel_scores(api, make):
    project, staff, owner, experts = to_rectifying(api, make)
    pid, s, o = project.id, api.as_(staff), api.as_(owner)
    acceptance_report(o, pid)
    fire(o, pid, "reapply")

    panel = ok(s.put(f"/projects/{pid}/panel", json={"expert_ids": [e.id for e in experts]}))
    assert panel["round"] == 2
    assert panel["formed_on"] is None
    fire(s, pid, "form_panel")
    # The first round's scores do not count for the second.
    r = s.post(f"/projects/{pid}/transitions", json={"trigger": "conclude"})
    assert r.status_code == 422, r.json
    assert [d["check"] for d in r.json["error"]["details"]] == ["scores"]


@pytest.mark.parametrize("fixed", [True, False], ids=["fixed", "still_short"])
def test_the_second_round_concludes_for_good(api, make, fixed):
    project, staff, owner, experts = to_rectifying(api, make)
    pid, s, o = project.id, api.as_(staff), api.as_(owner)
    if fixed:
        ok(o.post(f"/projects/{pid}/self-raised", json={"date": "2026-12-01", "amount": "50000"}), 201)
    acceptance_report(o, pid)
    fire(o, pid, "reapply")

    result = review(api, staff, experts, pid)

    assert result["panel_round"] == 2
    records = list(db.session.scalars(select(CreditRecord).where(CreditRecord.project_id == pid)))
    if fixed:
        assert result["state"] == "accepted"
        assert result["decision"]["rule"] == 5
        assert records == []
    else:
        # Rule 4 again, but the project was rectified before: it fails, no second rectification.
        assert result["state"] == "failed"
        assert result["decision"]["rule"] == 4
        assert "after a rectification already" in result["decision"]["reason"]
        assert [(r.organization_id, r.person_id) for r in records] == [(project.organization_id, owner.id)]
        assert rectification_items(pid)[0].due_date == add_months(date.today(), 3)
        assert len(rectification_items(pid)) == 1
    assert result["concluded_on"] == date.today().isoformat()
    assert result["rectification_started_on"] == date.today().isoformat()
    assert result["allowed_triggers"] == ["evaluate"]
    assert ok(o.get(f"/projects/{pid}"))["allowed_triggers"] == []
    r = o.post(f"/projects/{pid}/transitions", json={"trigger": "reapply"})
    assert r.status_code == 409 and r.json["error"]["code"] == "invalid_transition", r.json
    history = [h["to_state"] for h in ok(s.get(f"/projects/{pid}/history"))["items"]]
    assert history == [
        "in_progress",
        "acceptance_applied",
        "under_review",
        "rectifying",
        "acceptance_applied",
        "under_review",
        result["state"],
    ]
