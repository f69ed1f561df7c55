"""Acceptance panels, the scoresheet and scores (municipal projects)."""

from datetime import date

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..errors import NotFound, ValidationFailed
from ..permissions import EXPERTS, STAFF, can_see_draw_seed, can_see_panel, can_see_panel_members, require
from ..rules.scoring import DEFAULT_SCORESHEET
from ..services import panels, settings
from ..services.applications import review as application_review
from ..services.project_view import day, project_summary
from ..services.projects import find_project
from . import schemas
from .core import paginate, tagged_route
from .serialize import conflict_json, panel_members_json, score_json

route = tagged_route("acceptance")


def _panel_json(panel, show_seed: bool) -> dict:
    data = {
        "round": panel.round,
        "year": panel.year,
        "formed_on": day(panel.formed_on),
        "scoring_due": day(panel.scoring_due),
        "concluded": panel.concluded,
        "draw_fields": panel.draw_fields,
        "members": panel_members_json(panel),
    }
    if panel.seed is not None and show_seed:
        data["seed"] = panel.seed
    return data


def _criteria(sheet) -> list[dict]:
    return [
        {
            "key": c.key,
            "name": c.name_zh,
            "name_en": c.name_en,
            "max": int(c.max) if c.max == int(c.max) else str(c.max),
        }
        for c in sheet
    ]


@route("/scoresheet", query={"kind": "acceptance|approval"})
def get_scoresheet(user):
    """The default acceptance scoresheet, or with kind=approval the approval-review sheet (100 points)"""
    kind = request.args.get("kind") or "acceptance"
    if kind not in ("acceptance", "approval"):
        raise ValidationFailed.one("kind", _("One of %(values)s.", values="acceptance, approval"))
    sheet = application_review.scoresheet() if kind == "approval" else DEFAULT_SCORESHEET
    return {"kind": kind, "criteria": _criteria(sheet)}


@route("/projects/<int:project_id>/panel", "PUT", roles=STAFF.refusing(_l("Only bureau staff form panels.")))
def put_panel(user, project_id: int, data: schemas.PanelIn):
    """Choose or draw the acceptance panel; replaces members who declared a conflict during the review"""
    project = find_project(user, project_id)
    result = panels.set_panel(user, project, settings(), date.today(), **data.choice())
    return _panel_json(result.panel, can_see_draw_seed(user))


@route("/projects/<int:project_id>/panel", roles="staff, leader, admin, panel members")
def get_panel(user, project_id: int):
    """The current acceptance panel"""
    project = find_project(user, project_id)
    require(can_see_panel(user, project), _("The panel's members are not shown to the owner."))
    panel = panels.panel_for_round(project) or panels.current_panel(project.id)
    if panel is None:
        raise NotFound(_("This project has no panel yet."))
    data = _panel_json(panel, can_see_draw_seed(user))
    if not can_see_panel_members(user, project):  # a member sees their own seat, not who else sits
        data["members"] = [m for m in data["members"] if m["expert_id"] == user.id]
    data["scoresheet"] = _criteria(panels.scoresheet(project))
    return data


@route("/projects/<int:project_id>/panel/conflict", "POST", roles="panel members")
def post_conflict(user, project_id: int, data: schemas.ConflictIn):
    """A panel member declares a conflict of interest (回避)"""
    project = find_project(user, project_id)
    return conflict_json(panels.declare_conflict(user, project, data.reason))


@route(
    "/projects/<int:project_id>/scores/me",
    "PUT",
    roles=EXPERTS.refusing(_l("Only panel members score.")).noting("panel members"),
)
def put_my_scores(user, project_id: int, data: schemas.ScoresIn):
    """Submit or edit my scores (until the conclusion)"""
    project = find_project(user, project_id)
    score = panels.submit_score(user, project, data.scores, data.recommendation, data.integrity_concern, data.comment)
    return score_json(score)


@route("/projects/<int:project_id>/scores")
def get_scores(user, project_id: int):
    """Scores, blind per role (staff: all; member: own until the conclusion; owner: aggregate after it)"""
    return panels.scores_view(user, find_project(user, project_id))


@route("/reviews", roles=EXPERTS, query={"page": "", "per_page": ""})
def get_reviews(user):
    """The projects whose panel I sit on"""

    def item(row) -> dict:
        project, panel, member = row
        data = project_summary(project)
        data.update(
            round=panel.round,
            formed_on=day(panel.formed_on),
            scoring_due=day(panel.scoring_due),
            concluded=panel.concluded,
            scored=member.score is not None,
            conflict_declared=member.conflict_declared_at is not None,
        )
        return data

    return paginate(panels.review_query(user), item)
