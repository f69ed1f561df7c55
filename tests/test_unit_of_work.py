"""The one commit path (projectmgr/unit_of_work.py): one commit at the end, a rollback on any error,
and what the database refuses turned into the documented 409s; no other module commits."""

import ast
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, func, insert, select, update
from sqlalchemy.orm import Session

from projectmgr.errors import Conflict, StaleVersion, ValidationFailed
from projectmgr.extensions import db
from projectmgr.models import DueItem, ExtensionRequest, ExtensionStatus, Organization, OrgKind, Project, Role
from projectmgr.rules.credit_code import make_credit_code
from projectmgr.services import funds
from projectmgr.unit_of_work import committing

TODAY = date.today()
START, END = date(TODAY.year - 1, 1, 1), date(TODAY.year + 1, 6, 30)


def stored(model) -> int:
    """Rows of `model` as another connection sees them: what was committed, nothing else."""
    with db.engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(model))


def someone_else_changes(project_id: int) -> None:
    """Another request's committed change to the project, as a concurrent writer makes it."""
    with db.engine.begin() as conn:
        conn.execute(update(Project).where(Project.id == project_id).values(version=Project.version + 1))


def organization(n: int) -> Organization:
    return Organization(name=f"单位{n}", kind=OrgKind.enterprise, credit_code=make_credit_code(f"91410000{n:09d}"))


# --- the helper --------------------------------------------------------------------------------


def test_the_block_is_committed_once_it_ends():
    with committing():
        db.session.add(organization(1))
    assert stored(Organization) == 1


def test_as_a_decorator_the_function_is_the_transaction():
    @committing()
    def register():
        db.session.add(organization(2))

    register()
    assert stored(Organization) == 1


@pytest.mark.parametrize(
    "error", [RuntimeError("boom"), ValidationFailed.one("name", "bad")], ids=["any_error", "domain_error"]
)
def test_any_error_rolls_back_everything_and_is_raised_unchanged(error):
    with pytest.raises(type(error)) as raised, committing():
        db.session.add(organization(3))
        db.session.flush()  # written to the transaction already: the rollback must undo it
        raise error
    assert raised.value is error
    assert stored(Organization) == 0
    with committing():  # the session is usable again
        db.session.add(organization(4))
    assert stored(Organization) == 1


def test_a_row_changed_since_it_was_read_is_a_409_stale_version_and_nothing_is_written(make):
    project_id = make.project(title="原名").id
    project = db.session.get(Project, project_id)
    read_version = project.version  # this request has read the project ...
    someone_else_changes(project_id)  # ... and another one commits a change to it
    with pytest.raises(StaleVersion) as raised, committing():
        project.title = "新名"
        db.session.add(organization(5))
    assert (raised.value.status, raised.value.code) == (409, "stale_version")
    assert stored(Organization) == 1  # the project owner's organization only
    db.session.expire_all()
    assert (project.title, project.version) == ("原名", read_version + 1)


@pytest.mark.parametrize("flush", [True, False], ids=["at_a_flush", "at_the_commit"])
def test_a_unique_constraint_violation_is_a_409_conflict_and_nothing_is_written(flush):
    with committing():
        db.session.add(taken := organization(6))
    code = taken.credit_code
    with pytest.raises(Conflict) as raised, committing():
        db.session.add(organization(7))
        # What a concurrent registration of the same organization looks like to the database.
        db.session.add(Organization(name="同一单位", kind=OrgKind.enterprise, credit_code=code))
        if flush:
            db.session.flush()
    assert (raised.value.status, raised.value.code) == (409, "conflict")
    assert stored(Organization) == 1


# --- the API route and the pages ---------------------------------------------------------------


@pytest.fixture
def pending_extension(api, make, monkeypatch):
    """(project, staff): a running project with an extension request, whose decision is made on
    a project someone else changed after the request read it."""
    staff, owner = make.user(Role.staff), make.user(Role.owner)
    project = make.project(owner=owner, staff=staff, start=START, end=END)
    assert api.as_(staff).post(f"/projects/{project.id}/transitions", json={"trigger": "start"}).status_code == 200
    new_end = {"new_end_date": (END + timedelta(days=90)).isoformat(), "reason": "设备到货延迟"}
    assert api.as_(owner).post(f"/projects/{project.id}/extension", json=new_end).status_code == 201
    decide = funds.decide_extension

    def decide_after_a_concurrent_change(user, project, *args, **kwargs):
        someone_else_changes(project.id)
        return decide(user, project, *args, **kwargs)

    monkeypatch.setattr(funds, "decide_extension", decide_after_a_concurrent_change)
    return project, staff


def decision_unchanged(project_id: int) -> tuple:
    db.session.expire_all()
    project = db.session.get(Project, project_id)
    status = db.session.scalar(select(ExtensionRequest.status).where(ExtensionRequest.project_id == project_id))
    due = db.session.scalar(select(func.count()).select_from(DueItem).where(DueItem.project_id == project_id))
    return project.end_date, status, due


def test_an_api_write_on_a_changed_project_is_a_409_and_writes_nothing(api, pending_extension):
    project, staff = pending_extension
    before = decision_unchanged(project.id)
    assert before[:2] == (END, ExtensionStatus.pending)
    r = api.as_(staff).post(f"/projects/{project.id}/extension/decision", json={"approve": True})
    assert r.status_code == 409, r.json
    assert r.json["error"]["code"] == "stale_version"
    assert decision_unchanged(project.id) == before


def test_a_page_write_on_a_changed_project_says_so_and_writes_nothing(app, pending_extension):
    project, staff = pending_extension
    before = decision_unchanged(project.id)
    page = app.test_client()
    assert page.post("/login", data={"username": staff.username, "password": "password123"}).status_code == 302
    english = {"Accept-Language": "en"}
    r = page.post(f"/projects/{project.id}/extension/approve", headers=english, follow_redirects=True)
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert '<div class="flash error" role="alert">Someone else changed this project at the same time' in html
    assert decision_unchanged(project.id) == before


def signed_in(app, user):
    page = app.test_client()
    assert page.post("/login", data={"username": user.username, "password": "password123"}).status_code == 302
    return page


@pytest.fixture
def racing_organization():
    """Another request registers the same credit code between the page's check and its insert:
    the insert meets the unique constraint (IntegrityError) at the flush."""
    code = make_credit_code("91410000999999999")
    fired = []

    def insert_first(session, _context, _instances):
        if not fired and any(isinstance(o, Organization) for o in session.new):
            fired.append(True)
            with db.engine.begin() as conn:
                conn.execute(insert(Organization).values(name="抢先", kind=OrgKind.enterprise, credit_code=code))

    event.listen(Session, "before_flush", insert_first)
    yield code
    event.remove(Session, "before_flush", insert_first)
    assert fired


def test_a_page_write_that_meets_a_constraint_is_a_409_conflict_and_writes_nothing(app, make, racing_organization):
    page = signed_in(app, make.user(Role.staff))
    form = {"name": "中原特钢", "kind": "enterprise", "credit_code": racing_organization}
    r = page.post("/organizations/new", data=form, headers={"Accept-Language": "en"})
    assert r.status_code == 409
    assert '<div class="flash error" role="alert">This conflicts with a record saved at the same time' in r.get_data(
        as_text=True
    )
    with db.engine.connect() as conn:
        names = conn.scalars(select(Organization.name).where(Organization.credit_code == racing_organization)).all()
    assert names == ["抢先"]  # the other request's row, not ours


def test_a_transition_on_a_page_read_before_a_change_is_a_409(app, make):
    staff = make.user(Role.staff)
    project = make.project(staff=staff, start=START, end=END)
    version = project.version
    someone_else_changes(project.id)
    page = signed_in(app, staff)
    r = page.post(
        f"/projects/{project.id}/transition",
        data={"trigger": "start", "version": str(version)},
        headers={"Accept-Language": "en"},
    )
    assert r.status_code == 409
    # The transition takes the row lock and then finds the version it was sent is no longer current.
    assert '<div class="flash error" role="alert">Version' in r.get_data(as_text=True)
    assert "is not the current version" in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Project, project.id).state.value == "approved"


# --- nobody else commits -----------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent / "projectmgr"

# (module, function) → why it may commit by itself. A module is named without ".py" and also
# stands for a package of that name (services/reminders is being split into one).
ALLOWED = {
    ("unit_of_work", "committing"): "the one commit path",
    # The email outbox runs after the sweep's own commit, outside any request: it commits its claim
    # before it sends (so that no other sweep sends the same message) and the outcome after each
    # message (so that a later failure does not forget a sent one).
    ("services/reminders", "deliver_pending"): "the outbox claims its batch",
    ("services/reminders", "_deliver_one"): "the outbox: one transaction per message",
}


def allowed(module: str, function: str) -> bool:
    return any(function == name and (module == stem + ".py" or module.startswith(stem + "/")) for stem, name in ALLOWED)


class Commits(ast.NodeVisitor):
    """Every `….session.commit` / `session.commit`, called or passed along, with the function it is in."""

    def __init__(self):
        self.functions = ["<module>"]
        self.found: list[tuple[str, int]] = []

    def visit_FunctionDef(self, node):
        self.functions.append(node.name)
        self.generic_visit(node)
        self.functions.pop()

    def visit_Attribute(self, node):
        owner = node.value
        if node.attr == "commit" and (
            (isinstance(owner, ast.Attribute) and owner.attr == "session")
            or (isinstance(owner, ast.Name) and owner.id == "session")
        ):
            self.found.append((self.functions[-1], node.lineno))
        self.generic_visit(node)


def test_nothing_but_the_commit_path_commits():
    seen, stray = set(), []
    for path in sorted(ROOT.rglob("*.py")):
        module = path.relative_to(ROOT).as_posix()
        walk = Commits()
        walk.visit(ast.parse(path.read_text(encoding="utf-8")))
        for function, line in walk.found:
            seen.add((module, function))
            if not allowed(module, function):
                stray.append(f"projectmgr/{module}:{line} in {function}")
    assert not stray, "commit through projectmgr.unit_of_work.committing() instead: " + ", ".join(stray)
    assert ("unit_of_work.py", "committing") in seen  # the walk does see a commit where there is one


def test_the_commit_walk_covers_every_entry_point():
    """Pages, the API, the command line, the sweep and the services are all under the walk."""
    walked = {path.relative_to(ROOT).as_posix() for path in ROOT.rglob("*.py")}
    for entry in ("web/__init__.py", "web/pages.py", "api/core.py", "cli.py", "cli_year.py", "services/sweep.py"):
        assert entry in walked, entry
    assert any(m.startswith("services/") and m.count("/") > 1 for m in walked)  # packages below services too
