"""A structure's half-year tableau de reporting and the sworn statement of the professionals named in its lines.

Seed 003 has the tableau signed by « les délégués et délégants mentionnés dans le fichier ci-dessus et le
responsable de la structure ». In the portal the coordinator opens a half-year's tableau once it is over; each
delegate and delegant named in its lines confirms *his own lines* from his account (his confirmation records the
digest of what he read: if his lines change, he confirms again); the coordinator transmits it to the ARS once all
have, attesting as the head of the structure; the ARS sees who confirmed, and when. The writes are in
``funding.services.tableaux``.
"""

from django.db import models
from django.db.models import Count, F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from funding.periods import Period
from portal.access import ScopedQuerySet
from portal.roles import Role


class TableauState(models.TextChoices):
    COLLECTING = "collecting", "Attestations en cours"
    TRANSMITTED = "transmitted", "Transmis à l'ARS"


# Who reads a tableau in the ARS: the staff who follow the money (not the selection committee).
READER_AGENCY_ROLES = frozenset({Role.FINANCE_OFFICER, Role.REGION_ADMIN, Role.INSTRUCTOR})


class TableauQuerySet(ScopedQuerySet):
    """Read: the coordinators of the structure, the ARS staff who follow the money, and each professional named in
    the tableau's lines (his signatory row).

    Write rules, next to the read rule (the services check them again under the row lock):
    ``transmittable_by`` — a coordinator of the structure, while the attestations are collected;
    ``confirmable_by`` — a professional named in its current lines, while the attestations are collected;
    ``downloadable_by`` — who may download the whole tableau.
    """

    region_path = "structure__region"
    structure_path = "structure"
    structure_roles = frozenset({Role.COORDINATOR})
    agency_roles = READER_AGENCY_ROLES

    def scope_filter(self, scope, roles):
        condition = super().scope_filter(scope, roles)
        if condition == Q():  # everything (the superadmin): ``Q() | q`` would narrow it
            return condition
        if scope.user_id and (roles is None or Role.PROFESSIONAL in roles):
            signed = TableauSignatory.objects.filter(professional__user_id=scope.user_id, is_current=True)
            condition |= Q(pk__in=signed.values("tableau_id"))
        return condition

    def transmittable_by(self, user):
        return self.visible_to(user, roles=[Role.COORDINATOR]).filter(state=TableauState.COLLECTING)

    def confirmable_by(self, user):
        return self.visible_to(user, roles=[Role.PROFESSIONAL]).filter(state=TableauState.COLLECTING)

    def downloadable_by(self, user):
        """The whole tableau (everyone's lines) is for the structure's coordinators and the ARS; a professional
        reads his own lines on the page."""
        return self.visible_to(user, roles=[Role.COORDINATOR, *READER_AGENCY_ROLES])

    def of_period(self, period: Period):
        return self.filter(year=period.year, half=period.half)

    def of_region(self, region):
        return self.filter(structure__region=region)

    def with_confirmations(self):
        """Annotate ``signatory_count`` (named in the current lines) and ``confirmed_count`` (who confirmed them as
        they stand)."""
        current = Q(signatories__is_current=True)
        return self.annotate(
            signatory_count=Count("signatories", filter=current),
            confirmed_count=Count(
                "signatories", filter=current & Q(signatories__confirmed_digest=F("signatories__lines_digest"))
            ),
        )


class Tableau(models.Model):
    """The tableau de reporting of a structure for a half-year (2025-H1): its lines are the structure's active
    interventions of the half-year on a protocol it has a funding line for (``funding.services.tableaux``)."""

    audit_region_paths = ("structure__region",)

    structure = models.ForeignKey("portal.Structure", on_delete=models.PROTECT, related_name="tableaux")
    year = models.PositiveSmallIntegerField("année")
    half = models.PositiveSmallIntegerField("semestre", choices=[(1, "1er semestre"), (2, "2nd semestre")])
    state = models.CharField("état", max_length=12, choices=TableauState.choices, default=TableauState.COLLECTING)
    opened_at = models.DateTimeField("ouvert le", default=timezone.now)
    opened_by = models.ForeignKey("portal.User", on_delete=models.PROTECT, related_name="+")
    # The lines as they are now (refreshed whenever they change while the attestations are collected).
    line_count = models.PositiveIntegerField("lignes", default=0)
    lines_digest = models.CharField(max_length=64, blank=True)
    transmitted_at = models.DateTimeField("transmis le", null=True, blank=True)
    transmitted_by = models.ForeignKey(
        "portal.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # What was transmitted: the digest of the lines, so the ARS sees if they changed since.
    transmitted_digest = models.CharField(max_length=64, blank=True)
    transmitted_line_count = models.PositiveIntegerField("lignes transmises", default=0)

    objects = TableauQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "tableau de reporting"
        verbose_name_plural = "tableaux de reporting"
        ordering = ["-year", "-half", "structure__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["structure", "year", "half"],
                name="tableau_one_per_structure_period",
                violation_error_message="Le tableau de ce semestre est déjà ouvert pour cette structure.",
            ),
            models.CheckConstraint(condition=Q(half__in=[1, 2]), name="tableau_half_valid"),
            models.CheckConstraint(
                condition=Q(
                    state=TableauState.TRANSMITTED,
                    transmitted_at__isnull=False,
                    transmitted_by__isnull=False,
                    transmitted_digest__gt="",
                )
                | Q(
                    state=TableauState.COLLECTING,
                    transmitted_at__isnull=True,
                    transmitted_by__isnull=True,
                    transmitted_digest="",
                ),
                name="tableau_transmitted_iff_date_author_digest",
                violation_error_message="Un tableau transmis a une date, un auteur et l'empreinte de ses lignes.",
            ),
        ]

    def __str__(self):
        return f"Tableau {self.year}-H{self.half} — {self.structure.name}"

    @property
    def period(self) -> Period:
        return Period(self.year, self.half)

    @property
    def is_transmitted(self) -> bool:
        return self.state == TableauState.TRANSMITTED

    @property
    def changed_since_transmission(self) -> bool:
        return self.is_transmitted and self.lines_digest != self.transmitted_digest


class TableauSignatoryQuerySet(ScopedQuerySet):
    region_path = "tableau__structure__region"
    structure_path = "tableau__structure"
    structure_roles = frozenset({Role.COORDINATOR})
    agency_roles = READER_AGENCY_ROLES

    def current(self):
        return self.filter(is_current=True)


class TableauSignatory(models.Model):
    """A delegate or delegant named in a tableau's lines, and his sworn statement of them.

    ``lines_digest`` is the digest of his lines now; ``confirmed_digest`` the one he confirmed: he has confirmed
    the tableau as it stands when both are equal. Someone no longer named (his lines moved or were cancelled) is
    kept, not current. History records every confirmation.
    """

    audit_region_paths = ("tableau__structure__region",)

    tableau = models.ForeignKey(Tableau, on_delete=models.PROTECT, related_name="signatories")
    professional = models.ForeignKey("portal.Professional", on_delete=models.PROTECT, related_name="+")
    is_delegate = models.BooleanField("délégué", default=False)
    is_delegant = models.BooleanField("délégant", default=False)
    is_current = models.BooleanField("nommé dans les lignes", default=True)
    line_count = models.PositiveIntegerField("lignes", default=0)
    lines_digest = models.CharField(max_length=64, blank=True)
    confirmed_digest = models.CharField(max_length=64, blank=True)
    confirmed_at = models.DateTimeField("attesté le", null=True, blank=True)
    confirmed_by = models.ForeignKey("portal.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    objects = TableauSignatoryQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "signataire d'un tableau de reporting"
        verbose_name_plural = "signataires des tableaux de reporting"
        ordering = ["tableau", "professional__user__last_name", "professional__user__first_name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["tableau", "professional"], name="tableau_signatory_unique"),
            models.CheckConstraint(
                condition=Q(confirmed_digest="", confirmed_at__isnull=True, confirmed_by__isnull=True)
                | Q(confirmed_digest__gt="", confirmed_at__isnull=False, confirmed_by__isnull=False),
                name="tableau_signatory_confirmed_iff_date",
            ),
        ]

    def __str__(self):
        return f"{self.professional} — {self.tableau}"

    @property
    def is_confirmed(self) -> bool:
        return bool(self.confirmed_digest) and self.confirmed_digest == self.lines_digest

    @property
    def must_confirm_again(self) -> bool:
        return bool(self.confirmed_digest) and self.confirmed_digest != self.lines_digest

    @property
    def roles_label(self) -> str:
        return " et ".join(
            label for flag, label in ((self.is_delegate, "délégué"), (self.is_delegant, "délégant")) if flag
        )


class TableauTransitionQuerySet(ScopedQuerySet):
    region_path = "tableau__structure__region"
    structure_path = "tableau__structure"
    structure_roles = frozenset({Role.COORDINATOR})
    agency_roles = READER_AGENCY_ROLES


class TableauTransition(models.Model):
    """The business story of a tableau: opened, transmitted — who, when."""

    tableau = models.ForeignKey(Tableau, on_delete=models.PROTECT, related_name="transitions")
    from_state = models.CharField(max_length=12, choices=TableauState.choices, blank=True)
    to_state = models.CharField(max_length=12, choices=TableauState.choices)
    by = models.ForeignKey("portal.User", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    comment = models.TextField("commentaire", blank=True)

    objects = TableauTransitionQuerySet.as_manager()

    class Meta:
        verbose_name = "changement d'état d'un tableau de reporting"
        ordering = ["tableau", "at", "id"]

    def __str__(self):
        return f"{self.tableau_id} : {self.from_state or '—'} → {self.to_state}"
