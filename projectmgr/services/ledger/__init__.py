"""The target ledger (目标台账, DESIGN §10): yearly targets decomposed to a responsible staff member
each, progress computed from the projects by named metrics or entered by hand with evidence.

metrics: what is computed from the projects; targets: the targets themselves; progress: hand-entered
figures and their evidence; tree: the ledger as it stands on a day; demo: the demo's targets."""

from .demo import DEMO_TARGETS, load_demo_targets
from .metrics import METRICS, Metric
from .progress import add_progress, evidence_dir, find_entry
from .targets import TargetInput, create_target, find_target, target_errors, update_target, years
from .tree import TargetView, entry_json, flatten, ledger, view_json, view_of

__all__ = [
    "DEMO_TARGETS",
    "METRICS",
    "Metric",
    "TargetInput",
    "TargetView",
    "add_progress",
    "create_target",
    "entry_json",
    "evidence_dir",
    "find_entry",
    "find_target",
    "flatten",
    "ledger",
    "load_demo_targets",
    "target_errors",
    "update_target",
    "view_json",
    "view_of",
    "years",
]
