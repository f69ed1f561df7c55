"""Language choice (DESIGN §12): the user's choice, else the browser's Accept-Language, else Chinese.
The JSON API (and the CLI) speak English unless the client asks for Chinese in Accept-Language: their
callers are programs, and the messages they log should not depend on who signed in."""

from flask import current_app, has_request_context, request, session
from flask_login import current_user


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    if not has_request_context():
        # CLI commands and direct service calls speak English like the API; mails and exports
        # choose their reader's language with force_locale or a lang parameter.
        return "en"
    if request.path.startswith("/api/"):
        return request.accept_languages.best_match(languages) or "en"
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or default
