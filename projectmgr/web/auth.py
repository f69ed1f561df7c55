"""Sign-in (password, then the second factor or its enrolment), sign-out, changing one's password,
the session's limits (idle and absolute) and the language switch."""

import time

from flask import redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import bindparam, select

from .. import demo
from ..audit.log import FAILURE, record_refusal
from ..extensions import db, login_manager
from ..models import User
from ..permissions import can_read_audit_log, can_read_overdue, can_review, can_view_accounts
from ..security import signin_limit
from ..services import accounts, signin
from ..services.account_settings import account_settings
from ..summary_cache import note_version, with_version
from ..unit_of_work import committing
from . import apply, bp, next_url, saved
from .forms import EmptyForm, LanguageForm, LoginForm, PasswordChangeForm, TotpForm

PENDING_SECONDS = 300  # the second step must follow the password within five minutes
# The last-seen time in the session cookie moves in steps of this many seconds: a page opened
# sooner after the last step changes nothing, so the answer carries no new cookie (a signed cookie
# each request costs more than the page's own work when everything else is cached). The idle
# timeout counts from the last step, so it can end a session up to this much early, never late.
SEEN_STEP_SECONDS = 15


# The data version in the same query: a page's cached figures need it next (summary_cache). Built
# once: every page asks, and building the statement costs about as much as running it.
_SIGNED_IN_USER = with_version(select(User).where(User.id == bindparam("user_id")))


@login_manager.user_loader
def load_user(user_id: str):
    """The session names the user and the session version it was signed with: sign-out, a password
    change or deactivation raise the version and every older session ends at once."""
    ident, _sep, version = user_id.partition(":")
    if not (ident.isdigit() and version.isdigit()):
        return None
    row = db.session.execute(_SIGNED_IN_USER, {"user_id": int(ident)}).first()
    if row is None:
        return None
    user, data_version = row
    note_version(data_version)
    if not user.active or user.session_version != int(version):
        return None
    return user


login_manager.login_view = "web.login"
login_manager.login_message = None

# Pages a signed-in user whose password has expired may still open.
_EXPIRED_PASSWORD_OPEN = {"web.change_password", "web.logout", "web.set_language", "static"}


@bp.before_app_request
def session_limits():
    """Idle and absolute timeouts (SESSION_IDLE_MINUTES, SESSION_ABSOLUTE_HOURS); an expired password
    opens only the change-password page."""
    if request.blueprint not in ("web", None) or not current_user.is_authenticated:
        return None
    cfg = account_settings()
    now = time.time()
    started, seen = session.get("signed_in_at", 0), session.get("seen_at", 0)
    if now - seen > cfg.session_idle.total_seconds() or now - started > cfg.session_absolute.total_seconds():
        logout_user()
        session.clear()
        session["expired"] = True
        return redirect(url_for("web.login", next=request.full_path if request.method == "GET" else None))
    if now - seen >= SEEN_STEP_SECONDS:
        session["seen_at"] = now
    if request.endpoint not in _EXPIRED_PASSWORD_OPEN and signin.password_expired(current_user, cfg):
        return redirect(url_for("web.change_password"))
    return None


def _complete(user: User, how: str):
    """The last step: the session is signed with the user's current version."""
    session.pop("pending_signin", None)
    session.pop("enrol_secret", None)
    signin.signed_in(user, how)
    if session.get("lang") and not user.locale:
        user.locale = session["lang"]
    login_user(user)
    now = time.time()
    session["signed_in_at"] = session["seen_at"] = now
    target = next_url(url_for("web.index"))
    if signin.password_expired(user, account_settings()):
        target = url_for("web.change_password")
    return redirect(target)


def _pending_user() -> User | None:
    pending = session.get("pending_signin")
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    user = db.session.get(User, pending["uid"])
    if user is None or not user.active or user.session_version != pending["v"]:
        return None
    return user


@bp.route("/login", methods=["GET", "POST"])
@signin_limit
def login():
    if current_user.is_authenticated:
        return redirect(url_for("web.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        cfg = account_settings()
        with committing():
            step = signin.check_password(form.username.data, form.password.data, cfg)
            user = step.user
            if user is not None and step.second_factor is None:
                return _complete(user, "password")
        if user is not None:
            session["pending_signin"] = {"uid": user.id, "v": user.session_version, "at": time.time()}
            endpoint = "web.verify_second_factor" if step.second_factor == "verify" else "web.enrol_second_factor"
            return redirect(url_for(endpoint, next=request.args.get("next")))
        form.password.errors = [step.message]
        status = 401  # counted by the sign-in limit
    demo_database = demo.is_loaded()
    expired = session.pop("expired", False)
    return render_template("web/login.html", form=form, demo_database=demo_database, expired=expired), status


@bp.route("/login/verify", methods=["GET", "POST"])
@signin_limit
def verify_second_factor():
    user = _pending_user()
    if user is None:
        return redirect(url_for("web.login"))
    form = TotpForm()
    status = 200
    if form.validate_on_submit():
        with committing():
            problem = signin.check_second_factor(user, form.code.data, account_settings())
            if problem is None:
                return _complete(user, "totp")
        form.code.errors = [problem]
        status = 401
    return render_template("web/totp_verify.html", form=form), status


@bp.route("/login/enrol", methods=["GET", "POST"])
def enrol_second_factor():
    """Enrol an authenticator app: right after the password for those who must, or from the
    account page for anyone signed in."""
    user = current_user if current_user.is_authenticated else _pending_user()
    if user is None:
        return redirect(url_for("web.login"))
    cfg = account_settings()
    secret = session.get("enrol_secret") or signin.new_totp_secret()
    session["enrol_secret"] = secret
    form = TotpForm()
    status = 200
    if form.validate_on_submit():
        with committing():
            codes = signin.enrol(user, secret, form.code.data)
        if codes is not None:
            session.pop("enrol_secret", None)
            if not current_user.is_authenticated:
                with committing():
                    response = _complete(user, "totp-enrolment")
                return render_template("web/totp_codes.html", codes=codes, next=response.location)
            return render_template("web/totp_codes.html", codes=codes, next=url_for("web.account"))
        form.code.errors = [_("Wrong code: check the app's clock and type the code it shows now.")]
        status = 422
    uri = signin.provisioning_uri(user, secret, cfg)
    return render_template(
        "web/totp_enrol.html", form=form, qr=signin.qr_svg_data_uri(uri), secret=secret, user=user
    ), status


@bp.route("/account")
@login_required
def account():
    return render_template(
        "web/account.html", recovery_left=signin.unused_recovery_codes(current_user), form=EmptyForm()
    )


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordChangeForm()
    cfg = account_settings()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if apply(form, lambda: accounts.change_password(user, form.current_password.data, form.new_password.data, cfg)):
            # This session goes on under the new version; every other one has ended.
            login_user(user)
            session["signed_in_at"] = session["seen_at"] = time.time()
            saved()
            return redirect(url_for("web.index"))
        if form.current_password.errors:
            record_refusal("password.change", FAILURE, actor=user, target=f"user:{user.username}")
    status = 422 if request.method == "POST" else 200
    expired = signin.password_expired(current_user, cfg)
    return render_template(
        "web/password_change.html", form=form, min_length=cfg.password_min_length, expired=expired
    ), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    if EmptyForm().validate_on_submit():
        with committing():
            accounts.sign_out(current_user)
        logout_user()
        session.clear()
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
    if can_read_audit_log(current_user):
        return redirect(url_for("web.audit"))
    if can_view_accounts(current_user):
        return redirect(url_for("web.accounts"))
    return redirect(url_for("web.projects"))
