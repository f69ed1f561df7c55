"""The three steps both faces walk: upload a file (stored, its sheets and headers found, the
mapping suggested), map it (remembered for the bureau's next import) and see the preview, commit."""

import hashlib
from datetime import date

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from ...errors import Conflict, NotFound, ValidationFailed
from ...extensions import db
from ...models import ImportColumnWord, ImportWorkbook, Organization, Plan, Role, User
from ...models.base import utcnow
from ...permissions import can_import_projects, require
from ...rules.credit_code import is_valid_credit_code, normalize_credit_code
from ...rules.settings import RuleSettings
from ..excel.workbook import ImportRefused
from .commit import write
from .fields import match_field
from .preview import Mapping, Preview, preview
from .reading import find_header, header_key, read_file

EXTENSIONS = (".xlsx", ".csv")
MAX_NAME = 255


def _staff(user: User) -> None:
    require(can_import_projects(user), _("Only bureau staff import projects."))


def remembered() -> dict[str, str | None]:
    return {w.header: w.field for w in db.session.scalars(select(ImportColumnWord))}


def suggest(header: str, memory: dict) -> str | None:
    key = header_key(header)
    return memory[key] if key in memory else match_field(header)


def sheets_json(workbook: ImportWorkbook) -> list[dict]:
    """Every sheet with its header row and each column's suggested field."""
    memory = remembered()
    out = []
    for sheet in read_file(workbook.filename, workbook.content):
        header = find_header(sheet)
        columns = []
        if header is not None:
            columns = [
                {"letter": letter, "header": text, "suggested_field": suggest(text, memory)}
                for letter, text in header.columns
            ]
        out.append(
            {
                "name": sheet.name,
                "header_row": header.row if header else None,
                "header_rows": header.rows if header else None,
                "columns": columns,
                "rows": len(sheet.rows) - header.data_start + 1 if header else 0,
            }
        )
    return out


def upload(user: User, filename: str | None, content: bytes) -> tuple[ImportWorkbook, list[dict]]:
    """Store the file once it reads; refuse (naming why) a file that does not."""
    _staff(user)
    name = (filename or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1].strip()[:MAX_NAME]
    if not name.lower().endswith(EXTENSIONS):
        raise ValidationFailed.one("file", _("Upload an .xlsx workbook or a .csv file."))
    workbook = ImportWorkbook(
        filename=name, content=content, sha256=hashlib.sha256(content).hexdigest(), uploaded_by_id=user.id
    )
    sheets = sheets_json(workbook)  # raises ImportRefused for a file that cannot be read
    db.session.add(workbook)
    db.session.flush()
    return workbook, sheets


def earlier_import(workbook: ImportWorkbook) -> ImportWorkbook | None:
    """The same file, committed before."""
    return db.session.scalar(
        select(ImportWorkbook)
        .where(
            ImportWorkbook.sha256 == workbook.sha256,
            ImportWorkbook.id != workbook.id,
            ImportWorkbook.committed_at.is_not(None),
        )
        .order_by(ImportWorkbook.committed_at.desc())
        .limit(1)
    )


def find_workbook(user: User, workbook_id: int) -> ImportWorkbook:
    _staff(user)
    workbook = db.session.get(ImportWorkbook, workbook_id)
    if workbook is None:
        raise NotFound(_("No such uploaded workbook."))
    return workbook


def _remember(preview: Preview, mapping: Mapping) -> None:
    if preview.header is None:
        return
    headers = dict(preview.header.columns)
    memory = {w.header: w for w in db.session.scalars(select(ImportColumnWord))}
    for letter, fld in mapping.columns.items():
        if letter not in headers:
            continue
        key = header_key(headers[letter])
        if not key:
            continue
        word = memory.get(key)
        if word is None:
            memory[key] = word = ImportColumnWord(header=key)
            db.session.add(word)
        word.field = fld
        word.updated_at = utcnow()


def set_mapping(user: User, workbook_id: int, mapping: Mapping, as_of: date) -> Preview:
    """Save the mapping (and the bureau's words for next time) and answer the preview."""
    workbook = find_workbook(user, workbook_id)
    workbook.mapping = mapping.as_json()
    result = preview(read_file(workbook.filename, workbook.content), mapping, as_of)
    _remember(result, mapping)
    db.session.flush()
    return result


def saved_mapping(workbook: ImportWorkbook) -> Mapping | None:
    if not workbook.mapping:
        return None
    return Mapping(**workbook.mapping)


def current_preview(user: User, workbook_id: int, as_of: date) -> Preview | None:
    workbook = find_workbook(user, workbook_id)
    mapping = saved_mapping(workbook)
    if mapping is None:
        return None
    return preview(read_file(workbook.filename, workbook.content), mapping, as_of)


def commit(user: User, workbook_id: int, as_of: date, settings: RuleSettings) -> dict:
    """All or nothing: ImportRefused with every error of the preview, or every project written."""
    workbook = find_workbook(user, workbook_id)
    mapping = saved_mapping(workbook)
    if mapping is None:
        raise ValidationFailed.one("mapping", _("Choose the sheet and map its columns first."))
    result = preview(read_file(workbook.filename, workbook.content), mapping, as_of)
    if result.errors:
        raise ImportRefused(result.errors)
    created = write(
        user, result, workbook.filename, as_of, settings, (mapping.defaults or {}).get("responsible_staff_id")
    )
    answer = created.as_json()
    if not created.projects and created.skipped_existing:
        answer["message"] = ngettext(
            "The file's project exists already: nothing was created.",
            "All %(num)s projects of the file exist already: nothing was created.",
            created.skipped_existing,
        )
    workbook.committed_at = utcnow()
    workbook.result = answer
    db.session.flush()
    return answer


def default_choices() -> tuple[list, list]:
    """The plans and the bureau staff a mapping's defaults may name."""
    plans = list(db.session.scalars(select(Plan).order_by(Plan.year.desc(), Plan.name)))
    staff = list(
        db.session.scalars(
            select(User)
            .where(User.role.in_((Role.staff, Role.admin)), User.active.is_(True))
            .order_by(User.display_name)
        )
    )
    return plans, staff


def organizations_without_code() -> list[Organization]:
    return list(
        db.session.scalars(select(Organization).where(Organization.credit_code.is_(None)).order_by(Organization.name))
    )


def fill_credit_code(user: User, organization_id: int, credit_code: str) -> Organization:
    """Staff fill in the code of an organization moved in without one (checked as at registration)."""
    _staff(user)
    org = db.session.get(Organization, organization_id)
    if org is None:
        raise NotFound(_("No such organization."))
    if org.credit_code is not None:
        raise Conflict(_("This organization has its credit code already."))
    code = normalize_credit_code(credit_code or "")
    if not is_valid_credit_code(code):
        raise ValidationFailed.one(
            "credit_code", _("Not a valid unified social credit code (GB 32100-2015 check digit).")
        )
    if db.session.scalar(select(Organization.id).where(Organization.credit_code == code)):
        raise Conflict(_("An organization with credit code %(code)s exists already.", code=code))
    org.credit_code = code
    db.session.flush()
    return org
