"""Uploaded documents: checked by content (magic bytes), size-limited, stored privately, served through views only.

A file is accepted when its first bytes say PDF, JPEG or PNG, whatever its name. It is stored under
``MEDIA_ROOT/private/<folder>/<year>/<random>.<ext>`` (a name nobody can guess; MEDIA_ROOT is never served as a
URL) and read back only through a view that found its owner with ``visible_to``.
"""

import hashlib
import secrets
from dataclasses import dataclass
from pathlib import PurePath

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.deconstruct import deconstructible

from portal.downloads import file_response, safe_filename

SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)
ACCEPTED_LABEL = "PDF, JPEG ou PNG"


@dataclass(frozen=True)
class CheckedUpload:
    content_type: str
    extension: str
    sha256: str
    size: int
    original_name: str


def sniff(head: bytes) -> tuple[str, str] | None:
    for signature, content_type, extension in SIGNATURES:
        if head.startswith(signature):
            return content_type, extension
    return None


def check_upload(uploaded) -> CheckedUpload:
    """Validate an uploaded file by its content and size; raise a French ``ValidationError`` otherwise."""
    limit = settings.UPLOAD_MAX_BYTES
    if uploaded.size > limit:
        raise ValidationError(
            f"Le fichier dépasse la taille maximale de {limit // (1024 * 1024)} Mo.", code="file_too_large"
        )
    if uploaded.size == 0:
        raise ValidationError("Le fichier est vide.", code="file_empty")
    uploaded.seek(0)
    kind = sniff(uploaded.read(16))
    if kind is None:
        raise ValidationError(
            f"Ce fichier n'est pas un {ACCEPTED_LABEL} (son contenu a été vérifié, pas seulement son nom).",
            code="file_type",
        )
    uploaded.seek(0)
    digest = hashlib.sha256()
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    return CheckedUpload(kind[0], kind[1], digest.hexdigest(), uploaded.size, safe_filename(uploaded.name))


def private_path(folder: str, extension: str) -> str:
    return f"private/{folder}/{timezone.now():%Y}/{secrets.token_hex(16)}{extension}"


@deconstructible
class PrivateUploadTo:
    """``upload_to`` for a FileField: a random name under the folder, keeping only a known extension."""

    def __init__(self, folder: str):
        self.folder = folder

    def __call__(self, instance, filename):
        extension = PurePath(filename).suffix.lower()
        if extension not in {signature[2] for signature in SIGNATURES} | {".jpeg", ".csv", ".xlsx"}:
            extension = ""
        return private_path(self.folder, extension)

    def __eq__(self, other):
        return isinstance(other, PrivateUploadTo) and other.folder == self.folder


def private_upload_to(folder: str) -> PrivateUploadTo:
    return PrivateUploadTo(folder)


class DocumentField(forms.FileField):
    """A form field that accepts only PDF/JPEG/PNG by content and within the size limit.

    After validation, ``field.checked`` metadata is available on the cleaned file as ``file.checked``.
    """

    default_error_messages = {"required": "Joignez un fichier."}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("help_text", f"{ACCEPTED_LABEL}, {settings.UPLOAD_MAX_BYTES // (1024 * 1024)} Mo maximum.")
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("accept", ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png")

    def clean(self, data, initial=None):
        uploaded = super().clean(data, initial)
        if uploaded and uploaded is not initial and hasattr(uploaded, "chunks"):
            uploaded.checked = check_upload(uploaded)
        return uploaded


def serve_private_file(fieldfile, download_name: str, *, inline: bool = False):
    """Send a stored file to a user who was already allowed to see its owner."""
    response = file_response(fieldfile.open("rb"), download_name, inline=inline)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
