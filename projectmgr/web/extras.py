"""What the project page shows beside the project itself: panel, scores, attachments."""

from flask_login import current_user

from ..errors import DomainError
from ..lifecycle import INDICATORS_ADJUSTABLE, SCORING
from ..models import Level, Project
from ..permissions import can_score, can_see_others_scores, can_see_panel
from ..services import documents, panels
from ..services.applications.upward import recommendation_of_project


def project_extras(project: Project) -> dict:
    extras: dict = {
        "panel": None,
        "scores": None,
        "can_score": False,
        "documents": documents.available(current_user, project),
        "indicators_adjustable": project.state in INDICATORS_ADJUSTABLE,
        # The won recommendation upward that registered it (its line links back for the bureau).
        "recommendation": recommendation_of_project(project.id),
    }
    if project.plan.level == Level.municipal:
        panel = panels.panel_for_round(project) or panels.current_panel(project.id)
        extras["panel"] = panel
        if panel is not None and (
            can_see_panel(current_user, project) or can_see_others_scores(current_user, panel.concluded)
        ):
            try:
                extras["scores"] = panels.scores_view(current_user, project)
            except DomainError:
                extras["scores"] = None
        member = next((m for m in panel.members if m.expert_id == current_user.id), None) if panel else None
        extras["can_score"] = project.state in SCORING and can_score(current_user, member)
    return extras
