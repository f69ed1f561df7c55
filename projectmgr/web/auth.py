"""Sign-in, sign-out and the language switch."""

from flask import redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db, login_manager
from ..models import User
from ..permissions import can_read_overdue, can_review
from ..security import signin_limit
from ..services.registry import authenticate
from ..unit_of_work import committing
from . import bp, next_url
from .forms import EmptyForm, LanguageForm, LoginForm


@login_manager.user_loader
def load_user(user_id: str):
    return db.session.get(User, int(user_id))


login_manager.login_view = "web.login"
login_manager.login_message = None


@bp.route("/login", methods=["GET", "POST"])
@signin_limit
def login():
    if current_user.is_authenticated:
        return redirect(url_for("web.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        user = authenticate(form.username.data, form.password.data)
        if user is not None:
            login_user(user)
            if session.get("lang") and not user.locale:
                with committing():
                    user.locale = session["lang"]
            return redirect(next_url(url_for("web.index")))
        form.password.errors = [_("Wrong username or password.")]
        status = 401  # counted by the sign-in limit
    return render_template("web/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    if EmptyForm().validate_on_submit():
        logout_user()
    return redirect(url_for("web.login"))


@bp.route("/lang", methods=["POST"])
def set_language():
    """Remembered in the session, and on the user when signed in."""
    form = LanguageForm()
    if form.validate_on_submit():
        session["lang"] = form.lang.data
        if current_user.is_authenticated:
            with committing():
                current_user.locale = form.lang.data
    return redirect(next_url(url_for("web.index")))


@bp.route("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("web.login"))
    if can_read_overdue(current_user):
        return redirect(url_for("web.dashboard"))
    if can_review(current_user):
        return redirect(url_for("web.reviews"))
    return redirect(url_for("web.projects"))
