"""THE application lifecycle (DESIGN §13, API.md "Calls, applications and recommendations"): the
second transition table, beside the project's. Guards are data; `transitions` runs the table through
an adapter built per operation around one application, and each transition writes one history row
in the same transaction. What the guards read from the database comes through `ctx.reads`, given by
the service that fires (services.applications), so that this module stays free of queries.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Protocol

from flask_babel import lazy_gettext as _l

from ..models import Application, ApplicationState, ApplicationTransition, User
from ..rules.settings import RuleSettings
from .machine import Runner, adapter, failed_checks


class Actor(StrEnum):
    staff = "staff"  # bureau staff and admins
    owner = "owner"  # an owner of the applying organization


class Reads(Protocol):
    """What the guards need from the database, read once per context by the service."""

    def credit_problems(self) -> list[dict]: ...
    def panel_problems(self) -> list[dict]: ...
    def unscored(self) -> list: ...
    def unresolved_objections(self) -> int: ...
    def upheld_objections(self) -> int: ...


@dataclass
class Context:
    application: Application
    user: User | None
    as_of: date
    settings: RuleSettings
    reads: Reads
    params: dict = field(default_factory=dict)
    comment: str | None = None
    details: dict = field(default_factory=dict)

    def passes(self, guard: "Guard") -> bool:
        """The guard's answer (the lifecycle Runner asks its guards through this)."""
        return guard.test(self)


@dataclass(frozen=True)
class Guard:
    check: str
    message: str  # a lazy translation
    test: Callable[[Context], bool]
    explain: Callable[[Context], list[dict]] | None = None


@dataclass(frozen=True)
class Transition:
    trigger: str
    sources: tuple[ApplicationState, ...]
    dest: ApplicationState
    actor: Actor
    guards: tuple[Guard, ...] = ()

    @property
    def dests(self) -> tuple[ApplicationState, ...]:
        """One destination each, in the shape the lifecycle Runner reads."""
        return (self.dest,)


# --- guards ---------------------------------------------------------------------------------

WINDOW = Guard(
    "window",
    _l("The call is not open for applications today."),
    lambda ctx: ctx.application.call.is_open(ctx.as_of),
)
CREDIT = Guard(
    "credit",
    _l("The application is refused by the research-integrity rules."),
    lambda ctx: not ctx.reads.credit_problems(),
    explain=lambda ctx: ctx.reads.credit_problems(),
)
PANEL_VALID = Guard(
    "panel",
    _l("The review panel is missing or breaks a panel rule."),
    lambda ctx: not ctx.reads.panel_problems(),
    explain=lambda ctx: ctx.reads.panel_problems(),
)
ALL_SCORED = Guard("scores", _l("Every panel member must have scored."), lambda ctx: not ctx.reads.unscored())
NOTICE_OVER = Guard(
    "notice",
    _l("The public notice has not ended yet."),
    lambda ctx: ctx.application.notice_until is not None and ctx.as_of > ctx.application.notice_until,
)
OBJECTIONS_RESOLVED = Guard(
    "objections",
    _l("Every objection must be resolved first."),
    lambda ctx: ctx.reads.unresolved_objections() == 0,
)
NO_UPHELD_OBJECTION = Guard(
    "objection_upheld",
    _l("An objection was upheld: the application can only be rejected."),
    lambda ctx: ctx.reads.upheld_objections() == 0,
)

A = ApplicationState

# An application's review panel may be formed and changed while it is checked or under review.
REVIEW_PANEL_OPEN: tuple[ApplicationState, ...] = (A.checked, A.under_review)

TRANSITIONS: tuple[Transition, ...] = (
    Transition("submit", (A.draft,), A.submitted, Actor.owner, (WINDOW, CREDIT)),
    Transition("return", (A.submitted,), A.returned, Actor.staff),
    Transition("resubmit", (A.returned,), A.submitted, Actor.owner, (CREDIT,)),
    Transition("pass_check", (A.submitted,), A.checked, Actor.staff),
    Transition("form_panel", (A.checked,), A.under_review, Actor.staff, (PANEL_VALID,)),
    # PANEL_VALID again: a member who declared a conflict no longer counts and must be replaced first.
    Transition("conclude_review", (A.under_review,), A.reviewed, Actor.staff, (PANEL_VALID, ALL_SCORED)),
    Transition("publicize", (A.reviewed,), A.publicized, Actor.staff),
    Transition(
        "approve",
        (A.publicized,),
        A.approved,
        Actor.staff,
        (NOTICE_OVER, OBJECTIONS_RESOLVED, NO_UPHELD_OBJECTION, CREDIT),
    ),
    Transition("reject", (A.checked, A.reviewed, A.publicized), A.rejected, Actor.staff),
    Transition("withdraw", (A.draft, A.submitted, A.returned), A.withdrawn, Actor.owner),
)
BY_TRIGGER: dict[str, Transition] = {t.trigger: t for t in TRANSITIONS}
TRIGGERS: tuple[str, ...] = tuple(BY_TRIGGER)
# Triggers whose comment is required (the owner must read why).
NEEDS_COMMENT = frozenset({"return", "reject"})
FINAL = (A.approved, A.rejected, A.withdrawn)


# --- the machine ----------------------------------------------------------------------------


RUNNER = Runner(
    TRANSITIONS,
    [s.value for s in ApplicationState],
    adapter(ApplicationState, ApplicationTransition, "application_id"),
    lambda application: application.state.value,
)


def fire(trigger: str, ctx: Context) -> None:
    """Run one transition on ctx.application, or raise naming why not. Does not commit."""
    RUNNER.fire(trigger, ctx.application, ctx)


def possible_triggers(ctx: Context, candidates: Sequence[str]) -> list[str]:
    """The candidates the machine would accept now, in table order."""
    state = ctx.application.state
    return [t for t in candidates if state in BY_TRIGGER[t].sources and not failed_checks(BY_TRIGGER[t], ctx)]


def mermaid() -> str:
    """The application lifecycle as a Mermaid stateDiagram-v2, drawn from TRANSITIONS."""
    lines = ["stateDiagram-v2", f"    [*] --> {A.draft.value}"]
    for t in TRANSITIONS:
        for source in t.sources:
            lines.append(f"    {source.value} --> {t.dest.value}: {t.trigger}")
    for final in FINAL:
        lines.append(f"    {final.value} --> [*]")
    return "\n".join(lines) + "\n"
