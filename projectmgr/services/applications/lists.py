"""The application lists: what each role may see, filtered, newest first."""

from sqlalchemy import func, select

from ...extensions import db
from ...models import Application, ApplicationState, User
from ...permissions import visible_applications


def application_query(
    user: User, call_id: int | None = None, state: ApplicationState | None = None, organization_id: int | None = None
):
    """(query, count query) of the applications the user may see that match the filters."""
    conditions = [visible_applications(user)]
    if call_id is not None:
        conditions.append(Application.call_id == call_id)
    if state is not None:
        conditions.append(Application.state == state)
    if organization_id is not None:
        conditions.append(Application.organization_id == organization_id)
    query = select(Application).where(*conditions).order_by(Application.id.desc())
    count = select(func.count(Application.id)).where(*conditions)
    return query, count


def application_of_project(project_id: int) -> int | None:
    """The application a project was approved from (its page links back to it), if any."""
    return db.session.scalar(select(Application.id).where(Application.project_id == project_id))
