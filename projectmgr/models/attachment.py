from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .columns import ProjectPart, StoredFileColumns


class Attachment(ProjectPart, StoredFileColumns, db.Model):
    """A file an owner attached to a project (申报/验收材料). The bytes live outside the web root
    under a random name (services.attachments); the row keeps what was detected from the content."""

    __tablename__ = "attachment"
    __table_args__ = (CheckConstraint("size > 0", name="size_positive"),)

    # from ProjectPart: id, project_id
    filename: Mapped[str] = mapped_column(String(200))  # the original name, sanitised, for display
    kind: Mapped[str] = mapped_column(String(16))  # detected from the bytes: pdf, png, jpeg, docx, …
    # content_type, size, sha256, stored_name, uploaded_by_id, uploaded_at: StoredFileColumns

    project: Mapped["Project"] = relationship()  # noqa: F821
    uploaded_by: Mapped["User"] = relationship()  # noqa: F821
