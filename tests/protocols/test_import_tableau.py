"""The tableau de reporting as the ARS hands it out (seed 003), imported as a structure fills it: XLSX with merged
header cells, CSV saved by Excel in Windows-1252; one line per patient, re-import adds nothing; bad input refused
with a French report and nothing written."""

import datetime

import pytest
from django.core.management import CommandError, call_command

from protocols.imports.reading import TABLEAU, open_table
from protocols.models import ImportBatch, Intervention, NationalProtocol
from protocols.services.imports import import_batch_create_from_bytes, import_batch_run
from tests.funding.eligibility_world import build_world
from tests.portal.factories import StructureFactory
from tests.protocols.factories import (
    DeclarationFactory,
    InterventionFactory,
    ProtocolFactory,
    TeamMembershipFactory,
    TrainingFactory,
)
from tests.protocols.tableau_files import Line, tableau_csv, tableau_rows, tableau_xlsx

D = datetime.date


@pytest.fixture
def world():
    """A CPTS with a local protocol (its code) and the adhesion to the national pollakiuria protocol."""
    world = build_world(structure=StructureFactory(kind="CPTS", name="CPTS du Pays d'Aix"), code="LOC-AIX-HTA")
    national = NationalProtocol.objects.get(code="SNP-POLLAKIURIE")
    world.snp = ProtocolFactory(
        structure=world.structure,
        kind="national",
        national_protocol=national,
        code="SNP-POLLAKIURIE",
        title=national.title,
        declared=True,
        declared_on=D(2025, 1, 15),
    )
    DeclarationFactory(protocol=world.snp, version=1, deposited_on=D(2025, 1, 15))
    for professional, delegant in ((world.delegate, False), (world.delegant, True)):
        membership = TeamMembershipFactory(
            protocol=world.snp, professional=professional, delegant=delegant, joined_on=D(2025, 1, 15)
        )
        if not delegant:
            TrainingFactory(membership=membership, completed_on=D(2025, 1, 10))
    return world


def _lines(world, *dates, protocol="- pollakiurie", **kwargs):
    return [Line(protocol, day, world.delegate, world.delegant, **kwargs) for day in dates]


def _import(world, content: bytes, name="tableau.xlsx") -> ImportBatch:
    batch = import_batch_create_from_bytes(structure=world.structure, content=content, name=name, by=world.coordinator)
    return import_batch_run(batch_id=batch.pk)


def _errors(batch):
    return [(error["ligne"], error["colonne"], error["valeur"], error["message"]) for error in batch.errors]


def test_the_seed_layout_in_xlsx_with_merged_header_cells_is_imported(world):
    lines = _lines(world, D(2025, 4, 15), "16/04/2025", protocol="- pollakiurie")
    lines[1].second_on, lines[1].second_delegate = "17/04/2025", world.delegate
    lines.append(Line("LOC-AIX-HTA", "22/04/2025", world.delegate, world.delegant))
    lines.append(Line("Pollakiurie/ Brûlure mictionnelle", "23/04/2025", world.delegate, world.delegant))
    content = tableau_xlsx(tableau_rows(lines, finess=world.structure.finess))

    table = open_table(content, finess=world.structure.finess)
    assert table.layout == TABLEAU
    assert table.sheet.title.name == "CPTS du Pays d'Aix"
    assert table.sheet.title.cpam == "CPAM des Bouches-du-Rhône"

    batch = _import(world, content)
    assert (batch.outcome, batch.rows_read, batch.created_count) == ("imported", 4, 4), batch.errors
    assert batch.layout == ImportBatch.Layout.TABLEAU
    assert (batch.declared_from, batch.declared_to) == (D(2025, 1, 1), D(2025, 6, 30))
    rows = list(
        Intervention.objects.order_by("performed_on").values_list(
            "protocol__code", "performed_on", "delegate", "delegant", "second_contact_on", "second_contact_delegate"
        )
    )
    delegate, delegant = world.delegate.pk, world.delegant.pk
    assert rows == [
        ("SNP-POLLAKIURIE", D(2025, 4, 15), delegate, delegant, None, None),
        ("SNP-POLLAKIURIE", D(2025, 4, 16), delegate, delegant, D(2025, 4, 17), delegate),
        ("LOC-AIX-HTA", D(2025, 4, 22), delegate, delegant, None, None),
        ("SNP-POLLAKIURIE", D(2025, 4, 23), delegate, delegant, None, None),
    ]
    assert Intervention.objects.get(performed_on=D(2025, 4, 15)).episode_reference == (
        f"TR-20250415-{world.delegate.identifier}-1"
    )


def test_the_seed_layout_in_a_windows_1252_csv_is_imported(world):
    world.delegate.user.last_name = "Bénédicte-Ölçer"  # accents that differ between UTF-8 and Windows-1252
    lines = _lines(world, "15/04/2025", "16/04/2025", protocol="- POLLAKIURIE")
    content = tableau_csv(tableau_rows(lines, finess=world.structure.finess))
    assert "2ème contact – le cas échéant".encode("cp1252") in content
    batch = _import(world, content, name="tableau.csv")
    assert (batch.outcome, batch.created_count) == ("imported", 2), batch.errors
    assert batch.layout == ImportBatch.Layout.TABLEAU


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_re_importing_adds_nothing_and_identical_lines_stay_two_patients(world, fmt):
    lines = _lines(world, "15/04/2025", "15/04/2025", "16/04/2025")
    build = tableau_xlsx if fmt == "xlsx" else tableau_csv
    first = _import(world, build(tableau_rows(lines, finess=world.structure.finess)), name=f"t.{fmt}")
    assert (first.outcome, first.created_count) == ("imported", 3), first.errors
    assert sorted(Intervention.objects.values_list("episode_reference", flat=True)) == [
        f"TR-20250415-{world.delegate.identifier}-1",
        f"TR-20250415-{world.delegate.identifier}-2",
        f"TR-20250416-{world.delegate.identifier}-1",
    ]
    # The same lines in another file (another hash, the title edited): nothing is added.
    again = _import(world, build(tableau_rows(lines, finess=world.structure.finess, name="CPTS")), name=f"u.{fmt}")
    assert (again.outcome, again.created_count, again.identical_count) == ("imported", 0, 3), again.errors
    # The half-year's tableau with one more patient that day: exactly that one is added.
    more = _lines(world, "15/04/2025", "15/04/2025", "15/04/2025", "16/04/2025")
    third = _import(world, build(tableau_rows(more, finess=world.structure.finess)), name=f"v.{fmt}")
    assert (third.created_count, third.identical_count) == (1, 3)
    assert Intervention.objects.count() == 4


def test_lines_already_logged_through_the_form_are_recognised(world):
    """A delegate logged his patient; the coordinator then uploads the half-year's tableau: it is the same patient."""
    logged = InterventionFactory(
        protocol=world.snp,
        performed_on=D(2025, 4, 15),
        delegate=world.delegate,
        delegant=world.delegant,
        episode_reference="EP-FORMULAIRE",
    )
    batch = _import(world, tableau_xlsx(tableau_rows(_lines(world, "15/04/2025"), finess=world.structure.finess)))
    assert (batch.created_count, batch.identical_count) == (0, 1)
    assert list(Intervention.objects.values_list("pk", flat=True)) == [logged.pk]


def test_a_workbook_of_several_sheets_is_read_from_the_structures_sheet(world):
    lines = _lines(world, "15/04/2025")
    content = tableau_xlsx(tableau_rows(lines, finess=world.structure.finess), sheets_before=2)
    batch = _import(world, content)
    assert (batch.outcome, batch.created_count) == ("imported", 1), batch.errors


def test_identifiers_by_n_am_and_adeli(world):
    world.delegate.am_number = "123456789"
    world.delegate.save()
    world.delegant.rpps, world.delegant.adeli = None, "013456789"
    world.delegant.save()
    lines = _lines(world, "15/04/2025", delegate_id="123456789", delegant_id=13456789)  # a number cell lost its 0
    batch = _import(world, tableau_xlsx(tableau_rows(lines, finess=world.structure.finess)))
    assert (batch.outcome, batch.created_count) == ("imported", 1), batch.errors
    assert Intervention.objects.get().delegate == world.delegate


def test_an_n_am_that_is_another_professionals_adeli_is_refused_as_ambiguous(world):
    other = world.add_delegate()
    other.adeli = "123456789"
    other.save()
    world.delegate.am_number = "123456789"
    world.delegate.save()
    batch = _import(
        world,
        tableau_xlsx(
            tableau_rows(_lines(world, "15/04/2025", delegate_id="123456789"), finess=world.structure.finess)
        ),
    )
    assert batch.outcome == "rejected"
    ((line, column, value, message),) = _errors(batch)
    assert (line, value) == (12, "123456789")
    assert column == "F – N° AM le cas échéant (MSP) et n°RPPS pour les CDS (1er contact)"
    assert "l'ADELI d'un professionnel et le N° AM d'un autre" in message
    assert not Intervention.objects.exists()


def _refused(world, content, name="tableau.xlsx"):
    batch = _import(world, content, name=name)
    assert batch.outcome == "rejected"
    assert not Intervention.objects.exists()
    return _errors(batch)


def test_another_structures_finess_refuses_the_file(world):
    content = tableau_xlsx(tableau_rows(_lines(world, "15/04/2025"), finess="130012347"))
    assert _refused(world, content) == [
        (
            3,
            "Numéro FINESS de la structure",
            "130012347",
            f"Ce tableau est celui de la structure de FINESS 130012347, pas de {world.structure.name} "
            f"(FINESS {world.structure.finess}) : rien n'a été importé.",
        )
    ]


def test_an_unknown_protocol_name_is_refused(world):
    lines = _lines(world, "15/04/2025", protocol="- Odynophagie")
    ((line, column, value, message),) = _refused(
        world, tableau_xlsx(tableau_rows(lines, finess=world.structure.finess))
    )
    assert (line, column, value) == (12, "A – Nature du protocole concerné", "- Odynophagie")
    assert message == "Protocole inconnu dans cette structure (codes connus : LOC-AIX-HTA, SNP-POLLAKIURIE)."


def test_an_unknown_n_am_is_refused(world):
    lines = _lines(world, "15/04/2025", delegant_id="987654321")
    ((line, column, value, message),) = _refused(
        world, tableau_xlsx(tableau_rows(lines, finess=world.structure.finess))
    )
    assert (line, value) == (12, "987654321")
    assert column == "I – N° AM le cas échéant (MSP) et n° RPPS pour le RPPS (1er contact)"
    assert message == "Aucun professionnel de la structure ou de ses équipes n'a ce numéro ADELI ni ce N° AM."


@pytest.mark.parametrize(
    "period",
    [
        "Période concernée : du JJ/MM/AAAA au JJ/MM/AAAA",  # the template, not filled in
        "Période concernée : du 01/01/2025 au 31/06/2025",
        "Période concernée : le premier semestre",
    ],
)
def test_a_period_row_that_does_not_parse_is_refused(world, period):
    rows = tableau_rows(_lines(world, "15/04/2025"), finess=world.structure.finess, period=period)
    errors = _refused(world, tableau_xlsx(rows))
    assert [(line, column) for line, column, _value, _message in errors] == [(14, "Période concernée")]
    assert errors[0][3].startswith("Période concernée illisible : écrivez « Période concernée : du JJ/MM/AAAA")


def test_the_period_may_continue_on_the_next_row_and_lines_must_fall_within_it(world):
    rows = tableau_rows(_lines(world, "15/04/2025", "02/07/2025"), finess=world.structure.finess, period=None)
    rows[-4:-3] = [["Période concernée : du"], ["01/01/2025 au 30/06/2025"]]
    errors = _refused(world, tableau_xlsx(rows))
    assert errors == [
        (
            13,
            "B – Date de réalisation du protocole (1er contact)",
            "02/07/2025",
            "Date hors de la période concernée du tableau (du 01/01/2025 au 30/06/2025, ligne 15).",
        )
    ]


def test_every_bad_line_is_reported_by_line_column_and_value(world):
    lines = [
        *_lines(world, "31/02/2025"),
        *_lines(world, "15/04/2025", protocol="Varicelle"),
        *_lines(world, "16/04/2025", delegate_id="10000000009"),
    ]
    errors = _refused(world, tableau_csv(tableau_rows(lines, finess=world.structure.finess)), name="t.csv")
    assert [(line, column.split(" – ")[0], value) for line, column, value, _ in errors] == [
        (12, "B", "31/02/2025"),
        (13, "A", "Varicelle"),
        (14, "F", "10000000009"),
    ]


def test_the_command_imports_the_seed_layout_and_says_what_it_refused(world, tmp_path):
    good = tmp_path / "tableau.xlsx"
    good.write_bytes(tableau_xlsx(tableau_rows(_lines(world, "15/04/2025"), finess=world.structure.finess)))
    call_command("import_interventions", str(good), "--structure", world.structure.finess)
    assert Intervention.objects.count() == 1
    bad = tmp_path / "autre.csv"
    bad.write_bytes(tableau_csv(tableau_rows(_lines(world, "16/04/2025"), finess="130012347")))
    with pytest.raises(CommandError, match="Fichier refusé : 1 erreur"):
        call_command("import_interventions", str(bad), "--structure", world.structure.finess)
    assert Intervention.objects.count() == 1
