"""Every aggregate read of the national view, the FIR forecast and the impact of a wave, in one module.

These are the portal's heavy reads (a region may hold a million interventions): each is one SQL statement that
groups rows (GROUP BY), never a Python loop over them, and its result is small (a row per region × protocol group ×
half-year, or per grant × month). Keeping them together lets them be re-pointed, later, at summary tables kept up
to date on write, without touching the pages that use them.

Access goes through the one mechanism (``portal.access``):

* the national reads take the region ids of ``Region.objects.visible_to(user, roles=NATIONAL_AGGREGATE_ROLES)``:
  every region for a national pilot (or the platform superadmin), none for anybody else. They return counts and
  sums only, never a row of a person, a structure or a dossier;
* the regional reads (FIR forecast, impact) start from ``visible_to(user, roles=...)`` querysets of the ARS user.

A *protocol group* is how the national view sorts protocols: a national protocol by its catalogue entry
(``"N<national_protocol_id>"``), local protocols by their theme (``"T<theme>"``, ``"T"`` when none is given).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth

from funding.models import (
    Campaign,
    Dossier,
    ExclusionReason,
    Grant,
    InterventionEligibility,
    Payment,
    Statement,
    StatementStatus,
)
from funding.periods import Period
from portal.models import Region, Structure
from portal.roles import NATIONAL_ROLES, Role
from protocols.models import Intervention, MembershipStatus, Protocol, TeamMembership, TeamRole
from reporting.models import PENDING_STATES, BiannualReport

NATIONAL_AGGREGATE_ROLES = frozenset(NATIONAL_ROLES | {Role.SUPERADMIN})
ZERO = Decimal("0.00")
REASONS = tuple(ExclusionReason.values)

T = {
    "region": Region._meta.db_table,
    "structure": Structure._meta.db_table,
    "protocol": Protocol._meta.db_table,
    "team": TeamMembership._meta.db_table,
    "intervention": Intervention._meta.db_table,
    "eligibility": InterventionEligibility._meta.db_table,
    "grant": Grant._meta.db_table,
    "statement": Statement._meta.db_table,
    "payment": Payment._meta.db_table,
    "campaign": Campaign._meta.db_table,
    "dossier": Dossier._meta.db_table,
    "report": BiannualReport._meta.db_table,
}
GROUP = "COALESCE('N' || p.national_protocol_id::text, 'T' || p.theme)"
# Each national read answers at four levels at once: region × group, region, group, and the whole country.
GROUPING_SETS = (
    "GROUPING SETS ((region_id, grp, year, half), (region_id, year, half), (grp, year, half), (year, half))"
)


@dataclass
class Cell:
    """The aggregates of one region (None: all) × protocol group (None: all) × half-year."""

    structures: int = 0
    protocols: int = 0
    teams: int = 0
    delegants: int = 0
    delegates: int = 0
    interventions: int = 0
    eligible: int = 0
    pending: int = 0
    excluded_by_reason: dict[str, int] = field(default_factory=dict)
    issued: Decimal = ZERO
    paid: Decimal = ZERO
    reports_late: int = 0

    @property
    def excluded(self) -> int:
        return sum(self.excluded_by_reason.values())


Key = tuple[int | None, str | None, int, int]  # (region id, group, year, half)


def _periods_cte(periods: Iterable[Period]) -> tuple[str, list]:
    periods = list(periods)
    values = ", ".join(["(%s, %s, %s, %s)"] * len(periods))
    return (
        f"per(year, half, starts, ends) AS (VALUES {values})",
        [value for period in periods for value in (period.year, period.half, period.start, period.end)],
    )


def _rollup(base: str, base_params: list, aggregates: str, periods, aggregate_params=()) -> list[dict]:
    cte, cte_params = _periods_cte(periods)
    sql = f"""
        WITH {cte}, base AS ({base})
        SELECT region_id, grp, year, half, GROUPING(region_id) AS all_regions, GROUPING(grp) AS all_groups,
               {aggregates}
        FROM base GROUP BY {GROUPING_SETS}
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [*cte_params, *base_params, *aggregate_params])
        columns = [column.name for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _key(row) -> Key:
    return (
        None if row["all_regions"] else row["region_id"],
        None if row["all_groups"] else row["grp"],
        row["year"],
        row["half"],
    )


def national_cells(region_ids: list[int], periods: list[Period], today: datetime.date) -> dict[Key, Cell]:
    """The aggregates of the regions for the half-years, at the four levels of ``GROUPING_SETS``: five queries,
    whatever the number of regions, protocols or interventions.

    * structures engaged and protocols declared: protocols declared on or before the half-year's last day;
    * teams, delegants, delegates: accepted members in the team at some point of the half-year (a team is a
      protocol with at least one delegate); a professional counts once per cell;
    * interventions performed in the half-year (cancelled ones aside), eligible, excluded by reason, and still
      being computed (no eligibility yet);
    * amounts issued and paid: the issued statements of the half-year and the payments recorded against them
      (every funding scheme of the engine);
    * reports late on ``today``: reports of the half-year neither submitted nor accepted past their due date.
    """
    cells: dict[Key, Cell] = {}
    if not region_ids or not periods:
        return cells

    def cell(row) -> Cell:
        return cells.setdefault(_key(row), Cell())

    joins = f"JOIN {T['structure']} s ON s.id = p.structure_id"
    for row in _rollup(
        f"""SELECT s.region_id, {GROUP} AS grp, per.year, per.half, p.structure_id, p.id AS protocol_id
            FROM {T["protocol"]} p {joins} JOIN per ON p.declared_on <= per.ends
            WHERE p.declared_on IS NOT NULL AND s.region_id = ANY(%s)""",
        [region_ids],
        "COUNT(DISTINCT structure_id) AS structures, COUNT(DISTINCT protocol_id) AS protocols",
        periods,
    ):
        target = cell(row)
        target.structures, target.protocols = row["structures"], row["protocols"]

    for row in _rollup(
        f"""SELECT s.region_id, {GROUP} AS grp, per.year, per.half, tm.protocol_id, tm.professional_id, tm.role
            FROM {T["team"]} tm JOIN {T["protocol"]} p ON p.id = tm.protocol_id {joins}
            JOIN per ON tm.joined_on <= per.ends AND (tm.left_on IS NULL OR tm.left_on > per.starts)
            WHERE tm.status = %s AND p.declared_on <= per.ends AND s.region_id = ANY(%s)""",
        [MembershipStatus.ACCEPTED.value, region_ids],
        """COUNT(DISTINCT protocol_id) FILTER (WHERE role = %s) AS teams,
           COUNT(DISTINCT professional_id) FILTER (WHERE role = %s) AS delegants,
           COUNT(DISTINCT professional_id) FILTER (WHERE role = %s) AS delegates""",
        periods,
        [TeamRole.DELEGATE.value, TeamRole.DELEGANT.value, TeamRole.DELEGATE.value],
    ):
        target = cell(row)
        target.teams, target.delegants, target.delegates = row["teams"], row["delegants"], row["delegates"]

    reason_columns = ", ".join(f"COUNT(*) FILTER (WHERE reason = %s) AS x{index}" for index in range(len(REASONS)))
    for row in _rollup(
        f"""SELECT s.region_id, {GROUP} AS grp, per.year, per.half, e.is_eligible, e.reason
            FROM {T["intervention"]} i JOIN {T["protocol"]} p ON p.id = i.protocol_id
            JOIN {T["structure"]} s ON s.id = i.structure_id
            JOIN per ON i.performed_on BETWEEN per.starts AND per.ends
            LEFT JOIN {T["eligibility"]} e ON e.intervention_id = i.id
            WHERE i.cancelled_at IS NULL AND s.region_id = ANY(%s)""",
        [region_ids],
        f"""COUNT(*) AS interventions, COUNT(*) FILTER (WHERE is_eligible) AS eligible,
            COUNT(*) FILTER (WHERE is_eligible IS NULL) AS pending, {reason_columns}""",
        periods,
        list(REASONS),
    ):
        target = cell(row)
        target.interventions, target.eligible, target.pending = row["interventions"], row["eligible"], row["pending"]
        target.excluded_by_reason = {
            reason: row[f"x{index}"] for index, reason in enumerate(REASONS) if row[f"x{index}"]
        }

    for row in _rollup(
        f"""SELECT s.region_id, {GROUP} AS grp, per.year, per.half, st.total_amount, COALESCE(pay.paid, 0) AS paid
            FROM {T["statement"]} st JOIN per ON per.year = st.year AND per.half = st.half
            JOIN {T["grant"]} g ON g.id = st.grant_id JOIN {T["protocol"]} p ON p.id = g.protocol_id
            JOIN {T["structure"]} s ON s.id = g.structure_id
            LEFT JOIN (SELECT statement_id, SUM(amount) AS paid FROM {T["payment"]} GROUP BY statement_id) pay
                ON pay.statement_id = st.id
            WHERE st.status = %s AND s.region_id = ANY(%s)""",
        [StatementStatus.ISSUED.value, region_ids],
        "SUM(total_amount) AS issued, SUM(paid) AS paid",
        periods,
    ):
        target = cell(row)
        target.issued, target.paid = row["issued"] or ZERO, row["paid"] or ZERO

    for row in _rollup(
        f"""SELECT s.region_id, {GROUP} AS grp, per.year, per.half
            FROM {T["report"]} r JOIN per ON per.year = r.year AND per.half = r.half
            JOIN {T["grant"]} g ON g.id = r.grant_id JOIN {T["protocol"]} p ON p.id = g.protocol_id
            JOIN {T["structure"]} s ON s.id = g.structure_id
            WHERE r.state = ANY(%s) AND r.due_on < %s AND s.region_id = ANY(%s)""",
        [sorted(PENDING_STATES), today, region_ids],
        "COUNT(*) AS reports_late",
        periods,
    ):
        cell(row).reports_late = row["reports_late"]
    return cells


@dataclass(frozen=True)
class Envelope:
    region_id: int
    campaign_id: int
    title: str
    budget: Decimal | None
    consumed: Decimal
    paid: Decimal


def envelopes(region_ids: list[int], until: Period) -> list[Envelope]:
    """The FIR envelope of each published campaign of the regions and how much of it the statements issued up to
    ``until`` consumed (and how much was paid): one query. Only AMI grants (from a dossier of the campaign) draw on
    an envelope; the Assurance maladie's forfaits never do."""
    if not region_ids:
        return []
    sql = f"""
        SELECT c.region_id, c.id, c.title, c.budget,
               COALESCE(SUM(st.total_amount), 0) AS consumed, COALESCE(SUM(pay.paid), 0) AS paid
        FROM {T["campaign"]} c
        LEFT JOIN {T["dossier"]} d ON d.campaign_id = c.id
        LEFT JOIN {T["grant"]} g ON g.dossier_id = d.id
        LEFT JOIN {T["statement"]} st
            ON st.grant_id = g.id AND st.status = %s AND (st.year, st.half) <= (%s, %s)
        LEFT JOIN (SELECT statement_id, SUM(amount) AS paid FROM {T["payment"]} GROUP BY statement_id) pay
            ON pay.statement_id = st.id
        WHERE c.region_id = ANY(%s) AND c.published_at IS NOT NULL
        GROUP BY c.region_id, c.id, c.title, c.budget
        HAVING c.budget IS NOT NULL OR COUNT(g.id) > 0
        ORDER BY c.region_id, c.title, c.id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [StatementStatus.ISSUED.value, until.year, until.half, region_ids])
        return [Envelope(*row) for row in cursor.fetchall()]


def activity_bounds(region_ids: list[int], today: datetime.date) -> tuple[datetime.date | None, datetime.date | None]:
    """(first declaration, latest intervention up to ``today``) of the regions: where the half-years start and
    which one a page opens on. Two indexed reads."""
    if not region_ids:
        return None, None
    first = (
        Protocol.objects.filter(structure__region__in=region_ids, declared_on__isnull=False)
        .order_by("declared_on")
        .values_list("declared_on", flat=True)
        .first()
    )
    latest = (
        Intervention.objects.active()
        .filter(structure__region__in=region_ids, performed_on__lte=today)
        .order_by("-performed_on")
        .values_list("performed_on", flat=True)
        .first()
    )
    return first, latest


# --- Regional reads of an ARS user (FIR forecast, impact of a wave) ----------------------------------------------


def fir_grants(user, roles):
    """The grants an ARS pays from its FIR: the AMI grants (the Assurance maladie's SNP forfaits never draw on an
    envelope; the regime constraint guarantees an AMI grant has its dossier)."""
    return Grant.objects.visible_to(user, roles=roles).ami()


def eligible_by_grant_and_month(grants, start: datetime.date, end: datetime.date) -> list[dict]:
    """Eligible interventions per grant and month between two dates: one GROUP BY on the (grant, date) index."""
    return list(
        InterventionEligibility.objects.filter(
            grant__in=grants, is_eligible=True, performed_on__gte=start, performed_on__lte=end
        )
        .annotate(month=TruncMonth("performed_on"))
        .values("grant_id", "month")
        .annotate(count=Count("pk"))
        .order_by("grant_id", "month")
    )


def statement_totals_by_campaign(grants, year: int) -> dict[int, dict[str, Decimal]]:
    """Per campaign, the amounts of the year's statements: issued, and computed but not issued (drafts); and what
    was issued in the years before (consumed from the envelope already). One query."""
    rows = (
        Statement.objects.filter(grant__in=grants, year__lte=year)
        .values("grant__dossier__campaign_id")
        .annotate(
            issued=Sum("total_amount", filter=Q(status=StatementStatus.ISSUED, year=year)),
            drafts=Sum("total_amount", filter=Q(status=StatementStatus.DRAFT, year=year)),
            issued_before=Sum("total_amount", filter=Q(status=StatementStatus.ISSUED, year__lt=year)),
        )
        .order_by()
    )
    return {
        row["grant__dossier__campaign_id"]: {name: row[name] or ZERO for name in ("issued", "drafts", "issued_before")}
        for row in rows
    }


def interventions_by_protocol_month(protocol_ids, until: datetime.date) -> list[dict]:
    """Logged interventions (cancelled ones aside) per protocol, month and eligibility outcome (eligible, a reason
    of exclusion, or not computed yet), up to ``until``: one GROUP BY."""
    return list(
        Intervention.objects.active()
        .filter(protocol_id__in=protocol_ids, performed_on__lte=until)
        .annotate(month=TruncMonth("performed_on"))
        .values("protocol_id", "month", "eligibility__is_eligible", "eligibility__reason")
        .annotate(count=Count("pk"))
        .order_by("protocol_id", "month")
    )


def delegates_by_protocol_month(protocol_ids, until: datetime.date) -> dict[tuple[int, datetime.date], int]:
    """Delegates in each protocol's team, month by month (a delegate counts in every month they were a member on
    at least one day), up to the month of ``until``: one query over the team rows and a series of months."""
    protocol_ids = list(protocol_ids)
    if not protocol_ids:
        return {}
    sql = f"""
        SELECT tm.protocol_id, month::date, COUNT(DISTINCT tm.professional_id)
        FROM {T["team"]} tm
        CROSS JOIN LATERAL generate_series(
            date_trunc('month', tm.joined_on),
            date_trunc('month', LEAST(COALESCE(tm.left_on - 1, %s::date), %s::date)),
            interval '1 month'
        ) AS month
        WHERE tm.protocol_id = ANY(%s) AND tm.role = %s AND tm.status = %s AND tm.joined_on <= %s
        GROUP BY tm.protocol_id, month
    """
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [until, until, protocol_ids, TeamRole.DELEGATE.value, MembershipStatus.ACCEPTED.value, until],
        )
        return {(protocol_id, month): count for protocol_id, month, count in cursor.fetchall()}
