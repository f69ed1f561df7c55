"""The project row lock: every writer that checks a project's state takes it first."""

from flask_babel import gettext as _
from sqlalchemy import select

from ..errors import StaleVersion
from ..extensions import db
from ..models import Project


def lock_project(project: Project) -> None:
    """Take the project's row lock for the rest of the transaction (PostgreSQL: SELECT … FOR
    UPDATE), so that transitions, panel changes, scores, reports, expenditures, extensions, flags
    and evaluations on one project run one after the other: a conclusion never decides on scores
    or reports that change while it runs, and a report never lands while the acceptance is
    examined. The caller's copy must be current: if another transaction changed the project since
    this one read it, the other change wins and this one is told (409 stale_version)."""
    current = db.session.execute(select(Project.version).where(Project.id == project.id).with_for_update()).scalar_one()
    if current != project.version:
        raise StaleVersion(_("Someone else changed this project at the same time; reload and try again."))
