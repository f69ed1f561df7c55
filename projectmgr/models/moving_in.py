"""Moving in (API.md "Moving in"): an uploaded bureau workbook waiting for its mapping and commit,
and the column words the bureau mapped before (remembered for its next import)."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import utcnow


class ImportWorkbook(db.Model):
    """One uploaded file: its bytes (read again at each preview), the mapping staff chose, and
    when it was committed."""

    __tablename__ = "import_workbook"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    # The chosen sheet, header row, {letter: field}, unit and defaults (the PUT mapping body).
    mapping: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    committed_at: Mapped[datetime | None]
    # What the commit created and skipped, as the API answered it.
    result: Mapped[dict | None] = mapped_column(JSON)


class ImportColumnWord(db.Model):
    """A header as the bureau writes it (normalised) and the field staff mapped it to; `field`
    None means staff left such a column out. One installation serves one bureau."""

    __tablename__ = "import_column_word"

    header: Mapped[str] = mapped_column(String(200), primary_key=True)
    field: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
