"""Reads of interventions with their eligibility: the follow-up pages of coordinators (their structures) and of the
ARS (the whole region), and the export in the import format plus ``statut`` and ``motif``.

Everything reads the stored eligibility (``InterventionEligibility``): a page or an export never recomputes it.
"""

import datetime
from dataclasses import dataclass, fields

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import TruncMonth

from funding.models import ExclusionReason, InterventionMonthlyCount
from portal.access import get_scope
from portal.exports import Column
from portal.models import Structure
from portal.roles import AGENCY_ROLES, MONEY_AGENCY_ROLES, Role
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

    def apply_to_counts(self, counts):
        """The same filters on the monthly counts (``InterventionMonthlyCount``); an import or an episode is not
        theirs to answer (``monthly_summary`` reads the interventions for those)."""
        if self.structure:
            counts = counts.filter(structure_id=self.structure)
        if self.protocole:
            counts = counts.filter(protocol_id=self.protocole)
        if self.annee:
            counts = counts.filter(month__year=self.annee)
        if self.mois:
            counts = counts.filter(month__month=self.mois)
        if self.statut:
            counts = counts.filter(is_eligible=self.statut == ELIGIBLE)
        if self.motif:
            counts = counts.filter(reason=self.motif)
        return counts


def interventions_for(user):
    """The active interventions ``user`` follows: their structures' (coordinator), their own (professional) or their
    region's (ARS)."""
    return Intervention.objects.visible_to(user, roles=VIEW_ROLES).active()


def filter_choices(user) -> dict:
    structures = Structure.objects.visible_to(user, roles=VIEW_ROLES).order_by("name")
    # The protocols that have interventions, from the monthly counts (plus a professional's own interventions
    # elsewhere): the interventions themselves are not read.
    counts = InterventionMonthlyCount.objects.visible_to(user, roles=VIEW_ROLES)
    has_interventions = Exists(counts.filter(protocol_id=OuterRef("pk")))
    own = _own_elsewhere(user)
    if own is not None:
        has_interventions |= Exists(own.filter(protocol_id=OuterRef("pk")))
    protocols = Protocol.objects.filter(has_interventions).select_related("structure").order_by("code", "pk")
    return {"structures": structures, "protocols": protocols, "reasons": ExclusionReason.choices}


COUNTED = ("total", "eligible", "excluded", "pending")


def reason_label(code: str) -> str:
    # A code stored by a newer engine than this list still shows (as itself) rather than vanish from the totals.
    return dict(ExclusionReason.choices).get(code, code)


def reasons_of(row: dict) -> list[tuple[str, str, int]]:
    """(code, label, count) of the exclusion reasons present in an aggregated row, in the order of the rules."""
    order = {code: n for n, code in enumerate(ExclusionReason.values)}
    codes = sorted((code for code, count in row["by_reason"].items() if count), key=lambda c: (order.get(c, 99), c))
    return [(code, reason_label(code), row["by_reason"][code]) for code in codes]


def _live_outcomes(queryset):
    """(structure_id, protocol_id, month, is_eligible, reason, n) read from the interventions themselves."""
    return (
        queryset.annotate(month=TruncMonth("performed_on"))
        .values_list("structure_id", "protocol_id", "month", "eligibility__is_eligible", "eligibility__reason")
        .annotate(n=Count("pk"))
        .order_by()
    )


def _stored_outcomes(user, filters: InterventionFilters):
    """The same tuples from the monthly counts kept on write (``InterventionMonthlyCount``): a few rows per
    structure, protocol and month instead of every intervention of a region."""
    counts = filters.apply_to_counts(InterventionMonthlyCount.objects.visible_to(user, roles=VIEW_ROLES))
    return (
        counts.values_list("structure_id", "protocol_id", "month", "is_eligible", "reason")
        .annotate(n=Sum("interventions"))
        .order_by()
    )


def _own_elsewhere(user):
    """A professional's own interventions in structures whose counts he does not read (a count cannot say whose
    interventions it counts): read live, they are his alone (a few thousand at most, through the foreign keys)."""
    scope = get_scope(user)
    if scope.is_superadmin or not scope.has_role(Role.PROFESSIONAL):
        return None
    counted = Q(structure_id__in=scope.structure_ids([Role.COORDINATOR])) | Q(
        structure__region_id__in=scope.region_ids(MONEY_AGENCY_ROLES)
    )
    return Intervention.objects.visible_to(user, roles=[Role.PROFESSIONAL]).active().exclude(counted)


def monthly_summary(user, filters: InterventionFilters, *, structures, protocols) -> list[dict]:
    """One row per structure, protocol and month: interventions, eligible, excluded, not computed yet, and the count
    of each reason (``by_reason``, keyed by the reason's code).

    Read from the monthly counts kept on write; only the filters they cannot answer (an import, an episode) and a
    professional's own interventions are read from the interventions. The names come from the filter choices the
    page has already loaded (``structures``, ``protocols``)."""
    if filters.import_ or filters.episode:
        outcomes = list(_live_outcomes(filters.apply(interventions_for(user))))
    else:
        outcomes = list(_stored_outcomes(user, filters))
        own = _own_elsewhere(user)
        if own is not None:
            outcomes += _live_outcomes(filters.apply(own))
    structure_names = {structure.pk: structure.name for structure in structures}
    protocol_codes = {protocol.pk: protocol.code for protocol in protocols}
    rows = {}
    for structure_id, protocol_id, month, is_eligible, reason, n in outcomes:
        row = rows.get((structure_id, protocol_id, month))
        if row is None:
            row = rows[(structure_id, protocol_id, month)] = {
                "structure_id": structure_id,
                "protocol_id": protocol_id,
                "month": month,
                "structure__name": structure_names.get(structure_id, ""),
                "protocol__code": protocol_codes.get(protocol_id, ""),
                **dict.fromkeys(COUNTED, 0),
                "by_reason": {},
            }
        row["total"] += n
        if is_eligible is None:
            row["pending"] += n
        elif is_eligible:
            row["eligible"] += n
        else:
            row["excluded"] += n
            row["by_reason"][reason] = row["by_reason"].get(reason, 0) + n
    rows = [row for row in rows.values() if row["total"]]
    rows.sort(key=lambda row: row["month"], reverse=True)
    rows.sort(key=lambda row: (row["structure__name"], row["protocol__code"]))
    return rows


def summary_totals(rows: list[dict]) -> dict:
    """The totals of an already aggregated ``monthly_summary``: the sum of its rows, without reading anything
    again."""
    row = {key: sum(item[key] for item in rows) for key in COUNTED}
    row["by_reason"] = {}
    for item in rows:
        for code, count in item["by_reason"].items():
            row["by_reason"][code] = row["by_reason"].get(code, 0) + count
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
