"""Column specs of the national exports (CSV and XLSX through ``portal.exports``, formulas neutralised there).

Headers are stable ASCII names, as in the portal's other exports; one column per exclusion reason of the engine.
"""

from funding.models import ExclusionReason
from portal.exports import Column
from reporting.charts import percentage


def _reason(code):
    return lambda row: row.cell.excluded_by_reason.get(code, 0)


AGGREGATE_COLUMNS = [
    Column("code_region", lambda row: row.region_code),
    Column("region", lambda row: row.region_name),
    Column("semestre", lambda row: str(row.period)),
    Column("type_protocole", lambda row: row.group.kind),
    Column("code_groupe", lambda row: row.group.code),
    Column("groupe", lambda row: row.group.label),
    Column("structures_engagees", lambda row: row.cell.structures),
    Column("protocoles_declares", lambda row: row.cell.protocols),
    Column("equipes_actives", lambda row: row.cell.teams),
    Column("delegants", lambda row: row.cell.delegants),
    Column("delegues", lambda row: row.cell.delegates),
    Column("interventions", lambda row: row.cell.interventions),
    Column("interventions_eligibles", lambda row: row.cell.eligible),
    Column("interventions_exclues", lambda row: row.cell.excluded),
    *[Column(f"exclues_{code}", _reason(code)) for code in ExclusionReason.values],
    Column("interventions_en_calcul", lambda row: row.cell.pending),
    Column("montant_emis", lambda row: row.cell.issued),
    Column("montant_paye", lambda row: row.cell.paid),
    Column("rapports_en_retard", lambda row: row.cell.reports_late),
]


def envelope_columns(regions: dict) -> list[Column]:
    return [
        Column("code_region", lambda envelope: regions[envelope.region_id][0]),
        Column("region", lambda envelope: regions[envelope.region_id][1]),
        Column("campagne", lambda envelope: envelope.title),
        Column("enveloppe_fir", lambda envelope: envelope.budget),
        Column("consomme", lambda envelope: envelope.consumed),
        Column("paye", lambda envelope: envelope.paid),
        Column(
            "part_consommee_pct",
            lambda envelope: None if not envelope.budget else percentage(envelope.consumed, envelope.budget),
        ),
    ]
