"""The command-line tools call the same services: compute_funding, export_statements, generate_load."""

import csv
import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from funding.models import (
    ComputationRun,
    InterventionEligibility,
    InterventionMonthlyCount,
    Statement,
    StatementStatus,
)
from funding.services.monthly_counts import monthly_counts_drift
from protocols.models import Intervention
from tests.funding.statement_scenarios import GrantScenario
from tests.portal.factories import RegionFactory


@pytest.fixture
def scenario():
    scenario = GrantScenario()
    scenario.add("2025-03-01", 6)
    scenario.add("2025-03-02", 1, eligible=False)
    return scenario


def test_compute_funding_writes_drafts_then_issues(scenario):
    out = io.StringIO()
    call_command("compute_funding", region="PACA", period="2025-H1", stdout=out, verbosity=2)
    assert "1 états calculés (brouillons), 6 interventions éligibles, 1 exclues, total 150.00 €" in out.getvalue()
    assert scenario.grant.reference in out.getvalue()
    assert scenario.statement("2025-H1").status == StatementStatus.DRAFT
    call_command("compute_funding", region="PACA", period="2025-H1", issue=True, stdout=io.StringIO())
    assert scenario.statement("2025-H1").status == StatementStatus.ISSUED
    again = io.StringIO()
    call_command("compute_funding", region="PACA", period="2025-H1", stdout=again)
    assert "1 état(s) déjà émis, inchangé(s)." in again.getvalue()
    assert ComputationRun.objects.count() == 3


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"region": "PACA", "period": "2025-H3"}, "n'est pas une période"),
        ({"region": "XYZ", "period": "2025-H1"}, "Région inconnue"),
        ({"region": "PACA", "period": "2030-H1", "issue": True}, "n'est pas terminé"),
        ({"region": "PACA", "period": "2025-H1", "by": "personne@nulle.part"}, "Aucun compte"),
    ],
)
def test_compute_funding_errors_are_clear(scenario, options, message):
    with pytest.raises(CommandError, match=message):
        call_command("compute_funding", stdout=io.StringIO(), **options)


def test_export_statements_formats(scenario, tmp_path, capsys):
    call_command("compute_funding", region="PACA", period="2025-H1", stdout=io.StringIO())
    summary = tmp_path / "synthese.csv"
    call_command("export_statements", region="PACA", period="2025-H1", format="csv", output=str(summary))
    rows = list(csv.reader(io.StringIO(summary.read_text(encoding="utf-8")), delimiter=";"))
    assert rows[0][0] == "region" and rows[1][3] == scenario.grant.reference
    detail = tmp_path / "detail.csv"
    call_command("export_statements", region="PACA", period="2025-H1", output=str(detail), detail=True)
    assert len(detail.read_text(encoding="utf-8").splitlines()) == 1 + 7
    assert "7 lignes écrites" in capsys.readouterr().err
    workbook = tmp_path / "etats.xlsx"
    options = {"region": "PACA", "period": "2025-H1", "detail": True}
    call_command("export_statements", format="xlsx", output=str(workbook), **options)
    assert load_workbook(workbook).sheetnames == ["États", "Lignes", "Détail"]
    pdf = tmp_path / "etats.pdf"
    call_command("export_statements", region="PACA", period="2025-H1", format="pdf", output=str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF")


def test_export_statements_refuses_an_empty_period_and_binary_on_stdout(scenario):
    with pytest.raises(CommandError, match="Aucun état"):
        call_command("export_statements", region="PACA", period="2024-H1", output="-")
    call_command("compute_funding", region="PACA", period="2025-H1", stdout=io.StringIO())
    with pytest.raises(CommandError, match="sortie standard"):
        call_command("export_statements", region="PACA", period="2025-H1", format="pdf", output="-")


def test_generate_load_builds_a_region_with_realistic_exclusions_and_can_run_again(transactional_db):
    region = RegionFactory(code="PACA")
    out = io.StringIO()
    call_command("generate_load", region="PACA", grants=4, interventions=4000, stdout=out)
    call_command("generate_load", region="PACA", grants=3, interventions=3000, stdout=out)
    assert "charge précédente supprimée : 4 subventions" in out.getvalue()
    interventions = Intervention.objects.filter(structure__region=region)
    assert interventions.count() == 3000
    eligibility = InterventionEligibility.objects.filter(grant__structure__region=region)
    assert eligibility.count() == 3000
    excluded = eligibility.filter(is_eligible=False).count()
    assert 0.09 < excluded / 3000 < 0.15
    assert set(eligibility.filter(is_eligible=False).values_list("reason", flat=True)) >= {"doublon", "date_future"}
    assert {d.year for d in eligibility.values_list("performed_on", flat=True)} == {2025}
    call_command("compute_funding", region="PACA", period="2025-H1", stdout=io.StringIO())
    assert Statement.objects.filter(grant__structure__region=region).count() == 3


def test_generate_load_removes_its_previous_load_whatever_other_benchmarks_added(transactional_db):
    """The dashboards bench gives a synthetic structure a coordinator, the funding bench issues statements, the
    reports bench opens reports…: a second run still removes every synthetic row (and only those)."""
    from portal.models import Structure, StructureMembership, User
    from protocols.models import Declaration, ImportBatch, TeamMembership, Training
    from reporting.models import BiannualReport
    from tests.portal.factories import coordinator_of
    from tests.protocols.factories import DeclarationFactory, ImportBatchFactory, InterventionFactory
    from tests.reporting.factories import BiannualReportFactory

    region = RegionFactory(code="PACA")
    out = io.StringIO()
    call_command("generate_load", region="PACA", grants=2, interventions=200, stdout=out)
    call_command("compute_funding", region="PACA", period="2025-H1", issue=True, stdout=io.StringIO())
    structure = Structure.objects.filter(region=region).order_by("pk").first()
    coordinator = coordinator_of(structure)
    grant = structure.grants.get()
    BiannualReportFactory(grant=grant)
    DeclarationFactory(protocol=grant.protocol)
    ImportBatchFactory(structure=structure, requested_by=coordinator)
    membership = TeamMembership.objects.filter(protocol=grant.protocol).order_by("pk").first()
    Training.objects.create(
        membership=membership,
        hours=10,
        organisation="x",
        completed_on=datetime.date(2025, 1, 1),
        certificate_sha256="a" * 64,
    )
    InterventionFactory(
        protocol=grant.protocol, structure=structure, delegate=membership.professional, recorded_by=coordinator
    )
    assert Statement.objects.filter(grant=grant, status=StatementStatus.ISSUED).exists()

    call_command("generate_load", region="PACA", grants=1, interventions=50, stdout=out)
    call_command("generate_load", region="PACA", grants=1, interventions=50, stdout=out)  # and again

    assert "charge précédente supprimée : 2 subventions" in out.getvalue()
    assert Structure.objects.filter(region=region).count() == 1
    assert Intervention.objects.filter(structure__region=region).count() == 50
    assert not StructureMembership.objects.filter(user=coordinator).exists()
    assert User.objects.filter(pk=coordinator.pk).exists()  # not the load's: it stays, without the membership
    assert not BiannualReport.objects.exists()
    assert not Declaration.objects.exists() and not ImportBatch.objects.exists()
    assert not Statement.objects.exists()
    call_command("compute_funding", region="PACA", period="2025-H1", stdout=io.StringIO())
    assert Statement.objects.filter(grant__structure__region=region).count() == 1
    # The load, its removals and the late changes wrote raw SQL: the monthly counts followed every statement.
    assert monthly_counts_drift() == []
    assert InterventionMonthlyCount.objects.filter(structure__region=region).exists()


def test_generate_load_fills_several_regions_for_the_national_view(transactional_db):
    from protocols.models import TeamMembership

    paca, cvl = RegionFactory(code="PACA"), RegionFactory(code="CVL")
    out = io.StringIO()
    call_command("generate_load", region="PACA,cvl", grants=2, interventions=500, stdout=out)
    for region in (paca, cvl):
        assert Intervention.objects.filter(structure__region=region).count() == 500
        team = TeamMembership.objects.filter(protocol__structure__region=region)
        assert (team.filter(role="delegant").count(), team.filter(role="delegate").count()) == (2, 6)
    themes = set(Intervention.objects.values_list("protocol__theme", flat=True))
    assert len(themes) == 2 and "" not in themes
    call_command("generate_load", region="CVL", grants=1, interventions=100, stdout=out)  # reloads one region
    assert Intervention.objects.filter(structure__region=cvl).count() == 100
    assert monthly_counts_drift() == []
    assert sum(InterventionMonthlyCount.objects.values_list("interventions", flat=True)) == 600
    with pytest.raises(CommandError, match="Région inconnue : XYZ"):
        call_command("generate_load", region="PACA,XYZ", grants=1, interventions=10, stdout=out)
