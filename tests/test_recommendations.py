"""Recommendations upward (推荐) and the ledger's `national_provincial_won`: the year's won
recommendations plus the year's national and provincial projects registered without one, never the
same project twice."""

from datetime import date
from decimal import Decimal

import pytest

from projectmgr.extensions import db
from projectmgr.models import Level, Project, Role, UpwardRecommendation
from projectmgr.services import ledger

from .test_applications import World
from .test_permissions import assert_error, row_counts

YEAR = date.today().year


@pytest.fixture
def world(make, api):
    return World(make, api)


def recommend(world, **over):
    body = {
        "level": "provincial",
        "programme": "省重点研发计划",
        "year": YEAR,
        "submitted_on": date.today().isoformat(),
    }
    body.update(over)
    return world.as_staff.post("/recommendations", json=body)


def test_direct_recommendation_and_its_outcome(world):
    r = recommend(world, title="直接推荐的项目", organization_id=world.owner.organization_id)
    assert r.status_code == 201, r.json
    assert r.json["outcome"] is None
    r = world.as_staff.post(
        f"/recommendations/{r.json['id']}/outcome", json={"outcome": "not_won", "document_no": "豫科〔2026〕1号"}
    )
    assert r.status_code == 200, r.json
    assert r.json["outcome"] == "not_won" and r.json["document_no"] == "豫科〔2026〕1号"
    r = world.as_staff.post(f"/recommendations/{r.json['id']}/outcome", json={"outcome": "won", "document_no": "x"})
    assert_error(r, 409, "conflict")


def test_bad_recommendations_name_the_field(world):
    before = row_counts()
    assert_error(recommend(world), 422, "validation_error")
    r = recommend(world, level="municipal", title="x", organization_id=world.owner.organization_id)
    assert_error(r, 422, "validation_error")
    assert r.json["error"]["details"][0]["field"] == "level"
    assert row_counts() == before


def test_a_win_with_a_plan_registers_the_project_from_the_application(world, make):
    application = world.apply()
    plan = make.plan(Level.provincial)
    rec = recommend(world, application_id=application["id"]).json
    r = world.as_staff.post(
        f"/recommendations/{rec['id']}/outcome",
        json={"outcome": "won", "document_no": "豫科〔2026〕9号", "plan_id": plan.id, "code": "SK-1"},
    )
    assert r.status_code == 200, r.json
    project = db.session.get(Project, r.json["project_id"])
    assert project.plan_id == plan.id and project.special_funds == Decimal("300000.00")
    # The won recommendation and the project it registered count once.
    make.project(Level.national, plan=make.plan(Level.national))
    assert ledger.METRICS["national_provincial_won"].compute(plan.year, date.today()) == (2 if plan.year == YEAR else 1)


def test_won_counts_recommendations_and_projects_without_one(world, make):
    plan = make.plan(Level.national)  # year 2026
    make.project(Level.national, plan=plan)
    for outcome in ("won", "won", "not_won", None):
        rec = recommend(world, title="x", organization_id=world.owner.organization_id, year=plan.year).json
        if outcome:
            world.as_staff.post(f"/recommendations/{rec['id']}/outcome", json={"outcome": outcome, "document_no": "d"})
    assert ledger.METRICS["national_provincial_won"].compute(plan.year, date.today()) == 3
    listed = world.as_staff.get(f"/recommendations?year={plan.year}&outcome=pending").json
    assert listed["total"] == 1
    assert db.session.query(UpwardRecommendation).count() == 4


def test_a_win_with_a_plan_of_another_level_is_refused(world, make):
    application = world.apply()
    rec = recommend(world, application_id=application["id"]).json
    national = make.plan(Level.national)
    before = row_counts()
    r = world.as_staff.post(
        f"/recommendations/{rec['id']}/outcome",
        json={"outcome": "won", "document_no": "d", "plan_id": national.id, "code": "SK-2"},
    )
    assert_error(r, 422, "validation_error")
    assert r.json["error"]["details"][0]["field"] == "plan_id"
    assert row_counts() == before


def test_recommendations_are_for_readers(world, make):
    assert_error(world.as_owner.get("/recommendations"), 403, "forbidden")
    assert world.api.as_(make.user(Role.leader)).get("/recommendations").status_code == 200
