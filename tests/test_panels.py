"""Acceptance panels over the API (DESIGN §6): the panel rules, the random draw and conflicts.

The helpers at the top build a municipal project in acceptance_applied through the API, a pool of
experts and a formed panel; tests/test_scoring.py and tests/test_conclusion_api.py reuse them."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest

from projectmgr.extensions import db
from projectmgr.facts.panels import panel_problems
from projectmgr.models import Panel, PanelMember, Project, Role, User
from projectmgr.rules.scoring import DEFAULT_SCORESHEET
from projectmgr.services import panels, settings

FIELD = "装备制造"


@dataclass
class Case:
    """A municipal project in acceptance_applied, with API clients for its staff and owner."""

    pid: int
    organization_id: int
    staff: User
    owner: User
    s: object  # staff's Api
    o: object  # owner's Api
    api: object  # the unauthenticated Api, to sign as anyone: case.api.as_(user)

    def url(self, tail: str = "") -> str:
        return f"/projects/{self.pid}{tail}"

    def fire(self, trigger: str, **params):
        return self.s.post(self.url("/transitions"), json={"trigger": trigger, **params})


def applied_project(
    make,
    api,
    *,
    plan=None,
    achieved="100",
    separate_account=True,
    arrived="100000.00",
    expenditures=(("equipment", "special", "90000.00"),),
) -> Case:
    """Register, start and apply for acceptance, over the API as the owner and staff would.
    The default figures pass every binding indicator with 100% completion."""
    staff = make.user(Role.staff)
    owner = make.user(Role.owner)
    project = make.project(owner=owner, staff=staff, plan=plan)
    case = Case(project.id, project.organization_id, staff, owner, api.as_(staff), api.as_(owner), api)
    assert case.fire("start").status_code == 200
    r = case.s.post(case.url("/disbursements"), json={"date": "2026-02-01", "amount": "100000.00"})
    assert r.status_code == 201, r.json
    if arrived is not None:
        r = case.o.post(case.url("/self-raised"), json={"date": "2026-02-01", "amount": arrived})
        assert r.status_code == 201, r.json
    for category, source, amount in expenditures:
        r = case.o.post(
            case.url("/expenditures"),
            json={"date": "2026-03-01", "category": category, "source": source, "amount": amount},
        )
        assert r.status_code == 201, r.json
    r = case.o.post(
        case.url("/reports"),
        json={
            "kind": "acceptance",
            "summary": "任务完成",
            "indicators": [{"key": "sales", "achieved": achieved}],
            "separate_account": separate_account,
        },
    )
    assert r.status_code == 201, r.json
    r = case.o.post(case.url("/transitions"), json={"trigger": "apply_acceptance"})
    assert r.status_code == 200 and r.json["state"] == "acceptance_applied", r.json
    return case


def experts(make, n: int, finance: int = 2, fields=(FIELD,), **profile) -> list[User]:
    """n expert reviewers, the first `finance` of them finance experts."""
    return [make.user(Role.expert, finance=i < finance, fields=list(fields), **profile) for i in range(n)]


def prior_panels(make, expert: User, count: int, year: int | None = None, conflict_declared: bool = False) -> None:
    """Seat the expert on `count` panels of another project in `year` (rows written directly)."""
    year = date.today().year if year is None else year
    other = make.project()
    for r in range(1, count + 1):
        panel = Panel(project_id=other.id, round=r, year=year)
        panel.members.append(
            PanelMember(expert_id=expert.id, conflict_declared_at=date.today() if conflict_declared else None)
        )
        db.session.add(panel)
    db.session.commit()


def put_panel(case: Case, members: list[User]):
    return case.s.put(case.url("/panel"), json={"expert_ids": [e.id for e in members]})


def formed_panel(case: Case, members: list[User]) -> None:
    r = put_panel(case, members)
    assert r.status_code == 200, r.json
    r = case.fire("form_panel")
    assert r.status_code == 200 and r.json["state"] == "under_review", r.json


def sheet_for(points) -> dict[str, str]:
    """Scores on the default sheet adding up to exactly `points`."""
    remaining = Decimal(str(points))
    sheet = {}
    for c in DEFAULT_SCORESHEET:
        value = min(c.max, remaining)
        sheet[c.key] = f"{value:.2f}"
        remaining -= value
    assert remaining == 0
    return sheet


def score(case: Case, expert: User, points=90, **body):
    body = {"scores": sheet_for(points), "recommendation": "pass", "comment": "", **body}
    return case.api.as_(expert).put(case.url("/scores/me"), json=body)


def checks(response) -> list[str]:
    assert response.status_code == 422, response.json
    assert response.json["error"]["code"] == "guard_failed", response.json
    return sorted(d["check"] for d in response.json["error"]["details"])


def member_ids(response) -> list[int]:
    return [m["expert_id"] for m in response.json["members"]]


# --- panel rules ------------------------------------------------------------------------------


def test_every_broken_rule_is_named_at_once(api, make):
    case = applied_project(make, api)
    own = make.user(Role.expert, organization=db.session.get(Project, case.pid).organization, fields=[FIELD])
    declared = make.user(Role.expert, fields=[FIELD], conflict_organization_ids=[case.organization_id])
    finance, busy = experts(make, 2, finance=1)
    prior_panels(make, busy, 10)

    r = put_panel(case, [own, declared, finance, busy])

    assert checks(r) == ["conflict", "conflict", "panel_finance", "panel_size", "workload"]
    details = r.json["error"]["details"]
    assert sorted(d["expert_id"] for d in details if d["check"] == "conflict") == sorted([own.id, declared.id])
    assert [d["expert_id"] for d in details if d["check"] == "workload"] == [busy.id]
    assert db.session.scalar(db.select(Panel).where(Panel.project_id == case.pid)) is None


@pytest.mark.parametrize(
    ("plan_kwargs", "size", "finance", "broken"),
    [
        ({}, 4, 2, ["panel_size"]),
        ({}, 5, 2, []),
        ({}, 6, 2, ["panel_size"]),
        ({}, 7, 2, []),
        ({}, 5, 1, ["panel_finance"]),
        ({}, 4, 1, ["panel_finance", "panel_size"]),
        ({"panel_min_size": 7}, 5, 2, ["panel_size"]),
        ({"panel_min_size": 7}, 7, 2, []),
        ({"panel_min_size": 7}, 8, 2, ["panel_size"]),
        ({"panel_min_finance": 3}, 5, 2, ["panel_finance"]),
        ({"panel_min_finance": 3}, 5, 3, []),
        ({"panel_min_finance": 0}, 5, 0, []),
    ],
)
def test_panel_size_and_finance_follow_the_plan(api, make, plan_kwargs, size, finance, broken):
    case = applied_project(make, api, plan=make.plan(**plan_kwargs))
    members = experts(make, size, finance=finance)

    r = put_panel(case, members)

    if broken:
        assert checks(r) == broken
    else:
        assert r.status_code == 200, r.json
        assert [(m["expert_id"], m["finance"]) for m in r.json["members"]] == [
            (e.id, i < finance) for i, e in enumerate(members)
        ]


@pytest.mark.parametrize(
    ("prior", "year_offset", "conflict_declared", "refused"),
    [
        (9, 0, False, False),  # this panel is the 10th: allowed
        (10, 0, False, True),  # the 11th: refused
        (10, -1, False, False),  # last year's panels do not count
        (10, 0, True, False),  # panels they stepped aside from do not count
    ],
)
def test_workload_limit_per_calendar_year(api, make, prior, year_offset, conflict_declared, refused):
    case = applied_project(make, api)
    members = experts(make, 5)
    prior_panels(make, members[3], prior, date.today().year + year_offset, conflict_declared)

    r = put_panel(case, members)

    if refused:
        assert checks(r) == ["workload"]
        assert r.json["error"]["details"][0]["expert_id"] == members[3].id
    else:
        assert r.status_code == 200, r.json


def test_conflict_with_the_owner_organization(api, make):
    case = applied_project(make, api)
    org = db.session.get(Project, case.pid).organization
    members = experts(make, 4)
    colleague = make.user(Role.expert, organization=org, fields=[FIELD])
    assert checks(put_panel(case, [*members, colleague])) == ["conflict"]

    other_org = make.organization()
    declared = make.user(Role.expert, fields=[FIELD], conflict_organization_ids=[other_org.id, case.organization_id])
    assert checks(put_panel(case, [*members, declared])) == ["conflict"]

    elsewhere = make.user(Role.expert, organization=other_org, conflict_organization_ids=[other_org.id])
    assert put_panel(case, [*members, elsewhere]).status_code == 200


@pytest.mark.parametrize("bad", ["unknown", "not_an_expert", "duplicate"])
def test_expert_ids_must_name_distinct_experts(api, make, bad):
    case = applied_project(make, api)
    members = experts(make, 5)
    ids = [e.id for e in members]
    if bad == "unknown":
        ids[-1] = 99999
    elif bad == "not_an_expert":
        ids[-1] = case.staff.id
    else:
        ids[-1] = ids[0]

    r = case.s.put(case.url("/panel"), json={"expert_ids": ids})

    assert r.status_code == 422, r.json
    assert r.json["error"]["code"] == "validation_error"
    assert [d["field"] for d in r.json["error"]["details"]] == ["expert_ids"]


def test_only_staff_put_panels(api, make):
    case = applied_project(make, api)
    members = experts(make, 5)
    r = case.o.put(case.url("/panel"), json={"expert_ids": [e.id for e in members]})
    assert r.status_code == 403
    assert db.session.scalar(db.select(Panel).where(Panel.project_id == case.pid)) is None


def test_valid_panel_then_form_panel_opens_the_scoring_due_item(api, make):
    case = applied_project(make, api)
    members = experts(make, 5)

    r = put_panel(case, members)
    assert r.status_code == 200, r.json
    assert [{"expert_id": m["expert_id"], "finance": m["finance"]} for m in r.json["members"]] == [
        {"expert_id": e.id, "finance": i < 2} for i, e in enumerate(members)
    ]
    assert case.s.get(case.url()).json["state"] == "acceptance_applied"

    r = case.fire("form_panel")
    assert r.status_code == 200 and r.json["state"] == "under_review", r.json
    due = date.today() + timedelta(days=14)
    scoring = [d for d in r.json["due_items"] if d["kind"] == "expert_scores"]
    assert [d["due_date"] for d in scoring] == [due.isoformat()]

    on_time = case.s.get("/overdue", query_string={"as_of": due.isoformat(), "kind": "expert_scores"})
    assert on_time.status_code == 200
    assert [i for i in on_time.json["items"] if i["project_id"] == case.pid] == []
    late = case.s.get("/overdue", query_string={"as_of": (date.today() + timedelta(days=15)).isoformat()})
    rows = [i for i in late.json["items"] if i["project_id"] == case.pid and i["kind"] == "expert_scores"]
    assert len(rows) == 1 and rows[0]["days_overdue"] == 1 and rows[0]["due_date"] == due.isoformat()


def test_form_panel_refused_without_a_panel(api, make):
    case = applied_project(make, api)
    assert checks(case.fire("form_panel")) == ["panel"]


# --- the random draw --------------------------------------------------------------------------


def test_draw_picks_only_eligible_experts(api, make):
    case = applied_project(make, api, plan=make.plan(panel_min_finance=3))
    org = db.session.get(Project, case.pid).organization
    eligible = experts(make, 9, finance=3)
    ineligible = [
        *experts(make, 2, finance=2, fields=["生物科技"]),  # other field
        make.user(Role.expert, organization=org, finance=True, fields=[FIELD]),  # owner's organization
        make.user(Role.expert, finance=True, fields=[FIELD], conflict_organization_ids=[org.id]),
    ]
    busy = make.user(Role.expert, finance=True, fields=[FIELD])
    prior_panels(make, busy, 10)
    ineligible.append(busy)
    eligible_ids = {e.id for e in eligible}
    finance_ids = {e.id for e in eligible if e.expert.finance}

    drawn = []
    for seed in ("a", "b", "c", "d", "e", "f", "g", "h"):
        r = case.s.put(case.url("/panel"), json={"draw": {"size": 5, "fields": [FIELD], "seed": seed}})
        assert r.status_code == 200, r.json
        assert r.json["seed"] == seed
        ids = member_ids(r)
        assert len(ids) == len(set(ids)) == 5
        assert set(ids) <= eligible_ids, ids
        assert len(set(ids) & finance_ids) >= 3
        drawn.append(ids)
    panel = db.session.scalar(db.select(Panel).where(Panel.project_id == case.pid))
    db.session.refresh(panel)
    assert panel.seed == "h" and panel.draw_fields == [FIELD]
    assert [m.expert_id for m in panel.members] == drawn[-1]


def test_same_seed_over_the_same_pool_draws_the_same_panel(api, make):
    pool = experts(make, 15, finance=5)
    first, second = applied_project(make, api), applied_project(make, api)
    spec = {"draw": {"size": 5, "fields": [FIELD], "seed": "audit-2026"}}

    a = first.s.put(first.url("/panel"), json=spec)
    b = second.s.put(second.url("/panel"), json=spec)
    again = first.s.put(first.url("/panel"), json=spec)  # reset the draft and redraw

    assert a.status_code == b.status_code == again.status_code == 200
    assert member_ids(a) == member_ids(b) == member_ids(again)
    assert set(member_ids(a)) <= {e.id for e in pool}
    project = db.session.get(Project, first.pid)
    replay = panels.draw(project, 5, [FIELD], "audit-2026", date.today().year, settings())
    assert [e.id for e in replay] == member_ids(a)


def test_different_seeds_draw_different_panels(api, make):
    experts(make, 24, finance=8)
    case = applied_project(make, api)
    panels_drawn = set()
    for seed in ("s1", "s2", "s3", "s4", "s5"):
        r = case.s.put(case.url("/panel"), json={"draw": {"size": 5, "seed": seed}})
        assert r.status_code == 200, r.json
        panels_drawn.add(tuple(sorted(member_ids(r))))
    assert len(panels_drawn) > 1


def test_draw_without_seed_generates_and_returns_one(api, make):
    experts(make, 12, finance=4)
    case = applied_project(make, api)

    r = case.s.put(case.url("/panel"), json={"draw": {"size": 5}})

    assert r.status_code == 200, r.json
    seed = r.json["seed"]
    assert isinstance(seed, str) and seed
    replay = panels.draw(db.session.get(Project, case.pid), 5, None, seed, date.today().year, settings())
    assert [e.id for e in replay] == member_ids(r)
    assert case.s.get(case.url("/panel")).json["seed"] == seed


@pytest.mark.parametrize(
    ("pool", "finance", "broken"),
    [
        (4, 2, ["panel_size"]),
        (6, 1, ["panel_finance"]),
        (3, 1, ["panel_finance", "panel_size"]),
    ],
)
def test_draw_from_too_small_a_pool_is_refused(api, make, pool, finance, broken):
    experts(make, pool, finance=finance)
    experts(make, 4, finance=4, fields=["生物科技"])  # outside the requested field
    case = applied_project(make, api)

    r = case.s.put(case.url("/panel"), json={"draw": {"size": 5, "fields": [FIELD], "seed": "x"}})

    assert checks(r) == broken
    assert db.session.scalar(db.select(Panel).where(Panel.project_id == case.pid)) is None


# --- declaring a conflict and replacing the member --------------------------------------------


def test_conflict_declared_before_forming_blocks_form_panel(api, make):
    case = applied_project(make, api)
    members = experts(make, 5)
    assert put_panel(case, members).status_code == 200

    r = api.as_(members[4]).post(case.url("/panel/conflict"), json={"reason": "曾任该单位顾问"})
    assert r.status_code == 200, r.json

    assert checks(case.fire("form_panel")) == ["panel"]
    assert case.s.get(case.url()).json["state"] == "acceptance_applied"
    assert [d["check"] for d in panel_problems(db.session.get(Project, case.pid), settings())] == ["panel_size"]
    shown = case.s.get(case.url("/panel")).json["members"]
    assert [m["conflict_declared"] for m in shown] == [False, False, False, False, True]


def test_conflict_during_review_is_remembered_and_the_member_replaced(api, make):
    case = applied_project(make, api)
    members = experts(make, 5)
    stepping_aside, rest = members[4], members[:4]
    newcomer = make.user(Role.expert, fields=[FIELD])
    formed_panel(case, members)
    as_member = api.as_(stepping_aside)

    r = as_member.post(case.url("/panel/conflict"), json={"reason": "与承担单位有合作关系"})
    assert r.status_code == 200 and r.json == {"expert_id": stepping_aside.id, "conflict_declared": True}
    assert case.organization_id in as_member.get("/me").json["expert"]["conflict_organization_ids"]
    assert as_member.post(case.url("/panel/conflict"), json={"reason": "again"}).status_code == 409
    assert score(case, stepping_aside).status_code == 403

    for e in rest:
        assert score(case, e).status_code == 200
    # Four members who count are not a panel: the conclusion waits for the replacement.
    assert checks(case.fire("conclude")) == ["panel"]

    # The one who stepped aside cannot come back: they now have a declared conflict.
    r = case.s.put(case.url("/panel"), json={"expert_ids": [e.id for e in members]})
    assert checks(r) == ["conflict"]
    # Dropping a member who did not declare a conflict is refused during the review.
    r = case.s.put(case.url("/panel"), json={"expert_ids": [e.id for e in [*rest[:3], newcomer]]})
    assert r.status_code == 409 and r.json["error"]["code"] == "conflict"

    r = case.s.put(case.url("/panel"), json={"expert_ids": [e.id for e in [*rest, newcomer]]})
    assert r.status_code == 200, r.json
    assert {m["expert_id"]: m["conflict_declared"] for m in r.json["members"]} == {
        **{e.id: False for e in rest},
        stepping_aside.id: True,
        newcomer.id: False,
    }
    assert checks(case.fire("conclude")) == ["scores"]
    assert score(case, newcomer).status_code == 200
    r = case.fire("conclude")
    assert r.status_code == 200 and r.json["state"] == "accepted", r.json
    r = api.as_(newcomer).post(case.url("/panel/conflict"), json={"reason": "too late"})
    assert r.status_code == 409 and r.json["error"]["code"] == "conflict"


def test_draw_during_review_keeps_the_members_who_count(api, make):
    case = applied_project(make, api)
    members = experts(make, 5)
    spare = experts(make, 3, finance=0)
    formed_panel(case, members)
    assert api.as_(members[4]).post(case.url("/panel/conflict"), json={"reason": "回避"}).status_code == 200

    r = case.s.put(case.url("/panel"), json={"draw": {"size": 5, "seed": "replace"}})

    assert r.status_code == 200, r.json
    active = [m["expert_id"] for m in r.json["members"] if not m["conflict_declared"]]
    assert set(active) >= {e.id for e in members[:4]}
    assert len(active) == 5
    assert (set(active) - {e.id for e in members}) <= {e.id for e in spare}
    assert members[4].id not in active


def test_non_member_cannot_declare_a_conflict(api, make):
    case = applied_project(make, api)
    formed_panel(case, experts(make, 5))
    outsider = make.user(Role.expert, fields=[FIELD])
    r = api.as_(outsider).post(case.url("/panel/conflict"), json={"reason": "x"})
    assert r.status_code == 404


def test_form_panel_refusal_names_each_broken_panel_rule(api, make):
    """The guard's detail carries the panel rules that refuse (here: too few members)."""
    staff = make.user(Role.staff)
    owner = make.user(Role.owner)
    project = make.project(owner=owner, staff=staff)
    s, o = api.as_(staff), api.as_(owner)
    s.post(f"/projects/{project.id}/transitions", json={"trigger": "start"})
    o.post(f"/projects/{project.id}/reports", json={"kind": "acceptance", "summary": "完成", "separate_account": True})
    o.post(f"/projects/{project.id}/transitions", json={"trigger": "apply_acceptance"})
    refused = s.post(f"/projects/{project.id}/transitions", json={"trigger": "form_panel"})
    assert refused.status_code == 422
    (panel,) = refused.json["error"]["details"]
    assert panel["check"] == "panel" and panel["problems"][0]["check"] == "panel"


def test_the_draw_seed_is_shown_to_staff_only(api, make):
    case = applied_project(make, api)
    pool = experts(make, 7)
    r = case.s.put(case.url("/panel"), json={"draw": {"size": 5, "seed": "audit-seed"}})
    assert r.status_code == 200 and r.json["seed"] == "audit-seed", r.json
    assert case.s.get(case.url("/panel")).json["seed"] == "audit-seed"
    drawn = {m["expert_id"] for m in r.json["members"]}
    member = next(e for e in pool if e.id in drawn)
    seen = case.api.as_(member).get(case.url("/panel"))
    assert seen.status_code == 200, seen.json
    assert "seed" not in seen.json and [m["expert_id"] for m in seen.json["members"]] == [member.id]
    leader = case.api.as_(make.user(Role.leader)).get(case.url("/panel"))
    assert leader.status_code == 200 and "seed" not in leader.json
def test_a_seed_sent_as_a_json_integer_replays_the_panel_of_the_same_string(api, make):
    experts(make, 15, finance=5)
    first, second = applied_project(make, api), applied_project(make, api)

    a = first.s.put(first.url("/panel"), json={"draw": {"size": 5, "seed": 20261203}})
    b = second.s.put(second.url("/panel"), json={"draw": {"size": 5, "seed": "20261203"}})

    assert a.status_code == b.status_code == 200, (a.json, b.json)
    assert a.json["seed"] == b.json["seed"] == "20261203"
    assert member_ids(a) == member_ids(b)
    assert (
        db.session.get(Panel, db.session.scalar(db.select(Panel.id).where(Panel.project_id == first.pid))).seed
        == "20261203"
    )
    for bad in (True, 1.5, [], 10**21):
        r = first.s.put(first.url("/panel"), json={"draw": {"size": 5, "seed": bad}})
        assert r.status_code == 422 and r.json["error"]["details"][0]["field"].startswith("draw.seed"), (bad, r.json)


def test_an_expert_out_of_the_pool_is_never_drawn(api, make):
    from projectmgr.services import experts as pool_service

    pool = experts(make, 7, finance=3)
    staff = make.user(Role.staff)
    out = pool[0]
    pool_service.set_in_pool(staff, out, False, "on leave")
    db.session.commit()
    case = applied_project(make, api)
    for seed in ("a", "b", "c", "d", "e", "f"):
        r = case.s.put(case.url("/panel"), json={"draw": {"size": 5, "seed": seed}})
        assert r.status_code == 200, r.json
        assert out.id not in member_ids(r)
