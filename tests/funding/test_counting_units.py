"""Per-intervention (AMI grant, seed 000) and per-patient (SNP forfait, seed 003) counting side by side on the same
rows, the worked example of ``docs/funding.md`` run as written, issued statements frozen while drafts take the new
count, and the ARS tableau writing « 25 euros » only on the lines the engine pays."""

import datetime
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import IntegrityError, transaction
from openpyxl import load_workbook

from funding.models import InterventionEligibility, StatementStatus
from funding.services.eligibility import recompute_eligibility
from protocols.services.interventions import intervention_problems
from tests.funding.eligibility_world import build_world
from tests.funding.statement_scenarios import compute, lines_of
from tests.portal.factories import RegionFactory, StructureFactory

D = datetime.date
RATE = Decimal("25.00")
DOC = Path(settings.BASE_DIR) / "docs" / "funding.md"


# The worked example of docs/funding.md, read from the page itself ------------------------------------------------


def _example(name: str) -> tuple[list[dict], dict[str, Decimal]]:
    """The rows and totals of the ``<!-- exemple:NAME -->`` table of docs/funding.md."""
    text = DOC.read_text(encoding="utf-8")
    block = re.search(rf"<!-- exemple:{name} -->\n(.*?)<!-- /exemple:{name} -->", text, re.S).group(1)
    rows, totals = [], {}
    for line in block.strip().splitlines()[2:]:
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if cells[0].startswith("**total"):
            totals = {
                "intervention": Decimal(re.search(r"= (\d+) €", cells[3]).group(1)),
                "patient": Decimal(re.search(r"= (\d+) €", cells[4]).group(1)),
            }
            continue
        rows.append(
            {
                "episode": cells[0],
                "day": datetime.datetime.strptime(cells[1], "%d/%m/%Y").date(),
                "delegate": cells[2],
                "intervention": _outcome(cells[3]),
                "patient": _outcome(cells[4]),
            }
        )
    return rows, totals


def _outcome(cell: str) -> str:
    """« payée » → eligible; « exclue : `code` » → code; « refusée : `doublon` » → refused."""
    if cell.startswith("payée"):
        return "eligible"
    code = re.search(r"`([a-z_]+)`", cell).group(1)
    return f"refused:{code}" if cell.startswith("refusée") else code


@pytest.mark.parametrize("unit", ["intervention", "patient"])
def test_the_worked_example_of_docs_funding_md(unit):
    rows, totals = _example("ami")
    assert len(rows) == 6 and totals == {"intervention": Decimal(100), "patient": Decimal(50)}
    world = build_world(counting_unit=unit)  # grant, declaration and team from 01/03/2025; first IDE trained 10/03
    delegates = {"Inès": world.delegate, "Paul": world.add_delegate(trained_on=D(2025, 3, 1))}
    stored = []
    for row in rows:
        delegate = delegates[row["delegate"]]
        if row[unit].startswith("refused:"):
            problems = intervention_problems(
                protocol=world.protocol,
                delegate=delegate,
                delegant=world.delegant,
                performed_on=row["day"],
                episode_reference=row["episode"],
            )
            assert "déjà enregistrée" in " ".join(problems["episode_reference"])
            with transaction.atomic(), pytest.raises(IntegrityError):
                world.intervention(row["day"], episode_reference=row["episode"], delegate=delegate)
            continue
        stored.append((world.intervention(row["day"], episode_reference=row["episode"], delegate=delegate), row))
    world.recompute()
    assert [world.reason_of(intervention) for intervention, _row in stored] == [row[unit] for _i, row in stored]
    compute(world.structure.region, "2025-H1")
    statement = world.grant.statements.get(year=2025, half=1)
    assert statement.total_amount == totals[unit]


# The same rows counted both ways -----------------------------------------------------------------------------------

# (episode, date, delegate, second contact): a patient seen three times, one seen once with a second contact, one
# whose first contact came before the delegate's training.
ROWS = [
    ("EP-A", D(2025, 4, 1), "ide", None),
    ("EP-A", D(2025, 4, 15), "ide", None),
    ("EP-A", D(2025, 5, 2), "other", None),
    ("EP-B", D(2025, 4, 3), "ide", D(2025, 4, 4)),
    ("EP-C", D(2025, 3, 5), "ide", None),
    ("EP-C", D(2025, 3, 20), "ide", None),
]
EXPECTED = {
    "intervention": ["eligible", "eligible", "eligible", "eligible", "delegue_non_forme", "eligible"],
    "patient": [
        "eligible",
        "episode_deja_compte",
        "episode_deja_compte",
        "eligible",
        "delegue_non_forme",
        "eligible",
    ],
}


def _load(world):
    delegates = {"ide": world.delegate, "other": world.add_delegate(trained_on=D(2025, 3, 1))}
    return [
        world.intervention(day, episode_reference=episode, delegate=delegates[who], second_contact_on=second)
        for episode, day, who, second in ROWS
    ]


def test_per_intervention_and_per_patient_side_by_side_on_the_same_rows():
    region = RegionFactory(code="PACA")
    worlds = {unit: build_world(structure=StructureFactory(region=region), counting_unit=unit) for unit in EXPECTED}
    loaded = {unit: _load(world) for unit, world in worlds.items()}
    recompute_eligibility()
    for unit, world in worlds.items():
        assert [world.reason_of(i) for i in loaded[unit]] == EXPECTED[unit], unit
        # A second contact is a field of its line: never a payable line of its own.
        assert InterventionEligibility.objects.filter(grant=world.grant).count() == len(ROWS)
    compute(region, "2025-H1")
    amounts = {
        unit: (s.eligible_count, s.excluded_count, s.total_amount)
        for unit, world in worlds.items()
        for s in world.grant.statements.filter(year=2025, half=1)
    }
    assert amounts == {"intervention": (5, 1, 5 * RATE), "patient": (3, 3, 3 * RATE)}


# Issued statements stay frozen; drafts recompute --------------------------------------------------------------------


def test_an_issued_statement_stays_frozen_and_a_draft_takes_the_new_count():
    """A grant whose H1 was issued under the former rule (a later visit of an episode excluded as ``doublon``): the
    new rule pays that visit, but the issued H1 does not move; the H2 draft pays its own follow-ups and settles the
    H1 one as a régularisation, listed apart."""
    world = build_world()
    first = world.intervention(D(2025, 4, 1), episode_reference="EP-1")
    follow_up_h1 = world.intervention(D(2025, 5, 1), episode_reference="EP-1")
    follow_up_h2 = world.intervention(D(2025, 9, 1), episode_reference="EP-1")
    world.recompute()
    # What the former engine had stored, and issued H1 on.
    InterventionEligibility.objects.filter(intervention__in=[follow_up_h1, follow_up_h2]).update(
        is_eligible=False, reason="doublon"
    )
    region = world.structure.region
    compute(region, "2025-H1", issue=True)
    h1 = world.grant.statements.get(year=2025, half=1)
    frozen = (h1.status, h1.eligible_count, h1.excluded_count, h1.total_amount, lines_of(h1))
    assert frozen[:4] == (StatementStatus.ISSUED, 1, 1, RATE)
    compute(region, "2025-H2")
    assert world.grant.statements.get(year=2025, half=2).total_amount == 0

    assert world.recompute() == 2  # the new rule: both follow-ups are interventions of their own
    assert world.reason_of(follow_up_h1) == world.reason_of(follow_up_h2) == "eligible"
    compute(region, "2025-H1")
    compute(region, "2025-H2")
    h1.refresh_from_db()
    assert (h1.status, h1.eligible_count, h1.excluded_count, h1.total_amount, lines_of(h1)) == frozen
    h2 = world.grant.statements.get(year=2025, half=2)
    assert h2.status == StatementStatus.DRAFT
    assert (h2.eligible_count, h2.period_amount, h2.regularisation_amount, h2.total_amount) == (
        1,
        RATE,
        RATE,
        2 * RATE,
    )
    assert first.pk in set(h1.items.filter(is_eligible=True).values_list("intervention_id", flat=True))


# The ARS tableau: « 25 euros » only where the engine pays --------------------------------------------------------


@pytest.mark.parametrize("unit", ["intervention", "patient"])
def test_the_tableau_export_writes_the_forfait_only_on_paid_lines(unit, tmp_path):
    region = RegionFactory(code="PACA")
    world = build_world(structure=StructureFactory(region=region, name="MSP des Oliviers"), counting_unit=unit)
    _load(world)
    world.recompute()
    compute(region, "2025-H1")
    output = tmp_path / "tableau.xlsx"
    call_command(
        "export_statements", "--region", "PACA", "--period", "2025-H1", "--format", "tableau", "--output", str(output)
    )
    rows = [list(row) for row in load_workbook(io.BytesIO(output.read_bytes()))["MSP des Oliviers"].values]
    lines = [row for row in rows[10:] if row[0] == world.protocol.code]
    by_line = sorted(
        (row[1].date(), row[3], row[13], row[14], row[15]) for row in lines
    )  # date, delegate's first name, forfait 1st contact, forfait 2nd contact, portal's reason
    paid = sorted(
        InterventionEligibility.objects.filter(grant=world.grant, is_eligible=True).values_list(
            "performed_on", "intervention__delegate__user__first_name"
        )
    )
    assert len(by_line) == len(ROWS)
    assert sorted((day, name) for day, name, forfait, *_ in by_line if forfait == "25 euros") == paid
    assert all(forfait in ("25 euros", None) for _d, _n, forfait, _s, _r in by_line)
    assert all(second is None for *_x, second, _r in by_line)  # the second contact earns nothing
    assert len(paid) == EXPECTED[unit].count("eligible")
    if unit == "patient":
        assert "Épisode déjà compté (forfait par patient)" in [reason for *_x, reason in by_line]
