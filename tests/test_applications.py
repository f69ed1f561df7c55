"""Calls and applications over the API (API.md "Calls, applications and recommendations"): every
trigger and its refusals, the approval review, the notice with objections, approval registering the
project, and the bad input of issue 14 (the field or check named, nothing written)."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from projectmgr.extensions import db
from projectmgr.models import (
    Application,
    ApplicationState,
    ApplicationTransition,
    Attachment,
    BudgetLine,
    CreditRecord,
    Level,
    Project,
    Role,
)
from projectmgr.rules.applications import notice_end
from projectmgr.rules.settings import RuleSettings

from .test_permissions import assert_error, row_counts

TODAY = date.today()
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def call_body(plan, **over) -> dict:
    body = {
        "plan_id": plan.id,
        "title": "2026年度市科技计划项目申报指南",
        "opens_on": (TODAY - timedelta(days=10)).isoformat(),
        "closes_on": (TODAY + timedelta(days=20)).isoformat(),
        "max_special_funds": "500000.00",
        "fields": ["机械"],
    }
    body.update(over)
    return body


def application_body(call_id: int, **over) -> dict:
    body = {
        "call_id": call_id,
        "title": "智能制造示范生产线",
        "start_date": "2027-01-01",
        "end_date": "2028-12-31",
        "industry": "装备制造",
        "summary": "研制智能生产线。",
        "special_funds": "300000.00",
        "self_raised_committed": "300000.00",
        "budget": [
            {"category": "equipment", "special": "200000.00", "self_raised": "250000.00"},
            {"category": "labor", "special": "100000.00", "self_raised": "50000.00"},
        ],
        "indicators": [{"key": "sales", "name": "销售收入", "unit": "万元", "target": "500"}],
    }
    body.update(over)
    return body


class World:
    def __init__(self, make, api):
        self.make, self.api = make, api
        self.plan = make.plan(Level.municipal)
        self.staff = make.user(Role.staff)
        self.owner = make.user(Role.owner)
        self.other_owner = make.user(Role.owner)
        self.experts = [make.user(Role.expert, finance=i < 2, fields=["机械"]) for i in range(5)]
        self.as_staff = api.as_(self.staff)
        self.as_owner = api.as_(self.owner)
        r = self.as_staff.post("/calls", json=call_body(self.plan))
        assert r.status_code == 201, r.json
        self.call = r.json

    def apply(self, **over) -> dict:
        r = self.as_owner.post("/applications", json=application_body(self.call["id"], **over))
        assert r.status_code == 201, r.json
        return r.json

    def fire(self, client, application_id: int, trigger: str, **params):
        return client.post(f"/applications/{application_id}/transitions", json={"trigger": trigger, **params})

    def ok(self, client, application_id: int, trigger: str, **params) -> dict:
        r = self.fire(client, application_id, trigger, **params)
        assert r.status_code == 200, r.json
        return r.json

    def to_checked(self) -> dict:
        a = self.apply()
        self.ok(self.as_owner, a["id"], "submit")
        return self.ok(self.as_staff, a["id"], "pass_check")

    def panel(self, application_id: int):
        r = self.as_staff.put(
            f"/applications/{application_id}/panel", json={"expert_ids": [e.id for e in self.experts]}
        )
        assert r.status_code == 200, r.json
        return r.json

    def score_all(self, application_id: int, points=(80, 85, 90, 70, 75)):
        sheet = self.as_staff.get("/scoresheet?kind=approval").json["criteria"]
        for expert, p in zip(self.experts, points, strict=True):
            scores = {c["key"]: str(int(c["max"]) * p / 100) for c in sheet}
            r = self.api.as_(expert).put(
                f"/applications/{application_id}/scores/me",
                json={"scores": scores, "recommendation": "pass", "comment": f"意见{p}"},
            )
            assert r.status_code == 200, r.json

    def to_publicized(self) -> dict:
        a = self.to_checked()
        self.panel(a["id"])
        self.ok(self.as_staff, a["id"], "form_panel")
        self.score_all(a["id"])
        self.ok(self.as_staff, a["id"], "conclude_review")
        return self.ok(self.as_staff, a["id"], "publicize")

    def end_notice(self, application_id: int) -> None:
        application = db.session.get(Application, application_id)
        application.notice_until = TODAY - timedelta(days=1)
        db.session.commit()


@pytest.fixture
def world(make, api):
    return World(make, api)


# --- calls ----------------------------------------------------------------------------------


def test_a_window_that_closes_before_it_opens_is_refused(world):
    before = row_counts()
    r = world.as_staff.post("/calls", json=call_body(world.plan, opens_on="2027-03-01", closes_on="2027-02-01"))
    assert_error(r, 422, "validation_error")
    assert r.json["error"]["details"][0]["field"] == "closes_on"
    assert row_counts() == before


def test_calls_are_for_municipal_plans_only(world, make):
    r = world.as_staff.post("/calls", json=call_body(make.plan(Level.provincial)))
    assert_error(r, 422, "validation_error")
    assert r.json["error"]["details"][0]["field"] == "plan_id"


def test_owners_see_open_calls_only(world):
    closed = world.as_staff.post(
        "/calls", json=call_body(world.plan, opens_on="2025-01-01", closes_on="2025-02-01")
    ).json
    staff_ids = {c["id"] for c in world.as_staff.get("/calls").json["items"]}
    owner_ids = {c["id"] for c in world.as_owner.get("/calls").json["items"]}
    assert staff_ids == {world.call["id"], closed["id"]}
    assert owner_ids == {world.call["id"]}


# --- the form -------------------------------------------------------------------------------


def test_a_budget_that_does_not_balance_names_the_field_and_writes_nothing(world):
    before = row_counts()
    body = application_body(world.call["id"], special_funds="310000.00")
    r = world.as_owner.post("/applications", json=body)
    assert_error(r, 422, "validation_error")
    assert [d["field"] for d in r.json["error"]["details"]] == ["budget.special"]
    assert row_counts() == before


def test_the_call_maximum_and_the_plan_ratio_apply(world, make):
    r = world.as_owner.post(
        "/applications",
        json=application_body(
            world.call["id"],
            special_funds="600000.00",
            budget=[{"category": "equipment", "special": "600000.00", "self_raised": "300000.00"}],
        ),
    )
    assert_error(r, 422, "validation_error")
    assert {d["field"] for d in r.json["error"]["details"]} == {"special_funds"}


def test_draft_is_edited_and_validated_whole(world):
    a = world.apply()
    r = world.as_owner.patch(
        f"/applications/{a['id']}",
        json={"title": "改名后的项目", "version": a["version"]},
    )
    assert r.status_code == 200, r.json
    assert r.json["title"] == "改名后的项目"
    r = world.as_owner.patch(f"/applications/{a['id']}", json={"special_funds": "1.00"})
    assert_error(r, 422, "validation_error")
    assert db.session.get(Application, a["id"]).special_funds == 300000


def test_a_submitted_application_is_not_edited(world):
    a = world.apply()
    world.ok(world.as_owner, a["id"], "submit")
    r = world.as_owner.patch(f"/applications/{a['id']}", json={"title": "x"})
    assert_error(r, 403, "forbidden")


def test_attachments_are_checked_by_content(world):
    a = world.apply()
    url = f"/applications/{a['id']}/attachments"
    r = world.as_owner.post(url, data={"kind": "business_licence", "file": (io.BytesIO(b"MZ\x90 not a pdf"), "x.pdf")})
    assert_error(r, 422, "validation_error")
    r = world.as_owner.post(url, data={"kind": "nonsense", "file": (io.BytesIO(PNG), "x.png")})
    assert_error(r, 422, "validation_error")
    assert r.json["error"]["details"][0]["field"] == "kind"
    r = world.as_owner.post(url, data={"kind": "business_licence", "file": (io.BytesIO(PNG), "营业执照.pdf")})
    assert r.status_code == 201, r.json
    assert r.json["type"] == "png"


# --- the machine ----------------------------------------------------------------------------


def test_submit_outside_the_window_is_refused_naming_window(world):
    a = world.apply()
    call = db.session.get(Application, a["id"]).call
    call.closes_on = TODAY - timedelta(days=1)
    call.opens_on = TODAY - timedelta(days=30)
    db.session.commit()
    before = row_counts()
    r = world.fire(world.as_owner, a["id"], "submit")
    assert_error(r, 422, "guard_failed")
    assert [d["check"] for d in r.json["error"]["details"]] == ["window"]
    assert row_counts() == before


def test_the_credit_rule_refuses_submission(world, make):
    failed = make.project(owner=world.owner)
    db.session.add(
        CreditRecord(
            organization_id=world.owner.organization_id,
            person_id=world.owner.id,
            project_id=failed.id,
            recorded_on=TODAY - timedelta(days=30),
            reason="验收不通过",
        )
    )
    db.session.commit()
    a = world.apply()
    r = world.fire(world.as_owner, a["id"], "submit")
    assert_error(r, 422, "guard_failed")
    assert r.json["error"]["details"][0]["check"] == "credit"
    assert db.session.get(Application, a["id"]).state == ApplicationState.draft


def test_return_needs_a_comment_and_resubmit_follows(world):
    a = world.apply()
    world.ok(world.as_owner, a["id"], "submit")
    r = world.fire(world.as_staff, a["id"], "return")
    assert_error(r, 422, "validation_error")
    assert r.json["error"]["details"][0]["field"] == "comment"
    body = world.ok(world.as_staff, a["id"], "return", comment="缺少审计报告")
    assert body["state"] == "returned"
    body = world.ok(world.as_owner, a["id"], "resubmit")
    assert body["state"] == "submitted"
    assert [h["trigger"] for h in body["history"]] == ["submit", "return", "resubmit"]
    assert body["history"][1]["comment"] == "缺少审计报告"


@pytest.mark.parametrize(
    ("who", "trigger"),
    [("owner", "pass_check"), ("owner", "return"), ("staff", "submit"), ("staff", "withdraw")],
)
def test_each_trigger_is_for_its_actor(world, who, trigger):
    a = world.apply()
    if trigger in ("pass_check", "return"):
        world.ok(world.as_owner, a["id"], "submit")
    client = world.as_owner if who == "owner" else world.as_staff
    r = world.fire(client, a["id"], trigger, comment="x")
    assert_error(r, 403, "forbidden")


def test_another_organizations_owner_sees_nothing(world):
    a = world.apply()
    other = world.api.as_(world.other_owner)
    assert_error(other.get(f"/applications/{a['id']}"), 404, "not_found")
    assert_error(world.fire(other, a["id"], "withdraw"), 404, "not_found")
    assert other.get("/applications").json["total"] == 0


def test_a_trigger_from_the_wrong_state_is_409(world):
    a = world.apply()
    assert_error(world.fire(world.as_staff, a["id"], "pass_check"), 409, "invalid_transition")
    assert_error(world.fire(world.as_staff, a["id"], "bogus"), 422, "validation_error")


def test_withdraw(world):
    a = world.apply()
    assert world.ok(world.as_owner, a["id"], "withdraw")["state"] == "withdrawn"


def test_form_panel_needs_a_valid_panel(world):
    a = world.to_checked()
    r = world.fire(world.as_staff, a["id"], "form_panel")
    assert_error(r, 422, "guard_failed")
    assert r.json["error"]["details"][0]["check"] == "panel"
    r = world.as_staff.put(f"/applications/{a['id']}/panel", json={"expert_ids": [e.id for e in world.experts[:3]]})
    assert_error(r, 422, "guard_failed")
    assert {d["check"] for d in r.json["error"]["details"]} == {"panel_size"}


def test_a_seeded_draw_is_replayed(world):
    a = world.to_checked()
    first = world.as_staff.put(f"/applications/{a['id']}/panel", json={"draw": {"seed": "s1"}}).json
    again = world.as_staff.put(f"/applications/{a['id']}/panel", json={"draw": {"seed": "s1"}}).json
    assert first["seed"] == "s1"
    assert [m["expert_id"] for m in first["members"]] == [m["expert_id"] for m in again["members"]]


def test_an_expert_of_the_applicant_is_a_conflict(world, make):
    a = world.to_checked()
    insider = make.user(Role.expert, organization=db.session.get(Application, a["id"]).organization, finance=True)
    ids = [e.id for e in world.experts[:4]] + [insider.id]
    r = world.as_staff.put(f"/applications/{a['id']}/panel", json={"expert_ids": ids})
    assert_error(r, 422, "guard_failed")
    assert [d["check"] for d in r.json["error"]["details"]] == ["conflict"]


def test_review_panels_count_toward_the_yearly_workload(world, app):
    app.extensions["projectmgr.rules"] = RuleSettings(expert_max_panels_per_year=1)
    try:
        a = world.to_checked()
        world.panel(a["id"])
        b = world.to_checked()
        r = world.as_staff.put(f"/applications/{b['id']}/panel", json={"expert_ids": [e.id for e in world.experts]})
        assert_error(r, 422, "guard_failed")
        assert {d["check"] for d in r.json["error"]["details"]} == {"workload"}
    finally:
        app.extensions.pop("projectmgr.rules")


def test_blind_scoring_and_conclusion(world):
    a = world.to_checked()
    world.panel(a["id"])
    world.ok(world.as_staff, a["id"], "form_panel")
    r = world.fire(world.as_staff, a["id"], "conclude_review")
    assert_error(r, 422, "guard_failed")
    assert r.json["error"]["details"][0]["check"] == "scores"
    world.score_all(a["id"])
    # Before the conclusion the applicant sees nothing; a member sees their own sheet only.
    mine = world.as_owner.get(f"/applications/{a['id']}/scores").json
    assert mine["aggregate"] is None and "members" not in mine
    member = world.api.as_(world.experts[0]).get(f"/applications/{a['id']}/scores").json
    assert [m["expert_id"] for m in member["members"]] == [world.experts[0].id]
    assert len(world.as_staff.get(f"/applications/{a['id']}/scores").json["members"]) == 5
    body = world.ok(world.as_staff, a["id"], "conclude_review")
    assert body["state"] == "reviewed" and body["score"] == "80.00"
    after = world.as_owner.get(f"/applications/{a['id']}/scores").json
    assert after["aggregate"] == "80.00" and "members" not in after
    assert after["comments"] == sorted(f"意见{p}" for p in (80, 85, 90, 70, 75))
    # Scores are frozen now.
    r = world.api.as_(world.experts[0]).put(
        f"/applications/{a['id']}/scores/me", json={"scores": {}, "recommendation": "pass"}
    )
    assert_error(r, 409, "conflict")


def test_a_review_score_names_the_criterion(world):
    a = world.to_checked()
    world.panel(a["id"])
    world.ok(world.as_staff, a["id"], "form_panel")
    r = world.api.as_(world.experts[0]).put(
        f"/applications/{a['id']}/scores/me",
        json={"scores": {"innovation": "30"}, "recommendation": "rectify"},
    )
    assert_error(r, 422, "validation_error")
    fields = {d["field"] for d in r.json["error"]["details"]}
    assert {"scores.innovation", "scores.feasibility", "recommendation"} <= fields


def test_experts_see_the_applications_of_their_review_panels(world):
    a = world.to_checked()
    world.panel(a["id"])
    listed = world.api.as_(world.experts[0]).get("/applications").json
    assert [i["id"] for i in listed["items"]] == [a["id"]]


def test_the_approval_scoresheet_is_a_setting(world, app):
    sheet = world.as_staff.get("/scoresheet?kind=approval").json
    assert [c["max"] for c in sheet["criteria"]] == [25, 20, 15, 20, 10, 10]
    app.config["APPROVAL_SCORESHEET"] = [{"key": "all", "name_zh": "总体", "name_en": "Overall", "max": 100}]
    try:
        assert [c["key"] for c in world.as_staff.get("/scoresheet?kind=approval").json["criteria"]] == ["all"]
    finally:
        app.config.pop("APPROVAL_SCORESHEET")
    assert_error(world.as_staff.get("/scoresheet?kind=nonsense"), 422, "validation_error")


# --- ranking, notice, objections, approval --------------------------------------------------


def test_ranking_orders_by_score(world):
    a = world.to_publicized()
    b = world.to_checked()
    ranking = world.as_staff.get(f"/calls/{world.call['id']}/ranking").json
    assert [i["id"] for i in ranking["items"]] == [a["id"], b["id"]]
    assert ranking["items"][0]["rank"] == 1 and ranking["items"][0]["suggested_funds"] == "300000.00"
    assert_error(world.as_staff.get("/calls/999999/ranking"), 404, "not_found")


def test_publicize_defaults_to_five_working_days(world):
    a = world.to_publicized()
    assert a["notice_until"] == notice_end(TODAY).isoformat()
    listed = world.api.as_(world.other_owner).get("/notice").json
    assert [i["id"] for i in listed["items"]] == [a["id"]]


def test_objections_during_the_notice_block_approval_until_resolved(world):
    a = world.to_publicized()
    other = world.api.as_(world.other_owner)
    r = other.post(f"/applications/{a['id']}/objections", json={"text": "申报材料与实际不符"})
    assert r.status_code == 201, r.json
    objection_id = r.json["id"]
    world.end_notice(a["id"])
    r = world.fire(world.as_staff, a["id"], "approve", code="SJ-2027-001")
    assert_error(r, 422, "guard_failed")
    assert [d["check"] for d in r.json["error"]["details"]] == ["objections"]
    r = world.as_staff.post(f"/objections/{objection_id}/resolve", json={"upheld": True, "comment": "属实"})
    assert r.status_code == 200, r.json
    r = world.fire(world.as_staff, a["id"], "approve", code="SJ-2027-001")
    assert [d["check"] for d in r.json["error"]["details"]] == ["objection_upheld"]
    assert world.ok(world.as_staff, a["id"], "reject", comment="异议属实")["state"] == "rejected"
    assert_error(
        world.as_staff.post(f"/objections/{objection_id}/resolve", json={"upheld": False, "comment": "x"}),
        409,
        "conflict",
    )


def test_an_objection_after_the_notice_is_refused(world):
    a = world.to_publicized()
    world.end_notice(a["id"])
    other = world.api.as_(world.other_owner)
    before = row_counts()
    r = other.post(f"/applications/{a['id']}/objections", json={"text": "晚了"})
    assert_error(r, 422, "guard_failed")
    assert r.json["error"]["details"][0]["check"] == "notice"
    assert row_counts() == before


def test_approval_waits_for_the_notice(world):
    a = world.to_publicized()
    r = world.fire(world.as_staff, a["id"], "approve", code="SJ-2027-002")
    assert_error(r, 422, "guard_failed")
    assert [d["check"] for d in r.json["error"]["details"]] == ["notice"]


def test_approving_above_the_request_names_special_funds(world):
    a = world.to_publicized()
    world.end_notice(a["id"])
    before = row_counts()
    r = world.fire(world.as_staff, a["id"], "approve", code="SJ-2027-003", special_funds="300000.01")
    assert_error(r, 422, "validation_error")
    assert r.json["error"]["details"][0]["field"] == "special_funds"
    assert row_counts() == before


def test_approval_registers_the_project_with_the_application_carried_over(world):
    a = world.apply()
    world.as_owner.post(
        f"/applications/{a['id']}/attachments",
        data={"kind": "application_form", "file": (io.BytesIO(PNG), "申报书.png")},
    )
    world.ok(world.as_owner, a["id"], "submit")
    world.ok(world.as_staff, a["id"], "pass_check")
    world.panel(a["id"])
    world.ok(world.as_staff, a["id"], "form_panel")
    world.score_all(a["id"])
    world.ok(world.as_staff, a["id"], "conclude_review")
    world.ok(world.as_staff, a["id"], "publicize")
    world.end_notice(a["id"])
    body = world.ok(
        world.as_staff,
        a["id"],
        "approve",
        code="SJ-2027-004",
        special_funds="200000.00",
        responsible_staff_id=world.staff.id,
    )
    assert body["state"] == "approved" and body["granted_funds"] == "200000.00"
    project = db.session.get(Project, body["project_id"])
    assert project.code == "SJ-2027-004" and project.special_funds == 200000
    lines = {
        b.category.value: (b.special, b.self_raised)
        for b in db.session.query(BudgetLine).filter_by(project_id=project.id)
    }
    # 200000/300000 of each special line, rounded to the cent; self-raised unchanged.
    assert lines == {
        "equipment": (Decimal("133333.33"), Decimal("250000.00")),
        "labor": (Decimal("66666.67"), Decimal("50000.00")),
    }
    assert [i.key for i in project.indicators] == ["sales"]
    assert [x.filename for x in db.session.query(Attachment).filter_by(project_id=project.id)] == ["申报书.png"]
    history = world.as_staff.get(f"/projects/{project.id}/history").json["items"]
    assert [(h["record"], h["trigger"]) for h in history][:2] == [
        ("application", "submit"),
        ("application", "pass_check"),
    ]
    detail = world.as_owner.get(f"/projects/{project.id}").json
    assert detail["application_id"] == a["id"]
    rows = db.session.query(ApplicationTransition).filter_by(application_id=a["id"]).count()
    assert rows == 6  # submit, pass_check, form_panel, conclude_review, publicize, approve


def test_a_member_who_steps_aside_must_be_replaced_before_the_conclusion(world, make):
    a = world.to_checked()
    world.panel(a["id"])
    world.ok(world.as_staff, a["id"], "form_panel")
    world.score_all(a["id"])
    leaving = world.api.as_(world.experts[2])
    r = leaving.post(f"/applications/{a['id']}/panel/conflict", json={"reason": "曾参与该单位项目"})
    assert r.status_code == 200, r.json
    r = world.fire(world.as_staff, a["id"], "conclude_review")
    assert_error(r, 422, "guard_failed")
    assert [d["check"] for d in r.json["error"]["details"]] == ["panel"]
    substitute = make.user(Role.expert, fields=["机械"])
    ids = [e.id for e in world.experts if e is not world.experts[2]] + [substitute.id]
    r = world.as_staff.put(f"/applications/{a['id']}/panel", json={"expert_ids": ids})
    assert r.status_code == 200, r.json
    assert_error(world.fire(world.as_staff, a["id"], "conclude_review"), 422, "guard_failed")  # not scored yet
    assert_error(leaving.post(f"/applications/{a['id']}/panel/conflict", json={"reason": "x"}), 409, "conflict")


def test_the_call_exports_its_applications_and_ranking(world):
    world.to_publicized()
    world.apply()
    r = world.as_staff.get(f"/calls/{world.call['id']}/export.xlsx?lang=zh")
    assert r.status_code == 200, r.data[:300]
    book = load_workbook(io.BytesIO(r.data))
    assert book.sheetnames == ["申报", "排名"]
    assert book["申报"].max_row == 3 and book["排名"].max_row == 2
    assert book["排名"]["E2"].value == 80
    assert_error(world.as_owner.get(f"/calls/{world.call['id']}/export.xlsx"), 403, "forbidden")


def test_the_expert_pool_lists_approval_review_seats_and_counts_them(world):
    """Issue 15 item 4: acceptance and approval panels sat on; both count toward the yearly cap."""
    a = world.to_checked()
    world.panel(a["id"])
    r = world.as_staff.get("/experts")
    assert r.status_code == 200, r.json
    listed = {e["id"]: e for e in r.json["items"]}
    member = listed[world.experts[0].id]
    seats = [s for s in member["panels"] if s["kind"] == "approval"]
    assert [s["application_id"] for s in seats] == [a["id"]]
    assert seats[0]["project_id"] is None and seats[0]["code"] is None and seats[0]["title"] == a["title"]
    assert member["panels_this_year"] >= 1  # the approval panel counts, as the workload rule counts it
