"""projectmgr — science-and-technology plan project lifecycle management."""

import os

from flask import Flask, jsonify, render_template, request

from . import summary_cache  # noqa: F401 - registers the data-version hooks
from .extensions import babel, csrf, db, limiter, login_manager, mail, migrate


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True, template_folder="../templates")
    from config import Config, TestConfig, production_problem

    if test_config is None and (problem := production_problem()):
        raise SystemExit(problem)
    app.config.from_object(TestConfig if test_config is not None else Config)
    app.config.update({k: v for k, v in os.environ.items() if k.startswith("RULE_")})
    if test_config:
        app.config.update(test_config)
    os.makedirs(app.instance_path, exist_ok=True)

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    from .i18n import install_template_gettext, select_locale

    babel.init_app(app, locale_selector=select_locale, default_translation_directories="../translations")
    install_template_gettext(app)
    login_manager.init_app(app)
    mail.init_app(app)

    from . import (
        labels,
        models,  # noqa: F401  (register the tables)
    )
    from .api import bp as api_bp
    from .audit import chain  # noqa: F401  (the hash chains' flush listener)
    from .bodies import bound_body
    from .cli import register_cli
    from .converters import register_converters
    from .lifecycle import states as lifecycle_states
    from .security import security_headers
    from .web import bp as web_bp

    register_converters(app)
    app.register_blueprint(api_bp)
    app.register_blueprint(web_bp)
    from .web.conclusion import decision_text, last_conclusion

    app.jinja_env.globals.update(
        label=labels.label,
        labels=labels,
        decision_text=decision_text,
        last_conclusion=last_conclusion,
        states=lifecycle_states,  # the lifecycle's named groups: `p.state in states.EXTENDABLE`
    )

    @app.context_processor
    def _locale():
        from flask_babel import get_locale

        return {"current_locale": str(get_locale() or "zh")}

    register_cli(app)
    from .backup.cli import backup
    from .health import bp as health_bp

    app.cli.add_command(backup)
    from .audit.cli import audit

    app.cli.add_command(audit)
    app.register_blueprint(health_bp)
    csrf.exempt(health_bp)
    limiter.exempt(health_bp)
    if app.config.get("PROXY_FIX"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_port=1, x_prefix=1)
    app.after_request(security_headers)
    app.before_request_funcs.setdefault(None, []).insert(0, bound_body)
    _error_pages(app)
    _sqlite_pragmas(app)
    return app


# API error codes of HTTP errors raised before a view runs (routing, body size); DomainErrors carry their own.
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}
HTTP_MESSAGES = {
    404: "No such resource.",
    403: "Forbidden.",
    405: "Method not allowed.",
    413: "The request body is too large.",
    429: "Too many failed sign-ins; try again in 15 minutes.",
}


def api_error(status: int, headers=None):
    """The documented error body (API.md "Errors") for an HTTP status."""
    code = HTTP_CODES.get(status, "server_error" if status >= 500 else "bad_request")
    message = HTTP_MESSAGES.get(status, "Internal error." if status >= 500 else "Bad request.")
    response = jsonify({"error": {"code": code, "message": message, "details": []}})
    response.status_code = status
    for name, value in headers or ():
        if name in ("Allow", "Retry-After"):
            response.headers[name] = value
    return response


def _error_pages(app: Flask) -> None:
    from flask_limiter.errors import RateLimitExceeded
    from flask_login import current_user
    from werkzeug.exceptions import HTTPException, InternalServerError

    from .audit.log import record_refusal

    @app.errorhandler(RateLimitExceeded)
    def rate_limited(exc):
        db.session.rollback()
        if request.path.startswith("/api/"):
            return api_error(429, exc.get_headers())
        return render_template("errors/429.html"), 429

    @app.errorhandler(HTTPException)
    def http_error(exc):
        """Every API error in the JSON shape, with its own code (405 keeps `Allow`); pages get the
        error page of their language where there is one, else Werkzeug's short text."""
        status = exc.code or 500
        if status >= 500:
            return server_error(exc)
        if status == 403:  # every refusal is in the security log, in its own transaction
            actor = current_user if current_user and current_user.is_authenticated else None
            record_refusal("forbidden", actor=actor, target=f"{request.method} {request.path}")
        if request.path.startswith("/api/"):
            return api_error(status, exc.get_headers())
        if status in (403, 404):
            return render_template(f"errors/{status}.html"), status
        return exc

    @app.errorhandler(InternalServerError)
    def server_error(exc):
        """Never a traceback or SQL in the answer: the exception goes to the log only."""
        db.session.rollback()
        if request.path.startswith("/api/"):
            return api_error(500)
        return render_template("errors/500.html"), 500


def _sqlite_pragmas(app: Flask) -> None:
    """SQLite: enforce foreign keys, let writers wait for each other instead of failing, and (file
    databases) write ahead: WAL with synchronous=NORMAL."""
    from sqlalchemy import event

    with app.app_context():
        engine = db.engine
        if engine.dialect.name != "sqlite":
            return

        # A file database reads beside its writer (WAL) and syncs at checkpoints, not each commit.
        on_file = engine.url.database not in (None, "", ":memory:") and "mode=memory" not in str(engine.url)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=5000")
            if on_file:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()
