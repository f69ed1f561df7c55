"""File downloads, shared by the pages and the API: the HTTP part of an export, which the services
hand over as a saved temporary file."""

from flask import Response

from .audit.log import record_export

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(stream, download_name: str) -> Response:
    """Send a saved workbook in chunks and close (delete) its temporary file once sent. Every
    export is recorded in the security log (issue 13 item 7)."""
    record_export(download_name)
    size = stream.seek(0, 2)
    stream.seek(0)

    def chunks():
        try:
            while chunk := stream.read(64 * 1024):
                yield chunk
        finally:
            stream.close()

    response = Response(chunks(), mimetype=XLSX, direct_passthrough=True)
    response.headers["Content-Length"] = str(size)
    response.headers["Content-Disposition"] = f'attachment; filename="{download_name}"'
    response.call_on_close(stream.close)
    return response
