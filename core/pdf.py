"""HTML to PDF with WeasyPrint, for every document the portal prints (the minutes, the monthly report).

The stylesheets and fonts a document names are read from `static/` (Noto Sans for Latin script, Tajawal for
Arabic, which Pango and HarfBuzz join and order right to left; see scripts/fetch-fonts). WeasyPrint may open
`file:` addresses only: no http(s) request is ever made for a document.
"""

from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

# The stylesheets and the fonts the templates name, relative to this folder.
ASSETS_DIR = Path(settings.BASE_DIR) / "static"


class PdfRenderError(Exception):
    """WeasyPrint stopped: a file the document needs (stylesheet, font) could not be read, or was refused."""


def pdf_from_template(*, template: str, context: dict, language: str) -> bytes:
    """The PDF of `template` rendered with `context` in `language`."""
    with translation.override(language):
        html = render_to_string(template, context)
    # WeasyPrint takes about 2 s and 40 MB to import: only a process that renders pays for it, not
    # every web process that imports a document module on its way to queueing or serving a document.
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError, URLFetcher

    # A missing font or stylesheet fails the document rather than printing it in some other font.
    fetcher = URLFetcher(allowed_protocols={"file"}, fail_on_errors=True)
    try:
        return HTML(string=html, base_url=ASSETS_DIR.as_uri() + "/", url_fetcher=fetcher).write_pdf()
    except FatalURLFetchingError as error:
        # A BaseException, which would escape a task's handling: the document is marked failed instead.
        raise PdfRenderError(f"{error} ({error.__cause__})") from error
