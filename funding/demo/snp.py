"""Demo SNP lines: the CPTS du Pays d'Aix's adhesion to SNP-POLLAKIURIE, declared on 2025-01-15, has its SNP line
from that day (SNP-PACA-2025-001: 25 € per patient, no cap, paid by the CPAM des Bouches-du-Rhône).

The declaration's signal opens it through a Celery task; the demo opens it itself so that it does not depend on a
worker running. Idempotent: ``snp_line_open`` does nothing for a protocol that has its line.
"""

from funding.services.grants import snp_line_open
from protocols.demo.keys import PAYS_D_AIX_FINESS, POLLAKIURIE_CODE
from protocols.models import Protocol


def seed(context: dict) -> dict:
    adhesion = Protocol.objects.filter(structure__finess=PAYS_D_AIX_FINESS, code=POLLAKIURIE_CODE).first()
    if adhesion is not None:
        snp_line_open(protocol_id=adhesion.pk)
    return {}
