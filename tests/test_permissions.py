"""Who may do what over the API (DESIGN §11): owners see and act for their organization's projects,
experts see the projects whose panel they sit on, staff manage, leaders read, admins do what staff
do and manage every account. Refusals are 403 where the caller may know the object, 404 where it
may not, and write nothing."""

import pytest
from sqlalchemy import func, select

from projectmgr.extensions import db
from projectmgr.models import Level, Role
from projectmgr.rules.credit_code import make_credit_code
from tests.conftest import STRONG_PASSWORD
from tests.test_panels import applied_project, experts, formed_panel, score


def row_counts() -> dict[str, int]:
    """Rows per table, the security log aside: it records refusals in their own transaction
    (tests/test_security_log.py)."""
    return {
        t.name: db.session.scalar(select(func.count()).select_from(t))
        for t in db.metadata.sorted_tables
        if t.name != "security_event"
    }


def assert_error(r, status: int, code: str) -> None:
    assert r.status_code == status, (r.status_code, r.get_data(as_text=True))
    body = r.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}, body
    assert body["error"]["code"] == code, body
    assert isinstance(body["error"]["details"], list) and body["error"]["message"], body


def expect(r, status: int) -> None:
    """A success with this status, or the documented error for a refusal."""
    if status == 403:
        assert_error(r, 403, "forbidden")
    elif status == 404:
        assert_error(r, 404, "not_found")
    else:
        assert r.status_code == status, (r.status_code, r.get_data(as_text=True))


class World:
    """Two organizations; project `a` of organization A is applying for acceptance with a
    one-member panel (expert_in); `c` is A's second project, just approved; `b` is B's."""

    def __init__(self, make, api):
        self.org_a = make.organization("中原特钢")
        self.org_b = make.organization("清水源")
        self.users = {
            "owner": make.user(Role.owner, self.org_a),
            "owner_same_org": make.user(Role.owner, self.org_a),
            "owner_other_org": make.user(Role.owner, self.org_b),
            "expert_in": make.user(Role.expert, fields=["装备制造"]),
            "expert_out": make.user(Role.expert, fields=["装备制造"]),
            "staff": make.user(Role.staff),
            "leader": make.user(Role.leader),
            "admin": make.user(Role.admin),
        }
        u = self.users
        plan = make.plan(Level.municipal, panel_min_size=1, panel_min_finance=0)
        self.a = make.project(plan=plan, owner=u["owner"], staff=u["staff"], code="A-1")
        self.b = make.project(plan=plan, owner=u["owner_other_org"], staff=u["staff"], code="B-1")
        self.c = make.project(plan=plan, owner=u["owner"], staff=u["staff"], code="A-2")
        self.clients = {name: api.as_(user) for name, user in u.items()}
        s, o = self.clients["staff"], self.clients["owner"]
        pid = self.a.id
        assert s.post(f"/projects/{pid}/transitions", json={"trigger": "start"}).status_code == 200
        r = o.post(
            f"/projects/{pid}/reports",
            json={"kind": "acceptance", "summary": "完成", "indicators": [{"key": "sales", "achieved": "100"}]},
        )
        assert r.status_code == 201, r.json
        r = o.post(f"/projects/{pid}/transitions", json={"trigger": "apply_acceptance"})
        assert r.json["state"] == "acceptance_applied", r.json
        r = s.put(f"/projects/{pid}/panel", json={"expert_ids": [u["expert_in"].id]})
        assert r.status_code == 200, r.json

    def as_(self, role: str):
        return self.clients[role]


@pytest.fixture
def world(make, api):
    return World(make, api)


ALL_ROLES = ["owner", "owner_same_org", "owner_other_org", "expert_in", "expert_out", "staff", "leader", "admin"]


# --- seeing projects ------------------------------------------------------------------------

VISIBLE = {
    "owner": {"A-1", "A-2"},
    "owner_same_org": {"A-1", "A-2"},
    "owner_other_org": {"B-1"},
    "expert_in": {"A-1"},
    "expert_out": set(),
    "staff": {"A-1", "A-2", "B-1"},
    "leader": {"A-1", "A-2", "B-1"},
    "admin": {"A-1", "A-2", "B-1"},
}


@pytest.mark.parametrize("role", ALL_ROLES)
def test_project_list_shows_only_what_the_role_may_see(world, role):
    r = world.as_(role).get("/projects")
    assert r.status_code == 200, r.json
    assert {p["code"] for p in r.json["items"]} == VISIBLE[role]
    assert r.json["total"] == len(VISIBLE[role])


@pytest.mark.parametrize("role", ["owner", "owner_other_org", "expert_in", "expert_out"])
def test_a_filter_cannot_widen_what_the_role_sees(world, role):
    for org in (world.org_a, world.org_b):
        r = world.as_(role).get(f"/projects?organization_id={org.id}&per_page=200")
        assert r.status_code == 200, r.json
        seen = {p["code"] for p in r.json["items"]}
        assert seen <= VISIBLE[role], seen
    r = world.as_(role).get("/projects?q=-1")
    assert {p["code"] for p in r.json["items"]} <= VISIBLE[role]


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("code", ["A-1", "A-2", "B-1"])
@pytest.mark.parametrize("suffix", ["", "/history"])
def test_reading_a_project_is_404_unless_the_role_may_see_it(world, role, code, suffix):
    project = {"A-1": world.a, "A-2": world.c, "B-1": world.b}[code]
    r = world.as_(role).get(f"/projects/{project.id}{suffix}")
    expect(r, 200 if code in VISIBLE[role] else 404)
    if r.status_code == 200 and not suffix:
        assert r.json["code"] == code


def test_experts_review_list_holds_only_their_panels(world):
    assert [p["code"] for p in world.as_("expert_in").get("/reviews").json["items"]] == ["A-1"]
    assert world.as_("expert_out").get("/reviews").json["items"] == []
    assert_error(world.as_("owner").get("/reviews"), 403, "forbidden")


# --- funds, reports, extension --------------------------------------------------------------

FUND_BODIES = {
    "disbursements": {"date": "2026-02-01", "amount": "1000"},
    "self-raised": {"date": "2026-02-01", "amount": "1000", "note": "到位"},
    "expenditures": {"date": "2026-02-01", "category": "equipment", "source": "special", "amount": "1000"},
    "reports": {"kind": "acceptance", "summary": "补充材料", "indicators": [], "separate_account": True},
}
# A role the route does not admit is refused before the project is looked up: 403 whichever
# project it names, so the refusal tells nothing about the project's existence.
STAFF_ONLY = {
    "owner": 403,
    "owner_same_org": 403,
    "owner_other_org": 403,
    "expert_in": 403,
    "expert_out": 403,
    "staff": 201,
    "leader": 403,
    "admin": 201,
}
OWNER_ONLY = {
    "owner": 201,
    "owner_same_org": 201,  # an owner acts for the organization's projects
    "owner_other_org": 404,
    "expert_in": 403,
    "expert_out": 403,
    "staff": 403,
    "leader": 403,
    "admin": 403,
}
FUND_MATRIX = [("disbursements", role, STAFF_ONLY[role]) for role in ALL_ROLES] + [
    (what, role, OWNER_ONLY[role]) for what in ("self-raised", "expenditures", "reports") for role in ALL_ROLES
]


@pytest.mark.parametrize(("what", "role", "status"), FUND_MATRIX)
def test_funds_and_reports_by_role(world, what, role, status):
    client = world.as_(role)
    project = world.a
    if what == "reports":
        # Reports are frozen while A-1 is examined: an acceptance report goes to the running A-2.
        project = world.c
        r = world.as_("staff").post(f"/projects/{project.id}/transitions", json={"trigger": "start"})
        assert r.status_code == 200, r.json
    before = row_counts()
    r = client.post(f"/projects/{project.id}/{what}", json=FUND_BODIES[what])
    expect(r, status)
    db.session.rollback()
    after = row_counts()
    table = {"disbursements": "disbursement", "self-raised": "self_raised_arrival", "expenditures": "expenditure"}
    table = table.get(what, "report")
    if status == 201:
        assert after[table] == before[table] + 1
    else:
        assert after == before


@pytest.mark.parametrize("role", ALL_ROLES)
def test_extension_request_is_the_owners(world, role):
    status = OWNER_ONLY[role]
    before = row_counts()
    r = world.as_(role).post(f"/projects/{world.c.id}/extension", json={"new_end_date": "2027-06-30", "reason": "延期"})
    expect(r, status)
    db.session.rollback()
    if status == 201:
        assert row_counts()["extension_request"] == before["extension_request"] + 1
    else:
        assert row_counts() == before


@pytest.mark.parametrize(
    ("role", "status"),
    [("owner", 403), ("owner_other_org", 403), ("expert_out", 403), ("leader", 403), ("staff", 200), ("admin", 200)],
)
def test_extension_decision_is_the_staffs(world, role, status):
    r = world.as_("owner").post(
        f"/projects/{world.c.id}/extension", json={"new_end_date": "2027-06-30", "reason": "延期"}
    )
    assert r.status_code == 201, r.json
    r = world.as_(role).post(f"/projects/{world.c.id}/extension/decision", json={"approve": True})
    expect(r, status)
    db.session.refresh(world.c)
    assert str(world.c.end_date) == ("2027-06-30" if status == 200 else "2026-12-31")


# --- transitions, panels, scores ------------------------------------------------------------

STAFF_TRIGGER = {
    "owner": 403,
    "owner_same_org": 403,
    "owner_other_org": 404,
    "expert_in": 404,  # A-2 has no panel
    "expert_out": 404,
    "staff": 200,
    "leader": 403,
    "admin": 200,
}


@pytest.mark.parametrize("role", ALL_ROLES)
def test_staff_triggers_are_for_staff_and_admin(world, role):
    status = STAFF_TRIGGER[role]
    before = row_counts()
    r = world.as_(role).post(f"/projects/{world.c.id}/transitions", json={"trigger": "start"})
    expect(r, status)
    db.session.rollback()
    db.session.refresh(world.c)
    if status == 200:
        assert world.c.state.value == "in_progress"
    else:
        assert world.c.state.value == "approved" and row_counts() == before


@pytest.mark.parametrize(
    ("role", "status"), [("staff", 403), ("admin", 403), ("leader", 403), ("expert_in", 403), ("owner_same_org", 200)]
)
def test_owner_triggers_are_for_the_organizations_owners(world, role, status):
    """apply_acceptance on A-2 needs an acceptance report first; the owner writes it."""
    pid = world.c.id
    assert world.as_("staff").post(f"/projects/{pid}/transitions", json={"trigger": "start"}).status_code == 200
    r = world.as_("owner").post(f"/projects/{pid}/reports", json=FUND_BODIES["reports"])
    assert r.status_code == 201, r.json
    if role == "expert_in":
        expect(world.as_(role).post(f"/projects/{pid}/transitions", json={"trigger": "apply_acceptance"}), 404)
        return
    r = world.as_(role).post(f"/projects/{pid}/transitions", json={"trigger": "apply_acceptance"})
    expect(r, status)
    db.session.refresh(world.c)
    assert world.c.state.value == ("acceptance_applied" if status == 200 else "in_progress")


@pytest.mark.parametrize(
    ("role", "status"),
    [("owner", 403), ("expert_in", 403), ("expert_out", 403), ("leader", 403), ("staff", 200), ("admin", 200)],
)
def test_panels_are_formed_by_staff(world, role, status):
    r = world.as_(role).put(f"/projects/{world.a.id}/panel", json={"expert_ids": [world.users["expert_in"].id]})
    expect(r, status)


@pytest.mark.parametrize(("role", "status"), [("staff", 403), ("admin", 403), ("owner", 403), ("expert_out", 404)])
def test_only_panel_members_score(world, role, status):
    before = row_counts()
    r = world.as_(role).put(
        f"/projects/{world.a.id}/scores/me", json={"scores": {"task_content": 10}, "recommendation": "pass"}
    )
    expect(r, status)
    db.session.rollback()
    assert row_counts() == before


# --- registry: projects, organizations, plans, users ----------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [("staff", 201), ("admin", 201), ("leader", 403), ("owner", 403), ("expert_in", 403)],
)
def test_registering_a_project_is_staff_work(world, role, status):
    owner = world.users["owner"]
    body = {
        "code": "A-3",
        "title": "新项目",
        "plan_id": world.a.plan_id,
        "organization_id": owner.organization_id,
        "owner_id": owner.id,
        "start_date": "2026-01-01",
        "end_date": "2026-12-31",
        "special_funds": "10",
        "self_raised_committed": "10",
        "budget": [{"category": "equipment", "special": "10", "self_raised": "10"}],
        "indicators": [{"key": "sales", "name": "销售收入", "unit": "万元", "target": "100"}],
    }
    before = row_counts()
    r = world.as_(role).post("/projects", json=body)
    expect(r, status)
    db.session.rollback()
    assert row_counts()["project"] == before["project"] + (1 if status == 201 else 0)


@pytest.mark.parametrize(
    ("role", "status"),
    [("staff", 201), ("admin", 201), ("leader", 403), ("owner", 403), ("expert_in", 403)],
)
def test_registering_organizations_and_plans_is_staff_work(world, role, status):
    code = make_credit_code("91410500MA00000" + str(ALL_ROLES.index(role)).zfill(2))
    r = world.as_(role).post("/organizations", json={"name": "联创化工", "kind": "enterprise", "credit_code": code})
    expect(r, status)
    r = world.as_(role).post("/plans", json={"name": "2027 市级", "level": "municipal", "year": 2027})
    expect(r, status)


USER_MATRIX = [
    ("staff", "owner", 201),
    ("staff", "expert", 201),
    ("staff", "staff", 403),
    ("staff", "admin", 403),
    ("staff", "leader", 403),
    ("admin", "owner", 201),
    ("admin", "expert", 201),
    ("admin", "staff", 201),
    ("admin", "admin", 201),
    ("admin", "leader", 201),
    ("leader", "owner", 403),
    ("owner", "owner", 403),
    ("expert_in", "expert", 403),
]


@pytest.mark.parametrize(("creator", "role", "status"), USER_MATRIX)
def test_who_creates_which_accounts(world, creator, role, status):
    data = {"username": f"new_{role}", "password": STRONG_PASSWORD, "role": role, "display_name": "新用户"}
    if role == "owner":
        data["organization_id"] = world.org_a.id
    before = row_counts()
    r = world.as_(creator).post("/users", json=data)
    expect(r, status)
    db.session.rollback()
    assert row_counts()["user"] == before["user"] + (1 if status == 201 else 0)
    if status == 201:
        assert (r.json["username"], r.json["role"]) == (f"new_{role}", role)


# --- the overdue radar and the sweep --------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [("staff", 200), ("leader", 200), ("admin", 200), ("owner", 403), ("expert_in", 403), ("expert_out", 403)],
)
def test_overdue_radar_is_for_staff_leaders_and_admins(world, role, status):
    r = world.as_(role).get("/overdue?as_of=2027-06-01")
    expect(r, status)
    if status == 200:
        assert {i["code"] for i in r.json["items"]} >= {"B-1", "A-2"}


@pytest.mark.parametrize(
    ("role", "status"),
    [("staff", 200), ("admin", 200), ("leader", 403), ("owner", 403), ("expert_in", 403)],
)
def test_sweep_is_for_staff_and_admins(world, role, status):
    """A-2 runs past its acceptance deadline (2027-03-31): a sweep run by staff fails it; a refused one does not."""
    pid = world.c.id
    assert world.as_("staff").post(f"/projects/{pid}/transitions", json={"trigger": "start"}).status_code == 200
    r = world.as_(role).post("/sweep?as_of=2027-06-01")
    expect(r, status)
    db.session.refresh(world.c)
    assert world.c.state.value == ("failed" if status == 200 else "in_progress")


# --- blind scoring over the API (permissions.can_see_others_scores) ----------------------------


def test_blind_scoring_over_the_api_per_role(make, api):
    """Before the conclusion only staff see what other members scored (sheets, the integrity
    count); afterwards leaders see the named sheets too, owners and experts only the aggregate."""
    case = applied_project(make, api)
    members = experts(make, 5)
    formed_panel(case, members)
    for n, member in enumerate(members):
        assert score(case, member, 80 + n, integrity_concern=n == 0, comment=f"意见{n}").status_code == 200
    others = {
        "staff": case.s,
        "admin": api.as_(make.user(Role.admin)),
        "leader": api.as_(make.user(Role.leader)),
        "owner": case.o,
        "member": api.as_(members[1]),
    }

    def seen(client) -> tuple[set, bool]:
        scores = client.get(case.url("/scores")).json
        detail = client.get(case.url("")).json
        flags_shown = any(c["key"] == "integrity" for c in detail["binding_checks"])
        return {m["expert_id"] for m in scores.get("members") or []}, flags_shown

    everyone = {m.id for m in members}
    before = {role: seen(c) for role, c in others.items()}
    assert before == {
        "staff": (everyone, True),
        "admin": (everyone, True),
        "leader": (set(), False),
        "owner": (set(), False),
        "member": ({members[1].id}, False),
    }
    r = case.fire("conclude")
    assert r.status_code == 200, r.json
    after = {role: seen(c) for role, c in others.items()}
    assert after == {
        "staff": (everyone, True),
        "admin": (everyone, True),
        "leader": (everyone, True),
        "owner": (set(), True),
        "member": ({members[1].id}, True),
    }
    # The history's per-member totals of the conclusion: staff's, not the leader's or the owner's.
    for role, shown in [("staff", True), ("admin", True), ("leader", False), ("owner", False)]:
        rows = others[role].get(case.url("/history")).json["items"]
        concluded = [h for h in rows if h["trigger"] == "conclude"]
        assert concluded and ("totals" in (concluded[0]["details"] or {})) is shown, role
