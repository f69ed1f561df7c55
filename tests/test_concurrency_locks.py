"""Writers that check a project's state take the project row lock first (DESIGN §3): a report, an
expenditure, an extension decision, the flags or an evaluation's confirmation racing a transition
either goes first or is told (409 stale_version); it never lands on a state that has changed.
"Reports are frozen while the acceptance is examined" holds under concurrency.

Two kinds of race, each in two threads with their own sessions: `together` (both act at once,
PostgreSQL only: SQLite has no row locks) and `after` (the writer read the project, then the
transition committed, then the writer acts: the outcome is certain, on either database)."""

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from projectmgr.errors import Conflict, StaleVersion
from projectmgr.extensions import db
from projectmgr.models import (
    Category,
    DueItem,
    Evaluation,
    Expenditure,
    Flag,
    FundSource,
    Project,
    Report,
    ReportKind,
    Role,
    State,
    TransitionRecord,
    User,
)
from projectmgr.services import evaluation, funds, settings
from projectmgr.services.projects import set_flags
from projectmgr.services.transitions import transition
from projectmgr.unit_of_work import committing

TODAY = date.today()


def _postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


def _race(app, project_id: int, actions, mode: str) -> list:
    """actions: two callables (project, session objects) -> None, run in two threads. Each thread
    loads the project first; `together`: both then act at once; `after`: the second acts once the
    first has committed. Outcomes: "won", "stale" or "conflict" (or the exception)."""
    loaded = threading.Barrier(2, timeout=30)
    first_done = threading.Event()
    outcomes: list = [None, None]

    def run(i: int) -> None:
        with app.app_context():
            try:
                project = db.session.get(Project, project_id)
                project.version  # noqa: B018 - read before the other acts
                loaded.wait()
                if mode == "after" and i == 1:
                    assert first_done.wait(30)
                with committing():
                    actions[i](project)
                outcomes[i] = "won"
            except StaleVersion:
                outcomes[i] = "stale"
            except Conflict:
                outcomes[i] = "conflict"
            except BaseException as exc:  # reported by the test, not lost in the thread
                outcomes[i] = exc
            finally:
                first_done.set() if i == 0 else None
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads)
    db.session.expire_all()
    return outcomes


MODES = [
    pytest.param("after", id="after"),
    *[pytest.param("together", id=f"together-{n}") for n in range(4)],
]


@pytest.fixture
def mode(request, app):
    if request.param == "together":
        with app.app_context():
            if not _postgresql():
                pytest.skip("row locks: PostgreSQL")
    return request.param


def _user(user_id: int) -> User:
    return db.session.get(User, user_id)


def _running(make):
    staff, owner = make.user(Role.staff), make.user(Role.owner)
    project = make.project(owner=owner, staff=staff, start=TODAY - timedelta(days=200), end=TODAY + timedelta(days=200))
    transition(project, "start", staff, settings(), TODAY)
    db.session.commit()
    return project, staff.id, owner.id


def _acceptance_report(owner_id: int, project: Project, summary: str = "任务完成") -> None:
    funds.submit_report(_user(owner_id), project, ReportKind.acceptance, summary, [("sales", Decimal(100))], True)


# --- reports frozen while the acceptance is examined -----------------------------------------


@pytest.mark.parametrize("mode", MODES, indirect=True)
def test_a_report_racing_the_application_lands_before_it_or_not_at_all(app, make, mode):
    project, _, owner_id = _running(make)
    _acceptance_report(owner_id, project)
    db.session.commit()
    pid = project.id
    db.session.close()

    outcomes = _race(
        app,
        pid,
        [
            lambda p: transition(p, "apply_acceptance", _user(owner_id), settings(), TODAY),
            lambda p: _acceptance_report(owner_id, p, "补充材料"),
        ],
        mode,
    )

    assert outcomes[0] == "won", outcomes
    assert outcomes[1] in ("won", "stale"), outcomes
    assert db.session.get(Project, pid).state == State.acceptance_applied
    applied_at = db.session.scalar(
        select(TransitionRecord.at).where(
            TransitionRecord.project_id == pid, TransitionRecord.trigger == "apply_acceptance"
        )
    )
    reports = db.session.scalars(select(Report).where(Report.project_id == pid).order_by(Report.id)).all()
    # No report was submitted once the application was made.
    assert all(r.submitted_at <= applied_at for r in reports), [
        (r.summary, r.submitted_at, applied_at) for r in reports
    ]
    assert len(reports) == (2 if outcomes[1] == "won" else 1)
    if mode == "after":
        assert outcomes[1] == "stale" and len(reports) == 1


# --- an expenditure racing the termination ---------------------------------------------------


@pytest.mark.parametrize("mode", MODES, indirect=True)
def test_an_expenditure_racing_the_termination_lands_before_it_or_not_at_all(app, make, mode):
    project, staff_id, owner_id = _running(make)
    pid = project.id
    db.session.close()

    def spend(p):
        funds.record_expenditure(
            _user(owner_id), p, TODAY, Category.equipment, FundSource.special, Decimal("100.00"), None
        )

    outcomes = _race(
        app,
        pid,
        [lambda p: transition(p, "terminate", _user(staff_id), settings(), TODAY, {"comment": "终止"}), spend],
        mode,
    )

    assert outcomes[0] == "won" and outcomes[1] in ("won", "stale", "conflict"), outcomes
    assert db.session.get(Project, pid).state == State.terminated
    spent = db.session.scalars(select(Expenditure).where(Expenditure.project_id == pid)).all()
    assert len(spent) == (1 if outcomes[1] == "won" else 0)
    if mode == "after":
        assert outcomes[1] == "stale" and spent == []


# --- an extension decision racing the application ----------------------------------------------


@pytest.mark.parametrize("approve", [True, False])
@pytest.mark.parametrize("mode", MODES, indirect=True)
def test_an_extension_is_not_decided_once_the_project_has_applied(app, make, mode, approve):
    project, staff_id, owner_id = _running(make)
    _acceptance_report(owner_id, project)
    funds.request_extension(_user(owner_id), project, project.end_date + timedelta(days=90), "延迟", settings(), TODAY)
    db.session.commit()
    pid, end = project.id, project.end_date
    db.session.close()

    outcomes = _race(
        app,
        pid,
        [
            lambda p: transition(p, "apply_acceptance", _user(owner_id), settings(), TODAY),
            lambda p: funds.decide_extension(_user(staff_id), p, approve, settings(), TODAY),
        ],
        mode,
    )

    project = db.session.get(Project, pid)
    history = [
        r.trigger
        for r in db.session.scalars(
            select(TransitionRecord)
            .where(TransitionRecord.project_id == pid)
            .order_by(TransitionRecord.at, TransitionRecord.id)
        )
    ]
    decision = "approve_extension" if approve else "refuse_extension"
    if outcomes[0] == "stale":
        # The approval went first and moved the end date: the application read the old project.
        assert approve and outcomes[1] == "won" and mode == "together", outcomes
        assert project.state == State.in_progress and history == ["start", decision]
        assert project.end_date == end + timedelta(days=90)
        return
    assert outcomes[0] == "won" and outcomes[1] in ("won", "stale", "conflict"), outcomes
    assert project.state == State.acceptance_applied
    decided = outcomes[1] == "won"
    # Decided only before the application: its history row comes first.
    assert history == (["start", decision, "apply_acceptance"] if decided else ["start", "apply_acceptance"])
    assert project.end_date == (end + timedelta(days=90) if decided and approve else end)
    if mode == "after":
        assert not decided


# --- the flags racing a transition that opens a due item -------------------------------------


@pytest.mark.parametrize("mode", MODES, indirect=True)
def test_flags_and_a_new_due_item_agree_on_key_tracking(app, make, mode):
    project, staff_id, _ = _running(make)
    pid = project.id
    db.session.close()

    outcomes = _race(
        app,
        pid,
        [
            lambda p: transition(
                p, "open_survey", _user(staff_id), settings(), TODAY, {"due_date": TODAY + timedelta(days=30)}
            ),
            lambda p: set_flags(p, [Flag.major]),
        ],
        mode,
    )

    assert sorted(map(str, outcomes)) == ["stale", "won"], outcomes  # both change the project
    project = db.session.get(Project, pid)
    items = db.session.scalars(select(DueItem).where(DueItem.project_id == pid)).all()
    assert {i.key_tracking for i in items} == {project.key_tracking}
    assert project.key_tracking == (outcomes[1] == "won")
    if mode == "after":
        assert outcomes[1] == "stale"


# --- two confirmations of one evaluation -----------------------------------------------------


@pytest.mark.parametrize("mode", MODES, indirect=True)
def test_of_two_confirmations_of_a_concluded_project_one_evaluates_it(app, make, mode):
    project, staff_id, _ = _running(make)
    project.state, project.concluded_on = State.accepted, TODAY
    db.session.commit()
    [ev] = evaluation.run_evaluation(_user(staff_id), TODAY.year, TODAY, settings())
    db.session.commit()
    pid, ev_id = project.id, ev.id
    other_staff = make.user(Role.staff).id
    db.session.close()

    def confirm(user_id):
        return lambda p: evaluation.confirm(
            _user(user_id), db.session.get(Evaluation, ev_id), None, None, TODAY, settings()
        )

    outcomes = _race(app, pid, [confirm(staff_id), confirm(other_staff)], mode)

    assert sorted(map(str, outcomes)) == ["stale", "won"], outcomes
    assert db.session.get(Project, pid).state == State.evaluated
    evaluated = db.session.scalars(
        select(TransitionRecord.trigger).where(
            TransitionRecord.project_id == pid, TransitionRecord.trigger == "evaluate"
        )
    ).all()
    assert evaluated == ["evaluate"]
    if mode == "after":
        assert outcomes[1] == "stale"
