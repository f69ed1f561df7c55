"""Pages of the project list, fast at any size and depth (issue 11).

The list's order (key-tracking first, newest next) is the index ix_project_tracking_order, so a
page is a keyset range of it: rows whose (key_tracking, id) is at or after the page's first key.
A page number is turned into that key once per data version, from the index alone; the exact
total is counted once per data version (projectmgr.summary_cache). Both are keyed on the user's
scope (what visible_projects lets them see) and the filters."""

from dataclasses import astuple, dataclass

from sqlalchemy import func, tuple_

from ..extensions import db
from ..models import Project, User
from ..summary_cache import cached
from .projects import ProjectFilters, project_query

Key = tuple[bool, int]  # (key_tracking, id): a position in the list's order


def scope_of(user: User) -> tuple:
    """What decides which projects the user sees (permissions.visible_projects)."""
    if user.can_read_all:
        return ("all",)
    return (user.role.value, user.id, user.organization_id)


def filters_key(filters: ProjectFilters) -> tuple:
    return tuple(getattr(v, "value", v) for v in astuple(filters))


def project_total(user: User, filters: ProjectFilters) -> int:
    """The exact number of visible projects matching the filters."""

    def count() -> int:
        query = project_query(user, filters).with_only_columns(func.count(Project.id)).order_by(None)
        return db.session.scalar(query)

    return cached(("project_total", scope_of(user), filters_key(filters)), count)


def page_start(user: User, filters: ProjectFilters, page: int, per_page: int) -> Key | None:
    """The key of the first row of `page` (None for the first page; (False, 0) past the end)."""
    if page <= 1:
        return None

    def find() -> Key:
        query = (
            project_query(user, filters)
            .with_only_columns(Project.key_tracking, Project.id)
            .limit(1)
            .offset((page - 1) * per_page)
        )
        row = db.session.execute(query).first()
        return (bool(row[0]), row[1]) if row else (False, 0)

    return cached(("project_page_start", scope_of(user), filters_key(filters), page, per_page), find)


@dataclass
class ProjectPage:
    projects: list[Project]
    next_key: Key | None  # where the next page starts, None on the last page


def project_rows(user: User, filters: ProjectFilters, per_page: int, start: Key | None) -> ProjectPage:
    """per_page projects from `start` on (in the list's order), and where the next page starts."""
    query = project_query(user, filters)
    if start is not None:
        query = query.where(tuple_(Project.key_tracking, Project.id) <= tuple_(*start))
    rows = list(db.session.scalars(query.limit(per_page + 1)).unique())
    nxt = rows[per_page] if len(rows) > per_page else None
    return ProjectPage(rows[:per_page], (bool(nxt.key_tracking), nxt.id) if nxt else None)
