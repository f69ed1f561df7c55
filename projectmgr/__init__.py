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
    from .i18n import select_locale

    babel.init_app(app, locale_selector=select_locale, default_translation_directories="../translations")
    login_manager.init_app(app)
    mail.init_app(app)

    from . import (
        labels,
        models,  # noqa: F401  (register the tables)
    )
    from .api import bp as api_bp
    from .cli import register_cli
    from .security import security_headers
    from .web import bp as web_bp

    app.register_blueprint(api_bp)
    app.register_blueprint(web_bp)
    from .web.conclusion import decision_text, last_conclusion

    app.jinja_env.globals.update(
        label=labels.label, labels=labels, decision_text=decision_text, last_conclusion=last_conclusion
    )

    @app.context_processor
    def _locale():
        from flask_babel import get_locale

        return {"current_locale": str(get_locale() or "zh")}

    register_cli(app)
    from .backup.cli import backup
    from .health import bp as health_bp

    app.cli.add_command(backup)
    app.register_blueprint(health_bp)
    csrf.exempt(health_bp)
    limiter.exempt(health_bp)
    if app.config.get("PROXY_FIX"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_port=1, x_prefix=1)
    app.after_request(security_headers)
    _error_pages(app)
    _sqlite_pragmas(app)
    return app


def _error_pages(app: Flask) -> None:
    from flask_limiter.errors import RateLimitExceeded

    @app.errorhandler(RateLimitExceeded)
    def rate_limited(exc):
        db.session.rollback()
        message = "Too many failed sign-ins; try again in 15 minutes."
        if request.path.startswith("/api/"):
            return jsonify({"error": {"code": "rate_limited", "message": message, "details": []}}), 429
        return render_template("errors/429.html"), 429

    @app.errorhandler(404)
    def not_found(exc):
        if request.path.startswith("/api/"):
            return jsonify({"error": {"code": "not_found", "message": "No such resource.", "details": []}}), 404
        return render_template("errors/404.html"), 404

    @app.errorhandler(403)
    def forbidden(exc):
        if request.path.startswith("/api/"):
            return jsonify({"error": {"code": "forbidden", "message": "Forbidden.", "details": []}}), 403
        return render_template("errors/403.html"), 403

    @app.errorhandler(405)
    def method_not_allowed(exc):
        if request.path.startswith("/api/"):
            return jsonify({"error": {"code": "bad_request", "message": "Method not allowed.", "details": []}}), 405
        return exc

    @app.errorhandler(500)
    def server_error(exc):
        db.session.rollback()
        if request.path.startswith("/api/"):
            return jsonify({"error": {"code": "server_error", "message": "Internal error.", "details": []}}), 500
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
