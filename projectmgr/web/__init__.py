"""The HTML pages: the same services as the API, one commit per request, errors beside the fields."""

from decimal import ROUND_HALF_UP, Decimal
from functools import wraps
from urllib.parse import urlsplit

from flask import Blueprint, flash, g, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import permissions
from ..audit.log import record_refusal
from ..errors import DomainError, Forbidden, NotFound
from ..permissions import require
from ..unit_of_work import committing

bp = Blueprint("web", __name__)


def allowed(predicate):
    """A page for the users `predicate(user)` admits (a `can_<action>` of permissions.py); others
    get 403."""

    def decorate(view):
        @login_required
        @wraps(view)
        def wrapped(*args, **kwargs):
            require(predicate(current_user), _("You may not open this page."))
            return view(*args, **kwargs)

        return wrapped

    return decorate


@bp.errorhandler(Forbidden)
def forbidden(exc):
    """A refused page, recorded in the security log in its own transaction (issue 13 item 7)."""
    actor = current_user if current_user and current_user.is_authenticated else None
    record_refusal("forbidden", actor=actor, target=f"{request.method} {request.path}")
    return render_template("errors/403.html"), 403


@bp.errorhandler(NotFound)
def not_found(exc):
    """A page's lookup found nothing the user may see."""
    return render_template("errors/404.html"), 404


@bp.app_context_processor
def permission_predicates() -> dict:
    """Templates ask the same `can_<action>(user, obj)` questions as the pages and the API."""
    return PREDICATES


PREDICATES = {name: getattr(permissions, name) for name in dir(permissions) if name.startswith("can_")}


def apply(form, action) -> bool:
    """Run a service call for a submitted form through `committing()`; on a domain error (a write
    that lost a race included: 409) put each field's message beside the field (or flash it) and
    return False. Nothing is saved on any error."""
    try:
        with committing():
            action()
        return True
    except (NotFound, Forbidden):
        raise  # the blueprint's 404 and 403 pages
    except DomainError as exc:
        g.refusal_status = exc.status
        show_error(exc, form)
        return False


def failed_status() -> int:
    """The status of a page shown again after a failed form: 409 when the write lost a race or
    conflicts with the project's state (stale_version, conflict, invalid_transition), else 422."""
    return 409 if g.get("refusal_status") == 409 else 422


def show_error(exc: DomainError, form=None) -> None:
    if not exc.details:
        flash(exc.message, "error")
        return
    for detail in exc.details:
        name = (detail.get("field") or "").split(".")[0].split("[")[0]
        field = getattr(form, name, None) if form is not None and name else None
        if field is not None and hasattr(field, "errors"):
            if not isinstance(field.errors, list):
                field.errors = list(field.errors)
            field.errors.append(detail["message"])
        else:
            flash(detail["message"], "error")
    if form is None or not any(
        getattr(form, (d.get("field") or "").split(".")[0].split("[")[0], None) for d in exc.details
    ):
        flash(exc.message, "error")


def saved() -> None:
    flash(_("Saved."), "success")


def next_url(default: str) -> str:
    """Where to go after a form: only a path on this site. Browsers drop tabs and newlines and read
    a backslash as a slash, so "/\\t/evil.example" would become "//evil.example": refuse those too."""
    target = request.form.get("next") or request.args.get("next") or ""
    if not target.startswith("/") or any(c in target for c in "\\\t\r\n") or not target.isprintable():
        return default
    if target.startswith("//") or urlsplit(target).netloc:
        return default
    return target


def int_arg(name: str, default: int, minimum: int = 1, maximum: int = 10**6) -> int:
    """A whole-number query parameter for a page; anything else (letters, "²", huge) is the default."""
    raw = request.args.get(name, "")
    if raw.isascii() and raw.isdigit() and minimum <= int(raw) <= maximum:
        return int(raw)
    return default


def paging(total: int, page: int, per_page: int) -> dict:
    """A list page's count, page number and number of pages (at least one), for the pager macro."""
    return {"total": total, "page": page, "pages": max(1, -(-total // per_page))}


@bp.app_template_filter("quantity")
def quantity(value) -> str:
    """A ledger quantity as people write it: at most two decimals, no trailing zeros, never an
    exponent ("77.78", "15000", "1500000"; '%g' would print 77.7778 and 1.5e+06)."""
    if value is None:
        return "—"
    d = Decimal(str(value)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    text = f"{d:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


from . import (  # noqa: E402,F401  (routes register on import)
    accounts,
    applications,
    audit,
    auth,
    documents,
    evaluation,
    expert,
    experts,
    header,
    indicators,
    ledger,
    moving_in,
    notice,
    notifications,
    pages,
    security_settings,
    staff,
)
