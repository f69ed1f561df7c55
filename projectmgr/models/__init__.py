"""The domain model: one module per aggregate."""

from . import search  # noqa: F401, E402 - the search index DDL hooks
from .application import (  # noqa: F401
    Application,
    ApplicationAttachment,
    ApplicationBudgetLine,
    ApplicationIndicator,
    ApplicationState,
    ApplicationTransition,
    AttachmentKind,
    Call,
    Objection,
    Outcome,
    UpwardRecommendation,
)
from .attachment import Attachment  # noqa: F401
from .data_version import DataVersion  # noqa: F401
from .document import Certificate  # noqa: F401
from .enums import (  # noqa: F401
    Aggregation,
    Category,
    DueKind,
    ExtensionStatus,
    Flag,
    FundSource,
    Grade,
    Level,
    OrgKind,
    Recommendation,
    ReportKind,
    Role,
    State,
)
from .evaluation import Evaluation, EvaluationChange  # noqa: F401
from .extension import ExtensionRequest  # noqa: F401
from .funds import BudgetLine, Disbursement, Expenditure, SelfRaisedArrival  # noqa: F401
from .ledger import LedgerProgress, LedgerTarget  # noqa: F401
from .moving_in import ImportColumnWord, ImportWorkbook  # noqa: F401
from .notification import EmailStatus, Notification  # noqa: F401
from .organization import CreditRecord, Organization  # noqa: F401
from .plan import Plan  # noqa: F401
from .project import Indicator, Project  # noqa: F401
from .report import IndicatorValue, Report  # noqa: F401
from .review import Panel, PanelMember, Score  # noqa: F401
from .security import SecurityEvent, SecuritySettings  # noqa: F401
from .tracking import DueItem, TransitionRecord  # noqa: F401
from .user import ApiToken, ExpertConflict, ExpertProfile, RecoveryCode, User  # noqa: F401
