"""Excel in and out (.xlsx, openpyxl), by job: workbook I/O (workbook), the exports (exports), the
project import (project_import) and the ledger import (ledger_import); columns holds the sheets
and columns they share. The names the pages, the API and the command line use are these."""

from .columns import BUDGET_COLUMNS, INDICATOR_COLUMNS, PROJECT_COLUMNS, SHEETS
from .exports import export_evaluation, export_ledger, export_overdue, export_projects, template
from .ledger_import import import_ledger
from .project_import import ImportResult, import_projects
from .workbook import ImportRefused, current_lang

__all__ = [
    "BUDGET_COLUMNS",
    "INDICATOR_COLUMNS",
    "PROJECT_COLUMNS",
    "SHEETS",
    "ImportRefused",
    "ImportResult",
    "current_lang",
    "export_evaluation",
    "export_ledger",
    "export_overdue",
    "export_projects",
    "import_ledger",
    "import_projects",
    "template",
]
