"""The demo's application side (issue 14 item 8): a call in each phase, an objection in the notice,
last year's approved applications now running as projects, and a year of recommendations whose wins
the ledger counts."""

from datetime import date

from sqlalchemy import select

from projectmgr import demo
from projectmgr.extensions import db
from projectmgr.models import Application, ApplicationState, Objection, Outcome, Project, State, UpwardRecommendation
from projectmgr.services import ledger


def test_the_demo_walks_every_phase_of_the_application_side():
    today = date.today()
    assert demo.load(today)
    db.session.commit()
    states = {a.state for a in db.session.scalars(select(Application))}
    assert (
        set(ApplicationState) - {ApplicationState.reviewed, ApplicationState.rejected, ApplicationState.withdrawn}
        <= states
    )
    assert db.session.query(Objection).filter(Objection.resolved_at.is_(None)).count() == 1
    approved = db.session.scalars(select(Application).where(Application.state == ApplicationState.approved)).all()
    assert approved and all(db.session.get(Project, a.project_id).state == State.in_progress for a in approved)
    outcomes = {r.outcome for r in db.session.scalars(select(UpwardRecommendation))}
    assert outcomes == {Outcome.won, Outcome.not_won, None}
    assert ledger.METRICS["national_provincial_won"].compute(today.year, today) >= 3
