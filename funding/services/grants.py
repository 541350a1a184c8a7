"""Grants: a selected dossier becomes a subsidy with its rate and yearly cap frozen from the campaign.

- Start: the later of the protocol's declaration date (funding starts once the protocol is deposited) and the
  decision date (the day of the committee's sitting). A grant is opened only for a declared protocol: a dossier
  selected before its protocol is declared gets its grant when the declaration arrives (``grants_open_pending``,
  called on ``protocols.signals.eligibility_inputs_changed``).
- End: 31 December of the second year after the start year (three calendar years of funding, as the PACA
  demo's 2025-03-01 → 2027-12-31); the ARS may set other dates when opening the grant by hand.
- Reference: ``SUB-<region>-<year of the start>-<NNN>``, numbered per region and year.
- State: *closed* by the ARS (final), otherwise *active* or *suspended* following the protocol's suspension.
- End of the protocol (``Protocol.ended_on``, decided by the ARS): the line stops at the protocol's last day
  (``grants_follow_protocol_end``): its ``ends_on`` is cut there, so statements, reports and forecasts stop; an SNP
  line is also closed (nobody else would close it), an AMI grant is closed by the region admin once its last
  statement is paid, as any grant.

SNP lines (``Regime.SNP``, seed 003): when a CPTS, MSP or CDS has declared its adhesion to a national protocol whose
catalogue entry carries a forfait, ``snp_line_open`` opens its line: from the declaration date, no end
(``OPEN_END``), the catalogue's forfait and unit frozen, no cap, the structure's CPAM as payer (``Grant.payer``),
referenced ``SNP-<region>-<year>-<NNN>``. No call, no committee: it runs on the same signal as the waiting AMI grants.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from funding.models import (
    NATIONAL_PROTOCOL_REFUSED,
    OPEN_END,
    CountingUnit,
    Decision,
    DecisionOutcome,
    Dossier,
    DossierState,
    Grant,
    GrantState,
    Regime,
)
from funding.services.eligibility import recompute_eligibility
from funding.tasks.committee import grants_sync_protocol_task
from portal.access import get_scope
from portal.errors import ApplicationError
from portal.models import Region, StructureKind
from portal.roles import Role
from protocols.models import Protocol, ProtocolEnding, Suspension
from protocols.models.protocol import ProtocolKind, ProtocolStatus

GRANT_YEARS = 3


def grant_default_dates(*, protocol: Protocol, decided_on: datetime.date) -> tuple[datetime.date, datetime.date]:
    starts_on = max(protocol.declared_on, decided_on)
    return starts_on, datetime.date(starts_on.year + GRANT_YEARS - 1, 12, 31)


def _next_reference(region: Region, year: int, family: str = "SUB") -> str:
    # The region row is locked by the caller: two grants opened at once cannot take the same number.
    prefix = f"{family}-{region.code}-{year}-"
    taken = Grant.objects.filter(reference__startswith=prefix).values_list("reference", flat=True)
    numbers = [int(reference.rsplit("-", 1)[1]) for reference in taken if reference.rsplit("-", 1)[1].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:03d}"


def protocol_is_declared(protocol: Protocol | None) -> bool:
    """Funding starts once the protocol is deposited (declared) to the ARS."""
    return protocol is not None and protocol.status == ProtocolStatus.DECLARED and protocol.declared_on is not None


def decision_day(decision: Decision) -> datetime.date:
    """The day the committee decided: its sitting's date (or the day the decision was recorded)."""
    if decision.meeting_id:
        return decision.meeting.held_on
    return timezone.localdate(decision.decided_at)


@transaction.atomic
def grant_open(
    *,
    dossier: Dossier,
    by,
    starts_on: datetime.date | None = None,
    ends_on: datetime.date | None = None,
) -> Grant:
    """Open the grant of a selected dossier whose protocol is declared; rate, cap and counting unit (per
    intervention) are copied and frozen."""
    dossier = Dossier.objects.select_for_update(of=("self",)).select_related("campaign__region").get(pk=dossier.pk)
    region = dossier.campaign.region
    if region.pk not in get_scope(by).region_ids([Role.REGION_ADMIN]):
        raise ApplicationError("Seul l'administrateur régional ouvre une subvention.", code="forbidden")
    decision = Decision.objects.filter(dossier=dossier).select_related("meeting").first()
    if dossier.state != DossierState.SELECTED or decision is None or decision.outcome != DecisionOutcome.SELECTED:
        raise ApplicationError("Seul un dossier retenu par la commission reçoit une subvention.")
    if Grant.objects.filter(dossier=dossier).exists():
        raise ApplicationError("Ce dossier a déjà sa subvention.")
    protocol = dossier.protocol
    if protocol is not None and not protocol.is_local:
        raise ApplicationError(NATIONAL_PROTOCOL_REFUSED, code="national_protocol")
    if protocol is not None and protocol.status == ProtocolStatus.ENDED:
        raise ApplicationError(
            f"La mise en œuvre du protocole a été annulée par l'ARS (dernier jour le {protocol.ended_on:%d/%m/%Y}) : "
            "aucune subvention ne s'ouvre.",
            code="protocol_ended",
        )
    if not protocol_is_declared(protocol):
        raise ApplicationError(
            "Le protocole n'est pas encore déclaré à l'ARS : la subvention s'ouvrira à sa déclaration.",
            code="protocol_not_declared",
        )
    default_start, default_end = grant_default_dates(protocol=protocol, decided_on=decision_day(decision))
    starts_on = starts_on or default_start
    ends_on = ends_on or datetime.date(starts_on.year + GRANT_YEARS - 1, 12, 31)
    Region.objects.select_for_update(of=("self",)).get(pk=region.pk)
    grant = Grant(
        dossier=dossier,
        structure=dossier.structure,
        protocol=protocol,
        reference=_next_reference(region, starts_on.year),
        starts_on=starts_on,
        ends_on=ends_on,
        rate=dossier.campaign.rate_per_intervention,
        yearly_cap=dossier.campaign.yearly_cap,
        # An AMI grant pays each intervention (seed 000); frozen like the rate.
        counting_unit=CountingUnit.INTERVENTION,
        created_by=by,
    )
    grant.state = grant.state_on(timezone.localdate())
    grant.full_clean()
    grant.save()
    # Interventions of the protocol were "hors subvention" until now.
    recompute_eligibility(protocol_ids=[protocol.pk])
    return grant


def grants_open_pending(*, protocol_id: int) -> list[Grant]:
    """Open the grants of selected dossiers that were waiting for this protocol's declaration (idempotent)."""
    opened = []
    pending = (
        Dossier.objects.filter(protocol_id=protocol_id, state=DossierState.SELECTED, grant__isnull=True)
        .filter(protocol__status=ProtocolStatus.DECLARED, decision__outcome=DecisionOutcome.SELECTED)
        .select_related("decision__decided_by")
    )
    for dossier in pending:
        try:
            # On behalf of the admin who recorded the selection.
            opened.append(grant_open(dossier=dossier, by=dossier.decision.decided_by))
        except ApplicationError:
            continue
    return opened


@transaction.atomic
def grant_sync_state(*, grant: Grant, day: datetime.date | None = None) -> Grant:
    """Bring the stored state in line with the protocol's suspension on ``day`` (today by default)."""
    grant = Grant.objects.select_for_update(of=("self",)).get(pk=grant.pk)
    wanted = grant.state_on(day or timezone.localdate())
    if wanted != grant.state:
        grant.state = wanted
        grant.save(update_fields=["state"])
    return grant


# Seed 003: the SNP forfait is for national protocols run in a CPTS or in an MSP/CDS (not an ESP alone).
SNP_STRUCTURE_KINDS = (StructureKind.CPTS, StructureKind.MSP, StructureKind.CDS)


@transaction.atomic
def snp_line_open(*, protocol_id: int) -> Grant | None:
    """Open the SNP line of a declared adhesion to a forfait-funded national protocol (idempotent: None when the
    protocol does not qualify or already has its line)."""
    protocol = (
        Protocol.objects.select_related("structure__region", "national_protocol")
        .filter(pk=protocol_id, kind=ProtocolKind.NATIONAL, structure__kind__in=SNP_STRUCTURE_KINDS)
        .first()
    )
    if protocol is None or not protocol_is_declared(protocol) or not protocol.national_protocol.has_forfait:
        return None
    structure, region = protocol.structure, protocol.structure.region
    Region.objects.select_for_update(of=("self",)).get(pk=region.pk)
    if Grant.objects.filter(structure=structure, protocol=protocol).exists():
        return None
    national = protocol.national_protocol
    line = Grant(
        regime=Regime.SNP,
        structure=structure,
        protocol=protocol,
        reference=_next_reference(region, protocol.declared_on.year, family="SNP"),
        starts_on=protocol.declared_on,
        ends_on=OPEN_END,
        rate=national.forfait_amount,
        yearly_cap=None,
        counting_unit=national.forfait_unit,
    )
    line.state = line.state_on(timezone.localdate())
    line.full_clean()
    line.save()
    recompute_eligibility(protocol_ids=[protocol.pk])
    return line


@transaction.atomic
def grants_follow_protocol_end(*, protocol_id: int) -> list[Grant]:
    """The lines of an ended protocol stop at its last day (idempotent: returns the lines changed).

    ``ends_on`` is cut to the protocol's last day (never before the line's start: an end before the line began
    leaves it one day long, and ``protocole_termine`` still excludes everything after the end). An SNP line is closed
    as well, by the agent who ended the protocol; an AMI grant stays for the region admin to close."""
    protocol = Protocol.objects.filter(pk=protocol_id, status=ProtocolStatus.ENDED).first()
    if protocol is None:
        return []
    ending = ProtocolEnding.objects.filter(protocol=protocol).select_related("decided_by").first()
    changed = []
    for grant in Grant.objects.select_for_update(of=("self",)).filter(protocol=protocol).order_by("pk"):
        fields = []
        last_day = max(grant.starts_on, min(grant.ends_on, protocol.ended_on))
        if grant.ends_on != last_day:
            grant.ends_on = last_day
            fields.append("ends_on")
        if grant.is_snp and grant.state != GrantState.CLOSED:
            grant.state = GrantState.CLOSED
            grant.closed_at, grant.closed_by = timezone.now(), ending.decided_by if ending else None
            grant.close_reason = (
                f"Mise en œuvre du protocole {protocol.code} annulée par l'ARS : dernier jour le "
                f"{protocol.ended_on:%d/%m/%Y}."
            )
            fields += ["state", "closed_at", "closed_by", "close_reason"]
        if fields:
            grant.full_clean()
            grant.save(update_fields=fields)
            changed.append(grant)
    if changed:
        recompute_eligibility(protocol_ids=[protocol.pk])
    return changed


def grants_sync_protocol(*, protocol_id: int) -> None:
    """After a suspension, a lifting, a declaration or the end of a protocol: open waiting grants and the SNP line of
    a forfait-funded adhesion, follow suspensions, stop the lines at the protocol's end."""
    grants_follow_protocol_end(protocol_id=protocol_id)
    grants_open_pending(protocol_id=protocol_id)
    snp_line_open(protocol_id=protocol_id)
    for grant in Grant.objects.filter(protocol_id=protocol_id).exclude(state=GrantState.CLOSED):
        grant_sync_state(grant=grant)


def grants_sync_states(*, day: datetime.date | None = None) -> int:
    """Nightly: suspensions that start or end today change the stored state. Returns how many changed."""
    day = day or timezone.localdate()
    suspended_protocols = Suspension.objects.covering(day).values("protocol_id")
    suspended = Q(protocol_id__in=suspended_protocols)
    stale = Grant.objects.exclude(state=GrantState.CLOSED).filter(
        (Q(state=GrantState.ACTIVE) & suspended) | (Q(state=GrantState.SUSPENDED) & ~suspended)
    )
    changed = 0
    for grant in stale:
        grant_sync_state(grant=grant, day=day)
        changed += 1
    return changed


@transaction.atomic
def grant_close(*, grant: Grant, by, reason: str) -> Grant:
    """The ARS closes a grant (end of the protocol, withdrawal, end of funding). Final."""
    grant = Grant.objects.select_for_update(of=("self",)).select_related("structure").get(pk=grant.pk)
    if grant.structure.region_id not in get_scope(by).region_ids([Role.REGION_ADMIN]):
        raise ApplicationError("Seul l'administrateur régional clôt une subvention.", code="forbidden")
    if grant.state == GrantState.CLOSED:
        raise ApplicationError("Cette subvention est déjà close.")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Indiquez le motif de la clôture."})
    grant.state = GrantState.CLOSED
    grant.closed_at, grant.closed_by, grant.close_reason = timezone.now(), by, reason
    grant.full_clean()
    grant.save(update_fields=["state", "closed_at", "closed_by", "close_reason"])
    return grant


def on_eligibility_inputs_changed(sender, protocol_id: int, since=None, **kwargs) -> None:
    """Receiver of ``protocols.signals.eligibility_inputs_changed`` (connected in ``FundingConfig.ready``)."""
    grants_sync_protocol_task.delay_on_commit(protocol_id)
