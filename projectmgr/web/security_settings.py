"""The security officer's password and lockout settings (issue 13 item 6): seen and changed here
by them alone (the admin neither: 三员分立), over the same service as the API."""

from flask import redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange, StopValidation

from ..permissions import can_change_security_settings
from ..services.account_settings import SETTINGS, change_settings, settings_state
from . import allowed, apply, bp, failed_status, saved
from .forms import PageForm

BETWEEN = _l("Must be between %(min)s and %(max)s.")


class WholeNumberField(IntegerField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(str(_l("Must be a whole number."))) from None


def _parsed(form, field) -> None:
    """Not a number: that one message, not the bounds as well."""
    if field.process_errors:
        raise StopValidation()


class SecuritySettingsForm(PageForm):
    """One whole-number field per setting, bounded as the service bounds it."""


for _setting in SETTINGS:
    setattr(
        SecuritySettingsForm,
        _setting.name,
        WholeNumberField(
            _setting.label,
            validators=[
                InputRequired(),
                _parsed,
                NumberRange(min=_setting.minimum, max=_setting.maximum, message=BETWEEN),
            ],
        ),
    )


@bp.route("/security-settings", methods=["GET", "POST"])
@allowed(can_change_security_settings)
def security_settings():
    state = settings_state()
    form = SecuritySettingsForm(data={s.name: state[s.name] for s in SETTINGS} if request.method == "GET" else None)
    if form.validate_on_submit():
        values = {s.name: getattr(form, s.name).data for s in SETTINGS}
        if apply(form, lambda: change_settings(current_user, values)):
            saved()
            return redirect(url_for("web.security_settings"))
    status = failed_status() if request.method == "POST" else 200
    return render_template("web/security_settings.html", form=form, state=state, settings=SETTINGS), status
