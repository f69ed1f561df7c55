"""THE project lifecycle: states, the transition table and its guards (DESIGN §3).

Nothing else decides a project's state, and no other module keeps a list of states (`states`).
The package is split by what each part is about:

- `states`: the states in named groups (CONCLUDED, EXTENDABLE, REPORTS_FROZEN, ...);
- `guards`: what a guard may look at (Context) and the guards, reading through projectmgr.facts;
- `table`: the transition table as data, with each transition's parameters and effects;
- `machine`: a table run through `transitions` (a Runner), the project's runner, the parameters' parser;
- `migrate`: the one way into a state other than `approved` that is not a transition — a project
  moved in from a bureau's workbook enters at the state it is in, with one `migrate` history row.

services.transitions runs a transition's effects in the same database transaction as the state
change and its history row. The lifecycle imports nothing from services. Another object's
lifecycle lives in a module of its own beside these (its table, its Runner); the names below are
the project's.
"""

from .guards import (
    ACCEPTANCE_REPORT,
    ALL_SCORED,
    DEADLINE_PASSED,
    HIGHER_AUTHORITY,
    MUNICIPAL,
    NEVER_FOR_THIS_PROJECT,
    NEW_ACCEPTANCE_REPORT,
    NO_HARD_BINDING_FAILURE,
    PANEL_VALID,
    SURVEY_REPORT,
    Context,
    Guard,
)
from .machine import PROJECTS, Runner, failed_checks, fire, mermaid, parse_params, possible_triggers, record_event
from .states import (
    AFTER_CONCLUSION,
    BEFORE_CONCLUSION,
    CERTIFIED,
    CONCLUDED,
    EXPIRABLE,
    EXTENDABLE,
    FINAL,
    INDICATORS_ADJUSTABLE,
    OWES_ACCEPTANCE_APPLICATION,
    PANEL_OPEN,
    REPORT_WINDOWS,
    REPORTS_FROZEN,
    SCORING,
    STARTED,
    UNDER_EXAMINATION,
)
from .table import (
    BY_TRIGGER,
    EVENTS,
    TRANSITIONS,
    TRIGGERS,
    Actor,
    Assign,
    CloseDue,
    ClosePanel,
    Conclude,
    Effect,
    Event,
    FormPanel,
    OpenDue,
    Param,
    RefuseExtension,
    ReopenDue,
    RuleFrom,
    StartRectification,
    Transition,
)

__all__ = [
    "ACCEPTANCE_REPORT",
    "AFTER_CONCLUSION",
    "ALL_SCORED",
    "BEFORE_CONCLUSION",
    "BY_TRIGGER",
    "CERTIFIED",
    "CONCLUDED",
    "DEADLINE_PASSED",
    "EVENTS",
    "EXPIRABLE",
    "EXTENDABLE",
    "FINAL",
    "INDICATORS_ADJUSTABLE",
    "OWES_ACCEPTANCE_APPLICATION",
    "HIGHER_AUTHORITY",
    "MUNICIPAL",
    "NEVER_FOR_THIS_PROJECT",
    "NEW_ACCEPTANCE_REPORT",
    "NO_HARD_BINDING_FAILURE",
    "PANEL_OPEN",
    "PANEL_VALID",
    "PROJECTS",
    "REPORTS_FROZEN",
    "REPORT_WINDOWS",
    "SCORING",
    "STARTED",
    "SURVEY_REPORT",
    "TRANSITIONS",
    "TRIGGERS",
    "UNDER_EXAMINATION",
    "Actor",
    "Assign",
    "CloseDue",
    "ClosePanel",
    "Conclude",
    "Context",
    "Effect",
    "Event",
    "FormPanel",
    "Guard",
    "OpenDue",
    "Param",
    "RefuseExtension",
    "ReopenDue",
    "RuleFrom",
    "Runner",
    "StartRectification",
    "Transition",
    "failed_checks",
    "fire",
    "mermaid",
    "parse_params",
    "possible_triggers",
    "record_event",
]
