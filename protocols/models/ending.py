"""The end of a protocol's implementation at its structure, decided by the ARS (seed 001: "L'ARS peut-elle
suspendre ou annuler la mise en œuvre d'un protocole de coopération ? Oui, …").

The protocol row carries the state and the date (``Protocol.status`` = ended, ``Protocol.ended_on``, tied by
constraints); this row carries the decision: its ground, motive, author, and the letter sent to the coordinators.
The one transition (declared → ended), who may make it, and the may-act predicate live here, next to the scoped
QuerySet; the service is ``protocols.services.endings.protocol_end``.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from portal.access import get_scope
from portal.roles import Role
from portal.uploads import private_upload_to
from protocols.models.protocol import ProtocolChildQuerySet, ProtocolStatus

# The transition: from which states, to which, by which agency roles of the protocol's region. An ended protocol
# is never reopened (docs/decisions.md, « Fin de mise en œuvre »): a team that resumes declares a new protocol.
ENDABLE_FROM = frozenset({ProtocolStatus.DECLARED})
ENDED_STATE = ProtocolStatus.ENDED
ENDING_ROLES = frozenset({Role.INSTRUCTOR, Role.REGION_ADMIN})


def can_end(user, protocol) -> bool:
    """May ``user`` end the implementation of ``protocol`` now (the button and the service ask the same)."""
    return protocol.status in ENDABLE_FROM and protocol.structure.region_id in get_scope(user).region_ids(ENDING_ROLES)


class EndGround(models.TextChoices):
    """Why the ARS ends the implementation: the grounds seeds 001 and 003 give for suspending or cancelling, then the
    portal's own (a structure that asks to stop; anything else, said in the motive)."""

    SERIOUS_EVENT = "eig", "Événement indésirable grave"
    REPEATED_EVENTS = "ei_repetes", "Événements indésirables répétés"
    QUALITY_SAFETY = "qualite", "Exigences de qualité et de sécurité non respectées (art. R.4011-1 du CSP)"
    NON_COMPLIANCE = "non_respect", "Non-respect des dispositions du protocole (art. L.4011-3 du CSP)"
    TEAM_REQUEST = "demande", "À la demande de la structure (proposition du portail)"
    OTHER = "autre", "Autre motif (précisé ci-dessous)"


class ProtocolEndingQuerySet(ProtocolChildQuerySet):
    """The decision and its letter: the coordinators it is addressed to and the ARS staff who follow protocols and
    money; neither the team's professionals nor the selection committee."""

    structure_roles = frozenset({Role.COORDINATOR})
    reviewer_paths = None


class ProtocolEnding(models.Model):
    """The ARS's decision to end a protocol's implementation after ``protocol.ended_on`` (the last day covered)."""

    protocol = models.OneToOneField("protocols.Protocol", on_delete=models.PROTECT, related_name="ending")
    ground = models.CharField("motif réglementaire", max_length=12, choices=EndGround.choices)
    motive = models.TextField("motif de la décision")
    decided_by = models.ForeignKey("portal.User", on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField("décidée le", default=timezone.now)
    letter = models.FileField("courrier au coordinateur", upload_to=private_upload_to("courriers"), blank=True)
    letter_sha256 = models.CharField(max_length=64, blank=True)
    letter_sent_at = models.DateTimeField("courrier envoyé le", null=True, blank=True)

    objects = ProtocolEndingQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "fin de mise en œuvre d'un protocole"
        verbose_name_plural = "fins de mise en œuvre de protocoles"
        ordering = ["-decided_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(motive=""),
                name="protocol_ending_has_motive",
                violation_error_message="Indiquez le motif de la décision.",
            ),
            models.CheckConstraint(
                condition=Q(letter="", letter_sha256="") | (~Q(letter="") & ~Q(letter_sha256="")),
                name="protocol_ending_letter_has_hash",
                violation_error_message="Un courrier enregistré a son empreinte SHA-256.",
            ),
        ]

    def __str__(self):
        return f"Fin de mise en œuvre de {self.protocol.code} après le {self.protocol.ended_on:%d/%m/%Y}"

    @property
    def letter_name(self) -> str:
        return f"fin-de-mise-en-oeuvre-{self.protocol.code}.pdf"
