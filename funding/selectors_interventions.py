"""Reads of interventions with their eligibility: the follow-up pages of coordinators (their structures) and of the
ARS (the whole region), and the export in the import format plus ``statut`` and ``motif``.

Everything reads the stored eligibility (``InterventionEligibility``): a page or an export never recomputes it.
"""

import datetime
from dataclasses import dataclass, fields

from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import TruncMonth

from funding.models import ExclusionReason
from portal.exports import Column
from portal.models import Structure
from portal.roles import AGENCY_ROLES, Role
from protocols.imports import columns as c
from protocols.models import Intervention, Protocol

# A professional follows the eligibility of the interventions they performed or supervised (``visible_to`` keeps them
# to those): which are excluded, and why.
VIEW_ROLES = frozenset({Role.COORDINATOR, Role.PROFESSIONAL, Role.SUPERADMIN, *AGENCY_ROLES})
ELIGIBLE, EXCLUDED, PENDING = "eligible", "exclue", "en_calcul"
STATUS_CHOICES = [(ELIGIBLE, "Éligible"), (EXCLUDED, "Exclue")]


def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


@dataclass
class InterventionFilters:
    structure: int | None = None
    protocole: int | None = None
    annee: int | None = None
    mois: int | None = None
    statut: str = ""
    motif: str = ""
    import_: int | None = None
    episode: str = ""

    @classmethod
    def from_query(cls, params) -> "InterventionFilters":
        month = _int(params.get("mois"))
        status = params.get("statut", "")
        reason = params.get("motif", "")
        return cls(
            structure=_int(params.get("structure")),
            protocole=_int(params.get("protocole")),
            annee=_int(params.get("annee")),
            mois=month if month and 1 <= month <= 12 else None,
            statut=status if status in (ELIGIBLE, EXCLUDED) else "",
            motif=reason if reason in ExclusionReason.values else "",
            import_=_int(params.get("import")),
            episode=params.get("episode", "").strip()[:64],
        )

    @property
    def is_empty(self) -> bool:
        return not any(getattr(self, field.name) for field in fields(self))

    def apply(self, queryset):
        if self.structure:
            queryset = queryset.filter(structure_id=self.structure)
        if self.protocole:
            queryset = queryset.filter(protocol_id=self.protocole)
        if self.annee:
            queryset = queryset.filter(performed_on__year=self.annee)
        if self.mois:
            queryset = queryset.filter(performed_on__month=self.mois)
        if self.statut == ELIGIBLE:
            queryset = queryset.filter(eligibility__is_eligible=True)
        elif self.statut == EXCLUDED:
            queryset = queryset.filter(eligibility__is_eligible=False)
        if self.motif:
            queryset = queryset.filter(eligibility__reason=self.motif)
        if self.import_:
            queryset = queryset.filter(import_batch_id=self.import_)
        if self.episode:
            queryset = queryset.filter(episode_reference__icontains=self.episode)
        return queryset


def interventions_for(user):
    """The active interventions ``user`` follows: their structures' (coordinator), their own (professional) or their
    region's (ARS)."""
    return Intervention.objects.visible_to(user, roles=VIEW_ROLES).active()


def filter_choices(user) -> dict:
    structures = Structure.objects.visible_to(user, roles=VIEW_ROLES).order_by("name")
    # EXISTS walks the (protocol, performed_on) index once per protocol instead of reading every intervention.
    protocols = (
        Protocol.objects.filter(Exists(interventions_for(user).filter(protocol_id=OuterRef("pk"))))
        .select_related("structure")
        .order_by("code", "pk")
    )
    return {"structures": structures, "protocols": protocols, "reasons": ExclusionReason.choices}


def _counts() -> dict:
    counts = {
        "total": Count("pk"),
        "eligible": Count("pk", filter=Q(eligibility__is_eligible=True)),
        "excluded": Count("pk", filter=Q(eligibility__is_eligible=False)),
        "pending": Count("pk", filter=Q(eligibility__isnull=True)),
    }
    for code in ExclusionReason.values:
        counts[f"reason_{code}"] = Count("pk", filter=Q(eligibility__reason=code))
    return counts


def reasons_of(row: dict) -> list[tuple[str, str, int]]:
    """(code, label, count) of the exclusion reasons present in an aggregated row, in the order of the rules."""
    return [
        (code, label, row[f"reason_{code}"]) for code, label in ExclusionReason.choices if row.get(f"reason_{code}")
    ]


def monthly_summary(queryset, *, structures, protocols) -> list[dict]:
    """One row per structure, protocol and month: interventions, eligible, excluded and the count of each reason.

    Grouped on ids only, so that PostgreSQL hashes a few dozen groups instead of sorting every intervention; the
    names come from the filter choices the page has already loaded (``structures``, ``protocols``)."""
    structure_names = {structure.pk: structure.name for structure in structures}
    protocol_codes = {protocol.pk: protocol.code for protocol in protocols}
    rows = list(
        queryset.annotate(month=TruncMonth("performed_on"))
        .values("structure_id", "protocol_id", "month")
        .annotate(**_counts())
        .order_by()
    )
    for row in rows:
        row["structure__name"] = structure_names.get(row["structure_id"], "")
        row["protocol__code"] = protocol_codes.get(row["protocol_id"], "")
    rows.sort(key=lambda row: row["month"], reverse=True)
    rows.sort(key=lambda row: (row["structure__name"], row["protocol__code"]))
    return rows


def summary_totals(rows: list[dict]) -> dict:
    """The totals of an already aggregated ``monthly_summary``: the sum of its rows, without reading the
    interventions again."""
    row = {key: sum(item[key] for item in rows) for key in _counts()}
    row["reasons"] = reasons_of(row)
    return row


EXPORT_STATUS = {ELIGIBLE: "éligible", EXCLUDED: "exclue", PENDING: "en cours de calcul"}


def _status(intervention) -> str:
    eligibility = getattr(intervention, "eligibility", None)
    if eligibility is None:
        return EXPORT_STATUS[PENDING]
    return EXPORT_STATUS[ELIGIBLE if eligibility.is_eligible else EXCLUDED]


def _reason(intervention) -> str:
    eligibility = getattr(intervention, "eligibility", None)
    return eligibility.reason if eligibility is not None else ""


def _day(value: datetime.date | None, for_xlsx: bool):
    if value is None:
        return None if for_xlsx else ""
    return value if for_xlsx else value.strftime("%d/%m/%Y")


def export_columns(*, for_xlsx: bool) -> list[Column]:
    """The import format (so that an export re-imports without changing anything) plus ``statut`` and ``motif``."""
    return [
        Column(c.DATE_INTERVENTION, lambda i: _day(i.performed_on, for_xlsx)),
        Column(c.PROTOCOLE, lambda i: i.protocol.code),
        Column(c.DELEGUE_NOM, lambda i: i.delegate.user.last_name),
        Column(c.DELEGUE_PRENOM, lambda i: i.delegate.user.first_name),
        Column(c.DELEGUE_IDENTIFIANT, lambda i: i.delegate.identifier),
        Column(c.DELEGANT_NOM, lambda i: i.delegant.user.last_name),
        Column(c.DELEGANT_PRENOM, lambda i: i.delegant.user.first_name),
        Column(c.DELEGANT_IDENTIFIANT, lambda i: i.delegant.identifier),
        Column(c.REFERENCE_EPISODE, lambda i: i.episode_reference),
        Column(c.DATE_SECOND_CONTACT, lambda i: _day(i.second_contact_on, for_xlsx)),
        Column(
            c.SECOND_CONTACT_IDENTIFIANT,
            lambda i: i.second_contact_delegate.identifier if i.second_contact_delegate_id else "",
        ),
        Column(c.STATUT, _status),
        Column(c.MOTIF, _reason),
    ]


def export_rows(queryset):
    return (
        queryset.select_related(
            "protocol", "delegate__user", "delegant__user", "second_contact_delegate__user", "eligibility"
        )
        .order_by("performed_on", "pk")
        .iterator(chunk_size=2000)
    )
