"""The statements of a half-year written as the ARS's tableau de reporting (seed 003), one sheet per structure, and
read back by the import: the round trip adds nothing."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from funding.exports.statements import region_statements
from funding.exports.tableau import tableau_sheets_of_statements, write_tableau
from funding.periods import Period
from funding.services.tableaux import tableau_confirm, tableau_open
from portal.roles import Role
from protocols.imports.reading import open_table
from protocols.models import ImportBatch, Intervention
from protocols.services.imports import import_batch_create_from_bytes, import_batch_run
from tests.funding.eligibility_world import build_world
from tests.funding.statement_scenarios import compute
from tests.portal.factories import RegionFactory, StructureFactory, agent_of

D = datetime.date
H1 = Period(2025, 1)


@pytest.fixture
def region():
    """Two structures of PACA with their H1: eligible interventions, one excluded (delegate not trained), one of
    them with a second contact; the MSP's tableau confirmed by its delegate only."""
    paca = RegionFactory(code="PACA")
    msp = build_world(structure=StructureFactory(region=paca, kind="MSP", name="MSP des Oliviers", cpam="CPAM 13"))
    cds = build_world(structure=StructureFactory(region=paca, kind="CDS", name="Centre de santé Belle de Mai"))
    msp.delegate.am_number = "131234567"
    msp.delegate.save()
    msp.intervention(D(2025, 3, 12), episode_reference="EP-1", second_contact_on=D(2025, 3, 13))
    msp.intervention(D(2025, 3, 12), episode_reference="EP-2")
    msp.intervention(D(2025, 5, 2), episode_reference="EP-3", delegate=msp.add_delegate(trained_on=None))
    msp.intervention(D(2025, 7, 1), episode_reference="EP-4")  # H2
    cds.intervention(D(2025, 4, 1), episode_reference="C-1")
    for world in (msp, cds):
        world.recompute()
    compute(paca, "2025-H1")
    tableau = tableau_open(structure=msp.structure, period=H1, by=msp.coordinator)
    signatory = tableau.signatories.get(professional=msp.delegate)
    tableau_confirm(tableau=tableau, by=msp.delegate.user, digest=signatory.lines_digest)
    return paca, msp, cds


def _export(region) -> bytes:
    buffer = io.BytesIO()
    write_tableau(tableau_sheets_of_statements(region_statements(region, H1), H1), buffer)
    return buffer.getvalue()


def _values(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_one_sheet_per_structure_in_the_seed_layout(region):
    paca, msp, cds = region
    workbook = load_workbook(io.BytesIO(_export(paca)))
    assert workbook.sheetnames == ["Centre de santé Belle de Mai", "MSP des Oliviers"]
    sheet = workbook["MSP des Oliviers"]
    assert {str(cells) for cells in sheet.merged_cells.ranges} >= {"A9:A10", "B9:I9", "J9:M9", "N9:O9"}
    rows = _values(sheet)
    assert rows[2][:2] == ["Numéro FINESS de la structure :", msp.structure.finess]
    assert rows[3][:2] == ["Nom de la structure :", "MSP des Oliviers"]
    assert rows[4][1] == f"01/03/2025 ({msp.protocol.code})"
    assert rows[5][:2] == ["CPAM de rattachement de la structure :", "CPAM 13"]
    assert rows[8][:2] == ["Nature du protocole concerné", "1er contact"]
    assert rows[8][9] == "2ème contact – le cas échéant"
    lines = rows[10:13]
    # The MSP names its professionals by N° AM when they have one (seed 003), else by RPPS.
    assert lines[0][:10] == [
        msp.protocol.code,
        datetime.datetime(2025, 3, 12),
        msp.delegate.user.last_name,
        msp.delegate.user.first_name,
        "Infirmier",
        "131234567",
        msp.delegant.user.last_name,
        msp.delegant.user.first_name,
        msp.delegant.rpps,
        datetime.datetime(2025, 3, 13),
    ]
    assert [line[13] for line in lines] == ["25 euros", "25 euros", None]
    assert lines[2][15] == "Formation du délégué non terminée à cette date"
    footer = [row[0] for row in rows[13:] if row[0]]
    assert footer[0] == "Période concernée : du 01/01/2025 au 30/06/2025"
    assert footer[1].startswith("J'atteste sur l'honneur l'exactitude des informations ci-dessus")
    confirmed = next(text for text in footer if text.startswith(msp.delegate.user.get_full_name()))
    assert " : attesté le " in confirmed
    assert any(text.endswith("pas encore attesté") for text in footer)
    assert "Responsable de la structure : tableau pas encore transmis à l'ARS" in footer
    (state,) = [text for text in footer if text.startswith("État ")]
    assert f"({msp.protocol.code}, brouillon) : 2 intervention(s) éligible(s), 1 exclue(s) ; période 50 €" in state
    other = _values(workbook["Centre de santé Belle de Mai"])
    assert other[10][5] == cds.delegate.rpps
    assert "le coordinateur n'a pas encore ouvert ce tableau" in " ".join(str(row[0]) for row in other[11:])


@pytest.mark.parametrize("issued", [False, True], ids=["drafts", "issued"])
def test_the_export_re_imports_cleanly_and_adds_nothing(region, issued):
    paca, msp, cds = region
    if issued:
        compute(paca, "2025-H1", issue=True)
    content = _export(paca)
    before = Intervention.objects.count()
    for world in (msp, cds):  # each structure's sheet is found by its FINESS
        table = open_table(content, finess=world.structure.finess)
        assert table.sheet.title.name == world.structure.name
        batch = import_batch_create_from_bytes(
            structure=world.structure, content=content, name="tableaux.xlsx", by=world.coordinator
        )
        batch = import_batch_run(batch_id=batch.pk)
        assert batch.outcome == ImportBatch.Outcome.IMPORTED, batch.errors
        assert batch.layout == ImportBatch.Layout.TABLEAU
        assert (batch.declared_from, batch.declared_to) == (H1.start, H1.end)
        expected = 3 if world is msp else 1
        assert (batch.rows_read, batch.created_count, batch.identical_count) == (expected, 0, expected)
    assert Intervention.objects.count() == before


def test_the_command_writes_the_tableau(region, tmp_path):
    paca, msp, _cds = region
    output = tmp_path / "tableaux.xlsx"
    call_command(
        "export_statements", "--region", "PACA", "--period", "2025-H1", "--format", "tableau", "--output", str(output)
    )
    workbook = load_workbook(output)
    assert len(workbook.sheetnames) == 2
    assert _values(workbook["MSP des Oliviers"])[2][1] == msp.structure.finess


def test_the_statements_page_offers_the_tableau(client, region):
    paca, msp, _cds = region
    client.force_login(agent_of(paca, Role.FINANCE_OFFICER))
    url = reverse("funding:statement_period", kwargs={"region_id": paca.pk, "period": "2025-H1"})
    page = client.get(url).content.decode()
    assert "format=tableau" in page
    assert "1 sur 3" in page  # the MSP's tableau: its delegate confirmed; the delegant and the other delegate not yet
    response = client.get(
        reverse("funding:statement_period_export", kwargs={"region_id": paca.pk, "period": "2025-H1"}),
        {"format": "tableau"},
    )
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="tableaux-reporting-PACA-2025-H1.xlsx"'
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames == ["Centre de santé Belle de Mai", "MSP des Oliviers"]


def test_the_coordinator_downloads_his_tableau_as_its_lines_stand(client, region):
    _paca, msp, _cds = region
    tableau = msp.structure.tableaux.get()
    client.force_login(msp.coordinator)
    response = client.get(reverse("funding:tableau_download", kwargs={"tableau_id": tableau.pk}))
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    rows = _values(load_workbook(io.BytesIO(content)).active)
    assert [row[13] for row in rows[10:13]] == ["25 euros", "25 euros", None]
    batch = import_batch_create_from_bytes(
        structure=msp.structure, content=content, name="mon-tableau.xlsx", by=msp.coordinator
    )
    assert import_batch_run(batch_id=batch.pk).created_count == 0
