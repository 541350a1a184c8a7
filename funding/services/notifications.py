"""E-mails of the dossier's life, sent after the transaction commits (never for a rolled-back change)."""

from django.conf import settings
from django.urls import reverse

from portal.mail import mail_on_commit
from portal.models import User
from portal.roles import Role


def structure_coordinators(dossier) -> list[str]:
    return User.objects.coordinators_of(dossier.structure_id).emails()


def region_instructors(dossier) -> list[str]:
    return User.objects.agents_of(dossier.campaign.region_id, roles=[Role.INSTRUCTOR]).emails()


def link(url_name: str, **kwargs) -> str:
    return settings.SITE_URL + reverse(url_name, kwargs=kwargs)


def notify_complement_requested(request) -> None:
    dossier = request.dossier
    mail_on_commit(
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
    mail_on_commit(
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
    mail_on_commit(
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
    mail_on_commit(
        subject=f"Nouveau message sur le dossier {dossier.reference}",
        template="funding/emails/message.txt",
        context={"dossier": dossier, "message": message, "link": url},
        recipients=[email for email in recipients if email != message.author.email],
    )
