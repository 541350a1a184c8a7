"""E-mails of a tableau de reporting's sworn statement, sent after the transaction commits (never for a rolled-back
change): the signatories are asked to confirm, the coordinators told when all have, the ARS when it is transmitted."""

from funding.models import TableauSignatory
from funding.services.notifications import link
from portal.mail import mail_on_commit
from portal.models import User
from portal.roles import Role


def _coordinators(tableau) -> list[str]:
    return User.objects.coordinators_of(tableau.structure_id).emails()


def _finance_officers(tableau) -> list[str]:
    return User.objects.agents_of(tableau.structure.region_id, roles=[Role.FINANCE_OFFICER]).emails()


def _signatories(tableau) -> list[str]:
    named = TableauSignatory.objects.filter(tableau=tableau, is_current=True).values("professional__user_id")
    return User.objects.active().filter(pk__in=named).emails()


def _context(tableau) -> dict:
    return {"tableau": tableau, "link": link("funding:tableau_detail", tableau_id=tableau.pk)}


def notify_opened(tableau) -> None:
    """One message per signatory: colleagues do not see each other's addresses."""
    for email in _signatories(tableau):
        mail_on_commit(
            subject=f"Attestez le tableau de reporting du {tableau.period.label} — {tableau.structure.name}",
            template="funding/emails/tableau_opened.txt",
            context=_context(tableau),
            recipients=[email],
        )


def notify_all_confirmed(tableau) -> None:
    mail_on_commit(
        subject=f"Tableau de reporting du {tableau.period.label} : toutes les attestations sont recueillies",
        template="funding/emails/tableau_all_confirmed.txt",
        context=_context(tableau),
        recipients=_coordinators(tableau),
    )


def notify_transmitted(tableau) -> None:
    mail_on_commit(
        subject=f"Tableau de reporting transmis : {tableau.structure.name}, {tableau.period.label}",
        template="funding/emails/tableau_transmitted.txt",
        context=_context(tableau),
        recipients=_finance_officers(tableau),
    )
