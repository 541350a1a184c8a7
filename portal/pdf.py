"""PDFs from Django templates through WeasyPrint.

Only static files of the portal can be fetched while rendering (no network, no media, no cookies), so a template
never leaks a request nor fetches outside content. WeasyPrint is imported on first use: the portal starts without
the system libraries it needs (pango), which only PDF generation requires.
"""

import hashlib
import mimetypes

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string


class PdfUnavailable(RuntimeError):
    """WeasyPrint cannot run here (missing pango/harfbuzz): the message says what to install."""


def _static_only_fetcher(url: str, *args, **kwargs):
    prefix = "static:"
    if not url.startswith(prefix):
        raise ValueError(f"Ressource refusée dans un PDF : {url}")
    path = finders.find(url[len(prefix) :])
    if not path:
        raise ValueError(f"Fichier statique introuvable : {url}")
    mime_type, _ = mimetypes.guess_type(path)
    with open(path, "rb") as fh:
        return {"string": fh.read(), "mime_type": mime_type or "application/octet-stream"}


def html_to_pdf(html: str) -> bytes:
    try:
        from weasyprint import HTML
    except OSError as exc:  # pragma: no cover - depends on the machine's libraries
        raise PdfUnavailable(
            "La génération de PDF demande les bibliothèques pango et harfbuzz (paquets Debian libpango-1.0-0, "
            "libpangoft2-1.0-0, libharfbuzz-subset0) et une police (fonts-dejavu-core)."
        ) from exc
    return HTML(string=html, base_url="static:", url_fetcher=_static_only_fetcher).write_pdf()


def render_pdf(template_name: str, context: dict) -> bytes:
    """Render a template (usually extending ``pdf/base.html``) to PDF bytes."""
    return html_to_pdf(render_to_string(template_name, context))


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
