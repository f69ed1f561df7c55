"""What the project page shows beside the project itself: panel, scores, attachments."""

from flask_login import current_user

from ..errors import DomainError
from ..models import Level, Project, Role, State
from ..services import documents, panels


def project_extras(project: Project) -> dict:
    extras: dict = {
        "panel": None,
        "scores": None,
        "can_score": False,
        "documents": documents.available(current_user, project),
    }
    if project.plan.level == Level.municipal:
        panel = panels.panel_for_round(project) or panels.current_panel(project.id)
        extras["panel"] = panel
        if panel is not None and current_user.role != Role.owner:
            try:
                extras["scores"] = panels.scores_view(current_user, project)
            except DomainError:
                extras["scores"] = None
        if panel is not None and current_user.role == Role.owner and panel.concluded:
            extras["scores"] = panels.scores_view(current_user, project)
        extras["can_score"] = (
            current_user.role == Role.expert
            and project.state == State.under_review
            and panel is not None
            and any(m.expert_id == current_user.id and m.conflict_declared_at is None for m in panel.members)
        )
    return extras
