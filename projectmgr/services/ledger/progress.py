"""Hand-entered progress, with evidence stored like an attachment (outside the web root)."""

import hashlib
import os
import secrets
from datetime import date
from decimal import Decimal
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError

from ...errors import NotFound, ValidationFailed
from ...extensions import db
from ...models import LedgerProgress, LedgerTarget, User
from ..attachments import PENDING, clean_filename, detect, storage_dir
from .targets import require_keeper


def add_progress(
    user: User,
    target: LedgerTarget,
    value: Decimal,
    note: str,
    recorded_on: date,
    *,
    filename: str | None = None,
    stream=None,
    max_bytes: int = 20 * 1024 * 1024,
) -> LedgerProgress:
    """A hand-entered progress figure (the value reached so far), with optional evidence checked
    like an attachment (type from the bytes, size limit) and stored outside the web root."""
    require_keeper(user)
    if target.metric is not None:
        raise ValidationFailed.one("value", _("This target's progress is computed from the projects."))
    if value is None or value < 0:
        raise ValidationFailed.one("value", _("Must be 0 or more."))
    entry = LedgerProgress(
        target_id=target.id, value=value, note=(note or "").strip(), recorded_on=recorded_on, recorded_by_id=user.id
    )
    if stream is not None:
        data = stream.read(max_bytes + 1)
        if data:
            if len(data) > max_bytes:
                raise ValidationFailed.one("file", _("The file is larger than %(max)s bytes.", max=max_bytes))
            kind = detect(data)
            if kind is None:
                raise ValidationFailed.one(
                    "file", _("Only PDF, PNG, JPEG and Word/Excel/PowerPoint documents are accepted.")
                )
            directory = evidence_dir()
            directory.mkdir(parents=True, exist_ok=True)
            stored = secrets.token_hex(16)
            path = directory / stored
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            entry.evidence_filename = clean_filename(filename)
            entry.evidence_kind, entry.evidence_content_type = kind.kind, kind.content_type
            entry.evidence_size, entry.evidence_sha256 = len(data), hashlib.sha256(data).hexdigest()
            entry.evidence_stored_name = stored
            # Removed again by services.attachments' rollback hook if the transaction fails.
            db.session.info.setdefault(PENDING, []).append(str(path))
    db.session.add(entry)
    try:
        db.session.flush()
        db.session.expire(target, ["entries"])
    except SQLAlchemyError:
        if entry.evidence_stored_name:
            (evidence_dir() / entry.evidence_stored_name).unlink(missing_ok=True)
        raise
    return entry


def evidence_dir() -> Path:
    return storage_dir() / "ledger"


def find_entry(entry_id: int) -> LedgerProgress:
    entry = db.session.get(LedgerProgress, entry_id)
    if entry is None or entry.evidence_stored_name is None:
        raise NotFound(_("No evidence %(id)s.", id=entry_id))
    return entry
