"""The command line: users, tokens, the demo and the lifecycle sweep (flask --app wsgi …)."""

from datetime import date

import pytest
from sqlalchemy import func, select

from projectmgr.demo import ACCOUNTS
from projectmgr.extensions import db
from projectmgr.models import Project, Role, State, TransitionRecord, User
from projectmgr.services import settings
from projectmgr.services.transitions import transition


def create(runner, *extra, username="alice", password="Secret-123x", role="staff"):
    args = ["users", "create", "--username", username, "--password", password, "--role", role, *extra]
    return runner.invoke(args=args)


def user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def test_users_create_stores_a_hashed_password(runner):
    result = create(runner, "--display-name", "王科长")
    assert result.exit_code == 0, result.output
    assert "created staff alice" in result.output
    db.session.rollback()  # what the command committed is there
    alice = user("alice")
    assert alice.role == Role.staff and alice.display_name == "王科长"
    assert alice.password_hash != "Secret-123x" and "Secret-123x" not in alice.password_hash
    assert alice.check_password("Secret-123x") and not alice.check_password("Secret-124x")


def test_users_create_owner_of_an_organization(runner, make):
    org = make.organization("清水源")
    result = create(runner, "--organization-id", str(org.id), username="owner", role="owner")
    assert result.exit_code == 0, result.output
    assert user("owner").organization_id == org.id


def test_users_create_refuses_a_taken_username(runner):
    assert create(runner).exit_code == 0
    result = create(runner, password="Another-123x", role="admin")
    assert result.exit_code != 0
    assert "alice is taken" in result.output
    db.session.rollback()
    assert db.session.scalar(select(func.count(User.id))) == 1
    assert user("alice").role == Role.staff


@pytest.mark.parametrize(
    "extra, kwargs, message",
    [
        ((), {"role": "superuser"}, "--role"),
        ((), {"password": "Sh0rt-pw"}, "password: At least 10 characters."),
        ((), {"role": "owner"}, "organization_id: A project owner belongs to an organization."),
        (("--organization-id", "999"), {"role": "owner"}, "organization_id: No such organization."),
    ],
    ids=["bad-role", "short-password", "owner-without-organization", "unknown-organization"],
)
def test_users_create_rejects_bad_input(runner, extra, kwargs, message):
    result = create(runner, *extra, **kwargs)
    assert result.exit_code != 0
    assert message in result.output
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_users_token_works_as_a_bearer_token(runner, client, make):
    make.user(Role.expert, username="expert1")
    result = runner.invoke(args=["users", "token", "--username", "expert1"])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    r = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.json
    assert r.json["username"] == "expert1" and r.json["role"] == "expert"
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}x"}).status_code == 401


def test_users_token_for_an_unknown_user(runner):
    result = runner.invoke(args=["users", "token", "--username", "nobody"])
    assert result.exit_code != 0
    assert "No user nobody." in result.output


def test_demo_load_once_then_already(runner):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "loaded" in result.output and "already" not in result.output
    db.session.rollback()  # committed by the command
    users = db.session.scalar(select(func.count(User.id)))
    assert users == len(ACCOUNTS)
    assert {p.state for p in db.session.scalars(select(Project))} == set(State)
    projects = db.session.scalar(select(func.count(Project.id)))

    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "already" in result.output
    assert db.session.scalar(select(func.count(User.id))) == users
    assert db.session.scalar(select(func.count(Project.id))) == projects


def test_demo_accounts_prints_every_account(runner):
    result = runner.invoke(args=["demo", "accounts"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    for a in ACCOUNTS:
        line = next(x for x in lines if x.split()[:1] == [a.username])
        assert "demo12345" in line and a.role.value in line
    assert {"admin", "staff", "leader", "owner", "expert1"} <= {x.split()[0] for x in lines if x.strip()}


@pytest.mark.parametrize("as_of", ["bad", "2026-13-01", "2026/10/01"])
def test_lifecycle_sweep_rejects_a_bad_date(runner, as_of):
    result = runner.invoke(args=["lifecycle", "sweep", "--as-of", as_of])
    assert result.exit_code == 2
    assert "--as-of" in result.output and "YYYY-MM-DD" in result.output


def test_lifecycle_sweep_expires_a_late_application_once(runner, make):
    staff = make.user(Role.staff)
    project = make.project(staff=staff, start=date(2024, 1, 1), end=date(2024, 6, 30))
    transition(project, "start", staff, settings(), date(2024, 1, 2))
    db.session.commit()
    pid, code = project.id, project.code

    # The application is due 2024-09-30: still on time that day, overdue the next.
    result = runner.invoke(args=["lifecycle", "sweep", "--as-of", "2024-09-30"])
    assert result.exit_code == 0, result.output
    assert "0 project(s) changed" in result.output
    result = runner.invoke(args=["lifecycle", "sweep", "--as-of", "2024-10-01"])
    assert result.exit_code == 0, result.output
    assert "1 project(s) changed" in result.output and f"{code}: in_progress -> failed" in result.output
    db.session.rollback()
    assert db.session.get(Project, pid).state == State.failed
    last = db.session.scalar(
        select(TransitionRecord).where(TransitionRecord.project_id == pid).order_by(TransitionRecord.id.desc())
    )
    assert last.trigger == "expire" and last.actor_id is None

    result = runner.invoke(args=["lifecycle", "sweep", "--as-of", "2024-10-02"])
    assert "0 project(s) changed" in result.output


def test_lifecycle_diagram_is_drawn_from_the_table(runner):
    result = runner.invoke(args=["lifecycle", "diagram"])
    assert result.exit_code == 0
    assert result.output.startswith("stateDiagram-v2\n")
    assert "    rectifying --> failed: expire" in result.output
