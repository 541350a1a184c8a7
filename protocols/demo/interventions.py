"""Demo interventions: a realistic year 2025 for the MSP des Oliviers and some for the CPTS du Pays d'Aix (issue 7).

Deterministic (fixed random seed) and idempotent: rows are looked up by their natural key (protocol, episode, date,
delegate) and the first half-year's reporting table is imported only if that very file was not imported yet.

It relies on what the protocols seeder builds (issue 4): LOC-PACA-HTA at the MSP with medecin.msp delegant from
2025-03-01, ide.msp delegate from 2025-03-01 (trained 2025-02-15), ide2.msp from 2025-05-01 (trained 2025-06-01),
pharmacien.msp from 2025-09-01 (trained 2025-08-20), declarations from 2025-03-01 and a suspension from 2025-10-01
lifted on 2025-10-16; SNP-POLLAKIURIE at the CPTS. Whatever it cannot find, it skips.

The year shows every exclusion reason the demo's dates allow: January and February are before the grant
(``hors_subvention``), a date typed 2027 instead of 2025 (``date_future``), the suspension window
(``protocole_suspendu``), the pharmacist's acts before joining the team (``delegue_hors_equipe``), the second nurse's
acts before her training (``delegue_non_forme``), a nurse named as delegant (``delegant_hors_equipe``). Follow-up
visits logged as new lines of an episode were ``doublon`` until issue 15: the AMI grant pays per intervention, so
they are paid. ``protocole_non_declare`` cannot occur here: the grant and the first
declaration both start on 2025-03-01 (the tests cover it). About 300 eligible interventions: the €7,000 cap is
reached in the second half-year.
"""

import datetime
import random

from portal.models import Professional, Structure, StructureMembership, User
from portal.roles import Role
from protocols.demo.keys import HTA_CODE, OLIVIERS_FINESS, PAYS_D_AIX_FINESS, POLLAKIURIE_CODE
from protocols.imports.columns import HEADERS
from protocols.imports.lookups import carrying_protocols
from protocols.imports.validation import ParsedRow
from protocols.models import ImportBatch, Intervention, InterventionSource
from protocols.services.imports import import_batch_create_from_bytes, import_batch_run, interventions_write

D = datetime.date
SEED = 2025
MEDECIN, IDE, IDE2, PHARMACIEN = "10000000017", "10000000025", "10000000033", "10000000041"
MEDECIN_CPTS, IDE_CPTS = "10000000058", "10000000066"
SUSPENSION = (D(2025, 10, 1), D(2025, 10, 16))
S1_FILE_NAME = "reporting-2025-S1.csv"


def seed(context: dict) -> dict:
    created = _seed_oliviers() + _seed_pays_d_aix()
    return {"demo_interventions_created": created}


def _professionals(*identifiers) -> dict[str, Professional] | None:
    found = {p.rpps: p for p in Professional.objects.filter(rpps__in=identifiers).select_related("user")}
    return found if len(found) == len(identifiers) else None


def _protocol(finess: str, code: str):
    structure = Structure.objects.filter(finess=finess).first()
    if structure is None:
        return None, None
    return structure, carrying_protocols(structure).filter(code=code).first()


def _coordinator(structure) -> User | None:
    membership = (
        StructureMembership.objects.filter(structure=structure, role=Role.COORDINATOR)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return membership.user if membership else None


def _business_days(start: D, end: D):
    day = start
    while day <= end:
        if day.weekday() < 5:
            yield day
        day += datetime.timedelta(days=1)


class _Episodes:
    def __init__(self, prefix: str):
        self.prefix, self.number = prefix, 0

    def next(self) -> str:
        self.number += 1
        return f"{self.prefix}-{self.number:04d}"


def oliviers_plan(people: dict[str, Professional]) -> list[tuple]:
    """The MSP's 2025, as (date, delegate, delegant, episode, second contact date). Deterministic."""
    rng = random.Random(SEED)
    episodes = _Episodes("EP-2025")
    medecin = people[MEDECIN]
    plan = []

    def add(day, delegate, delegant=medecin, episode=None, second=None):
        plan.append((day, delegate, delegant, episode or episodes.next(), second))

    for day in _business_days(D(2025, 1, 6), D(2025, 12, 31)):
        suspended = SUSPENSION[0] <= day < SUSPENSION[1]
        chances = [(people[IDE], 0.75 if day >= D(2025, 3, 1) else 0.25)]
        if day >= D(2025, 5, 1):
            chances.append((people[IDE2], 0.15 if day < D(2025, 6, 1) else 0.5))
        if day >= D(2025, 9, 1):
            chances.append((people[PHARMACIEN], 0.5))
        for delegate, chance in chances:
            if rng.random() < (chance / 4 if suspended else chance):
                second = day + datetime.timedelta(days=rng.randint(1, 3)) if rng.random() < 0.15 else None
                add(day, delegate, second=second)
    # The pharmacist started before joining the team on 1 September.
    add(D(2025, 8, 25), people[PHARMACIEN])
    add(D(2025, 8, 28), people[PHARMACIEN])
    # A nurse named as delegant by mistake.
    add(D(2025, 4, 22), people[IDE2], delegant=people[IDE])
    add(D(2025, 11, 13), people[PHARMACIEN], delegant=people[IDE])
    # Follow-up visits logged as new lines of an episode already counted.
    for source in rng.sample([row for row in plan if D(2025, 3, 15) <= row[0] <= D(2025, 11, 30)], 6):
        add(source[0] + datetime.timedelta(days=rng.randint(7, 20)), source[1], episode=source[3])
    # 2027 typed instead of 2025.
    add(D(2027, 6, 16), people[IDE], episode="EP-2025-TYPO")
    return sorted(plan, key=lambda row: (row[0], row[3]))


def _csv_line(day, delegate, delegant, episode, second) -> str:
    cells = [
        day.strftime("%d/%m/%Y"),
        HTA_CODE,
        delegate.user.last_name,
        delegate.user.first_name,
        delegate.rpps,
        delegant.user.last_name,
        delegant.user.first_name,
        delegant.rpps,
        episode,
        second.strftime("%d/%m/%Y") if second else "",
        "",
    ]
    return ";".join(cells)


def _seed_oliviers() -> int:
    people = _professionals(MEDECIN, IDE, IDE2, PHARMACIEN)
    structure, protocol = _protocol(OLIVIERS_FINESS, HTA_CODE)
    coordinator = _coordinator(structure) if structure else None
    if people is None or protocol is None or coordinator is None:
        return 0
    plan = oliviers_plan(people)
    # First half-year: the coordinator imported the reporting table (the typo of 2027 is in it).
    first_half = [row for row in plan if row[0] < D(2025, 7, 1) or row[0].year > 2025]
    content = "\r\n".join([";".join(HEADERS), *(_csv_line(*row) for row in first_half)]) + "\r\n"
    created = 0
    if not _already_imported(structure, content.encode("utf-8")):
        batch = import_batch_create_from_bytes(
            structure=structure, content=content.encode("utf-8"), name=S1_FILE_NAME, by=coordinator
        )
        created += import_batch_run(batch_id=batch.pk).created_count
    # Second half-year: each delegate logged their interventions in the form.
    second_half = [row for row in plan if D(2025, 7, 1) <= row[0] <= D(2025, 12, 31)]
    return created + _write_missing(structure, protocol, second_half, source=InterventionSource.FORM)


def _already_imported(structure, content: bytes) -> bool:
    import hashlib

    sha256 = hashlib.sha256(content).hexdigest()
    return ImportBatch.objects.filter(structure=structure, sha256=sha256).exists()


def _write_missing(structure, protocol, plan, *, source) -> int:
    existing = set(
        Intervention.objects.filter(protocol=protocol).values_list("episode_reference", "performed_on", "delegate_id")
    )
    by_delegate: dict[Professional, list[ParsedRow]] = {}
    for line, (day, delegate, delegant, episode, second) in enumerate(plan, start=2):
        if (episode, day, delegate.pk) in existing:
            continue
        by_delegate.setdefault(delegate, []).append(
            ParsedRow(line, protocol.pk, day, delegate.pk, delegant.pk, episode, second, None)
        )
    created = 0
    for delegate, rows in sorted(by_delegate.items(), key=lambda item: item[0].pk):
        created += interventions_write(structure=structure, rows=rows, by=delegate.user, source=source).created
    return created


def _seed_pays_d_aix() -> int:
    people = _professionals(MEDECIN_CPTS, IDE_CPTS)
    structure, protocol = _protocol(PAYS_D_AIX_FINESS, POLLAKIURIE_CODE)
    if people is None or protocol is None:
        return 0
    rng = random.Random(SEED + 1)
    episodes = _Episodes("CPTS-POL-2025")
    plan = [
        (day, people[IDE_CPTS], people[MEDECIN_CPTS], episodes.next(), None)
        for day in _business_days(D(2025, 4, 1), D(2025, 12, 19))
        if rng.random() < 0.2
    ]
    return _write_missing(structure, protocol, plan, source=InterventionSource.FORM)
