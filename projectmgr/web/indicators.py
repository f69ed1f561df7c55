"""The page where staff set or adjust a running project's indicators (services/indicators.py)."""

from datetime import date

from flask import redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import FieldList, FormField, HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..lifecycle import INDICATORS_ADJUSTABLE
from ..permissions import can_set_indicators
from ..services import settings
from ..services.indicators import set_indicators
from . import allowed, apply, bp, failed_status, saved
from .forms import PageForm
from .pages import load_project
from .staff import IndicatorRowForm, IndicatorRows

EMPTY_ROWS = 3  # free rows below the project's indicators, for new ones
MAX_ROWS = 50


class IndicatorsForm(IndicatorRows, PageForm):
    indicator_rows = FieldList(FormField(IndicatorRowForm), min_entries=0, max_entries=MAX_ROWS)
    indicators = HiddenField()  # where the messages about the indicators as a whole go
    comment = TextAreaField(_l("Reason for the change"), validators=[DataRequired(), Length(max=20000)])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        return self.indicator_rows_valid() and ok


@bp.route("/projects/<int:project_id>/indicators", methods=["GET", "POST"])
@allowed(can_set_indicators)
def project_indicators(project_id: int):
    project = load_project(project_id)
    form = IndicatorsForm()
    if request.method == "GET":
        for indicator in project.indicators:
            form.indicator_rows.append_entry(
                {
                    "key": indicator.key,
                    "name": indicator.name,
                    "unit": indicator.unit,
                    "target": indicator.target.normalize(),
                    "weight": indicator.weight.normalize(),
                }
            )
    while len(form.indicator_rows) < min(MAX_ROWS, len(project.indicators) + EMPTY_ROWS):
        form.indicator_rows.append_entry()
    if form.validate_on_submit():

        def action():
            set_indicators(
                current_user, project, form.indicator_inputs(), form.comment.data.strip(), settings(), date.today()
            )

        if apply(form, action):
            saved()
            return redirect(url_for("web.project", project_id=project.id) + "#indicators")
    status = failed_status() if request.method == "POST" else 200
    adjustable = project.state in INDICATORS_ADJUSTABLE
    return render_template("web/indicators_form.html", project=project, form=form, adjustable=adjustable), status
