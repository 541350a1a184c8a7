"""E-mails of the dossier's life, sent after the transaction commits (never for a rolled-back change)."""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from portal.models import User
from portal.roles import Role

SUBJECT_PREFIX = "[Portail protocoles] "


def structure_coordinators(dossier) -> list[str]:
    return list(
        User.objects.filter(
            structure_memberships__structure_id=dossier.structure_id,
            structure_memberships__role=Role.COORDINATOR,
            is_active=True,
        )
        .order_by("email")
        .values_list("email", flat=True)
        .distinct()
    )


def region_instructors(dossier) -> list[str]:
    return list(
        User.objects.filter(
            region_memberships__region_id=dossier.campaign.region_id,
            region_memberships__role=Role.INSTRUCTOR,
            is_active=True,
        )
        .order_by("email")
        .values_list("email", flat=True)
        .distinct()
    )


def link(url_name: str, **kwargs) -> str:
    return settings.SITE_URL + reverse(url_name, kwargs=kwargs)


def send_on_commit(*, subject: str, template: str, context: dict, recipients: list[str]) -> None:
    recipients = sorted(set(filter(None, recipients)))
    if not recipients:
        return
    body = render_to_string(template, context)
    transaction.on_commit(
        lambda: send_mail(subject=SUBJECT_PREFIX + subject, message=body, from_email=None, recipient_list=recipients)
    )


def notify_complement_requested(request) -> None:
    dossier = request.dossier
    send_on_commit(
        subject=f"Compléments demandés sur votre dossier {dossier.reference}",
        template="funding/emails/complement_requested.txt",
        context={
            "dossier": dossier,
            "request": request,
            "link": link("funding:dossier_detail", dossier_id=dossier.pk),
        },
        recipients=structure_coordinators(dossier),
    )


def notify_complement_provided(request) -> None:
    dossier = request.dossier
    send_on_commit(
        subject=f"Compléments transmis sur le dossier {dossier.reference}",
        template="funding/emails/complement_provided.txt",
        context={
            "dossier": dossier,
            "request": request,
            "link": link("funding:instruction_dossier", dossier_id=dossier.pk),
        },
        recipients=[request.requested_by.email, *region_instructors(dossier)],
    )


def notify_inadmissible(dossier) -> None:
    send_on_commit(
        subject=f"Votre dossier {dossier.reference} est irrecevable",
        template="funding/emails/inadmissible.txt",
        context={"dossier": dossier, "link": link("funding:dossier_detail", dossier_id=dossier.pk)},
        recipients=structure_coordinators(dossier),
    )


def notify_message(message, *, from_agency: bool) -> None:
    dossier = message.dossier
    if from_agency:
        recipients = structure_coordinators(dossier)
        url = link("funding:dossier_detail", dossier_id=dossier.pk)
    else:
        recipients = region_instructors(dossier)
        url = link("funding:instruction_dossier", dossier_id=dossier.pk)
    send_on_commit(
        subject=f"Nouveau message sur le dossier {dossier.reference}",
        template="funding/emails/message.txt",
        context={"dossier": dossier, "message": message, "link": url},
        recipients=[email for email in recipients if email != message.author.email],
    )
