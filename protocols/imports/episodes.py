"""The episodes of the lines of the ARS's tableau de reporting, which has no episode column: one line, one patient.

A line is known by its protocol, first-contact date and delegate (its key). The lines of a key in a file are
matched, in order, with the active interventions already stored under that key, whatever their origin (the form,
the API, the portal's template, an earlier tableau), oldest first; the lines left over are new patients and get a
derived reference ``TR-<AAAAMMJJ>-<delegate's RPPS or ADELI>-<n>``, the smallest n not in use under the key. So:

- re-importing the same file, or the ARS's export of the same lines, adds nothing;
- two identical lines in one file are two patients;
- a file that adds lines to one already imported adds exactly those lines.

Read inside the import's transaction, after the structure is locked: two imports never derive the same reference.
"""

from collections import defaultdict

from protocols.imports.validation import ParsedRow
from protocols.models import Intervention


def derived_reference(performed_on, delegate_identifier: str, number: int) -> str:
    return f"TR-{performed_on.year:04d}{performed_on.month:02d}{performed_on.day:02d}-{delegate_identifier}-{number}"


def assign_episodes(rows: list[ParsedRow], *, identifiers: dict[int, str]) -> list[ParsedRow]:
    """``rows`` with their episode reference: a stored one for a line already recorded, a derived one otherwise.
    ``identifiers`` maps a professional's pk to his RPPS or ADELI."""
    if not rows:
        return rows
    stored: dict[tuple, list[str]] = defaultdict(list)
    lines = (
        Intervention.objects.active()
        .filter(
            protocol_id__in={row.protocol_id for row in rows},
            delegate_id__in={row.delegate_id for row in rows},
            performed_on__range=(min(row.performed_on for row in rows), max(row.performed_on for row in rows)),
        )
        .values_list("protocol_id", "performed_on", "delegate_id", "episode_reference")
        .order_by("pk")
    )
    for protocol_id, performed_on, delegate_id, reference in lines:
        stored[(protocol_id, performed_on, delegate_id)].append(reference)
    in_use = {key: set(references) for key, references in stored.items()}
    matched: dict[tuple, int] = defaultdict(int)
    numbers: dict[tuple, int] = defaultdict(int)
    assigned = []
    for row in rows:
        key = (row.protocol_id, row.performed_on, row.delegate_id)
        references = stored.get(key, ())
        if matched[key] < len(references):
            reference = references[matched[key]]
            matched[key] += 1
        else:
            used = in_use.setdefault(key, set())
            number = numbers[key] + 1
            while (reference := derived_reference(row.performed_on, identifiers[row.delegate_id], number)) in used:
                number += 1
            numbers[key] = number
            used.add(reference)
        # Built directly: ``dataclasses.replace`` costs several times more per row.
        assigned.append(
            ParsedRow(
                row.line,
                row.protocol_id,
                row.performed_on,
                row.delegate_id,
                row.delegant_id,
                reference,
                row.second_contact_on,
                row.second_contact_delegate_id,
            )
        )
    return assigned
