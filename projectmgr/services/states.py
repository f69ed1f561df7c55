"""The state check of a writer that may act only in some states of its project or application."""

from collections.abc import Collection
from enum import Enum
from typing import Protocol

from ..errors import Conflict


class HasState(Protocol):
    state: Enum


def require_state(subject: HasState, allowed: Collection, message: str) -> None:
    """Refuse (409 conflict) unless the subject is in one of the allowed states. message is
    translated already and names the subject's state as %(state)s."""
    if subject.state not in allowed:
        raise Conflict(message % {"state": subject.state.value})
