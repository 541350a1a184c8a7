from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from portal.roles import PERSONAL_FILE_AGENCY_ROLES, Role
from portal.uploads import private_upload_to
from protocols.models.protocol import ProtocolChildQuerySet


class TeamRole(models.TextChoices):
    DELEGANT = "delegant", "Délégant"
    DELEGATE = "delegate", "Délégué"


class MembershipStatus(models.TextChoices):
    INVITED = "invited", "Invitation en attente"
    ACCEPTED = "accepted", "Membre de l'équipe"
    DECLINED = "declined", "Invitation déclinée"
    WITHDRAWN = "withdrawn", "Invitation retirée"


class TeamMembershipQuerySet(ProtocolChildQuerySet):
    """Coordinators and ARS staff see the whole team; a professional sees their own memberships (invitations
    included) and the team of the protocols they belong to."""

    structure_roles = frozenset({Role.COORDINATOR})

    def scope_filter(self, scope, roles):
        condition = super().scope_filter(scope, roles)
        if scope.user_id and (roles is None or Role.PROFESSIONAL in roles):
            own = TeamMembership.objects.filter(professional__user_id=scope.user_id)
            condition |= Q(professional__user_id=scope.user_id)
            condition |= Q(protocol_id__in=own.filter(status=MembershipStatus.ACCEPTED).values("protocol_id"))
        return condition

    def active_on(self, day):
        """Members in the team on ``day``: joined on or before it, not yet left (left_on is excluded)."""
        return self.filter(status=MembershipStatus.ACCEPTED, joined_on__lte=day).filter(
            Q(left_on__isnull=True) | Q(left_on__gt=day)
        )

    def current(self):
        """Accepted members who have not left, plus pending invitations: the team as the coordinator manages it."""
        return self.filter(
            Q(status=MembershipStatus.INVITED) | Q(status=MembershipStatus.ACCEPTED, left_on__isnull=True)
        )

    def delegates(self):
        return self.filter(role=TeamRole.DELEGATE)

    def delegants(self):
        return self.filter(role=TeamRole.DELEGANT)

    def trained_on(self, day):
        """Delegates whose complementary training was completed on or before ``day``."""
        return self.filter(training__completed_on__lte=day)


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
            models.UniqueConstraint(
                fields=["protocol", "professional"],
                condition=Q(status=MembershipStatus.INVITED),
                name="team_one_pending_invitation",
                violation_error_message="Ce professionnel a déjà une invitation en attente pour ce protocole.",
            ),
        ]
        # Two accepted memberships of one professional in one protocol never overlap in time: exclusion
        # constraint "team_membership_no_overlap" (migration 0003, PostgreSQL only).
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

    @property
    def is_delegate(self) -> bool:
        return self.role == TeamRole.DELEGATE

    @property
    def is_pending(self) -> bool:
        return self.status == MembershipStatus.INVITED

    @property
    def is_current(self) -> bool:
        return self.status == MembershipStatus.ACCEPTED and self.left_on is None

    def training_or_none(self):
        try:
            return self.training
        except Training.DoesNotExist:
            return None

    def document_problems(self) -> dict[str, int]:
        """Required documents missing, and documents refused by the ARS (reads prefetched ``documents``)."""
        counts = {"missing": 0, "refused": 0}
        for document in self.documents.all():
            if document.status == DocumentStatus.REFUSED:
                counts["refused"] += 1
            elif document.status == DocumentStatus.MISSING and document.is_required:
                counts["missing"] += 1
        return counts

    def may_act_on(self, day) -> bool:
        """In the team on ``day`` and, for a delegate, trained on or before it: only then may they perform acts."""
        if not self.is_active_on(day):
            return False
        if self.role == TeamRole.DELEGANT:
            return True
        training = self.training_or_none()
        return training is not None and training.is_completed_on(day)


class PersonalFileQuerySet(ProtocolChildQuerySet):
    """A member's personal files (identity and other documents, training certificate): the member, the structure's
    coordinators, and in the ARS the instructors and region admins; not other team members, not the selection
    committee, not the finance officers (docs/security.md)."""

    protocol_path = "membership__protocol"
    region_path = "membership__protocol__structure__region"
    structure_path = "membership__protocol__structure"
    structure_roles = frozenset({Role.COORDINATOR})
    agency_roles = PERSONAL_FILE_AGENCY_ROLES
    reviewer_paths = None

    def scope_filter(self, scope, roles):
        condition = super().scope_filter(scope, roles)
        if scope.user_id and (roles is None or Role.PROFESSIONAL in roles):
            condition |= Q(membership__professional__user_id=scope.user_id)
        return condition


class Training(models.Model):
    """The complementary training of a delegate; acts count only from its completion date.

    A completion date is recorded only with the certificate and for at least the hours the protocol requires
    (checked by ``training_save``), so "completed_on <= day" alone answers "was the delegate trained on day?"."""

    membership = models.OneToOneField(TeamMembership, on_delete=models.CASCADE, related_name="training")
    hours = models.DecimalField("durée (heures)", max_digits=5, decimal_places=1)
    organisation = models.CharField("organisme ou formateurs", max_length=200)
    completed_on = models.DateField("terminée le", null=True, blank=True)
    certificate = models.FileField("attestation", upload_to=private_upload_to("formations"), blank=True)
    certificate_name = models.CharField(max_length=150, blank=True)
    certificate_sha256 = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PersonalFileQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "formation"
        constraints = [
            models.CheckConstraint(condition=Q(hours__gt=0), name="training_hours_positive"),
            models.CheckConstraint(
                condition=Q(completed_on__isnull=True) | ~Q(certificate_sha256=""),
                name="training_completed_has_certificate",
                violation_error_message="Joignez l'attestation de formation pour la déclarer terminée.",
            ),
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

    objects = PersonalFileQuerySet.as_manager()
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

    @property
    def is_required(self) -> bool:
        """The employer's accord is asked only of salaried professionals (decree 2020-148)."""
        return self.kind != DocumentKind.EMPLOYER or self.membership.professional.is_salaried
