"""The export of the instruction list (CSV and XLSX). Column headers are a stable interface: spreadsheets and
scripts of the ARS rely on them, so they change only with a new column added at the end."""

from django.db.models import Count, Q

from portal.exports import Column
from protocols.models import MembershipStatus, TeamRole

DOSSIER_COLUMNS = [
    Column("Numéro", lambda d: d.reference),
    Column("Campagne", lambda d: d.campaign.title),
    Column("Vague", lambda d: d.wave.number),
    Column("État", lambda d: d.get_state_display()),
    Column("Structure", lambda d: d.structure.name),
    Column("Type de structure", lambda d: d.structure.kind),
    Column("FINESS", lambda d: d.structure.finess),
    Column("SIRET", lambda d: d.structure.siret),
    Column("Commune", lambda d: d.structure.commune),
    Column("Département", lambda d: d.structure.departement),
    Column("ZIP", lambda d: d.in_zip),
    Column("ZAC", lambda d: d.in_zac),
    Column("QPV", lambda d: d.in_qpv),
    Column("Protocole", lambda d: d.protocol.code if d.protocol else ""),
    Column("Intitulé du protocole", lambda d: d.protocol.title if d.protocol else ""),
    Column("Nature du protocole", lambda d: d.protocol.get_kind_display() if d.protocol else ""),
    Column("Accompagnement à la rédaction", lambda d: d.drafting_support_requested),
    Column("Délégants", lambda d: d.delegant_count),
    Column("Délégués", lambda d: d.delegate_count),
    Column("Interventions attendues par an", lambda d: d.expected_interventions_per_year),
    Column("Part des délégants (%)", lambda d: d.delegant_share_percent),
    Column("Part des délégués (%)", lambda d: d.delegate_share_percent),
    Column("Déposé le", lambda d: d.submitted_at),
    Column("Référent", lambda d: d.contact_name),
    Column("E-mail du référent", lambda d: d.contact_email),
    Column("Téléphone du référent", lambda d: d.contact_phone),
    Column("Motif d'irrecevabilité", lambda d: d.inadmissibility_reason),
    Column("Retiré le", lambda d: d.withdrawn_at),
    Column("Empreinte SHA-256 du dépôt", lambda d: d.snapshot_sha256),
]


def _team(role: str) -> Count:
    return Count(
        "protocol__team",
        filter=Q(protocol__team__role=role, protocol__team__status=MembershipStatus.ACCEPTED),
        distinct=True,
    )


def export_rows(dossiers):
    """The rows to export, streamed (one query, whatever the number of dossiers)."""
    return (
        dossiers.select_related("campaign", "wave", "structure", "protocol")
        .annotate(delegant_count=_team(TeamRole.DELEGANT), delegate_count=_team(TeamRole.DELEGATE))
        .iterator(chunk_size=500)
    )
