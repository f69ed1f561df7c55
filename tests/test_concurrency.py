"""Two people acting on the same project at once: exactly one wins, the other is told
(DESIGN §3). Over the API by the `version` a client sends; between real concurrent sessions by
the project's version column."""

import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from projectmgr.errors import StaleVersion
from projectmgr.extensions import db
from projectmgr.models import Project, Role, State, TransitionRecord, User
from projectmgr.services import settings
from projectmgr.services.transitions import transition

from .test_lifecycle import Flow, snapshot

# --- the version a client sends -------------------------------------------------------------


@pytest.mark.parametrize("offset", [-1, 1, 100])
def test_a_stale_version_is_refused_and_changes_nothing(api, make, offset):
    flow = Flow(api, make)
    version = flow.get()["version"]
    before = snapshot(flow.id)
    r = flow.fire(flow.staff, "start", version=version + offset)
    assert r.status_code == 409, r.json
    assert r.json["error"]["code"] == "stale_version"
    assert snapshot(flow.id) == before
    data = flow.ok(flow.staff, "start", version=version)
    assert data["version"] == version + 1


def test_the_second_of_two_people_who_read_the_same_version_is_told(api, make):
    flow = Flow(api, make)
    flow.ok(flow.staff, "start")
    seen = flow.get()["version"]  # both read this version
    colleague = api.as_(make.user(Role.staff))
    flow.ok(flow.staff, "open_survey", due_date=date.today().isoformat(), version=seen)
    before = snapshot(flow.id)
    r = flow.fire(colleague, "terminate", comment="重复立项", version=seen)
    assert r.status_code == 409, r.json
    assert r.json["error"]["code"] == "stale_version"
    assert snapshot(flow.id) == before
    assert [h["trigger"] for h in flow.history()] == ["start", "open_survey"]


def test_no_version_means_no_version_check(api, make):
    flow = Flow(api, make)
    assert flow.ok(flow.staff, "start")["version"] == 2


# --- a real race between two sessions -------------------------------------------------------

PAIRS = [
    ("start", "terminate"),
    ("start", "start"),
    ("terminate", "terminate"),
]
PARAMS = {"start": {}, "terminate": {"comment": "并发终止"}}


def _race(app, project_id: int, version: int, user_ids: tuple[int, int], triggers: tuple[str, str]) -> list:
    """Each thread loads the project in its own session, waits for the other, fires and commits."""
    barrier = threading.Barrier(2, timeout=30)
    outcomes: list = [None, None]

    def run(i: int) -> None:
        with app.app_context():
            try:
                project = db.session.get(Project, project_id)
                user = db.session.get(User, user_ids[i])
                assert project.version == version  # both read the same version
                barrier.wait()
                transition(project, triggers[i], user, settings(), date.today(), PARAMS[triggers[i]])
                db.session.commit()
                outcomes[i] = "won"
            except StaleVersion:
                db.session.rollback()
                outcomes[i] = "stale"
            except BaseException as exc:  # reported by the test, not lost in the thread
                db.session.rollback()
                outcomes[i] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads)
    return outcomes


@pytest.mark.parametrize("round_", range(5))
@pytest.mark.parametrize("triggers", PAIRS, ids="-".join)
def test_of_two_concurrent_transitions_exactly_one_wins(app, make, triggers, round_):
    staff = (make.user(Role.staff), make.user(Role.staff))
    project = make.project(staff=staff[0])
    project_id, version = project.id, project.version
    staff_ids = (staff[0].id, staff[1].id)
    db.session.close()  # the test's own session holds nothing while the threads run

    outcomes = _race(app, project_id, version, staff_ids, triggers)

    assert sorted(map(str, outcomes)) == ["stale", "won"], outcomes
    winner = outcomes.index("won")
    db.session.expire_all()
    project = db.session.get(Project, project_id)
    assert project.version == version + 1
    assert project.state == (State.in_progress if triggers[winner] == "start" else State.terminated)
    records = db.session.scalars(select(TransitionRecord).where(TransitionRecord.project_id == project_id)).all()
    assert [(r.trigger, r.actor_id) for r in records] == [(triggers[winner], staff_ids[winner])]
    assert db.session.scalar(select(func.count(TransitionRecord.id))) == 1
