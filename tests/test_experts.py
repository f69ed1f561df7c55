"""The expert pool (issue 15): the figures staff choose experts by, the filters, taking an expert
out of the pool (and out of the draws) and back, over the API and on the Experts page."""

from datetime import date

from projectmgr.extensions import db
from projectmgr.models import ExpertConflict, Panel, Role, Score, User
from tests.test_conclusion_api import run_conclusion
from tests.test_panels import FIELD, applied_project, experts, formed_panel, prior_panels
from tests.test_query_counts import counted_get, statements  # noqa: F401  (the fixture)


def _by_name(body) -> dict:
    return {e["username"]: e for e in body["items"]}


def test_pool_figures_panels_late_scores_conflicts_and_leniency(api, make):
    case = applied_project(make, api)
    members = experts(make, 5)
    formed_panel(case, members)
    # Totals 70, 80, 90, 80, 80: the panel's mean is 80.
    run_conclusion(case, members, [70, 80, 90, 80, 80])
    # The first member's sheet was saved after the scoring due date.
    panel = db.session.scalar(db.select(Panel).where(Panel.project_id == case.pid))
    late = db.session.get(Score, next(m.id for m in panel.members if m.expert_id == members[0].id))
    late.updated_at = late.updated_at.replace(year=panel.scoring_due.year + 1)
    db.session.commit()
    prior_panels(make, members[1], 2)
    prior_panels(make, members[2], 1, conflict_declared=True)
    outsider = make.user(Role.expert, finance=False, fields=["生物医药"], title="研究员")

    r = case.s.get("/experts")

    assert r.status_code == 200, r.json
    body = r.json
    assert body["yearly_cap"] == 10 and body["total"] == 6
    pool = _by_name(body)
    low, high, mid = pool[members[0].username], pool[members[2].username], pool[members[1].username]
    assert low["leniency"] == "-10.00" and high["leniency"] == "10.00" and mid["leniency"] == "0.00"
    assert low["late_scores"] == 1 and high["late_scores"] == 0
    assert mid["panels_this_year"] == 3  # this panel and two others
    assert high["panels_this_year"] == 1 and high["conflicts_declared"] == 1
    assert low["finance"] is True and low["fields"] == [FIELD]
    seat = next(p for p in low["panels"] if p["project_id"] == case.pid)
    assert seat["kind"] == "acceptance" and seat["formed_on"] == date.today().isoformat() and seat["late"] is True
    assert pool[outsider.username]["leniency"] is None and pool[outsider.username]["panels"] == []
    assert pool[outsider.username]["title"] == "研究员"

    # Filters: field, finance, availability.
    assert set(_by_name(case.s.get("/experts?field=生物医药").json)) == {outsider.username}
    assert len(case.s.get("/experts?finance=true").json["items"]) == 2
    assert case.s.get("/experts?finance=maybe").status_code == 422


def test_available_means_in_the_pool_and_under_the_cap(api, make):
    staff = make.user(Role.staff)
    s = api.as_(staff)
    busy, free, away = experts(make, 3, finance=0)
    prior_panels(make, busy, 10)
    r = s.post(f"/experts/{away.id}/deactivate", json={"reason": "休假"})
    assert r.status_code == 200 and r.json["in_pool"] is False and r.json["pool_reason"] == "休假"

    names = set(_by_name(s.get("/experts?available=true").json))
    assert names == {free.username}
    assert set(_by_name(s.get("/experts?available=false").json)) == {busy.username, away.username}
    # Last year's panels do not count this year.
    assert busy.username in _by_name(s.get(f"/experts?available=true&year={date.today().year - 1}").json)


def test_deactivate_and_reactivate_need_staff_and_a_reason(api, make):
    staff = make.user(Role.staff)
    s = api.as_(staff)
    (expert,) = experts(make, 1, finance=0)
    owner = make.user(Role.owner)

    assert api.as_(owner).post(f"/experts/{expert.id}/deactivate", json={"reason": "x"}).status_code == 403
    assert api.as_(owner).get("/experts").status_code == 403
    assert api.as_(expert).get("/experts").status_code == 403
    r = s.post(f"/experts/{expert.id}/deactivate", json={"reason": ""})
    assert r.status_code == 422 and r.json["error"]["details"][0]["field"] == "reason"
    assert s.post(f"/experts/{expert.id}/reactivate", json={"reason": "x"}).status_code == 409
    assert s.post(f"/experts/{staff.id}/deactivate", json={"reason": "x"}).status_code == 404
    assert s.post(f"/experts/{expert.id}/deactivate", json={"reason": "离职"}).status_code == 200
    assert s.post(f"/experts/{expert.id}/deactivate", json={"reason": "again"}).status_code == 409
    r = s.post(f"/experts/{expert.id}/reactivate", json={"reason": "返岗"})
    assert r.status_code == 200 and r.json["in_pool"] is True and r.json["pool_reason"] == "返岗"


def test_the_pool_costs_the_same_at_2_and_8_experts_with_panels(api, make, statements):  # noqa: F811
    staff_id = make.user(Role.staff).id
    counts = {}
    for size in (2, 8):
        while db.session.query(User).filter(User.role == Role.expert).count() < size:
            org_id = make.organization().id
            expert = make.user(Role.expert, finance=True, fields=[FIELD])
            expert.expert.conflicts.append(ExpertConflict(organization_id=org_id))
            db.session.commit()
            prior_panels(make, expert, 2)
        body, counts[size] = counted_get(api.as_(db.session.get(User, staff_id)), statements, "/experts", {})
        assert body["total"] == size and all(len(e["panels"]) == 2 for e in body["items"])
    assert counts[2] == counts[8]
