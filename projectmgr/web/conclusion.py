"""The conclusion's reason in the reader's language (services.conclusion_text, which the official
documents share)."""

from ..services.conclusion_text import CONCLUSIVE, decision_text, last_conclusion  # noqa: F401
