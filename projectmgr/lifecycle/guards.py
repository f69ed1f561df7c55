"""What a transition's guards look at (the Context) and the guards themselves (DESIGN §3).

The guards read through projectmgr.facts, below services: the lifecycle imports nothing from
services. Each guard runs at most once per Context (its verdict is kept), and so does each read
behind it (panel problems, unscored members, expired items, the acceptance figures)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from flask_babel import lazy_gettext as _l

from ..facts.due import expired_items
from ..facts.figures import ProjectFacts, has_report_since, project_facts
from ..facts.panels import DecisionView, decide, panel_problems, unscored_members
from ..models import DueItem, Level, Project, ReportKind, State, User
from ..permissions import SystemActor
from ..rules.settings import RuleSettings


@dataclass
class Context:
    """What guards may look at: the project, who acts, when, and the trigger's parameters."""

    project: Project
    user: User | SystemActor | None
    as_of: date
    settings: RuleSettings
    trigger: str | None = None  # the transition being fired (None: asking what could be)
    params: dict = field(default_factory=dict)
    destination: State | None = None
    comment: str | None = None
    details: dict = field(default_factory=dict)
    verdicts: dict = field(default_factory=dict)  # id(guard) -> its answer, asked once

    @cached_property
    def facts(self) -> ProjectFacts:
        # A transition acts on the records as they stand, even when it is dated (the sweep's as_of).
        # What decides an acceptance (conclude, close_out) is what the acceptance reports declare.
        return project_facts(self.project, self.settings, report_kind=ReportKind.acceptance)

    # Read once per context: the guards, their explanations and the conclusion share them.
    @cached_property
    def panel_problems(self) -> list[dict]:
        return panel_problems(self.project, self.settings)

    @cached_property
    def unscored(self) -> list:
        return unscored_members(self.project)

    @cached_property
    def expired(self) -> list[DueItem]:
        """The acceptance application or rectification past its due date on as_of."""
        return expired_items(self.project, self.as_of)

    def passes(self, guard: "Guard") -> bool:
        key = id(guard)
        if key not in self.verdicts:
            self.verdicts[key] = guard.test(self)
        return self.verdicts[key]


@dataclass(frozen=True)
class Guard:
    check: str
    message: str  # a lazy translation: read in the request's language
    test: Callable[[Context], bool]
    # Where a guard stands for several rules, the rules that refuse, each with its own message.
    explain: Callable[[Context], list[dict]] | None = None


def _report_since_state_entered(kind: str) -> Callable[[Context], bool]:
    def test(ctx: Context) -> bool:
        return has_report_since(ctx.project, kind, ctx.project.state_changed_at)

    return test


def _has_acceptance_report(ctx: Context) -> bool:
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
    return bool(ctx.expired)


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

# Guards that depend on what the project is, not on what has been done.
NEVER_FOR_THIS_PROJECT = frozenset({MUNICIPAL.check, HIGHER_AUTHORITY.check})


# --- readings: what a transition works out before it fires ----------------------------------


def decide_conclusion(ctx: Context) -> DecisionView | None:
    """conclude: the destination is computed by the conclusion rules, never chosen by hand. Only
    once the guards would pass (a valid, fully scored panel): otherwise they refuse, naming the
    panel, and there is nothing to aggregate (every member may have stepped aside)."""
    if ctx.panel_problems or ctx.unscored:
        return None
    decision = decide(ctx.project, ctx.settings, ctx.facts)
    ctx.destination = State(decision.outcome)
    ctx.details = {"rule": decision.rule, "reason": decision.reason, **decision.figures}
    ctx.comment = ctx.comment or decision.reason
    return decision


def list_expired(ctx: Context) -> None:
    """expire: the history names every obligation missed."""
    expired = ctx.expired
    ctx.details = {"expired": [{"kind": i.kind.value, "due_date": i.due_date.isoformat()} for i in expired]}
    ctx.comment = "Deemed failed: " + "; ".join(
        f"{i.kind.value.replace('_', ' ')} due {i.due_date} not met" for i in expired
    )
