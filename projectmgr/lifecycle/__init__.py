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
the project's, those that modules outside the package ask for. The guards' checks and the effect
types are imported from `guards` and `table` themselves.
"""

from .guards import MUNICIPAL, Context
from .machine import failed_checks, fire, mermaid, parse_params, possible_triggers, record_event
from .states import (
    AFTER_CONCLUSION,
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
)
from .table import BY_TRIGGER, TRANSITIONS, TRIGGERS, Actor

__all__ = [
    "AFTER_CONCLUSION",
    "BY_TRIGGER",
    "CERTIFIED",
    "CONCLUDED",
    "EXPIRABLE",
    "EXTENDABLE",
    "FINAL",
    "INDICATORS_ADJUSTABLE",
    "MUNICIPAL",
    "OWES_ACCEPTANCE_APPLICATION",
    "PANEL_OPEN",
    "REPORTS_FROZEN",
    "REPORT_WINDOWS",
    "SCORING",
    "STARTED",
    "TRANSITIONS",
    "TRIGGERS",
    "Actor",
    "Context",
    "failed_checks",
    "fire",
    "mermaid",
    "parse_params",
    "possible_triggers",
    "record_event",
]
