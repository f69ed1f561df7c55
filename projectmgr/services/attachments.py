"""Project attachments (issue 4): the owner's files, typed by their content, stored outside the web
root under a random name. The row and the file are written together: a refusal leaves neither, and a
file whose row is rolled back is removed."""

import hashlib
import io
import os
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import event, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, joinedload

from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..models import Attachment, Project, User
from ..permissions import can_record_for_project, can_view_project, require


@dataclass(frozen=True)
class FileType:
    kind: str
    content_type: str
    extensions: tuple[str, ...]


TYPES = {
    t.kind: t
    for t in (
        FileType("pdf", "application/pdf", ("pdf",)),
        FileType("png", "image/png", ("png",)),
        FileType("jpeg", "image/jpeg", ("jpg", "jpeg")),
        FileType("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ("docx",)),
        FileType("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ("xlsx",)),
        FileType("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation", ("pptx",)),
        FileType("doc", "application/msword", ("doc",)),
        FileType("xls", "application/vnd.ms-excel", ("xls",)),
    )
}

PDF_MAGIC = b"%PDF-"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# The part that names an Office Open XML document's kind.
OOXML_MAIN_PARTS = (("word/document.xml", "docx"), ("xl/workbook.xml", "xlsx"), ("ppt/presentation.xml", "pptx"))
# Stream names (UTF-16LE in the compound file's directory) of a Word and an Excel 97-2003 file.
OLE2_STREAMS = (
    ("WordDocument".encode("utf-16-le"), "doc"),
    ("Workbook".encode("utf-16-le"), "xls"),
    ("Book".encode("utf-16-le"), "xls"),
)

PENDING = "attachments.pending_files"


def detect(data: bytes) -> FileType | None:
    """The type of a file from its bytes alone (never its name or the browser's word), or None."""
    if data.startswith(PDF_MAGIC):
        return TYPES["pdf"]
    if data.startswith(PNG_MAGIC):
        return TYPES["png"]
    if data.startswith(JPEG_MAGIC):
        return TYPES["jpeg"]
    if data.startswith(ZIP_MAGIC):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except (zipfile.BadZipFile, ValueError):
            return None
        if "[Content_Types].xml" not in names:
            return None
        return next((TYPES[kind] for part, kind in OOXML_MAIN_PARTS if part in names), None)
    if data.startswith(OLE2_MAGIC):
        # Other compound files (installers, legacy PowerPoint, mail) are not accepted.
        return next((TYPES[kind] for stream, kind in OLE2_STREAMS if stream in data), None)
    return None


def clean_filename(name: str | None) -> str:
    """The last path component, without control or reserved characters; Chinese names are kept."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] not in "CZ" or ch == " ")
    name = "".join(ch for ch in name if ch not in '<>:"|?*').strip().strip(".").strip()
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = stem[: 199 - len(ext)] + dot + ext if dot and len(ext) <= 10 else name[:200]
    return name or "attachment"


def download_name(attachment: Attachment) -> str:
    """The original name, with the detected type's extension when the name claimed another one."""
    kind = TYPES[attachment.kind]
    stem, dot, ext = attachment.filename.rpartition(".")
    if dot and ext.lower() in kind.extensions:
        return attachment.filename
    return f"{stem if dot else attachment.filename}.{kind.extensions[0]}"


def file_path(attachment: Attachment, directory: Path) -> Path:
    return Path(directory) / attachment.stored_name


def attachments_of(project: Project) -> list[Attachment]:
    return list(
        db.session.scalars(
            select(Attachment)
            .options(joinedload(Attachment.uploaded_by))
            .where(Attachment.project_id == project.id)
            .order_by(Attachment.uploaded_at, Attachment.id)
        )
    )


def _refuse(code: str, message: str) -> ValidationFailed:
    return ValidationFailed([{"field": "file", "code": code, "message": message}])


def add_attachment(
    user: User, project: Project, filename: str | None, stream, *, max_bytes: int, directory
) -> Attachment:
    """Check and store one uploaded file for the project. Flushes, never commits; the file is removed
    again if the row does not make it into the database."""
    require(can_record_for_project(user, project), _("Only the project's owner attaches files."))
    data, kind = read_upload(stream, max_bytes)
    return store_upload(
        directory,
        data,
        kind,
        filename,
        user,
        lambda **common: Attachment(project_id=project.id, kind=kind.kind, **common),
    )


def read_upload(stream, max_bytes: int):
    """The uploaded bytes and their detected file type; refused (field "file") when empty, too large
    or not one of the accepted types."""
    data = stream.read(max_bytes + 1)
    if not data:
        raise _refuse("empty", _("The file is empty."))
    if len(data) > max_bytes:
        raise _refuse("too_large", _("The file is larger than %(max)s bytes.", max=max_bytes))
    kind = detect(data)
    if kind is None:
        raise _refuse("type", _("Only PDF, PNG, JPEG and Word/Excel/PowerPoint documents are accepted."))
    return data, kind


def store_upload(directory, data: bytes, file_type: FileType, filename: str | None, user: User, make_row):
    """Write the bytes under a fresh random name in the directory and add the row make_row(**common)
    builds (common: the file's name, type, size, hash, stored name and uploader). Flushes, never commits; the file is removed again if the row does not make it into the
    database."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    stored_name = secrets.token_hex(16)
    path = directory / stored_name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        row = make_row(
            filename=clean_filename(filename),
            content_type=file_type.content_type,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            stored_name=stored_name,
            uploaded_by_id=user.id,
        )
        db.session.add(row)
        db.session.flush()
    except (OSError, SQLAlchemyError):
        path.unlink(missing_ok=True)
        raise
    # Removed by the rollback hook below if the transaction does not commit.
    db.session.info.setdefault(PENDING, []).append(str(path))
    return row


@event.listens_for(Session, "after_commit")
def _keep_files(session: Session) -> None:
    session.info.pop(PENDING, None)


@event.listens_for(Session, "after_soft_rollback")
def _discard_files(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is not None:
        return
    for path in session.info.pop(PENDING, []):
        Path(path).unlink(missing_ok=True)


def storage_dir() -> Path:
    """ATTACHMENT_DIR, else <instance>/attachments: never under the static folder."""
    return Path(current_app.config.get("ATTACHMENT_DIR") or Path(current_app.instance_path) / "attachments")


def find_attachment(user: User, attachment_id: int) -> Attachment:
    """The attachment, if the user may see its project; NotFound otherwise."""
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or not can_view_project(user, attachment.project):
        raise NotFound(_("No attachment %(id)s.", id=attachment_id))
    return attachment
