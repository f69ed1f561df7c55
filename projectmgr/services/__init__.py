"""Use cases. Services change state, flush and raise domain errors; they never commit:
the request's one commit happens in the API or web layer (STYLE: indico's operations)."""

from flask import current_app

from ..rules.settings import RuleSettings


def settings() -> RuleSettings:
    """The rule settings of the running app (RULE_* config keys over the defaults)."""
    ext = current_app.extensions
    if "projectmgr.rules" not in ext:
        ext["projectmgr.rules"] = RuleSettings.from_mapping(current_app.config)
    return ext["projectmgr.rules"]
