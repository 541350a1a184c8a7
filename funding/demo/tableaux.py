"""Demo tableau de reporting: the MSP des Oliviers' 2025-H1 tableau, opened by its coordinator and confirmed by its
delegant (medecin.msp); its delegates (ide.msp, ide2.msp) have not confirmed yet, so it cannot be transmitted.

Runs after the statements seeder (the grant and its 2025 interventions). Idempotent: a tableau already opened is
left as it is.
"""

from funding.demo.keys import OLIVIERS_GRANT
from funding.models import Grant, Tableau
from funding.periods import Period
from funding.services.tableaux import tableau_confirm, tableau_open
from portal.models import StructureMembership, User
from portal.roles import Role

H1 = Period(2025, 1)
CONFIRMING = ["medecin.msp@demo.fr"]


def seed(context: dict) -> dict:
    grant = Grant.objects.filter(reference=OLIVIERS_GRANT).select_related("structure").first()
    if grant is None:
        return {}
    structure = grant.structure
    tableau = Tableau.objects.filter(structure=structure, year=H1.year, half=H1.half).first()
    if tableau is not None:
        return {"tableau": tableau}
    coordinator = (
        StructureMembership.objects.filter(structure=structure, role=Role.COORDINATOR)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if coordinator is None:
        return {}
    tableau = tableau_open(structure=structure, period=H1, by=coordinator.user)
    for user in User.objects.filter(email__in=CONFIRMING).order_by("email"):
        signatory = tableau.signatories.filter(professional__user=user, is_current=True).first()
        if signatory is not None:
            tableau_confirm(tableau=tableau, by=user, digest=signatory.lines_digest)
    return {"tableau": tableau}
