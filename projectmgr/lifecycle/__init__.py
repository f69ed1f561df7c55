"""THE project lifecycle: states, the transition table and its guards (DESIGN §3).

Nothing else decides a project's state. The table below is data; `transitions` runs it through a
small adapter built per operation around one project (STYLE: never attach a machine to the model).
Side effects of a transition (due items, panels, credit records) live in services.transitions and
run in the same database transaction as the state change and its history row.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import cached_property

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from transitions import Machine, MachineError

from ..errors import GuardFailed, InvalidTransition
from ..models import Level, Project, State, TransitionRecord, User
from ..models.base import utcnow
from ..rules.settings import RuleSettings


class Actor(StrEnum):
    staff = "staff"  # bureau staff and admins
    owner = "owner"  # the project's owner, or any owner of its organization
    system = "system"  # the daily sweep


@dataclass
class Context:
    """What guards may look at: the project, who acts, when, and the trigger's parameters."""

    project: Project
    user: User | None
    as_of: date
    settings: RuleSettings
    params: dict = field(default_factory=dict)
    destination: State | None = None
    comment: str | None = None
    details: dict = field(default_factory=dict)

    @cached_property
    def facts(self):
        from ..models import ReportKind
        from ..services.facts import project_facts

        # A transition acts on the records as they stand, even when it is dated (the sweep's as_of).
        # What decides an acceptance (conclude, close_out) is what the acceptance reports declare.
        return project_facts(self.project, self.settings, report_kind=ReportKind.acceptance)

    # Read once per context: the guards, their explanations and the conclusion share them.
    @cached_property
    def panel_problems(self) -> list[dict]:
        from ..services.panels import panel_problems

        return panel_problems(self.project, self.settings)

    @cached_property
    def unscored(self) -> list:
        from ..services.panels import unscored_members

        return unscored_members(self.project)


@dataclass(frozen=True)
class Guard:
    check: str
    message: str  # a lazy translation: read in the request's language
    test: Callable[[Context], bool]
    # Where a guard stands for several rules, the rules that refuse, each with its own message.
    explain: Callable[[Context], list[dict]] | None = None


@dataclass(frozen=True)
class Transition:
    trigger: str
    sources: tuple[State, ...]
    dests: tuple[State, ...]
    actor: Actor
    guards: tuple[Guard, ...] = ()


# --- guards ---------------------------------------------------------------------------------


def _report_since_state_entered(kind: str) -> Callable[[Context], bool]:
    def test(ctx: Context) -> bool:
        from ..services.facts import has_report_since

        return has_report_since(ctx.project, kind, ctx.project.state_changed_at)

    return test


def _has_acceptance_report(ctx: Context) -> bool:
    from ..services.facts import has_report_since

    return has_report_since(ctx.project, "acceptance", None)


def _panel_problems(ctx: Context) -> list[dict]:
    return ctx.panel_problems


def _panel_valid(ctx: Context) -> bool:
    return not ctx.panel_problems


def _all_scored(ctx: Context) -> bool:
    return not ctx.unscored


def _no_hard_binding_failure(ctx: Context) -> bool:
    return not any(c.severity == "hard" and not c.passed for c in ctx.facts.binding_checks)


def _deadline_passed(ctx: Context) -> bool:
    from ..services.due_items import expired_items

    return bool(expired_items(ctx.project, ctx.as_of))


MUNICIPAL = Guard(
    "municipal_only",
    _l("Only municipal projects are accepted by the bureau's own expert panel."),
    lambda ctx: ctx.project.plan.level == Level.municipal,
)
HIGHER_AUTHORITY = Guard(
    "higher_authority_only",
    _l("Only national and provincial projects have a higher authority's conclusion to record."),
    lambda ctx: ctx.project.plan.level != Level.municipal,
)
SURVEY_REPORT = Guard(
    "survey_report",
    _l("Submit a survey report for this survey window first."),
    _report_since_state_entered("survey"),
)
ACCEPTANCE_REPORT = Guard("acceptance_report", _l("Submit an acceptance report first."), _has_acceptance_report)
NEW_ACCEPTANCE_REPORT = Guard(
    "acceptance_report",
    _l("Submit a new acceptance report after the rectification began."),
    _report_since_state_entered("acceptance"),
)
PANEL_VALID = Guard(
    "panel", _l("The acceptance panel is missing or breaks a panel rule."), _panel_valid, explain=_panel_problems
)
ALL_SCORED = Guard("scores", _l("Every panel member must have scored."), _all_scored)
NO_HARD_BINDING_FAILURE = Guard(
    "binding_hard",
    _l("A hard binding indicator fails; the project cannot be closed out."),
    _no_hard_binding_failure,
)
DEADLINE_PASSED = Guard(
    "deadline",
    _l("No acceptance application or rectification is past its due date."),
    _deadline_passed,
)

S = State
# Conclusions end the "before a conclusion" phase: terminate is possible from any state before one.
_BEFORE_CONCLUSION = (
    S.approved,
    S.in_progress,
    S.mid_year_survey,
    S.survey_submitted,
    S.acceptance_applied,
    S.under_review,
    S.rectifying,
)

TRANSITIONS: tuple[Transition, ...] = (
    Transition("start", (S.approved,), (S.in_progress,), Actor.staff),
    Transition("open_survey", (S.in_progress,), (S.mid_year_survey,), Actor.staff),
    Transition("submit_survey", (S.mid_year_survey,), (S.survey_submitted,), Actor.owner, (SURVEY_REPORT,)),
    Transition("return_survey", (S.survey_submitted,), (S.mid_year_survey,), Actor.staff),
    Transition("accept_survey", (S.survey_submitted,), (S.in_progress,), Actor.staff),
    Transition("apply_acceptance", (S.in_progress,), (S.acceptance_applied,), Actor.owner, (ACCEPTANCE_REPORT,)),
    Transition("form_panel", (S.acceptance_applied,), (S.under_review,), Actor.staff, (MUNICIPAL, PANEL_VALID)),
    # PANEL_VALID again: a member who declared a conflict no longer counts and must be replaced first.
    Transition(
        "conclude",
        (S.under_review,),
        (S.accepted, S.rectifying, S.failed),
        Actor.staff,
        (PANEL_VALID, ALL_SCORED),
    ),
    Transition("close_out", (S.under_review,), (S.closed_out,), Actor.staff, (NO_HARD_BINDING_FAILURE,)),
    Transition(
        "record_conclusion",
        (S.acceptance_applied,),
        (S.accepted, S.closed_out, S.failed),
        Actor.staff,
        (HIGHER_AUTHORITY,),
    ),
    Transition("reapply", (S.rectifying,), (S.acceptance_applied,), Actor.owner, (NEW_ACCEPTANCE_REPORT,)),
    Transition("evaluate", (S.accepted, S.closed_out, S.failed), (S.evaluated,), Actor.staff),
    Transition("terminate", _BEFORE_CONCLUSION, (S.terminated,), Actor.staff),
    Transition(
        "expire",
        (S.in_progress, S.mid_year_survey, S.survey_submitted, S.rectifying),
        (S.failed,),
        Actor.system,
        (DEADLINE_PASSED,),
    ),
)
BY_TRIGGER: dict[str, Transition] = {t.trigger: t for t in TRANSITIONS}
TRIGGERS: tuple[str, ...] = tuple(BY_TRIGGER)


# --- the machine ----------------------------------------------------------------------------


class _Adapter:
    """Gives `transitions` a model whose `state` is the project's column."""

    def __init__(self, project: Project):
        self.project = project

    @property
    def state(self) -> str:
        return self.project.state.value

    @state.setter
    def state(self, value: str) -> None:
        self.project.state = State(value)

    def record(self, event) -> None:
        """after_state_change: the history row, in the same transaction as the change."""
        ctx: Context = event.kwargs["ctx"]
        self.project.state_changed_at = utcnow()
        from ..extensions import db

        db.session.add(
            TransitionRecord(
                project_id=self.project.id,
                trigger=event.event.name,
                from_state=State(event.transition.source),
                to_state=State(event.transition.dest),
                actor_id=ctx.user.id if ctx.user else None,
                comment=ctx.comment,
                details=ctx.details or None,
            )
        )


def _condition(guard: Guard):
    return lambda event: guard.test(event.kwargs["ctx"])


def _destination_is(dest: State):
    # While asking "could I?" no destination is chosen yet: any destination will do.
    return lambda event: event.kwargs["ctx"].destination in (None, dest)


def _machine_transitions() -> list[dict]:
    rows = []
    for t in TRANSITIONS:
        for dest in t.dests:
            conditions = [_condition(g) for g in t.guards]
            if len(t.dests) > 1:
                conditions.append(_destination_is(dest))
            rows.append(
                {
                    "trigger": t.trigger,
                    "source": [s.value for s in t.sources],
                    "dest": dest.value,
                    "conditions": conditions,
                }
            )
    return rows


_MACHINE_TRANSITIONS = _machine_transitions()


def _machine(project: Project) -> tuple[_Adapter, Machine]:
    adapter = _Adapter(project)
    machine = Machine(
        model=adapter,
        states=[s.value for s in State],
        transitions=_MACHINE_TRANSITIONS,
        initial=project.state.value,
        auto_transitions=False,
        send_event=True,
        after_state_change="record",
    )
    return adapter, machine


def failed_checks(transition: Transition, ctx: Context) -> list[dict]:
    """Every guard of the transition that refuses, each named."""
    failures = []
    for guard in transition.guards:
        if guard.test(ctx):
            continue
        failure = {"check": guard.check, "message": str(guard.message)}
        if guard.explain is not None:
            failure["problems"] = guard.explain(ctx)
        failures.append(failure)
    return failures


def fire(trigger: str, ctx: Context) -> None:
    """Run one transition on ctx.project, or raise naming why not. Does not commit."""
    transition = BY_TRIGGER[trigger]
    if ctx.project.state not in transition.sources:
        raise InvalidTransition(
            gettext(
                "'%(trigger)s' is not possible from state '%(state)s'.", trigger=trigger, state=ctx.project.state.value
            )
        )
    failures = failed_checks(transition, ctx)
    if failures:
        raise GuardFailed(failures)
    adapter, _ = _machine(ctx.project)
    try:
        fired = adapter.trigger(trigger, ctx=ctx)
    except MachineError as exc:  # pragma: no cover - sources were checked above
        raise InvalidTransition(str(exc)) from exc
    if not fired:
        # A guard changed its answer between the check and the machine's own run (or no
        # destination matched): refuse rather than guess.
        raise GuardFailed(
            failed_checks(transition, ctx) or [{"check": "destination", "message": gettext("No destination applies.")}]
        )


def possible_triggers(ctx: Context, candidates: Sequence[str]) -> list[str]:
    """The candidates the machine would accept now (`may_<trigger>`), in table order."""
    adapter, _ = _machine(ctx.project)
    return [t for t in candidates if ctx.project.state in BY_TRIGGER[t].sources and adapter.may_trigger(t, ctx=ctx)]


def mermaid() -> str:
    """The lifecycle as a Mermaid stateDiagram-v2, drawn from TRANSITIONS."""
    lines = ["stateDiagram-v2", f"    [*] --> {State.approved.value}"]
    for t in TRANSITIONS:
        for source in t.sources:
            for dest in t.dests:
                lines.append(f"    {source.value} --> {dest.value}: {t.trigger}")
    for final in (State.evaluated, State.terminated):
        lines.append(f"    {final.value} --> [*]")
    return "\n".join(lines) + "\n"
