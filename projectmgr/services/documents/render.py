"""HTML to PDF with WeasyPrint: the official documents are Jinja templates (templates/documents/),
rendered in Chinese (the bureau's official language, whatever the reader's page language) and laid
out after GB/T 9704-2012. Fonts come from the system (fontconfig: Noto Serif/Sans CJK); nothing is
fetched from the network and nothing is written to disk."""

from flask import render_template
from flask_babel import force_locale
from weasyprint import HTML


def _no_fetch(url: str, *args, **kwargs):
    """WeasyPrint's URL fetcher: the documents reference no file and no address."""
    raise ValueError(f"documents fetch nothing: {url}")


def render_pdf(template: str, **context) -> bytes:
    with force_locale("zh"):
        html = render_template(f"documents/{template}", **context)
    return HTML(string=html, url_fetcher=_no_fetch, base_url=None).write_pdf()
