from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from portal.access import ScopedQuerySet
from portal.roles import Role
from portal.uploads import private_upload_to


class TeamRole(models.TextChoices):
    DELEGANT = "delegant", "Délégant"
    DELEGATE = "delegate", "Délégué"


class MembershipStatus(models.TextChoices):
    INVITED = "invited", "Invitation en attente"
    ACCEPTED = "accepted", "Membre de l'équipe"
    DECLINED = "declined", "Invitation déclinée"
    WITHDRAWN = "withdrawn", "Invitation retirée"


class TeamMembershipQuerySet(ScopedQuerySet):
    """Coordinators and ARS staff see the whole team; a professional sees their own memberships and the team of
    the protocols they belong to."""

    region_path = "protocol__structure__region"
    structure_path = "protocol__structure"
    structure_roles = frozenset({Role.COORDINATOR})

    def scope_filter(self, scope, roles):
        condition = super().scope_filter(scope, roles)
        if scope.user_id and (roles is None or Role.PROFESSIONAL in roles):
            condition |= Q(professional__user_id=scope.user_id)
            condition |= Q(protocol__team__professional__user_id=scope.user_id, protocol__team__status="accepted")
        return condition

    def visible_to(self, user, roles=None):
        return super().visible_to(user, roles).distinct()

    def active_on(self, day):
        """Members in the team on ``day``: joined on or before it, not yet left (left_on is excluded)."""
        return self.filter(status=MembershipStatus.ACCEPTED, joined_on__lte=day).filter(
            Q(left_on__isnull=True) | Q(left_on__gt=day)
        )


class TeamMembership(models.Model):
    """A professional in a protocol's team, as delegant or delegate. Joined only by individual acceptance.

    ``joined_on`` and ``left_on`` bound the membership ([joined_on, left_on), left_on excluded); a professional who
    leaves and comes back has two memberships, which must not overlap (exclusion constraint on PostgreSQL).
    """

    protocol = models.ForeignKey("protocols.Protocol", on_delete=models.PROTECT, related_name="team")
    professional = models.ForeignKey("portal.Professional", on_delete=models.PROTECT, related_name="team_memberships")
    role = models.CharField("rôle", max_length=10, choices=TeamRole.choices)
    status = models.CharField(
        "état", max_length=10, choices=MembershipStatus.choices, default=MembershipStatus.INVITED
    )
    invited_by = models.ForeignKey("portal.User", on_delete=models.PROTECT, related_name="+")
    invited_at = models.DateTimeField("invité le", default=timezone.now)
    responded_at = models.DateTimeField("réponse le", null=True, blank=True)
    joined_on = models.DateField("dans l'équipe depuis le", null=True, blank=True)
    left_on = models.DateField("a quitté l'équipe le", null=True, blank=True)

    objects = TeamMembershipQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "membre de l'équipe"
        verbose_name_plural = "membres de l'équipe"
        ordering = ["role", "professional__user__last_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(joined_on__isnull=False, left_on__gt=models.F("joined_on")),
                name="team_left_after_joined",
                violation_error_message="La date de départ doit suivre la date d'arrivée.",
            ),
            models.CheckConstraint(
                condition=Q(status=MembershipStatus.ACCEPTED, joined_on__isnull=False)
                | (~Q(status=MembershipStatus.ACCEPTED) & Q(joined_on__isnull=True)),
                name="team_joined_iff_accepted",
            ),
        ]
        indexes = [
            # "Was X a delegate of protocol P on date d?" (eligibility) reads this index only.
            models.Index(fields=["protocol", "professional", "role", "joined_on", "left_on"], name="team_on_date_idx"),
        ]

    def __str__(self):
        return f"{self.professional} — {self.get_role_display()} — {self.protocol.code}"

    def is_active_on(self, day) -> bool:
        return (
            self.status == MembershipStatus.ACCEPTED
            and self.joined_on <= day
            and (self.left_on is None or day < self.left_on)
        )


class Training(models.Model):
    """The complementary training of a delegate; acts count only from its completion date."""

    audit_region_paths = ("membership__protocol__structure__region",)

    membership = models.OneToOneField(TeamMembership, on_delete=models.CASCADE, related_name="training")
    hours = models.DecimalField("durée (heures)", max_digits=5, decimal_places=1)
    organisation = models.CharField("organisme ou formateurs", max_length=200)
    completed_on = models.DateField("terminée le", null=True, blank=True)
    certificate = models.FileField("attestation", upload_to=private_upload_to("formations"), blank=True)
    certificate_name = models.CharField(max_length=150, blank=True)
    certificate_sha256 = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "formation"
        constraints = [
            models.CheckConstraint(condition=Q(hours__gt=0), name="training_hours_positive"),
        ]

    def __str__(self):
        return f"Formation de {self.membership.professional}"

    def is_completed_on(self, day) -> bool:
        return self.completed_on is not None and self.completed_on <= day


class DocumentKind(models.TextChoices):
    ENGAGEMENT = "engagement", "Accord d'engagement daté et signé"
    IDENTITY = "identity", "Pièce d'identité (recto-verso)"
    REGISTRATION = "registration", "Justificatif d'enregistrement RPPS/ADELI"
    COMPETENCE = "competence", "Attestation sur l'honneur des compétences"
    INSURANCE = "insurance", "Attestation de responsabilité civile professionnelle"
    EMPLOYER = "employer", "Accord de l'employeur (salariés)"


class DocumentStatus(models.TextChoices):
    MISSING = "missing", "Manquant"
    PROVIDED = "provided", "Fourni"
    VALIDATED = "validated", "Validé par l'ARS"
    REFUSED = "refused", "Refusé"


class MemberDocumentQuerySet(ScopedQuerySet):
    """Documents are personal: the member, the structure's coordinators and the ARS staff see them."""

    region_path = "membership__protocol__structure__region"
    structure_path = "membership__protocol__structure"
    structure_roles = frozenset({Role.COORDINATOR})

    def scope_filter(self, scope, roles):
        condition = super().scope_filter(scope, roles)
        if scope.user_id and (roles is None or Role.PROFESSIONAL in roles):
            condition |= Q(membership__professional__user_id=scope.user_id)
        return condition


class MemberDocument(models.Model):
    """A supporting document of a team member (decree 2020-148), validated or refused by the ARS."""

    membership = models.ForeignKey(TeamMembership, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField("pièce", max_length=20, choices=DocumentKind.choices)
    status = models.CharField("état", max_length=10, choices=DocumentStatus.choices, default=DocumentStatus.MISSING)
    file = models.FileField("fichier", upload_to=private_upload_to("pieces"), blank=True)
    original_name = models.CharField(max_length=150, blank=True)
    content_type = models.CharField(max_length=40, blank=True)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    uploaded_by = models.ForeignKey("portal.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey("portal.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = models.TextField("motif du refus", blank=True)

    objects = MemberDocumentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "pièce justificative"
        verbose_name_plural = "pièces justificatives"
        constraints = [
            models.UniqueConstraint(fields=["membership", "kind"], name="member_document_unique_kind"),
            models.CheckConstraint(
                condition=~Q(status=DocumentStatus.REFUSED) | ~Q(refusal_reason=""),
                name="member_document_refusal_has_reason",
                violation_error_message="Indiquez le motif du refus.",
            ),
            models.CheckConstraint(
                condition=Q(status=DocumentStatus.MISSING) | ~Q(sha256=""),
                name="member_document_provided_has_file",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.membership.professional}"
