"""The monthly counts of interventions (``InterventionMonthlyCount``): rebuilt whole from the source rows here;
kept up to date on every write by the triggers of ``funding/migrations/0018_intervention_monthly_counts``.

A rebuild is needed only after writing the tables with the triggers disabled, or to repair: the triggers see every
statement, raw SQL included. ``monthly_counts_drift`` says which keys differ from a fresh ``GROUP BY`` (the tests and
``manage.py rebuild_monthly_counts --check`` use it).
"""

from django.db import connection, transaction

from funding.models import InterventionEligibility, InterventionMonthlyCount
from portal.models import Structure
from protocols.models import Intervention

KEY = ("structure_id", "protocol_id", "month", "is_eligible", "reason")

FRESH_SQL = """
SELECT i.structure_id, i.protocol_id, date_trunc('month', i.performed_on)::date AS month, e.is_eligible,
       COALESCE(e.reason, '') AS reason, COUNT(*) AS interventions
FROM {intervention} i LEFT JOIN {eligibility} e ON e.intervention_id = i.id
WHERE i.cancelled_at IS NULL {scope}
GROUP BY 1, 2, 3, 4, 5
"""


def _tables() -> dict[str, str]:
    return {
        "counts": InterventionMonthlyCount._meta.db_table,
        "intervention": Intervention._meta.db_table,
        "eligibility": InterventionEligibility._meta.db_table,
        "structure": Structure._meta.db_table,
    }


def _scope(region_ids, alias: str) -> tuple[str, list]:
    if region_ids is None:
        return "", []
    return (
        f"AND {alias}.structure_id IN (SELECT id FROM {_tables()['structure']} WHERE region_id = ANY(%s))",
        [list(region_ids)],
    )


def monthly_counts_rebuild(*, region_ids=None) -> int:
    """Replace the counts of these regions (None: all) by a fresh ``GROUP BY`` of their interventions; returns the
    number of rows written. The structures are locked first, as every writer of the counts does."""
    tables = _tables()
    with transaction.atomic(), connection.cursor() as cursor:
        structures = Structure.objects.all() if region_ids is None else Structure.objects.filter(region__in=region_ids)
        list(structures.select_for_update(of=("self",), no_key=True).order_by("pk").values_list("pk", flat=True))
        scope, params = _scope(region_ids, "c")
        cursor.execute(f"DELETE FROM {tables['counts']} c WHERE TRUE {scope}", params)
        scope, params = _scope(region_ids, "i")
        cursor.execute(
            f"INSERT INTO {tables['counts']} ({', '.join(KEY)}, interventions) "
            + FRESH_SQL.format(**tables, scope=scope),
            params,
        )
        return max(cursor.rowcount, 0)


def monthly_counts_drift(*, region_ids=None) -> list[tuple]:
    """The keys whose stored count differs from a fresh ``GROUP BY``: (key…, stored, fresh); empty when exact."""
    tables = _tables()
    fresh_scope, fresh_params = _scope(region_ids, "i")
    stored_scope, stored_params = _scope(region_ids, "c")
    columns = ", ".join(KEY)
    sql = f"""
    SELECT {", ".join(f"COALESCE(s.{column}, f.{column})" for column in KEY)},
           COALESCE(s.interventions, 0), COALESCE(f.interventions, 0)
    FROM (SELECT {columns}, interventions FROM {tables["counts"]} c WHERE TRUE {stored_scope}) s
    FULL JOIN ({FRESH_SQL.format(**tables, scope=fresh_scope)}) f
      ON (s.structure_id, s.protocol_id, s.month, s.reason) = (f.structure_id, f.protocol_id, f.month, f.reason)
     AND s.is_eligible IS NOT DISTINCT FROM f.is_eligible
    WHERE COALESCE(s.interventions, 0) <> COALESCE(f.interventions, 0)
    ORDER BY 1, 2, 3, 5
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, stored_params + fresh_params)
        return cursor.fetchall()
