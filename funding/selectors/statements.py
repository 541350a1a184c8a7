"""Reads of the statements: exclusion counts by reason, the paginated list of a statement's interventions."""

from collections import defaultdict

from django.db import connection
from django.db.models import Count

from funding.models import ExclusionReason, InterventionEligibility, Statement, StatementItem
from funding.services.statement_sql import REGULARISATION_REASONS, detail_export_sql

REASON_LABELS = {**dict(ExclusionReason.choices), **REGULARISATION_REASONS}
DETAIL_FILTERS = {
    "eligible": "Éligibles de la période",
    "exclue": "Exclues de la période",
    "regularisation": "Régularisations",
}


def reason_label(code: str) -> str:
    return REASON_LABELS.get(code, code)


def exclusion_counts(statements) -> dict[int, list[tuple[str, str, int]]]:
    """For each statement, its period's excluded interventions by reason (two queries, whatever the number)."""
    statements = list(statements)
    counts = defaultdict(list)
    issued = [s.pk for s in statements if s.is_issued]
    if issued:
        rows = (
            StatementItem.objects.filter(statement_id__in=issued, is_regularisation=False, is_eligible=False)
            .values("statement_id", "reason")
            .annotate(count=Count("pk"))
            .order_by("statement_id", "-count", "reason")
        )
        for row in rows:
            counts[row["statement_id"]].append((row["reason"], reason_label(row["reason"]), row["count"]))
    drafts = {(s.grant_id, s.year, s.half): s.pk for s in statements if not s.is_issued}
    if drafts:
        periods = {(year, half) for _, year, half in drafts}
        for year, half in periods:
            statement = Statement(year=year, half=half)
            grant_ids = [grant_id for grant_id, y, h in drafts if (y, h) == (year, half)]
            rows = (
                InterventionEligibility.objects.filter(
                    grant_id__in=grant_ids,
                    is_eligible=False,
                    performed_on__gte=statement.period.start,
                    performed_on__lte=statement.period.end,
                )
                .values("grant_id", "reason")
                .annotate(count=Count("pk"))
                .order_by("grant_id", "-count", "reason")
            )
            for row in rows:
                statement_id = drafts[(row["grant_id"], year, half)]
                counts[statement_id].append((row["reason"], reason_label(row["reason"]), row["count"]))
    return dict(counts)


class StatementInterventions:
    """The interventions of one statement (frozen if issued, live if a draft), as a sliceable sequence for
    Django's Paginator: ``count()`` and ``[a:b]`` each run one query."""

    def __init__(self, statement: Statement, only: str | None = None):
        self.statement = statement
        self.only = only if only in DETAIL_FILTERS else None

    def _sql(self):
        ids = {"issued_ids": [self.statement.pk]} if self.statement.is_issued else {"draft_ids": [self.statement.pk]}
        return detail_export_sql(**ids, period=self.statement.period, with_nature=True, only=self.only)

    def count(self) -> int:
        sql, params = self._sql()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM ({sql}) AS rows", params)
            return cursor.fetchone()[0]

    def __len__(self):
        return self.count()

    def __getitem__(self, window):
        if not isinstance(window, slice):
            raise TypeError("Seules les tranches sont prises en charge.")
        start, stop = window.start or 0, window.stop
        sql, params = self._sql()
        with connection.cursor() as cursor:
            cursor.execute(f"{sql} LIMIT %s OFFSET %s", [*params, stop - start, start])
            return [_row(values) for values in cursor.fetchall()]


def _row(values) -> dict:
    finess, grant, episode, day, protocol, delegate, delegant, status, reason, nature = values
    return {
        "episode": episode,
        "date": day,
        "protocol": protocol,
        "delegate": delegate,
        "delegant": delegant,
        "eligible": status == "eligible",
        "reason": reason,
        "reason_label": reason_label(reason) if reason else "",
        "nature": nature,
    }
