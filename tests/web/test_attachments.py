"""Project attachments (issue 4 item 2): typed by content, limited in size, stored outside the web
root, downloadable only by those who may see the project, and never half-written."""

import hashlib
import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from projectmgr.extensions import db
from projectmgr.models import Attachment, Role
from projectmgr.services import attachments
from tests.test_panels import applied_project, experts, formed_panel

# --- realistic minimal files ------------------------------------------------------------------


def pdf() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)  # 1×1, 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b"")
    )


def jpeg() -> bytes:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return b"\xff\xd8" + app0 + b"\xff\xdb\x00\x43\x00" + bytes(64) + b"\xff\xd9"


def ooxml(main_part: str, content_type: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            f'content-types"><Override PartName="/{main_part}" ContentType="{content_type}"/></Types>',
        )
        z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
        z.writestr(main_part, '<?xml version="1.0"?><root/>')
    return out.getvalue()


def ole2(stream: str) -> bytes:
    """A compound file header (512 bytes) and one directory sector naming the root and one stream."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16) + struct.pack("<HHHH", 0x3E, 3, 0xFFFE, 9)
    header += bytes(512 - len(header))

    def entry(name: str, kind: int) -> bytes:
        encoded = (name + "\x00").encode("utf-16-le")
        return encoded.ljust(64, b"\x00") + struct.pack("<HB", len(encoded), kind) + bytes(128 - 67)

    return header + entry("Root Entry", 5) + entry(stream, 2) + bytes(256)


ALLOWED = {
    "pdf": ("任务书.pdf", pdf(), "application/pdf"),
    "png": ("现场照片.png", png(), "image/png"),
    "jpeg": ("photo.jpg", jpeg(), "image/jpeg"),
    "docx": (
        "验收报告.docx",
        ooxml("word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "xlsx": (
        "经费决算.xlsx",
        ooxml("xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    "pptx": (
        "汇报.pptx",
        ooxml(
            "ppt/presentation.xml", "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"
        ),
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    "doc": ("旧版报告.doc", ole2("WordDocument"), "application/msword"),
    "xls": ("旧版表格.xls", ole2("Workbook"), "application/vnd.ms-excel"),
}

REFUSED = {
    "exe": b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + bytes(48)
    + b"This program cannot be run in DOS mode.",
    "html": b"<!doctype html><html><body><script>alert(1)</script></body></html>",
    "plain zip": None,  # filled below: a zip without [Content_Types].xml
    "ole2 installer": ole2("\x05SummaryInformation"),
    "text": b"just some text",
}
_zip = io.BytesIO()
with zipfile.ZipFile(_zip, "w") as _z:
    _z.writestr("word/document.xml", "<root/>")
REFUSED["plain zip"] = _zip.getvalue()


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def store(app, tmp_path, monkeypatch):
    """Attachments go to a fresh folder per test."""
    folder = tmp_path / "attachments"
    monkeypatch.setitem(app.config, "ATTACHMENT_DIR", str(folder))
    return folder


def files_in(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def rows() -> int:
    return db.session.scalar(select(func.count(Attachment.id)))


def upload(b, project_id: int, filename: str, data: bytes, content_type: str = "application/pdf"):
    return b.post(
        f"/projects/{project_id}/attachments",
        data={"file": (io.BytesIO(data), filename, content_type)},
        content_type="multipart/form-data",
    )


# --- uploads ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(ALLOWED))
def test_each_allowed_type_is_accepted_and_stored(make, browser, store, kind):
    filename, data, content_type = ALLOWED[kind]
    owner = make.user(Role.owner)
    project = make.project(owner=owner)
    page = upload(browser().login(owner), project.id, filename, data, "application/octet-stream")
    assert page.status_code == 302, page.get_data(as_text=True)[:2000]
    row = db.session.scalar(select(Attachment))
    assert (row.kind, row.content_type, row.size, row.filename) == (kind, content_type, len(data), filename)
    assert row.sha256 == hashlib.sha256(data).hexdigest() and row.uploaded_by_id == owner.id
    (stored,) = files_in(store)
    assert stored.read_bytes() == data
    assert stored.name == row.stored_name and filename not in stored.name and "." not in stored.name


def test_a_png_named_pdf_is_stored_as_png(make, browser, store):
    owner = make.user(Role.owner)
    project = make.project(owner=owner)
    b = browser().login(owner)
    assert upload(b, project.id, "scan.pdf", png(), "application/pdf").status_code == 302
    row = db.session.scalar(select(Attachment))
    assert row.kind == "png" and row.content_type == "image/png"
    with b.get(f"/attachments/{row.id}") as download:
        assert download.status_code == 200 and download.mimetype == "image/png"
        assert "scan.png" in download.headers["Content-Disposition"]


@pytest.mark.parametrize("name", list(REFUSED))
def test_other_content_is_refused_whatever_its_name(make, browser, store, name):
    owner = make.user(Role.owner)
    project = make.project(owner=owner)
    page = upload(browser().login(owner), project.id, "验收材料.pdf", REFUSED[name], "application/pdf")
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert 'id="file-error"' in html and "PDF" in html
    assert rows() == 0 and files_in(store) == []


@pytest.fixture
def small_limit(app, monkeypatch):
    monkeypatch.setitem(app.config, "ATTACHMENT_MAX_BYTES", 2048)
    return 2048


@pytest.mark.parametrize("extra, ok", [(-1, True), (0, True), (1, False), (50_000, False)])
def test_the_size_limit(make, browser, store, small_limit, extra, ok):
    owner = make.user(Role.owner)
    project = make.project(owner=owner)
    data = pdf() + b"%" * (small_limit + extra - len(pdf()))
    page = upload(browser().login(owner), project.id, "big.pdf", data)
    if ok:
        assert page.status_code == 302
        assert rows() == 1 and len(files_in(store)) == 1
    else:
        assert page.status_code == 422
        assert 'id="file-error"' in page.get_data(as_text=True)
        assert rows() == 0 and files_in(store) == []


def test_the_default_limit_is_ten_megabytes(app):
    from config import Config

    assert Config.ATTACHMENT_MAX_BYTES == 10 * 1024 * 1024


@pytest.mark.parametrize("data", [b"", None])
def test_an_empty_or_missing_file_is_refused(make, browser, store, data):
    owner = make.user(Role.owner)
    project = make.project(owner=owner)
    b = browser().login(owner)
    if data is None:
        page = b.post(f"/projects/{project.id}/attachments", data={}, content_type="multipart/form-data")
    else:
        page = upload(b, project.id, "empty.pdf", data)
    assert page.status_code == 422
    assert 'id="file-error"' in page.get_data(as_text=True)
    assert rows() == 0 and files_in(store) == []


def test_only_the_owner_uploads(make, api, browser, store):
    owner = make.user(Role.owner)
    project = make.project(owner=owner)
    colleague = make.user(Role.owner, organization=owner.organization)
    assert upload(browser().login(colleague), project.id, "a.pdf", pdf()).status_code == 302
    staff = make.user(Role.staff)
    assert upload(browser().login(staff), project.id, "a.pdf", pdf()).status_code == 403
    assert upload(browser().login(make.user(Role.owner)), project.id, "a.pdf", pdf()).status_code == 404
    assert rows() == 1 and len(files_in(store)) == 1


def test_filenames_are_sanitised():
    assert attachments.clean_filename("..\\..\\windows/system32/验收 报告.pdf") == "验收 报告.pdf"
    assert attachments.clean_filename('a<b>:"c|?*.pdf\x00') == "abc.pdf"
    assert attachments.clean_filename("../..") == "attachment"
    assert attachments.clean_filename("x" * 300 + ".docx") == "x" * 195 + ".docx"  # 200 characters


# --- storage and transactions -----------------------------------------------------------------


def test_files_are_kept_outside_the_web_root_by_default(app, make, browser, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "ATTACHMENT_DIR", None)
    monkeypatch.setattr(app, "instance_path", str(tmp_path / "instance"))
    owner = make.user(Role.owner)
    project = make.project(owner=owner)
    b = browser().login(owner)
    assert upload(b, project.id, "a.pdf", pdf()).status_code == 302
    (stored,) = files_in(tmp_path / "instance" / "attachments")
    static = Path(app.static_folder).resolve()
    assert static not in stored.resolve().parents
    assert Path(app.root_path).resolve() not in stored.resolve().parents
    assert b.get(f"/static/{stored.name}").status_code == 404


def test_a_failed_insert_leaves_no_file(make, store, monkeypatch):
    owner = make.user(Role.owner)
    project = make.project(owner=owner)

    def broken_flush(*args, **kwargs):
        raise OperationalError("INSERT INTO attachment", {}, Exception("disk full"))

    monkeypatch.setattr(db.session, "flush", broken_flush)
    with pytest.raises(OperationalError):
        attachments.add_attachment(owner, project, "a.pdf", io.BytesIO(pdf()), max_bytes=1000, directory=store)
    monkeypatch.undo()
    db.session.rollback()
    assert files_in(store) == [] and rows() == 0


def test_a_rolled_back_upload_removes_its_file(make, store):
    owner = make.user(Role.owner)
    project = make.project(owner=owner)
    attachments.add_attachment(owner, project, "a.pdf", io.BytesIO(pdf()), max_bytes=1000, directory=store)
    assert len(files_in(store)) == 1
    db.session.rollback()
    assert files_in(store) == [] and rows() == 0

    attachments.add_attachment(owner, project, "b.pdf", io.BytesIO(pdf()), max_bytes=1000, directory=store)
    db.session.commit()
    db.session.rollback()  # a later rollback leaves committed files alone
    assert len(files_in(store)) == 1 and rows() == 1


# --- downloads --------------------------------------------------------------------------------


def test_download_is_for_those_who_may_see_the_project(make, api, browser, store):
    case = applied_project(make, api)
    members = experts(make, 5)
    formed_panel(case, members)
    filename, data, content_type = ALLOWED["docx"]
    assert upload(browser().login(case.owner), case.pid, filename, data).status_code == 302
    row = db.session.scalar(select(Attachment))
    url = f"/attachments/{row.id}"
    for user in (case.owner, case.staff, members[0], make.user(Role.leader)):
        with browser().login(user).get(url) as r:
            assert r.status_code == 200, user.role
            assert r.data == data
            assert r.mimetype == content_type
            assert r.headers["Content-Disposition"].startswith("attachment;")
            assert "filename*=UTF-8''%E9%AA%8C%E6%94%B6" in r.headers["Content-Disposition"]  # 验收报告.docx
            assert r.headers["X-Content-Type-Options"] == "nosniff"
    for user in (make.user(Role.owner), make.user(Role.expert)):
        assert browser().login(user).get(url).status_code == 404, user.role
    assert browser().login(case.owner).get("/attachments/999999").status_code == 404
    assert browser().get(url).status_code == 302  # not signed in: to the sign-in page


def test_the_project_page_lists_attachments_and_offers_the_form_to_the_owner_only(make, browser, store):
    owner = make.user(Role.owner)
    project = make.project(owner=owner)
    b = browser().login(owner)
    assert upload(b, project.id, "任务书.pdf", pdf()).status_code == 302
    row = db.session.scalar(select(Attachment))
    html = b.get(f"/projects/{project.id}").get_data(as_text=True)
    assert f'href="/attachments/{row.id}"' in html and "任务书.pdf" in html
    assert 'enctype="multipart/form-data"' in html and 'name="file"' in html
    staff_html = browser().login(make.user(Role.staff)).get(f"/projects/{project.id}").get_data(as_text=True)
    assert f'href="/attachments/{row.id}"' in staff_html
    assert 'enctype="multipart/form-data"' not in staff_html
