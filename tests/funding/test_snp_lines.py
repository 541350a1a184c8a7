"""SNP forfait lines (issue 15 point 3, seed 003): a declared adhesion of a CPTS, MSP or CDS to a national protocol
the catalogue funds by a forfait opens its line (no call, no committee), paid by the structure's CPAM, per patient,
with no cap; the same engine computes, issues and exports it."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from funding.exports.statements import SUMMARY_HEADER, region_statements, summary_csv
from funding.models import OPEN_END, CountingUnit, Grant, Regime
from funding.periods import Period
from funding.services.grants import snp_line_open
from portal.roles import Role
from protocols.models import ForfaitUnit, NationalProtocol
from protocols.signals import eligibility_inputs_changed
from tests.funding.factories import GrantFactory
from tests.funding.statement_scenarios import GrantScenario, compute, lines_of
from tests.portal.factories import RegionFactory, StructureFactory, agent_of, coordinator_of, professional_of
from tests.protocols.factories import NationalProtocolFactory, ProtocolFactory

JAN_15 = datetime.date(2025, 1, 15)


def test_the_catalogue_funds_the_two_snp_protocols_of_seed_003_by_patient():
    funded = dict(NationalProtocol.objects.filter(forfait_amount__isnull=False).values_list("code", "forfait_amount"))
    assert funded == {"SNP-POLLAKIURIE": Decimal("25.00"), "SNP-ODYNOPHAGIE": Decimal("25.00")}
    assert set(
        NationalProtocol.objects.filter(forfait_amount__isnull=False).values_list("forfait_unit", flat=True)
    ) == {"patient"}
    # The catalogue's unit is copied onto the line: the two vocabularies must be the same.
    assert ForfaitUnit.choices == CountingUnit.choices
    with pytest.raises(IntegrityError), transaction.atomic():
        NationalProtocol.objects.filter(code="SNP-POLLAKIURIE").update(forfait_unit="")


def _adhesion(kind="CPTS", code="SNP-POLLAKIURIE", **kwargs):
    structure = StructureFactory(kind=kind, region=RegionFactory(code="PACA"), cpam="CPAM des Bouches-du-Rhône")
    national = NationalProtocol.objects.filter(code=code).first() or NationalProtocolFactory(code=code)
    fields = {"status": "declared", "declared_on": JAN_15, **kwargs}
    return ProtocolFactory(structure=structure, national=True, national_protocol=national, code=code, **fields)


def test_a_declared_adhesion_opens_its_snp_line_on_the_signal(django_capture_on_commit_callbacks):
    adhesion = _adhesion()
    with django_capture_on_commit_callbacks(execute=True):
        eligibility_inputs_changed.send(sender=None, protocol_id=adhesion.pk, since=JAN_15)
    line = Grant.objects.get(protocol=adhesion)
    assert (line.regime, line.reference, line.dossier, line.structure) == (
        Regime.SNP,
        "SNP-PACA-2025-001",
        None,
        adhesion.structure,
    )
    assert (line.starts_on, line.ends_on, line.is_open_ended) == (JAN_15, OPEN_END, True)
    assert (line.rate, line.yearly_cap, line.counting_unit) == (Decimal("25.00"), None, CountingUnit.PATIENT)
    assert line.payer == "CPAM des Bouches-du-Rhône"
    # Idempotent; the next adhesion of the region and year takes the next number.
    with django_capture_on_commit_callbacks(execute=True):
        eligibility_inputs_changed.send(sender=None, protocol_id=adhesion.pk, since=None)
    assert Grant.objects.filter(protocol=adhesion).count() == 1
    other = ProtocolFactory(
        structure=StructureFactory(kind="MSP", region=adhesion.structure.region),
        national=True,
        national_protocol=NationalProtocol.objects.get(code="SNP-ODYNOPHAGIE"),
        declared=True,
        declared_on=datetime.date(2025, 6, 1),
    )
    assert snp_line_open(protocol_id=other.pk).reference == "SNP-PACA-2025-002"
    # A corrected CPAM follows onto the line (the payer is read from the structure).
    structure = adhesion.structure
    structure.cpam = "CPAM du Var"
    structure.save()
    assert Grant.objects.get(protocol=adhesion).payer == "CPAM du Var"


@pytest.mark.parametrize(
    "case",
    ["esp", "draft", "no_forfait", "local"],
)
def test_no_snp_line_without_the_conditions(case):
    if case == "esp":
        protocol = _adhesion(kind="ESP")
    elif case == "draft":
        protocol = _adhesion(status="draft", declared_on=None)
    elif case == "no_forfait":
        protocol = _adhesion(code="SNP-TEST-NOFORFAIT")
    else:
        protocol = ProtocolFactory(structure=StructureFactory(kind="CPTS"), declared=True)
    assert snp_line_open(protocol_id=protocol.pk) is None
    assert not Grant.objects.exists()


def test_the_regime_ties_dossier_cap_and_unit_in_the_database():
    line = GrantFactory(snp=True)
    assert line.regime == Regime.SNP and line.dossier is None
    line.yearly_cap = Decimal("7000.00")
    with pytest.raises(ValidationError, match="un forfait SNP n'a ni dossier ni plafond"):
        line.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        Grant.objects.filter(pk=line.pk).update(yearly_cap=Decimal("7000.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Grant.objects.filter(pk=line.pk).update(counting_unit=CountingUnit.INTERVENTION)
    grant = GrantFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Grant.objects.filter(pk=grant.pk).update(dossier=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        Grant.objects.filter(pk=grant.pk).update(yearly_cap=None)
    assert list(Grant.objects.ami()) == [grant] and list(Grant.objects.snp()) == [line]


@pytest.fixture
def snp():
    return GrantScenario(snp=True, yearly_cap=None)


def test_more_than_280_patients_in_a_year_are_all_paid(snp):
    """280 × 25 € = 7 000 €, the AMI cap: an SNP line has none, so the 281st patient and the next are paid."""
    snp.add("2025-03-10", 300)
    compute(snp.region, "2025-H1", issue=True)
    h1 = snp.statement("2025-H1")
    assert (h1.eligible_count, h1.total_amount, h1.yearly_cap, h1.cap_remaining) == (
        300,
        Decimal("7500.00"),
        None,
        None,
    )
    snp.add("2025-09-01", 20)
    compute(snp.region, "2025-H2", issue=True)
    h2 = snp.statement("2025-H2")
    assert (h2.total_amount, h2.year_cumulative, h2.cap_remaining) == (Decimal("500.00"), Decimal("8000.00"), None)


def test_the_summary_export_adds_regime_and_payer_at_the_end_and_leaves_the_cap_empty(snp):
    ami = GrantScenario(dossier__structure__region=snp.region, dossier__structure__name="MSP Zéphyr")
    ami.add("2025-03-01", 2)
    snp.add("2025-03-01", 3)
    compute(snp.region, "2025-H1")
    assert SUMMARY_HEADER[-3:] == ["plafond_restant", "regime", "payeur"]
    rows = list(
        csv.reader(
            io.StringIO(b"".join(summary_csv(region_statements(snp.region, Period(2025, 1)))).decode()), delimiter=";"
        )
    )
    by_regime = {row[-2]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert by_regime["snp"]["plafond_restant"] == "" and by_regime["snp"]["payeur"] == "CPAM des Bouches-du-Rhône"
    assert by_regime["snp"]["montant_total"] == "75.00"
    assert by_regime["ami"]["plafond_restant"] == "6950.00"
    assert by_regime["ami"]["payeur"].endswith("(FIR)")


def test_the_demo_cpts_du_pays_d_aix_has_its_snp_line_and_naq_adhesions_too(demo):
    line = Grant.objects.select_related("structure", "protocol__national_protocol").get(reference="SNP-PACA-2025-001")
    assert (line.structure.finess, line.protocol.code, line.regime) == ("130012354", "SNP-POLLAKIURIE", Regime.SNP)
    assert (line.starts_on, line.yearly_cap, line.counting_unit) == (JAN_15, None, CountingUnit.PATIENT)
    assert line.payer == "CPAM des Bouches-du-Rhône"
    team = {
        (m.professional.user.get_full_name(), m.professional.rpps, m.role)
        for m in line.protocol.team.select_related("professional__user")
    }
    assert team == {("Marc Fabre", "10000000058", "delegant"), ("Julie Blanc", "10000000066", "delegate")}
    eligible = line.eligibilities.filter(is_eligible=True, performed_on__year=2025)
    assert eligible.exists()
    h1 = line.statements.get(year=2025, half=1)
    assert h1.total_amount == h1.eligible_count * Decimal("25.00") and h1.cap_remaining is None
    # The AMI dossier of the CPTS is on its own local protocol; the FIR forecast counts AMI grants only.
    assert not Grant.objects.filter(structure__region__code="NAQ").ami().exists()
    assert Grant.objects.filter(structure__region__code="NAQ").snp().count() == 2


def _lines_of_region(region, count):
    for _ in range(count):
        GrantFactory(dossier__structure__region=region)
        GrantFactory(snp=True, structure__region=region)


@pytest.mark.parametrize("who", ["finance", "coordinator"])
def test_the_grant_list_shows_both_regimes_in_constant_queries(client, django_assert_num_queries, who):
    region = RegionFactory(code="PACA")
    _lines_of_region(region, 2)
    if who == "finance":
        user = agent_of(region, Role.FINANCE_OFFICER)
    else:
        cpts = StructureFactory(region=region, kind="CPTS", cpam="CPAM des Bouches-du-Rhône")
        user = coordinator_of(cpts)
        GrantFactory(snp=True, structure=cpts)
        GrantFactory(dossier__structure=cpts, structure=cpts)
    client.force_login(user)
    url = reverse("funding:grant_list")
    with CaptureQueriesContext(connection) as few:
        page = client.get(url)
    assert page.status_code == 200
    regimes = sorted(grant.regime for grant in page.context["page"].object_list)
    assert regimes == (["ami"] * 2 + ["snp"] * 2 if who == "finance" else ["ami", "snp"])
    text = page.content.decode()
    assert "Forfait SNP (Assurance maladie)" in text and "sans plafond" in text and "sans échéance" in text
    assert "CPAM des Bouches-du-Rhône" in text
    _lines_of_region(region, 5)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(url)


def test_an_snp_line_page_has_no_cap_and_names_its_payer(client):
    line = GrantFactory(snp=True)
    client.force_login(coordinator_of(line.structure))
    page = client.get(reverse("funding:grant_detail", kwargs={"grant_id": line.pk}))
    text = page.content.decode()
    assert page.status_code == 200 and f"Forfait SNP {line.reference}" in text
    assert "Sans plafond" in text and "CPAM des Bouches-du-Rhône" in text and "Par patient" in text
    assert "Dossier" not in text


def test_the_cpam_is_shown_and_edited_on_the_structure_page_and_the_line_follows(client):
    line = GrantFactory(snp=True, structure__cpam="")
    structure = line.structure
    url = reverse("portal:structure_cpam", kwargs={"structure_id": structure.pk})
    client.force_login(professional_of(structure))
    assert client.post(url, {"cpam": "CPAM du Var"}).status_code in {403, 404}
    client.force_login(coordinator_of(structure))
    page = client.get(reverse("portal:structure_detail", kwargs={"structure_id": structure.pk})).content.decode()
    assert "CPAM de rattachement" in page and "à renseigner" in page
    assert client.post(url, {"cpam": "x" * 200}).status_code == 400
    assert client.post(url, {"cpam": "  CPAM des Bouches-du-Rhône "}).status_code == 302
    structure.refresh_from_db()
    assert structure.cpam == "CPAM des Bouches-du-Rhône"
    assert Grant.objects.get(pk=line.pk).payer == "CPAM des Bouches-du-Rhône"
    assert structure.history.count() == 2


def test_the_snp_worked_example_of_docs_funding_md(snp):
    snp.add("2025-03-10", 300)
    snp.add("2025-03-24", 40, eligible=False, reason="episode_deja_compte")
    compute(snp.region, "2025-H1", issue=True)
    h1 = snp.statement("2025-H1")
    assert (h1.eligible_count, h1.excluded_count, h1.total_amount, h1.cap_remaining) == (
        300,
        40,
        Decimal("7500.00"),
        None,
    )
    snp.add("2025-05-05", 6)  # reported after the H1 statement
    snp.add("2025-10-01", 20)
    compute(snp.region, "2025-H2", issue=True)
    h2 = snp.statement("2025-H2")
    assert lines_of(h2) == [
        ("period", 2025, 20, 0, 0, Decimal("500.00")),
        ("regularisation", 2025, 306, 6, 0, Decimal("150.00")),
    ]
    assert (h2.total_amount, h2.year_cumulative, h2.cap_remaining) == (Decimal("650.00"), Decimal("8150.00"), None)


def test_marking_a_forfait_in_the_admin_opens_the_lines_of_declared_adhesions(django_capture_on_commit_callbacks):
    from django.contrib.admin.sites import site

    national = NationalProtocolFactory(code="SNP-TEST-ADMIN")
    adhesion = _adhesion(code="SNP-TEST-ADMIN")
    assert snp_line_open(protocol_id=adhesion.pk) is None  # no forfait yet
    admin = site._registry[NationalProtocol]
    form = admin.get_form(None, national)(
        instance=national,
        data={
            **{field: getattr(national, field) for field in ("code", "short_title", "title", "legal_reference")},
            "forfait_amount": "30.00",
            "forfait_unit": "patient",
            "delegant_professions": '["medecin"]',
            "delegate_professions": '["infirmier"]',
            "training_hours": "4",
            "training_hours_source": "",
            "allowed_structure_kinds": '["CPTS"]',
            "patients": "",
            "delegant_availability": "",
        },
    )
    assert form.is_valid(), form.errors
    with django_capture_on_commit_callbacks(execute=True):
        admin.save_model(None, form.save(commit=False), form, change=True)
    line = Grant.objects.get(protocol=adhesion)
    assert (line.regime, line.rate, line.counting_unit) == (Regime.SNP, Decimal("30.00"), CountingUnit.PATIENT)
