"""The project lifecycle's transition table (DESIGN §3), as data: for each trigger its sources,
destinations, who fires it, its guards, the parameters it takes and what it does beside changing
the state (its effects). services.transitions runs the effects; nothing there asks which trigger
fired."""

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from flask_babel import lazy_gettext as _l

from ..models import DueKind, Grade, State
from .guards import (
    ACCEPTANCE_REPORT,
    ALL_SCORED,
    DEADLINE_PASSED,
    HIGHER_AUTHORITY,
    MUNICIPAL,
    NEW_ACCEPTANCE_REPORT,
    NO_HARD_BINDING_FAILURE,
    PANEL_VALID,
    SURVEY_REPORT,
    Context,
    Guard,
    decide_conclusion,
    list_expired,
)
from .states import BEFORE_CONCLUSION, CONCLUDED, EXPIRABLE, EXTENDABLE, INDICATORS_ADJUSTABLE

S = State


class Actor(StrEnum):
    staff = "staff"  # bureau staff and admins
    owner = "owner"  # the project's owner, or any owner of its organization
    system = "system"  # the daily sweep


# --- parameters ----------------------------------------------------------------------------


class Into(StrEnum):
    """Where a parsed parameter goes on the Context."""

    params = "params"  # ctx.params[name]
    comment = "comment"  # ctx.comment (the history row's comment)
    destination = "destination"  # ctx.destination: the parameter chooses where the project goes


@dataclass(frozen=True, kw_only=True)
class Param:
    name: str
    kind: str = "text"  # "text" | "date" (today or later) | "choice"
    required: bool = False
    message: str | None = None  # the error when missing or not valid (a lazy translation)
    past_message: str | None = None  # a date: the error when it is before as_of
    choices: tuple[str, ...] = ()
    convert: Callable | None = None  # a choice's value as the transition uses it
    into: Into = Into.params
    detail: bool = False  # recorded, as given, in the history row's details


def choice(name: str, members, convert: Callable, message: str, **more) -> Param:
    """A required choice among enum members (given by value), recorded in the history row's details;
    the transition reads it as `convert` makes it."""
    choices = tuple(m.value for m in members)
    return Param(
        name=name, kind="choice", required=True, choices=choices, message=message, convert=convert, detail=True, **more
    )


COMMENT = Param(name="comment", into=Into.comment)
COMMENT_REQUIRED = Param(name="comment", required=True, into=Into.comment)
DUE_DATE = Param(
    name="due_date",
    kind="date",
    required=True,
    message=_l("Required: the survey report's due date (YYYY-MM-DD)."),
    past_message=_l("The due date is in the past."),
)
CONCLUSION = choice(
    "conclusion", CONCLUDED, State, _l("Required: one of accepted, closed_out, failed."), into=Into.destination
)
DOCUMENT_NO = Param(
    name="document_no",
    required=True,
    message=_l("Required: the higher authority's document number."),
    detail=True,
)
GRADE = choice("grade", Grade, Grade, _l("Required: one of excellent, good, pass, fail."))

# --- effects -------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Effect:
    """Something a transition does beside changing the state, in the same transaction. `when`:
    only when the project arrives in one of these states (a transition with several destinations)."""

    when: tuple[State, ...] | None = None


@dataclass(frozen=True, kw_only=True)
class Assign(Effect):
    """project.<field> = a parameter (or the comment)."""

    field: str
    param: str  # "comment": ctx.comment


@dataclass(frozen=True, kw_only=True)
class OpenDue(Effect):
    """A due item of `kind`, due on the date parameter `due`."""

    kind: DueKind
    due: str


@dataclass(frozen=True, kw_only=True)
class CloseDue(Effect):
    """Close the open due items of these kinds (none named: every open item)."""

    kinds: tuple[DueKind, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ReopenDue(Effect):
    """Reopen the latest due item of `kind` (a survey report returned for rework)."""

    kind: DueKind


@dataclass(frozen=True, kw_only=True)
class FormPanel(Effect):
    """The round's panel is formed: it scores by its due date."""


@dataclass(frozen=True, kw_only=True)
class ClosePanel(Effect):
    """The round's panel is concluded: its scores are frozen."""


@dataclass(frozen=True, kw_only=True)
class StartRectification(Effect):
    """A rectification begins: counted, dated, and due within the rectification period."""


@dataclass(frozen=True, kw_only=True)
class RefuseExtension(Effect):
    """A pending extension request is refused: the project is not extended any more."""


class RuleFrom(StrEnum):
    """What the conclusion's rule records."""

    decision = "decision"  # the conclusion rules' reason (ctx.details["reason"])
    comment = "comment"  # the history's comment
    none = "none"


@dataclass(frozen=True, kw_only=True)
class Conclude(Effect):
    """The project is concluded: dated, its later obligations closed, a pending extension refused,
    a failure recorded in the credit records."""

    rule: RuleFrom = RuleFrom.none


# --- the table -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    trigger: str
    sources: tuple[State, ...]
    dests: tuple[State, ...]
    actor: Actor
    guards: tuple[Guard, ...] = ()
    params: tuple[Param, ...] = (COMMENT,)
    effects: tuple[Effect, ...] = ()
    # Worked out before the guards' final word: the destination, the history's details and comment.
    prepare: Callable[[Context], object] | None = None


CONCLUDING = Conclude(when=CONCLUDED)

TRANSITIONS: tuple[Transition, ...] = (
    Transition("start", (S.approved,), (S.in_progress,), Actor.staff),
    Transition(
        "open_survey",
        (S.in_progress,),
        (S.mid_year_survey,),
        Actor.staff,
        params=(COMMENT, DUE_DATE),
        effects=(
            Assign(field="survey_due_date", param="due_date"),
            OpenDue(kind=DueKind.survey_report, due="due_date"),
        ),
    ),
    Transition(
        "submit_survey",
        (S.mid_year_survey,),
        (S.survey_submitted,),
        Actor.owner,
        (SURVEY_REPORT,),
        effects=(CloseDue(kinds=(DueKind.survey_report,)),),
    ),
    Transition(
        "return_survey",
        (S.survey_submitted,),
        (S.mid_year_survey,),
        Actor.staff,
        params=(COMMENT_REQUIRED,),
        effects=(ReopenDue(kind=DueKind.survey_report),),
    ),
    Transition("accept_survey", (S.survey_submitted,), (S.in_progress,), Actor.staff),
    Transition(
        "apply_acceptance",
        (S.in_progress,),
        (S.acceptance_applied,),
        Actor.owner,
        (ACCEPTANCE_REPORT,),
        effects=(CloseDue(kinds=(DueKind.acceptance_application,)),),
    ),
    Transition(
        "form_panel",
        (S.acceptance_applied,),
        (S.under_review,),
        Actor.staff,
        (MUNICIPAL, PANEL_VALID),
        effects=(FormPanel(),),
    ),
    # PANEL_VALID again: a member who declared a conflict no longer counts and must be replaced first.
    Transition(
        "conclude",
        (S.under_review,),
        (S.accepted, S.rectifying, S.failed),
        Actor.staff,
        (PANEL_VALID, ALL_SCORED),
        effects=(
            ClosePanel(),
            CloseDue(kinds=(DueKind.expert_scores,)),
            StartRectification(when=(S.rectifying,)),
            Conclude(when=CONCLUDED, rule=RuleFrom.decision),
        ),
        prepare=decide_conclusion,
    ),
    Transition(
        "close_out",
        (S.under_review,),
        (S.closed_out,),
        Actor.staff,
        (NO_HARD_BINDING_FAILURE,),
        params=(COMMENT_REQUIRED,),
        effects=(ClosePanel(), CloseDue(kinds=(DueKind.expert_scores,)), CONCLUDING),
    ),
    Transition(
        "record_conclusion",
        (S.acceptance_applied,),
        (S.accepted, S.closed_out, S.failed),
        Actor.staff,
        (HIGHER_AUTHORITY,),
        params=(COMMENT, CONCLUSION, DOCUMENT_NO),
        effects=(Assign(field="conclusion_document_no", param="document_no"), CONCLUDING),
    ),
    Transition(
        "reapply",
        (S.rectifying,),
        (S.acceptance_applied,),
        Actor.owner,
        (NEW_ACCEPTANCE_REPORT,),
        effects=(CloseDue(kinds=(DueKind.rectification,)),),
    ),
    Transition(
        "evaluate",
        CONCLUDED,
        (S.evaluated,),
        Actor.staff,
        params=(COMMENT, GRADE),
        # The evaluation settles the project's evaluation duty: every open item closes, whatever its year.
        effects=(Assign(field="evaluation_grade", param="grade"), CloseDue(kinds=(DueKind.annual_evaluation,))),
    ),
    Transition(
        "terminate",
        BEFORE_CONCLUSION,
        (S.terminated,),
        Actor.staff,
        params=(COMMENT_REQUIRED,),
        effects=(Assign(field="termination_reason", param="comment"), CloseDue(), RefuseExtension()),
    ),
    Transition(
        "expire",
        EXPIRABLE,
        (S.failed,),
        Actor.system,
        (DEADLINE_PASSED,),
        effects=(Conclude(when=CONCLUDED, rule=RuleFrom.comment),),
        prepare=list_expired,
    ),
)
BY_TRIGGER: dict[str, Transition] = {t.trigger: t for t in TRANSITIONS}
TRIGGERS: tuple[str, ...] = tuple(BY_TRIGGER)


@dataclass(frozen=True)
class Event:
    """A change to a project that keeps its state but belongs in its history (DESIGN §3): written
    as a history row from and to the same state, under the project row lock, like a transition."""

    name: str
    states: tuple[State, ...]  # the states it happens in


EVENTS: dict[str, Event] = {
    e.name: e
    for e in (
        Event("approve_extension", EXTENDABLE),  # the end date and the acceptance deadline move
        Event("refuse_extension", EXTENDABLE),
        Event("regrade", (S.evaluated,)),  # the final evaluation's grade is changed
        Event("set_indicators", INDICATORS_ADJUSTABLE),  # the task book's indicators are set or adjusted
    )
}
