"""The Experts page (staff): the pool with each expert's figures, filters, and taking an expert
out of the pool for draws and back with a reason."""

from datetime import date

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Length

from ..permissions import can_read_expert_pool, require
from ..services import experts as service
from ..services import settings
from . import allowed, apply, bp, int_arg, saved
from .forms import PageForm


class PoolForm(PageForm):
    action = HiddenField(validators=[DataRequired()])
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])


def _flag(name: str) -> bool | None:
    raw = request.args.get(name, "")
    return {"1": True, "yes": True, "true": True, "0": False, "no": False, "false": False}.get(raw)


def _render(status: int = 200, failed: dict | None = None):
    require(can_read_expert_pool(current_user), _("The expert pool is for bureau staff."))
    year = int_arg("year", date.today().year, 2000, 2100)
    field_name = (request.args.get("field") or "").strip() or None
    finance, available = _flag("finance"), _flag("available")
    items = service.filtered(service.pool(year, date.today(), settings()), field_name, finance, available)
    return (
        render_template(
            "web/experts.html",
            items=items,
            year=year,
            fields=service.all_fields(),
            field_name=field_name,
            finance=finance,
            available=available,
            cap=settings().expert_max_panels_per_year,
            failed=failed or {},
            form=PoolForm(formdata=None),
        ),
        status,
    )


@bp.route("/experts")
@allowed(can_read_expert_pool)
def experts():
    return _render()


@bp.route("/experts/<int:expert_id>/pool", methods=["POST"])
@allowed(can_read_expert_pool)
def expert_pool(expert_id: int):
    """Take the expert out of the pool (action=deactivate) or back in (action=reactivate)."""
    form = PoolForm()
    expert = service.find_expert(expert_id) if form.action.data in ("deactivate", "reactivate") else None
    if expert is not None and form.validate_on_submit():
        wanted = form.action.data == "reactivate"
        if apply(form, lambda: service.set_in_pool(current_user, expert, wanted, form.reason.data)):
            saved()
            return redirect(url_for("web.experts", **request.args) + f"#expert-{expert_id}")
    return _render(422, {expert_id: form})
