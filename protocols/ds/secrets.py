"""The regions' DS API tokens, encrypted at rest (Fernet: AES-128-CBC + HMAC-SHA256).

The key is derived from ``SECRET_KEY`` with HKDF, under a label of its own, so a database dump alone does not give
the token. Rotating ``SECRET_KEY`` makes stored tokens unreadable: the reading then fails with a clear message and
the regional admin enters the token again (docs/decisions.md). The token is never shown back on any page.
"""

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


class UnreadableToken(Exception):
    """The stored token was encrypted with another key (``SECRET_KEY`` changed)."""


def _fernet() -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"portal:ds-api-token").derive(
        settings.SECRET_KEY.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt_token(token: str) -> str:
    return _fernet().encrypt(token.encode()).decode()


def decrypt_token(stored: str) -> str:
    try:
        return _fernet().decrypt(stored.encode()).decode()
    except InvalidToken as error:
        raise UnreadableToken from error
