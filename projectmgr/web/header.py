"""The page header. Its menu is drawn once per language and per answer to the menu's permission
questions: it depends on nothing else (no data, no request but the script root). The whole header
is drawn once per data version for a signed-in session, language and page (page_header)."""

import time

from flask import current_app, render_template, request, session
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from .. import permissions
from ..summary_cache import cached
from . import bp

# The header's forms carry the session's CSRF token, signed when the header is drawn; Flask-WTF
# accepts a token for WTF_CSRF_TIME_LIMIT (an hour), so a drawn header is kept at most this long:
# a page shown at the end of a window still has three quarters of an hour to be submitted.
HEADER_SECONDS = 900

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


def header_window() -> int:
    """Which HEADER_SECONDS window of the clock this is: a drawn header is kept within one."""
    return int(time.time()) // HEADER_SECONDS


@bp.app_template_global()
def page_header() -> Markup:
    """The header: the menu, the language switch, notifications, who is signed in, sign-out. For a
    signed-in session that has its CSRF token it is the same until the next write (the name, the
    role and the unread count change only by writes) for this user, session, language and page,
    so it is kept per worker under the data version — never in Redis, for it holds the token."""
    token = session.get("csrf_token")
    if not current_user.is_authenticated or not token:
        return Markup(render_template("_header.html"))
    next_path = request.full_path if request.method == "GET" else "/"
    key = ("page_header", current_user.id, token, str(get_locale()), next_path, header_window())
    return cached(key, lambda: Markup(render_template("_header.html")), shared=False)
