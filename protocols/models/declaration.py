from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from portal.uploads import private_upload_to
from protocols.models.ds import DeclarationChannel
from protocols.models.protocol import ProtocolChildQuerySet


class DeclarationQuerySet(ProtocolChildQuerySet):
    def on_or_before(self, day):
        """Versions in force on ``day`` (a DS version counts once the ARS confirmed its DS deposit date)."""
        return self.filter(in_force_on__lte=day)

    def awaiting_ds_confirmation(self):
        return self.filter(channel=DeclarationChannel.DS, ds_confirmed_at__isnull=True)


class Declaration(models.Model):
    """A deposit of the protocol and its nominative team to the ARS: an immutable, numbered version (v1, v2…).

    The protocol is in force from the first deposit; every join or leave afterwards makes a new version. The team
    and the documents are frozen as they were, with the SHA-256 of each document.

    ``in_force_on`` is the one date the rules read (``protocols.eligibility_rules``): on the portal channel, the
    portal's deposit date; on the démarches-simplifiées channel, the DS deposit date once the ARS confirmed it (empty
    until then). ``deposited_on`` stays the day the version was recorded on the portal.
    """

    class Reason(models.TextChoices):
        FIRST = "first", "Première déclaration"
        JOIN = "join", "Arrivée d'un professionnel"
        LEAVE = "leave", "Départ d'un professionnel"
        UPDATE = "update", "Mise à jour"

    protocol = models.ForeignKey("protocols.Protocol", on_delete=models.PROTECT, related_name="declarations")
    version = models.PositiveIntegerField("version")
    reason = models.CharField("motif", max_length=10, choices=Reason.choices)
    deposited_on = models.DateField("déposée le")
    deposited_at = models.DateTimeField("horodatage du dépôt", default=timezone.now)
    deposited_by = models.ForeignKey("portal.User", on_delete=models.PROTECT, related_name="+")
    # The catalogue version a national protocol's team adhered to with this deposit (the one current on that day);
    # empty for a local protocol. A later catalogue change never rewrites it (docs/decisions.md, "Catalogue").
    catalogue_version = models.ForeignKey(
        "protocols.NationalProtocolVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="declarations",
        verbose_name="version du catalogue national",
    )
    protocol_snapshot = models.JSONField("protocole déclaré", default=dict)
    team_snapshot = models.JSONField("équipe déclarée", default=list)
    documents_snapshot = models.JSONField("pièces déclarées", default=list)
    receipt = models.FileField("récépissé", upload_to=private_upload_to("recepisses"), blank=True)
    receipt_sha256 = models.CharField(max_length=64, blank=True)
    channel = models.CharField(
        "canal", max_length=10, choices=DeclarationChannel.choices, default=DeclarationChannel.PORTAL
    )
    in_force_on = models.DateField("en vigueur à compter du", null=True, blank=True)
    ds_dossier_number = models.PositiveIntegerField("numéro du dossier DS", null=True, blank=True)
    ds_deposited_on = models.DateField("déposé sur démarches-simplifiées le", null=True, blank=True)
    ds_entered_by = models.ForeignKey("portal.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    ds_confirmed_at = models.DateTimeField("confirmé par l'ARS le", null=True, blank=True)
    ds_confirmed_by = models.ForeignKey(
        "portal.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = DeclarationQuerySet.as_manager()

    class Meta:
        verbose_name = "déclaration"
        ordering = ["protocol", "version"]
        constraints = [
            models.UniqueConstraint(fields=["protocol", "version"], name="declaration_version_unique"),
            models.CheckConstraint(condition=Q(version__gte=1), name="declaration_version_positive"),
            # A DS number names one deposit on DS: two versions cannot claim the same dossier.
            models.UniqueConstraint(
                fields=["ds_dossier_number"],
                condition=Q(ds_dossier_number__isnull=False),
                name="declaration_ds_dossier_unique",
                violation_error_message="Ce numéro de dossier démarches-simplifiées est déjà rattaché à une "
                "autre déclaration.",
            ),
            models.CheckConstraint(
                condition=Q(ds_dossier_number__isnull=True, ds_deposited_on__isnull=True)
                | Q(ds_dossier_number__isnull=False, ds_deposited_on__isnull=False),
                name="declaration_ds_number_with_date",
                violation_error_message="Le numéro du dossier DS et sa date de dépôt vont ensemble.",
            ),
            # The date in force follows the channel: the portal's deposit, or the confirmed DS deposit (else none).
            models.CheckConstraint(
                condition=Q(
                    # IS NOT NULL: a CHECK lets NULL through, and "= deposited_on" alone is NULL on NULL.
                    channel=DeclarationChannel.PORTAL,
                    in_force_on__isnull=False,
                    in_force_on=F("deposited_on"),
                    ds_dossier_number__isnull=True,
                    ds_confirmed_at__isnull=True,
                    ds_confirmed_by__isnull=True,
                )
                | Q(
                    channel=DeclarationChannel.DS,
                    in_force_on__isnull=True,
                    ds_confirmed_at__isnull=True,
                    ds_confirmed_by__isnull=True,
                )
                | Q(
                    channel=DeclarationChannel.DS,
                    in_force_on__isnull=False,
                    in_force_on=F("ds_deposited_on"),
                    ds_dossier_number__isnull=False,
                    ds_confirmed_at__isnull=False,
                    ds_confirmed_by__isnull=False,
                ),
                name="declaration_in_force_by_channel",
                violation_error_message="La date d'entrée en vigueur ne correspond pas au canal de la déclaration.",
            ),
        ]
        # The eligibility rules' MIN(in_force_on) per protocol and "the version in force on a day".
        indexes = [models.Index(fields=["protocol", "in_force_on"], name="declaration_in_force_idx")]

    def __str__(self):
        return f"{self.protocol.code} v{self.version} du {self.deposited_on:%d/%m/%Y}"

    @property
    def number(self) -> str:
        """The number printed on the receipt: unique across regions (region, protocol id, version)."""
        return f"{self.protocol.structure.region.code}-{self.protocol_id:06d}-v{self.version}"

    @property
    def is_ds(self) -> bool:
        return self.channel == DeclarationChannel.DS

    @property
    def awaits_ds_number(self) -> bool:
        return self.is_ds and self.ds_dossier_number is None

    @property
    def awaits_ds_confirmation(self) -> bool:
        return self.is_ds and self.ds_dossier_number is not None and self.ds_confirmed_at is None

    @property
    def missing_documents(self) -> list[dict]:
        return [entry for entry in self.documents_snapshot if entry.get("required") and not entry.get("sha256")]


class SuspensionQuerySet(ProtocolChildQuerySet):
    def covering(self, day):
        """Suspensions in force on ``day``: from starts_on included to lifted_on excluded."""
        return self.filter(starts_on__lte=day).filter(Q(lifted_on__isnull=True) | Q(lifted_on__gt=day))


class Suspension(models.Model):
    """The ARS suspends a protocol at a structure from a date (serious or repeated adverse events, R.4011-1
    non-compliance), then lifts it. The window is [starts_on, lifted_on)."""

    protocol = models.ForeignKey("protocols.Protocol", on_delete=models.PROTECT, related_name="suspensions")
    starts_on = models.DateField("suspendu à compter du")
    reason = models.TextField("motif de la suspension")
    suspended_by = models.ForeignKey("portal.User", on_delete=models.PROTECT, related_name="+")
    suspended_at = models.DateTimeField(default=timezone.now)
    lifted_on = models.DateField("levée le", null=True, blank=True)
    lift_reason = models.TextField("motif de la levée", blank=True)
    lifted_by = models.ForeignKey("portal.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    lifted_at = models.DateTimeField(null=True, blank=True)

    objects = SuspensionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "suspension"
        ordering = ["protocol", "starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(lifted_on__isnull=True) | Q(lifted_on__gt=models.F("starts_on")),
                name="suspension_lifted_after_start",
                violation_error_message="La levée doit suivre le début de la suspension.",
            ),
        ]
        indexes = [models.Index(fields=["protocol", "starts_on", "lifted_on"], name="suspension_on_date_idx")]

    def __str__(self):
        return f"Suspension de {self.protocol.code} depuis le {self.starts_on:%d/%m/%Y}"

    def covers(self, day) -> bool:
        return self.starts_on <= day and (self.lifted_on is None or day < self.lifted_on)

    @property
    def is_open(self) -> bool:
        return self.lifted_on is None


class AdverseEventQuerySet(ProtocolChildQuerySet):
    def open(self):
        return self.filter(closed_at__isnull=True)


class AdverseEvent(models.Model):
    """An adverse event (EI) or serious adverse event (EIG) reported by the team, without patient identity."""

    class Severity(models.TextChoices):
        EI = "ei", "Événement indésirable (EI)"
        EIG = "eig", "Événement indésirable grave (EIG)"

    protocol = models.ForeignKey("protocols.Protocol", on_delete=models.PROTECT, related_name="adverse_events")
    occurred_on = models.DateField("survenu le")
    severity = models.CharField("gravité", max_length=3, choices=Severity.choices)
    description = models.TextField("description (sans donnée identifiante du patient)")
    measures = models.TextField("mesures prises", blank=True)
    reported_by = models.ForeignKey("portal.User", on_delete=models.PROTECT, related_name="+")
    reported_at = models.DateTimeField(default=timezone.now)
    ars_comment = models.TextField("commentaire de l'ARS", blank=True)
    closed_at = models.DateTimeField("clos le", null=True, blank=True)
    closed_by = models.ForeignKey("portal.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    objects = AdverseEventQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "événement indésirable"
        verbose_name_plural = "événements indésirables"
        ordering = ["-occurred_on"]

    def __str__(self):
        return f"{self.get_severity_display()} du {self.occurred_on:%d/%m/%Y} — {self.protocol.code}"


class IndicatorValue(models.Model):
    """A yearly follow-up indicator of the protocol, entered by the coordinator (seed 002)."""

    protocol = models.ForeignKey("protocols.Protocol", on_delete=models.PROTECT, related_name="indicator_values")
    year = models.PositiveIntegerField("année")
    label = models.CharField("indicateur", max_length=200)
    value = models.DecimalField("valeur", max_digits=12, decimal_places=2)
    unit = models.CharField("unité", max_length=40, blank=True)
    comment = models.TextField("commentaire", blank=True)
    entered_by = models.ForeignKey("portal.User", on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(default=timezone.now)

    objects = ProtocolChildQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "valeur d'indicateur"
        ordering = ["protocol", "-year", "label"]
        constraints = [
            models.UniqueConstraint(fields=["protocol", "year", "label"], name="indicator_value_unique"),
        ]

    def __str__(self):
        return f"{self.label} {self.year} : {self.value}"
