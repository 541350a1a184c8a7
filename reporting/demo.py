"""Demo data of the reporting layer: the MSP des Oliviers' 2025-H1 report accepted, its 2025-H2 report as a
partly written draft, and the PACA consolidation of 2025-H1 done.

Runs after the funding seeders (grant ``SUB-PACA-2025-001`` and its statements); without the grant it does
nothing. Idempotent: reports are opened only where missing (``reports_open``), each step runs only from the state
it expects, and the consolidation only when none is done; a second run writes nothing. E-mails: ``seed_demo`` keeps
them in memory and drops them. Without pango the PDFs are simply not rendered (the task and the consolidation
tolerate ``PdfUnavailable``): the demo seeds all the same.
"""

import datetime
from zoneinfo import ZoneInfo

from funding.demo.keys import OLIVIERS_GRANT
from funding.models import Grant
from funding.periods import Period
from portal.jobs import JobStatus
from portal.models import User
from reporting.models import BiannualReport, ConsolidatedReport, ReportState
from reporting.services.consolidation import consolidation_execute
from reporting.services.reports import report_accept, report_save_draft, report_submit, reports_open

PARIS = ZoneInfo("Europe/Paris")
COORDINATOR_EMAIL = "coordinateur.msp@demo.fr"
INSTRUCTOR_EMAIL = "instructeur.paca@demo.fr"
H1, H2 = Period(2025, 1), Period(2025, 2)

H1_SECTIONS = {
    "use_of_funds": (
        "Temps de coordination de l'infirmière référente (4 h par semaine), deux sessions de formation des "
        "délégués, achat d'un tensiomètre connecté pour les consultations protocolisées."
    ),
    "sharing": "40 % pour le médecin délégant (supervision, avis sous 24 h), 60 % pour les infirmiers délégués.",
    "difficulties": "Démarrage lent en mars ; le deuxième infirmier, arrivé en mai, n'a pu intervenir qu'après sa "
    "formation, terminée le 1er juin ; aucune difficulté depuis.",
    "indicator_values": [
        {"label": "Patients hypertendus suivis", "value": "142"},
        {"label": "Réorientations vers le médecin", "value": "9"},
    ],
    "next_steps": "Étendre le protocole aux patients diabétiques de type 2 au second semestre.",
}
H2_SECTIONS = {
    "use_of_funds": "Poursuite du temps de coordination ; formation du pharmacien délégué en août, avant son "
    "arrivée dans l'équipe le 1er septembre.",
    "sharing": "Répartition inchangée : 40 % délégant, 60 % délégués.",
}


def _at(day: str, hour: int = 9) -> datetime.datetime:
    return datetime.datetime.combine(datetime.date.fromisoformat(day), datetime.time(hour), tzinfo=PARIS)


def seed(context: dict) -> dict:
    grant = Grant.objects.filter(reference=OLIVIERS_GRANT).select_related("structure__region").first()
    coordinator = User.objects.filter(email=COORDINATOR_EMAIL).first()
    instructor = User.objects.filter(email=INSTRUCTOR_EMAIL).first()
    if grant is None or coordinator is None or instructor is None:
        return {}
    region = grant.structure.region
    reports_open(region=region, period=H1, now=_at("2025-07-01", 6))
    h1 = BiannualReport.objects.get(grant=grant, year=2025, half=1)
    if h1.state == ReportState.TODO:
        h1 = report_save_draft(report=h1, by=coordinator, **H1_SECTIONS)
    if h1.state == ReportState.DRAFT:
        h1 = report_submit(report=h1, by=coordinator, sworn_statement=True, now=_at("2025-07-18", 17))
    if h1.state == ReportState.SUBMITTED:
        h1 = report_accept(report=h1, by=instructor, comment="Rapport complet, merci.", now=_at("2025-07-25", 11))

    reports_open(region=region, period=H2, now=_at("2026-01-01", 6))
    h2 = BiannualReport.objects.get(grant=grant, year=2025, half=2)
    if h2.state == ReportState.TODO:
        h2 = report_save_draft(report=h2, by=coordinator, **H2_SECTIONS)

    consolidation = ConsolidatedReport.objects.filter(
        region=region, year=H1.year, half=H1.half, status=JobStatus.DONE
    ).first()
    if consolidation is None:
        job = ConsolidatedReport.objects.create(region=region, year=H1.year, half=H1.half, requested_by=instructor)
        consolidation = consolidation_execute(consolidation_id=job.pk)
    return {"reports": {"2025-H1": h1, "2025-H2": h2}, "consolidation": consolidation}
