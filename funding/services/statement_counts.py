"""The counts a computation needs, in a few aggregate queries whatever the number of grants."""

import datetime
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Q, Sum

from funding.models import InterventionEligibility, PaidTotal, StatementLine, StatementStatus
from funding.periods import Period
from funding.services import statement_sql


def issued_by_grant_year(region) -> dict[tuple[int, int], Decimal]:
    rows = (
        StatementLine.objects.filter(
            statement__grant__structure__region=region, statement__status=StatementStatus.ISSUED
        )
        .values("statement__grant_id", "year")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return {(row["statement__grant_id"], row["year"]): row["total"] for row in rows}


def _year_windows(period: Period, first_year: int) -> list[tuple[int, datetime.date, datetime.date]]:
    """The years of the régularisation window with their dates before the period (none for H1's own year)."""
    windows = []
    for year in range(first_year, period.year + 1):
        start, end = datetime.date(year, 1, 1), min(datetime.date(year, 12, 31), period.start - datetime.timedelta(1))
        if start <= end:
            windows.append((year, start, end))
    return windows


def _eligibility_counts(grant_ids, period: Period, first_year: int) -> dict[int, dict]:
    """Per grant, in one ``GROUP BY grant`` that the index ``eligibility_grant_date_idx`` answers alone: the
    period's eligible and excluded interventions and, per year of the window, the eligible ones before the period.
    (``performed_on`` is counted, not the primary key: it is in the index, so the table itself is never read.)"""
    aggregates = {
        "period_eligible": Count("performed_on", filter=Q(is_eligible=True, performed_on__gte=period.start)),
        "period_excluded": Count("performed_on", filter=Q(is_eligible=False, performed_on__gte=period.start)),
    }
    for year, start, end in _year_windows(period, first_year):
        window = Q(is_eligible=True, performed_on__gte=start, performed_on__lte=end)
        aggregates[f"y{year}"] = Count("performed_on", filter=window)
    rows = (
        InterventionEligibility.objects.filter(
            grant_id__in=grant_ids,
            performed_on__gte=datetime.date(first_year, 1, 1),
            performed_on__lte=period.end,
        )
        .values("grant_id")
        .annotate(**aggregates)
        .order_by()
    )
    return {row["grant_id"]: row for row in rows}


def counts(
    region, grant_ids, period: Period, first_year: int, load_memo=None
) -> tuple[dict[int, dict], dict[tuple[int, int], tuple]]:
    """The counts of the computation: per grant (see ``_eligibility_counts``) and, per (grant, year) of the paid
    ledger, ``(paid, still_paid, match_key)``: how many interventions the issued statements pay, how many of those
    are still eligible for the grant and year, dated before the period, and what that was matched on.

    Without paid interventions (a first half-year) this is the index-only ``GROUP BY``. Otherwise the same scan
    also sums a checksum of the eligible ids per year: where count and checksum equal the ledger's totals, the paid
    set is unchanged (``still_paid = paid``). For the others, a draft computed from the very same counts and
    checksums (``load_memo()``: its régularisation lines, read only if needed) already knows the answer; only what
    is left is matched row by row with the ledger."""
    wanted = set(grant_ids)
    totals = {
        (grant_id, year): (paid_count, checksum)
        for grant_id, year, paid_count, checksum in PaidTotal.objects.filter(grant__structure__region=region)
        .values_list("grant_id", "year", "paid_count", "checksum")
        .order_by()
        if grant_id in wanted
    }
    if not totals:
        return _eligibility_counts(grant_ids, period, first_year), {}
    windows = _year_windows(period, first_year)
    keys = {}
    counts = _run_counts(statement_sql.counts_with_checksums_sql(grant_ids, period, windows))
    still, to_match, memo = {}, set(), None
    for (grant_id, year), (paid, paid_checksum) in totals.items():
        row = counts.get(grant_id, {})
        eligible, checksum = row.get(f"y{year}") or 0, row.get(f"c{year}") or 0
        if (eligible, checksum) == (paid, paid_checksum):
            still[(grant_id, year)] = paid
            continue
        keys[(grant_id, year)] = key = f"{eligible}:{checksum}:{paid}:{paid_checksum}"
        if memo is None:
            memo = load_memo() if load_memo else {}
        remembered = memo.get((grant_id, year))
        if remembered and remembered[0] == key:
            still[(grant_id, year)] = eligible - remembered[1]  # eligible minus the added ones
        else:
            to_match.add(grant_id)
    if to_match:
        sql, params = statement_sql.still_paid_sql(sorted(to_match), period)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            matched = {(grant_id, year): count for grant_id, year, count in cursor.fetchall()}
        still.update({(g, y): matched.get((g, y), 0) for g, y in totals if g in to_match})
    return counts, {(g, y): (paid, still[(g, y)], keys.get((g, y), "")) for (g, y), (paid, _) in totals.items()}


def _run_counts(query) -> dict[int, dict]:
    sql, params, columns = query
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0]: dict(zip(columns, row, strict=True)) for row in cursor.fetchall()}
