"""Expert scoring over the API (DESIGN §6): the scoresheet, validation, editing until the
conclusion, and blindness: who sees which scores, before and after the conclusion."""

import json

import pytest

from projectmgr.extensions import db
from projectmgr.models import Role, Score
from tests.test_panels import (
    FIELD,
    applied_project,
    experts,
    formed_panel,
    score,
    sheet_for,
)

DEFAULT_KEYS = [
    "task_content",
    "technical_indicators",
    "economic_indicators",
    "deliverables",
    "funds_in_place",
    "fund_usage",
    "management",
]


def scored_rows() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(Score))


def test_default_scoresheet(api, make):
    r = api.as_(make.user(Role.expert)).get("/scoresheet")
    assert r.status_code == 200
    criteria = r.json["criteria"]
    assert [c["key"] for c in criteria] == DEFAULT_KEYS
    assert [c["max"] for c in criteria] == [20, 20, 10, 20, 10, 10, 10]
    assert sum(c["max"] for c in criteria) == 100
    assert all(c["name"] for c in criteria)
    assert criteria[0]["name"] == "任务内容完成情况"


@pytest.fixture
def reviewing(api, make):
    """A municipal project under review by five experts."""
    case = applied_project(make, api)
    members = experts(make, 5)
    formed_panel(case, members)
    return case, members


def _with(key, value):
    sheet = sheet_for(80)
    sheet[key] = value
    return sheet


def _without(key):
    sheet = sheet_for(80)
    del sheet[key]
    return sheet


@pytest.mark.parametrize(
    ("scores", "fields"),
    [
        (_without("management"), ["scores.management"]),
        ({**sheet_for(80), "bonus": 1}, ["scores.bonus"]),
        (_with("task_content", "20.01"), ["scores.task_content"]),
        (_with("economic_indicators", 11), ["scores.economic_indicators"]),
        (_with("task_content", -1), ["scores.task_content"]),
        (_with("task_content", "-0.01"), ["scores.task_content"]),
        (_with("task_content", True), ["scores.task_content"]),
        (_with("task_content", None), ["scores.task_content"]),
        (_with("task_content", [10]), ["scores.task_content"]),
        (_with("task_content", "ten"), ["scores.task_content"]),
        (_with("task_content", "NaN"), ["scores.task_content"]),
        (_with("task_content", 10.123), ["scores.task_content"]),
        (
            {**_with("task_content", 21), "extra": 0, "management": False},
            ["scores.extra", "scores.management", "scores.task_content"],
        ),
    ],
)
def test_scores_are_validated_per_criterion(reviewing, scores, fields):
    case, members = reviewing
    r = case.api.as_(members[0]).put(case.url("/scores/me"), json={"scores": scores, "recommendation": "pass"})
    assert r.status_code == 422, r.json
    assert r.json["error"]["code"] == "validation_error"
    assert sorted(d["field"] for d in r.json["error"]["details"]) == fields
    assert scored_rows() == 0


@pytest.mark.parametrize(
    ("key", "value", "total"),
    [("task_content", 0, "60.00"), ("task_content", 20, "80.00"), ("task_content", "12.5", "72.50")],
)
def test_scores_within_zero_and_max_are_accepted(reviewing, key, value, total):
    case, members = reviewing
    sheet = sheet_for(80)
    assert sheet[key] == "20.00"
    sheet[key] = value
    r = case.api.as_(members[0]).put(case.url("/scores/me"), json={"scores": sheet, "recommendation": "rectify"})
    assert r.status_code == 200, r.json
    assert r.json["total"] == total
    assert r.json["recommendation"] == "rectify"


def test_bad_recommendation_is_named_with_the_scores(reviewing):
    case, members = reviewing
    r = case.api.as_(members[0]).put(case.url("/scores/me"), json={"scores": sheet_for(80), "recommendation": "maybe"})
    assert r.status_code == 422
    assert [d["field"] for d in r.json["error"]["details"]] == ["recommendation"]


def test_scores_are_editable_until_the_conclusion_then_frozen(reviewing):
    case, members = reviewing
    first = score(case, members[0], 70, comment="初评", integrity_concern=True)
    assert first.status_code == 200 and first.json["total"] == "70.00"
    second = score(case, members[0], 85, recommendation="rectify", comment="复核后")
    assert second.status_code == 200, second.json
    assert second.json == {
        "scores": sheet_for(85),
        "total": "85.00",
        "recommendation": "rectify",
        "integrity_concern": False,
        "comment": "复核后",
    }
    assert scored_rows() == 1
    mine = case.api.as_(members[0]).get(case.url("/scores")).json["members"]
    assert [(m["total"], m["comment"], m["integrity_concern"]) for m in mine] == [("85.00", "复核后", False)]

    for e in members[1:]:
        assert score(case, e, 85).status_code == 200
    assert case.fire("conclude").json["state"] == "accepted"

    r = score(case, members[0], 100)
    assert r.status_code == 409 and r.json["error"]["code"] == "conflict"
    assert "scores" not in json.dumps(r.json["error"]["details"])
    assert case.s.get(case.url("/scores")).json["members"][0]["total"] == "85.00"


def test_scoring_before_form_panel_is_refused(api, make):
    case = applied_project(make, api)
    members = experts(make, 5)
    assert case.s.put(case.url("/panel"), json={"expert_ids": [e.id for e in members]}).status_code == 200
    r = score(case, members[0])
    assert r.status_code == 409 and r.json["error"]["code"] == "conflict"
    assert scored_rows() == 0


def test_only_panel_members_score(reviewing, make):
    case, members = reviewing
    outsider = make.user(Role.expert, fields=[FIELD])
    r = score(case, outsider)
    # The outsider may not know the project exists.
    assert r.status_code == 404 and r.json["error"]["code"] == "not_found"
    assert "scores" not in r.json["error"]["message"].lower()
    r = case.o.put(case.url("/scores/me"), json={"scores": sheet_for(90), "recommendation": "pass"})
    assert r.status_code == 403
    r = case.s.put(case.url("/scores/me"), json={"scores": sheet_for(90), "recommendation": "pass"})
    assert r.status_code == 403
    assert scored_rows() == 0


PLAN_SHEET = [
    {"key": "quality", "name_zh": "质量", "name_en": "Quality", "max": 60},
    {"key": "funds", "name_zh": "经费", "name_en": "Funds", "max": "40"},
]


def test_a_plan_s_own_scoresheet_is_used(api, make):
    case = applied_project(make, api, plan=make.plan(scoresheet=PLAN_SHEET))
    members = experts(make, 5)
    formed_panel(case, members)
    as_member = api.as_(members[0])

    panel = as_member.get(case.url("/panel")).json
    assert [(c["key"], c["max"]) for c in panel["scoresheet"]] == [("quality", 60), ("funds", 40)]

    r = as_member.put(case.url("/scores/me"), json={"scores": sheet_for(90), "recommendation": "pass"})
    assert r.status_code == 422
    fields = sorted(d["field"] for d in r.json["error"]["details"])
    assert fields == sorted(["scores.quality", "scores.funds", *(f"scores.{k}" for k in DEFAULT_KEYS)])

    r = as_member.put(case.url("/scores/me"), json={"scores": {"quality": 60, "funds": 41}, "recommendation": "pass"})
    assert [d["field"] for d in r.json["error"]["details"]] == ["scores.funds"]

    r = as_member.put(case.url("/scores/me"), json={"scores": {"quality": 55, "funds": 40}, "recommendation": "pass"})
    assert r.status_code == 200 and r.json["total"] == "95.00", r.json


# --- blindness --------------------------------------------------------------------------------


def test_before_the_conclusion_each_sees_only_what_is_theirs(reviewing):
    case, members = reviewing
    assert score(case, members[0], 88, comment="甲的意见").status_code == 200
    assert score(case, members[1], 66, comment="乙的意见").status_code == 200

    mine = case.api.as_(members[0]).get(case.url("/scores"))
    assert mine.status_code == 200
    assert [m["expert_id"] for m in mine.json["members"]] == [members[0].id]
    assert mine.json["members"][0]["total"] == "88.00"
    assert "乙的意见" not in mine.text and "66.00" not in mine.text
    assert mine.json.get("aggregate") is None

    unscored = case.api.as_(members[2]).get(case.url("/scores"))
    assert [(m["expert_id"], m["scored"]) for m in unscored.json["members"]] == [(members[2].id, False)]
    assert "甲的意见" not in unscored.text and "88.00" not in unscored.text

    owner = case.o.get(case.url("/scores"))
    assert owner.status_code == 200
    assert owner.json["aggregate"] is None and owner.json["grade"] is None
    assert "members" not in owner.json
    assert "甲的意见" not in owner.text and "88.00" not in owner.text and "expert" not in owner.text

    staff = case.s.get(case.url("/scores"))
    assert [m["expert_id"] for m in staff.json["members"]] == [e.id for e in members]
    assert [m["total"] for m in staff.json["members"]] == ["88.00", "66.00", None, None, None]


def test_after_the_conclusion_the_owner_sees_the_aggregate_without_names(reviewing):
    case, members = reviewing
    comments = ["技术指标完成良好", "经费管理规范", "建议加强推广", "", "成果突出"]
    for e, points, comment in zip(members, [90, 80, 70, 85, 75], comments, strict=True):
        assert score(case, e, points, comment=comment).status_code == 200
    concluded = case.fire("conclude")
    assert concluded.status_code == 200 and concluded.json["state"] == "accepted", concluded.json

    owner = case.o.get(case.url("/scores"))
    assert owner.status_code == 200
    assert owner.json["aggregate"] == "80.00" and owner.json["grade"] == "good"
    assert sorted(owner.json["comments"]) == sorted(c for c in comments if c)
    assert "members" not in owner.json
    text = owner.text
    assert "expert" not in text
    for e in members:
        assert e.username not in text and e.display_name not in text
    assert set(owner.json) == {"concluded", "aggregation", "aggregate", "grade", "comments"}

    member = case.api.as_(members[1]).get(case.url("/scores")).json
    assert [m["expert_id"] for m in member["members"]] == [members[1].id]
    assert member["aggregate"] == "80.00"

    staff = case.s.get(case.url("/scores")).json
    assert {m["expert_id"]: m["total"] for m in staff["members"]} == {
        e.id: f"{p}.00" for e, p in zip(members, [90, 80, 70, 85, 75], strict=True)
    }


def test_integrity_flags_stay_hidden_from_owner_and_experts_until_the_conclusion(api, make):
    """The integrity indicator counts other members' flags: blind until the panel concludes."""
    from projectmgr.models import Role

    staff = make.user(Role.staff)
    owner = make.user(Role.owner)
    project = make.project(owner=owner, staff=staff)
    s, o = api.as_(staff), api.as_(owner)
    pid = project.id
    s.post(f"/projects/{pid}/transitions", json={"trigger": "start"})
    o.post(f"/projects/{pid}/reports", json={"kind": "acceptance", "summary": "完成", "separate_account": True})
    o.post(f"/projects/{pid}/transitions", json={"trigger": "apply_acceptance"})
    experts = [make.user(Role.expert, finance=i < 2) for i in range(5)]
    s.put(f"/projects/{pid}/panel", json={"expert_ids": [e.id for e in experts]})
    s.post(f"/projects/{pid}/transitions", json={"trigger": "form_panel"})
    expert_view = api.as_(experts[0]).get(f"/projects/{pid}").json
    keys = [c["key"] for c in expert_view["binding_checks"]]
    assert "integrity" not in keys and "self_raised_in_place" in keys
    assert "integrity" not in [c["key"] for c in o.get(f"/projects/{pid}").json["binding_checks"]]
    assert "integrity" in [c["key"] for c in s.get(f"/projects/{pid}").json["binding_checks"]]
