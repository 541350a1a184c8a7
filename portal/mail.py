"""The portal's one way to send a notification e-mail: rendered now, sent once the transaction commits (never for a
rolled-back action), and silenced inside ``notifications_off()`` (demo seeding: demo addresses receive nothing).

Recipients come from ``User.objects.coordinators_of(...)``, ``agents_of(...)`` and friends, which keep active
accounts only."""

import contextlib
from contextvars import ContextVar

from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string

SUBJECT_PREFIX = "[Portail protocoles] "

_notifications_on: ContextVar[bool] = ContextVar("portal_notifications_on", default=True)


@contextlib.contextmanager
def notifications_off():
    """No notification e-mail from anything called inside this block."""
    token = _notifications_on.set(False)
    try:
        yield
    finally:
        _notifications_on.reset(token)


def notifications_on() -> bool:
    return _notifications_on.get()


def mail_on_commit(
    *, subject: str, template: str, context: dict, recipients, attachments: list[tuple[str, bytes, str]] = ()
) -> bool:
    """Queue one plain-text e-mail to ``recipients`` (addresses; blanks and repeats dropped) for after the commit.
    ``subject`` gets the portal's prefix. Returns whether an e-mail was queued."""
    recipients = sorted({address for address in recipients if address})
    if not recipients or not notifications_on():
        return False
    message = EmailMessage(
        subject=subject if subject.startswith(SUBJECT_PREFIX) else SUBJECT_PREFIX + subject,
        body=render_to_string(template, context),
        to=recipients,
    )
    for attachment in attachments:
        message.attach(*attachment)
    transaction.on_commit(message.send)
    return True
