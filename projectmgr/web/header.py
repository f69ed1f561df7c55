"""The header's menu, drawn once per language and per answer to the menu's permission questions:
every page shows it, and it depends on nothing else (no data, no request but the script root)."""

from flask import current_app, render_template, request
from flask_babel import get_locale
from markupsafe import Markup

from .. import permissions
from . import bp

# The questions templates/_nav.html asks; its HTML is a function of their answers.
NAV_PREDICATES = tuple(
    getattr(permissions, name)
    for name in (
        "can_read_overdue",
        "can_list_projects",
        "can_register_project",
        "can_manage_calls",
        "can_apply",
        "can_read_public_notice",
        "can_recommend",
        "can_view_accounts",
        "can_read_expert_pool",
        "can_read_audit_log",
        "can_review",
    )
)


@bp.app_template_global()
def header_nav(user) -> Markup:
    if not user.is_authenticated:
        return Markup("")
    key = (str(get_locale()), request.script_root, tuple(bool(ask(user)) for ask in NAV_PREDICATES))
    drawn = current_app.extensions.setdefault("projectmgr.header_nav", {})
    if key not in drawn:
        drawn[key] = Markup(render_template("_nav.html"))
    return drawn[key]
