"""Names of the files the portal sends: one helper builds every ``Content-Disposition`` header (RFC 6266).

A name can come from a user (an uploaded file's original name, a protocol code, a structure's name): it is reduced
to its last path component, stripped of control characters (CR, LF…), quotes, backslashes and semicolons, and sent
twice — an ASCII ``filename="…"`` for old clients, and ``filename*=UTF-8''…`` (RFC 5987) keeping accents.
"""

import mimetypes
import re
import unicodedata
from pathlib import PurePath
from urllib.parse import quote

from django.http import FileResponse

DEFAULT_NAME = "document"
MAX_LENGTH = 150
# Characters no file name keeps: path separators, Windows' reserved ones, and those that would end or split the
# header's parameter (quote, semicolon, backslash).
_FORBIDDEN = set('<>:"/\\|?*;')
_ASCII_UNSAFE = re.compile(r"[^A-Za-z0-9 ._()\[\]+,=@'-]")


def safe_filename(name: str | None, default: str = DEFAULT_NAME) -> str:
    """The name shown and offered on download: no directories, no control characters, bounded length."""
    base = PurePath((name or "").replace("\\", "/")).name
    cleaned = "".join(
        char if char.isprintable() and char not in _FORBIDDEN else (" " if char.isspace() else "") for char in base
    )
    cleaned = " ".join(cleaned.split()).strip(" .")
    return (cleaned or default)[:MAX_LENGTH]


def ascii_filename(name: str) -> str:
    """The ASCII fallback of a safe name: accents dropped (é → e), any other character replaced by ``_``."""
    decomposed = unicodedata.normalize("NFKD", name)
    letters = "".join(char for char in decomposed if not unicodedata.combining(char))
    fallback = _ASCII_UNSAFE.sub("_", letters).strip(" .")
    return fallback or DEFAULT_NAME


def content_disposition(name: str | None, *, inline: bool = False) -> str:
    """The ``Content-Disposition`` value for a file offered as ``name`` (attachment, or shown in the browser)."""
    safe = safe_filename(name)
    fallback = ascii_filename(safe)
    value = f'{"inline" if inline else "attachment"}; filename="{fallback}"'
    if fallback != safe:
        value += f"; filename*=UTF-8''{quote(safe, safe='')}"
    return value


def attach(response, name: str | None, *, inline: bool = False):
    """Offer ``response`` as a file named ``name``; returns the response."""
    response["Content-Disposition"] = content_disposition(name, inline=inline)
    return response


def file_response(filelike, name: str | None, *, inline: bool = False, content_type: str | None = None):
    """A streamed file named ``name`` (its type guessed from the name unless given)."""
    safe = safe_filename(name)
    if content_type is None:
        content_type = mimetypes.guess_type(safe)[0] or "application/octet-stream"
    response = FileResponse(filelike, content_type=content_type)
    return attach(response, safe, inline=inline)
