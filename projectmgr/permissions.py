"""Who may do what (DESIGN §11). Controllers only ask these questions."""

from sqlalchemy import select, true

from .extensions import db
from .models import Panel, PanelMember, Project, Role, User


def is_panel_member(user: User, project: Project) -> bool:
    return (
        db.session.scalar(
            select(PanelMember.id)
            .join(Panel, Panel.id == PanelMember.panel_id)
            .where(Panel.project_id == project.id, PanelMember.expert_id == user.id)
            .limit(1)
        )
        is not None
    )


def can_view_project(user: User, project: Project) -> bool:
    if user.can_read_all:
        return True
    if user.role == Role.owner:
        return project.organization_id == user.organization_id
    if user.role == Role.expert:
        return is_panel_member(user, project)
    return False


def is_project_owner(user: User, project: Project) -> bool:
    """Owners act for their organization's projects (DESIGN §11: 'own organization's')."""
    return user.role == Role.owner and project.organization_id == user.organization_id


def can_manage(user: User) -> bool:
    """Transitions marked staff, panels, ledger, evaluation, disbursements."""
    return user.is_staff


def can_see_dashboards(user: User) -> bool:
    return user.can_read_all


def visible_projects(user: User):
    """A WHERE clause limiting a project query to what the user may see."""
    if user.can_read_all:
        return true()
    if user.role == Role.owner:
        return Project.organization_id == user.organization_id
    if user.role == Role.expert:
        return Project.id.in_(
            select(Panel.project_id)
            .join(PanelMember, PanelMember.panel_id == Panel.id)
            .where(PanelMember.expert_id == user.id)
        )
    return Project.id.is_(None)
