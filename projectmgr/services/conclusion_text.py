"""The conclusion's reason in the reader's language, rebuilt from the figures the history keeps
(the stored reason is English, for the API and the audit trail)."""

from decimal import Decimal

from flask_babel import gettext as _

from ..labels import label
from ..models import TransitionRecord

CONCLUSIVE = ("conclude", "expire", "record_conclusion", "close_out")


def _percent(value: str | None) -> str:
    return f"{(Decimal(value) * 100).normalize():f}%" if value else "—"


def _checks(keys) -> str:
    return "、".join(label("binding", k) for k in keys or [])


def decision_text(record: TransitionRecord) -> str | None:
    """A sentence saying why the conclusion came out as it did; None where nothing was computed."""
    details = record.details or {}
    if record.trigger == "conclude" and "rule" in details:
        score, completion = details.get("score"), _percent(details.get("indicator_completion"))
        rule = details["rule"]
        if rule == 1:
            return _(
                "Rule 1: a hard binding indicator failed (%(checks)s).", checks=_checks(details.get("failed_checks"))
            )
        if rule == 2:
            return _("Rule 2: the panel's score %(score)s is below the pass mark.", score=score)
        if rule == 3:
            return _("Rule 3: indicator completion %(completion)s is below 80%%.", completion=completion)
        if rule == 4:
            failed = _checks(details.get("failed_checks"))
            if record.to_state.value == "rectifying":
                return _(
                    "Rule 4: rectification needed (remediable indicators failed: %(checks)s; completion %(completion)s).",
                    checks=failed or "—",
                    completion=completion,
                )
            return _(
                "Rule 4: still short after the rectification (remediable indicators failed: %(checks)s; completion %(completion)s).",
                checks=failed or "—",
                completion=completion,
            )
        return _(
            "Rule 5: every binding indicator met, score %(score)s, indicator completion %(completion)s.",
            score=score,
            completion=completion,
        )
    if record.trigger == "expire":
        items = "; ".join(
            _("%(item)s due %(date)s", item=label("due", i["kind"]), date=i["due_date"])
            for i in details.get("expired", [])
        )
        return _("Deemed failed: not met in time — %(items)s.", items=items)
    return None


def last_conclusion(history: list[TransitionRecord]) -> TransitionRecord | None:
    return next((h for h in reversed(history) if h.trigger in CONCLUSIVE), None)
