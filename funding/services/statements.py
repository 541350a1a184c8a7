"""Computing and issuing the funding statements of a region for a half-year.

``statements_compute`` writes the drafts of a region and period in a few aggregate queries (one ``GROUP BY
grant`` over the eligibility table, one over the paid ledger, one over the issued lines), whatever the number of
grants; ``statements_issue`` freezes them (one ``INSERT … SELECT`` of the paid interventions). Both run inside the
transaction of a run (``funding.services.statement_runs``), behind a PostgreSQL advisory lock per region and period:
two runs at once give one set of drafts, and a killed worker leaves nothing half-written. The counts come from
``funding.services.statement_counts``.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, connection
from django.db.models import Q
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from funding.models import (
    Grant,
    Statement,
    StatementLine,
    StatementStatus,
)
from funding.periods import Period
from funding.services import statement_counts, statement_sql
from funding.services.statement_rules import StatementFigures, YearCounts, statement_figures
from funding.signals import announce_statements_changed
from portal.errors import ApplicationError

ProgressCallback = Callable[[int, int], None]


@dataclass
class ComputationResult:
    region_id: int
    period: Period
    drafts: list[Statement] = field(default_factory=list)
    figures: dict[int, StatementFigures] = field(default_factory=dict)  # by statement id
    already_issued: int = 0
    skipped: list[dict] = field(default_factory=list)
    issued: int = 0

    @property
    def digest(self) -> str:
        payload = sorted([statement.grant_id, statement.figures_digest] for statement in self.drafts)
        return hashlib.sha256(json.dumps(payload, separators=(",", ":")).encode()).hexdigest()

    def summary(self) -> dict:
        figures = list(self.figures.values())
        return {
            "statements": len(self.drafts),
            "issued": self.issued,
            "already_issued": self.already_issued,
            "skipped": self.skipped,
            "eligible": sum(f.eligible_count for f in figures),
            "excluded": sum(f.excluded_count for f in figures),
            "period_amount": str(sum((f.period_amount for f in figures), Decimal("0.00"))),
            "regularisation_amount": str(sum((f.regularisation_amount for f in figures), Decimal("0.00"))),
            "total_amount": str(sum((f.total_amount for f in figures), Decimal("0.00"))),
        }


def lock_region_period(*, region, period: Period) -> None:
    """Serialise computations of one region and period until the end of the current transaction."""
    if not connection.in_atomic_block:
        raise RuntimeError("Le verrou d'un calcul se prend dans sa transaction.")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"funding.statements:{region.pk}:{period}"]
        )


def statement_reference(grant: Grant, period: Period) -> str:
    return f"EV-{period}-{grant.reference}"


def _report(on_progress: ProgressCallback | None, done: int, total: int) -> None:
    if on_progress:
        on_progress(done, total)


def statements_compute(
    *, region, period: Period, lock_grants: bool = False, on_progress: ProgressCallback | None = None
) -> ComputationResult:
    """Write the drafts of ``region`` for ``period`` (idempotent: a second run rewrites the same drafts).

    Issued statements of the period are never touched; a grant with an issued statement of a later period is left
    aside (its later statement already settled the period). ``lock_grants`` locks the grants' rows first, as the
    issue does, so no other issue of the region reads the issued amounts meanwhile. Must run in a transaction.
    """
    lock_region_period(region=region, period=period)
    result = ComputationResult(region_id=region.pk, period=period)
    grants_query = (
        Grant.objects.filter(structure__region=region, starts_on__lte=period.end)
        .only("pk", "reference", "rate", "yearly_cap", "starts_on", "ends_on")
        .order_by("pk")
    )
    if lock_grants:
        grants_query = grants_query.select_for_update(of=("self",))
    grants = {grant.pk: grant for grant in grants_query}
    # The period's statements and, in the same read, the later ones (an issued later statement settles the period).
    statements_query = Statement.objects.filter(grant__structure__region=region, year__gte=period.year).exclude(
        year=period.year, half__lt=period.half
    )
    if not lock_grants:  # a draft computation reads what it compares; an issue needs whole rows for the history
        statements_query = statements_query.only(
            "pk", "grant_id", "year", "half", "status", "reference", "figures_digest", "regularisation_from"
        )
    statements, later_issued = {}, set()
    for statement in statements_query:
        if (statement.year, statement.half) == (period.year, period.half):
            statements[statement.grant_id] = statement
        elif statement.is_issued:
            later_issued.add(statement.grant_id)
    issued = statement_counts.issued_by_grant_year(region)
    first_issued_year = {}
    for grant_id, year in issued:
        first_issued_year[grant_id] = min(year, first_issued_year.get(grant_id, year))

    candidates = []
    for grant in sorted(grants.values(), key=lambda g: g.reference):
        existing = statements.get(grant.pk)
        if existing is not None and existing.is_issued:
            result.already_issued += 1
        elif grant.pk in later_issued:
            result.skipped.append(
                {"grant": grant.reference, "reason": "Un état d'une période postérieure est déjà émis."}
            )
        elif grant.ends_on >= period.start or grant.pk in first_issued_year:
            candidates.append(grant)
    total = len(candidates) + 1
    _report(on_progress, 0, total)

    candidate_ids = [grant.pk for grant in candidates]
    window_start = {g.pk: min(first_issued_year.get(g.pk, period.year), period.year) for g in candidates}
    first_year = min(window_start.values(), default=period.year)
    drafts_ids = [s.pk for s in statements.values() if not s.is_issued]
    counts, ledger = (
        statement_counts.counts(region, candidate_ids, period, first_year, lambda: _matching_memo(drafts_ids))
        if candidates
        else ({}, {})
    )
    _report(on_progress, 1, total)

    now = timezone.now()
    drafts, figures_by_grant = [], {}
    for grant in candidates:
        figures = _grant_figures(grant, period, counts.get(grant.pk, {}), ledger, issued, window_start[grant.pk])
        covers_period = grant.starts_on <= period.end and grant.ends_on >= period.start
        if not covers_period and not figures.has_activity:
            continue
        figures_by_grant[grant.pk] = figures
        statement = statements.get(grant.pk) or Statement(
            grant=grant, year=period.year, half=period.half, reference=statement_reference(grant, period)
        )
        statement.regularisation_from = datetime.date(window_start[grant.pk], 1, 1)
        drafts.append(statement)
    stale = [s.pk for s in statements.values() if not s.is_issued and s.grant_id not in figures_by_grant]
    if stale:
        Statement.objects.filter(pk__in=stale).delete()
    _write_drafts(drafts, figures_by_grant, now=now)
    result.drafts = sorted(drafts, key=lambda s: s.reference)
    result.figures = {s.pk: figures_by_grant[s.grant_id] for s in result.drafts}
    announce_statements_changed([region.pk])
    _report(on_progress, total, total)
    return result


def _matching_memo(draft_ids) -> dict[tuple[int, int], tuple[str, int]]:
    """What the current drafts' régularisation lines were matched on, and their added counts, by (grant, year)."""
    if not draft_ids:
        return {}
    lines = StatementLine.objects.filter(statement_id__in=draft_ids, kind=StatementLine.Kind.REGULARISATION)
    return {
        (grant_id, year): (matched_on, added)
        for grant_id, year, matched_on, added in lines.exclude(matched_on="")
        .values_list("statement__grant_id", "year", "matched_on", "added_count")
        .order_by()
    }


def _grant_figures(grant, period: Period, row: dict, ledger, issued, first_year: int) -> StatementFigures:
    years = {}
    for year in range(first_year, period.year + 1):
        paid, still_paid, match_key = ledger.get((grant.pk, year), (0, 0, ""))
        years[year] = YearCounts(
            year=year,
            eligible=row.get(f"y{year}", 0),
            paid=paid,
            still_paid=still_paid,
            issued=issued.get((grant.pk, year), Decimal("0.00")),
            match_key=match_key,
        )
    return statement_figures(
        rate=grant.rate,
        yearly_cap=grant.yearly_cap,
        period=period,
        period_eligible=row.get("period_eligible", 0),
        period_excluded=row.get("period_excluded", 0),
        years=years,
    )


def _figures_digest(statement: Statement, figures: StatementFigures) -> str:
    payload = [figures.fingerprint(), str(figures.rate), str(figures.yearly_cap), str(statement.regularisation_from)]
    return hashlib.sha256(json.dumps(payload, separators=(",", ":")).encode()).hexdigest()


def _write_drafts(drafts: list[Statement], figures_by_grant: dict, *, now) -> None:
    """Create the new drafts, rewrite the changed ones and their lines; an unchanged draft (same figures digest)
    is left as it is (``computed_at`` is when its figures were established; the run records each computation),
    so recomputing a quiet region writes nothing."""
    to_create, to_update = [], []
    for statement in drafts:
        figures = figures_by_grant[statement.grant_id]
        digest = _figures_digest(statement, figures)
        if statement.pk and statement.figures_digest == digest:
            continue
        statement.figures_digest, statement.computed_at = digest, now
        _apply_figures(statement, figures)
        (to_update if statement.pk else to_create).append(statement)
    StatementLine.objects.filter(statement__in=[s.pk for s in to_update]).delete()
    _update_drafts(to_update)
    Statement.objects.bulk_create(to_create, batch_size=500)
    StatementLine.objects.bulk_create(
        [
            StatementLine(
                statement=statement,
                kind=line.kind,
                year=line.year,
                label=line.label,
                eligible_count=line.eligible_count,
                added_count=line.added_count,
                removed_count=line.removed_count,
                entitled_amount=line.entitled_amount,
                deducted_amount=line.deducted_amount,
                amount=line.amount,
                matched_on=line.match_key,
            )
            for statement in to_update + to_create
            for line in figures_by_grant[statement.grant_id].lines
        ],
        batch_size=1000,
    )


DRAFT_FIELDS = [
    "figures_digest",
    "rate",
    "yearly_cap",
    "eligible_count",
    "excluded_count",
    "period_amount",
    "regularisation_amount",
    "total_amount",
    "year_cumulative",
    "cap_remaining",
    "regularisation_from",
    "computed_at",
]


def _update_drafts(statements: list[Statement]) -> None:
    """Rewrite the recomputed drafts in one statement (``bulk_update``'s CASE per row and field costs more than
    the whole aggregate on a large region)."""
    if not statements:
        return
    db_types = {field: Statement._meta.get_field(field).db_type(connection) for field in DRAFT_FIELDS}
    sql, params = statement_sql.update_drafts_sql(statements, DRAFT_FIELDS, db_types)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _apply_figures(statement: Statement, figures: StatementFigures) -> None:
    statement.rate = figures.rate
    statement.yearly_cap = figures.yearly_cap
    statement.eligible_count = figures.eligible_count
    statement.excluded_count = figures.excluded_count
    statement.period_amount = figures.period_amount
    statement.regularisation_amount = figures.regularisation_amount
    statement.total_amount = figures.total_amount
    statement.year_cumulative = figures.year_cumulative
    statement.cap_remaining = figures.cap_remaining


def statements_issue(*, result: ComputationResult, by=None, today: datetime.date | None = None) -> int:
    """Issue the drafts ``statements_compute`` just wrote, in the same transaction: freeze the interventions they
    count or exclude (``StatementItem``), update the paid ledger, and mark them issued (with a history entry).

    Refused for a period not yet over, or while an earlier period of one of the grants is still a draft (it would
    then be paid twice). Returns the number of statements issued."""
    period = result.period
    if not period.is_over(today):
        raise ApplicationError(
            f"Le {period.label} n'est pas terminé : ses états pourront être émis à partir du "
            f"{period.end + datetime.timedelta(1):%d/%m/%Y}."
        )
    drafts = result.drafts
    if not drafts:
        raise ApplicationError("Aucun brouillon à émettre pour cette période.")
    ids = [s.pk for s in drafts]
    # Freezing a region of a million interventions writes as many rows (and their foreign-key checks at commit):
    # longer than the portal's per-statement timeout, and always in a background job or the command line.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = '15min'")
    earlier_drafts = list(
        Statement.objects.drafts()
        .filter(grant_id__in=[s.grant_id for s in drafts])
        .filter(Q(year__lt=period.year) | Q(year=period.year, half__lt=period.half))
        .values_list("reference", flat=True)
        .order_by("reference")[:5]
    )
    if earlier_drafts:
        raise ApplicationError(
            "Des états de périodes antérieures sont encore des brouillons : émettez-les d'abord "
            f"({', '.join(earlier_drafts)})."
        )
    try:
        with connection.cursor() as cursor:
            for sql, params in (
                statement_sql.freeze_items_sql(ids, period),
                statement_sql.ledger_remove_sql(ids),
                statement_sql.ledger_add_sql(ids),
                *statement_sql.paid_totals_refresh_sql({s.grant_id for s in drafts}),
            ):
                cursor.execute(sql, params)
    except IntegrityError as error:
        raise ApplicationError(
            "Une intervention serait payée deux fois (elle figure déjà dans un autre état émis) : rien n'est émis. "
            "Vérifiez les interventions rattachées à plusieurs subventions."
        ) from error
    _check_frozen_items(result)
    now = timezone.now()
    # The payer is frozen with the figures: a CPAM corrected on the structure later never changes an issued statement.
    payers = {
        grant.pk: grant.payer
        for grant in Grant.objects.filter(pk__in={s.grant_id for s in drafts}).select_related("structure__region")
    }
    for statement in drafts:
        statement.status, statement.issued_at, statement.issued_by = StatementStatus.ISSUED, now, by
        statement.issued_payer = payers[statement.grant_id]
    bulk_update_with_history(
        drafts,
        Statement,
        ["status", "issued_at", "issued_by", "issued_payer"],
        default_user=by,
        default_change_reason="Émission de l'état",
        default_date=now,
    )
    result.issued = len(drafts)
    announce_statements_changed([result.region_id])
    return result.issued


def _check_frozen_items(result: ComputationResult) -> None:
    """The frozen list must say exactly what the counts said; anything else is a bug, and nothing is issued."""
    sql, params = statement_sql.item_counts_sql([s.pk for s in result.drafts])
    found = defaultdict(int)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for statement_id, year, is_regularisation, is_eligible, count in cursor.fetchall():
            found[(statement_id, year, bool(is_regularisation), bool(is_eligible))] += count
    expected = defaultdict(int)
    for statement in result.drafts:
        figures = result.figures[statement.pk]
        expected[(statement.pk, statement.year, False, True)] += figures.eligible_count
        expected[(statement.pk, statement.year, False, False)] += figures.excluded_count
        for line in figures.lines:
            if line.kind == "regularisation":
                expected[(statement.pk, line.year, True, True)] += line.added_count
                expected[(statement.pk, line.year, True, False)] += line.removed_count
    mismatches = {key for key in set(found) | set(expected) if found[key] != expected[key]}
    if mismatches:
        raise RuntimeError(f"Interventions figées incohérentes avec les comptes : {sorted(mismatches)[:5]}")
