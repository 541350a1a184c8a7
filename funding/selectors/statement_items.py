"""A statement's interventions (counted, excluded, régularisations) page by page in a stable order, for the API's
cursor pagination: the frozen items of an issued statement, or those of a draft as the freeze would write them
(the same SQL as the web page and the exports, ``funding.services.statement_sql``).

Order and cursor key: period rows before régularisations, then the year of the line, the intervention, and its
status (an intervention moved from H1 to H2 is listed once as removed and once in the period). Reading after a key
is an index range on a frozen statement, whatever its size.
"""

from django.db import connection

from funding.models import Statement
from funding.selectors.statements import reason_label
from funding.services.statement_sql import (
    DETAIL_ONLY,
    INTERVENTIONS,
    PROFESSIONALS,
    PROTOCOLS,
    frozen_detail_sql,
    live_detail_sql,
)

ONLY = {"eligible": "eligible", "excluded": "exclue", "regularisation": "regularisation"}  # API word → DETAIL_ONLY
_KEY = (
    "CASE WHEN d.is_regularisation THEN 1 ELSE 0 END",
    "d.year",
    "d.intervention_id",
    "CASE WHEN d.is_eligible THEN 1 ELSE 0 END",
)


def statement_items_after(
    statement: Statement, *, after: tuple[int, int, int, int] | None, limit: int, only: str | None = None
) -> list[dict]:
    """Up to ``limit`` interventions of ``statement`` after the key ``after`` (None: from the start), each with its
    ``key`` for the next cursor. ``only`` keeps ``eligible`` or ``excluded`` period rows, or ``regularisation``."""
    if statement.is_issued:
        part, params = frozen_detail_sql([statement.pk])
    else:
        part, params = live_detail_sql([statement.pk], statement.period)
    params = list(params)
    conditions = [DETAIL_ONLY[ONLY[only]]] if only else []
    if after is not None:
        conditions.append(f"({', '.join(_KEY)}) > (%s, %s, %s, %s)")
        params += list(after)
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    sql = f"""
        SELECT {", ".join(_KEY)}, d.is_eligible, d.reason, i.performed_on, i.episode_reference, pr.code,
               COALESCE(dg.rpps, dg.adeli), COALESCE(dt.rpps, dt.adeli)
        FROM ({part}) AS d
        JOIN {INTERVENTIONS} i ON i.id = d.intervention_id
        JOIN {PROTOCOLS} pr ON pr.id = i.protocol_id
        JOIN {PROFESSIONALS} dg ON dg.id = i.delegate_id
        JOIN {PROFESSIONALS} dt ON dt.id = i.delegant_id
        {where}
        ORDER BY 1, 2, 3, 4
        LIMIT %s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit])
        return [_item(values) for values in cursor.fetchall()]


def _item(values) -> dict:
    (
        regularisation,
        year,
        intervention_id,
        eligible_key,
        is_eligible,
        reason,
        day,
        episode,
        protocol,
        delegate,
        delegant,
    ) = values
    return {
        "key": (regularisation, year, intervention_id, eligible_key),
        "intervention_id": intervention_id,
        "performed_on": day,
        "protocol_code": protocol,
        "episode_reference": episode,
        "delegate_identifier": delegate,
        "delegant_identifier": delegant,
        "year": year,
        "is_regularisation": bool(regularisation),
        "is_eligible": bool(is_eligible),
        "reason": reason or None,
        "reason_label": reason_label(reason) if reason else None,
    }
