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


def translate(message: str) -> str:
    """A rule's message (projectmgr.rules.money.Message) in the reader's language; other text as it is."""
    from flask_babel import gettext

    template = getattr(message, "template", None)
    if template is None:
        return message
    return gettext(template, **message.params)


def pydantic_message(error: dict) -> str:
    """One pydantic validation error (an item of ValidationError.errors()) as a sentence in the
    reader's language. Our own validators' messages ("Value error, ...") are translated where they
    are raised; pydantic's own texts are English only, so they are rewritten here by error type."""
    from flask_babel import gettext as _

    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    last = next((p for p in reversed(error.get("loc", ())) if isinstance(p, str)), "")
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    if kind == "missing":
        return _("Required.")
    if kind == "extra_forbidden":
        return _("Unknown field.")
    if kind == "string_too_short":
        n = ctx.get("min_length", 1)
        return _("Required.") if n <= 1 else _("At least %(n)s characters.", n=n)
    if kind == "string_too_long":
        return _("At most %(n)s characters.", n=ctx.get("max_length"))
    if kind == "too_short":
        if last == "indicators":
            return _("At least one indicator is required.")
        if last == "budget":
            return _("At least one budget line is required.")
        return _("At least %(n)s entries.", n=ctx.get("min_length"))
    if kind == "too_long":
        return _("At most %(n)s entries.", n=ctx.get("max_length"))
    if kind in ("int_type", "int_parsing", "int_from_float", "int_parsing_size"):
        return _("Must be a whole number.")
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        limit = next(iter(ctx.values()), "")
        return {
            "greater_than_equal": _("Must be at least %(limit)s.", limit=limit),
            "greater_than": _("Must be greater than %(limit)s.", limit=limit),
            "less_than_equal": _("Must be at most %(limit)s.", limit=limit),
            "less_than": _("Must be less than %(limit)s.", limit=limit),
        }[kind]
    if kind in ("enum", "literal_error"):
        return _("One of %(values)s.", values=ctx.get("expected", ""))
    if kind.startswith("date_") or kind.startswith("datetime_"):
        return _("A date as YYYY-MM-DD.")
    if kind in ("bool_type", "bool_parsing"):
        return _("Must be true or false.")
    if kind == "string_type":
        return _("Must be text.")
    if kind == "list_type":
        return _("Must be a list.")
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return _("Must be an object.")
    if kind == "string_pattern_mismatch":
        return _("Not in the expected format.")
    return str(error["msg"])


def template_translations():
    """The request's translations for the templates' _(), found once per request and language:
    Flask-Babel's own lookup (context, cache, locale: several proxies) ran for every string on
    every page. Keyed on the locale object, so force_locale (a mail in its reader's language)
    still gets its own."""
    from flask.globals import _cv_app
    from flask_babel import get_translations

    ctx = _cv_app.get(None)
    state = getattr(ctx.g, "_flask_babel", None) if ctx is not None else None
    locale = getattr(state, "babel_locale", None)
    memo = getattr(state, "template_translations", None)
    if locale is not None and memo is not None and memo[0] is locale:
        return memo[1]
    translations = get_translations()
    state = getattr(ctx.g, "_flask_babel", None) if ctx is not None else None
    if state is not None:
        state.template_translations = (getattr(state, "babel_locale", None), translations)
    return translations


def install_template_gettext(app) -> None:
    """The templates' gettext family through template_translations (after babel.init_app)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: template_translations().ugettext(s),
        ngettext=lambda s, p, n: template_translations().ungettext(s, p, n),
        pgettext=lambda c, s: template_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: template_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
