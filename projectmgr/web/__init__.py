"""The HTML pages: the same services as the API, one commit per request, errors beside the fields."""

from decimal import ROUND_HALF_UP, Decimal
from functools import wraps
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..errors import DomainError, Forbidden, NotFound
from ..unit_of_work import committing

bp = Blueprint("web", __name__)


def staff_required(view):
    @login_required
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_staff:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def readers_required(view):
    """Staff, leaders and admins: dashboards and the radar."""

    @login_required
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.can_read_all:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def apply(form, action) -> bool:
    """Run a service call for a submitted form through `committing()`; on a domain error (a write
    that lost a race included: 409) put each field's message beside the field (or flash it) and
    return False. Nothing is saved on any error."""
    try:
        with committing():
            action()
        return True
    except NotFound:
        abort(404)
    except Forbidden:
        abort(403)
    except DomainError as exc:
        show_error(exc, form)
        return False


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


@bp.app_template_filter("quantity")
def quantity(value) -> str:
    """A ledger quantity as people write it: at most two decimals, no trailing zeros, never an
    exponent ("77.78", "15000", "1500000"; '%g' would print 77.7778 and 1.5e+06)."""
    if value is None:
        return "—"
    d = Decimal(str(value)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    text = f"{d:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


from . import accounts, applications, auth, evaluation, expert, ledger, notice, notifications, pages, staff  # noqa: E402,F401  (routes register on import)
