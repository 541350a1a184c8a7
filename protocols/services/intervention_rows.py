"""Interventions sent as rows by a program (the API used by the professional software): the file import's checks and
writing, without a file.

- Rows are dictionaries keyed by the columns of the reporting table (``protocols.imports.columns``); they go
  through the import's ``RowChecker`` (every row checked, every error reported with its row number, column, value
  and French message) and its ``interventions_write`` (identical rows skipped, a known episode counted as a repeat,
  eligibility recomputed in the same transaction). One invalid row refuses them all: nothing is written.
- Who may send rows: a coordinator of the structure, any row; a professional of the structure or of its protocols'
  teams, only rows where they are the delegate (their own interventions). Like the import, rows are recorded as
  what happened: a date the protocol does not cover is stored and excluded by the eligibility, with its reason.
- Idempotent: re-sending rows already stored (same protocol, episode, date and delegate) creates nothing. A batch
  is recorded as an ``ImportBatch`` of source ``api`` (who, when, SHA-256 of its rows, counts): the coordinator
  sees it among the imports; a batch identical to one already imported for the structure is not read again, like
  a file already imported.
"""

import hashlib
import json
from dataclasses import dataclass, field

import psycopg
from django.db import DatabaseError, transaction
from django.utils import timezone

from portal.access import get_scope
from portal.errors import ApplicationError
from portal.jobs import JobStatus
from portal.models import Professional, Structure, User
from portal.roles import Role
from protocols.imports import columns as c
from protocols.imports.lookups import structure_professionals
from protocols.imports.validation import ParsedRow, RowChecker, RowError, identifier_text
from protocols.models import ImportBatch, Intervention, InterventionSource
from protocols.services.imports import interventions_write, previous_import

MAX_ROWS = 1_000
RETRYABLE = {"23505", "40P01", "40001"}  # unique violation, deadlock detected, serialization failure
NOT_OWN = (
    "Vous n'enregistrez que vos propres interventions : l'identifiant du délégué doit être votre RPPS ou ADELI "
    "(un coordinateur de la structure enregistre celles de toute l'équipe)."
)


class RowsRejected(ApplicationError):
    """At least one row is invalid: nothing was written. ``errors`` lists every problem of every row."""

    def __init__(self, row_errors: list[RowError]):
        count = len({error.line for error in row_errors})
        super().__init__(
            f"{count} ligne(s) en erreur : rien n'a été enregistré. Corrigez-les et renvoyez l'ensemble.",
            code="invalid_rows",
        )
        self.row_errors = row_errors


@dataclass
class RowOutcome:
    row: int
    intervention_id: int | None  # None only for a batch already imported whose intervention was cancelled since
    created: bool


@dataclass
class RowsResult:
    created: int = 0
    identical: int = 0
    episode_repeats: int = 0
    already_imported: bool = False
    batch: ImportBatch | None = None
    outcomes: list[RowOutcome] = field(default_factory=list)


def rows_author_restriction(*, structure: Structure, by: User) -> int | None:
    """None if ``by`` may send any row of ``structure`` (coordinator), else the pk of their Professional, the only
    delegate their rows may name. Raises ApplicationError(code="forbidden") for anyone else."""
    if by.is_superuser or structure.pk in get_scope(by).structure_ids([Role.COORDINATOR]):
        return None
    professional_id = (
        structure_professionals(structure).filter(user=by).values_list("pk", flat=True).order_by("pk").first()
    )
    if professional_id is None:
        if not Professional.objects.filter(user=by).exists() and get_scope(by).has_role(Role.PROFESSIONAL):
            message = "Renseignez d'abord votre identité professionnelle (RPPS ou ADELI) dans votre compte."
        else:
            message = (
                "Seuls les coordinateurs de la structure et ses professionnels (leurs propres interventions) "
                "enregistrent des interventions."
            )
        raise ApplicationError(message, code="forbidden")
    return professional_id


def check_rows(*, structure: Structure, rows: list[dict], own_professional_id: int | None) -> list[ParsedRow]:
    """Every row checked as the file import checks it (row numbers start at 1). Raises RowsRejected."""
    if not rows:
        raise ApplicationError("Envoyez au moins une intervention.", code="invalid_rows")
    if len(rows) > MAX_ROWS:
        raise ApplicationError(f"Un lot compte au plus {MAX_ROWS} interventions.", code="invalid_rows")
    headers = list(c.HEADERS)
    checker = RowChecker(structure=structure, headers=headers)
    parsed_rows, row_errors = [], []
    for number, row in enumerate(rows, start=1):
        cells = [row.get(name) for name in headers]
        parsed, errors = checker.check(number, cells)
        if own_professional_id is not None:
            raw = row.get(c.DELEGUE_IDENTIFIANT)
            delegate_id = checker.professionals.get(identifier_text(raw))
            if delegate_id is not None and delegate_id != own_professional_id:
                errors.append(RowError(number, c.DELEGUE_IDENTIFIANT, str(raw), NOT_OWN))
        if errors:
            row_errors.extend(errors)
        else:
            parsed_rows.append(parsed)
    if row_errors:
        raise RowsRejected(row_errors)
    return parsed_rows


def rows_digest(rows: list[ParsedRow]) -> str:
    """SHA-256 of the checked rows in a canonical form (what the batch says, whatever the JSON spacing)."""
    canonical = [
        [
            row.protocol_id,
            row.performed_on.isoformat(),
            row.delegate_id,
            row.delegant_id,
            row.episode_reference,
            row.second_contact_on.isoformat() if row.second_contact_on else None,
            row.second_contact_delegate_id,
        ]
        for row in rows
    ]
    return hashlib.sha256(json.dumps(canonical, separators=(",", ":")).encode()).hexdigest()


def _stored_ids(rows: list[ParsedRow]) -> dict[tuple, int]:
    """The active interventions identical to ``rows``, by identity (protocol, episode, date, delegate)."""
    stored = Intervention.objects.active().filter(
        protocol_id__in={row.protocol_id for row in rows},
        episode_reference__in={row.episode_reference for row in rows},
        performed_on__range=(min(row.performed_on for row in rows), max(row.performed_on for row in rows)),
    )
    return {
        (protocol_id, reference, day, delegate_id): pk
        for pk, protocol_id, reference, day, delegate_id in stored.values_list(
            "pk", "protocol_id", "episode_reference", "performed_on", "delegate_id"
        ).order_by("pk")
    }


def _outcomes(rows: list[ParsedRow], before: dict[tuple, int], after: dict[tuple, int]) -> list[RowOutcome]:
    outcomes, seen = [], set()
    for row in rows:
        identity = row.identity
        created = identity not in before and identity not in seen and identity in after
        seen.add(identity)
        outcomes.append(RowOutcome(row=row.line, intervention_id=after.get(identity), created=created))
    return outcomes


def interventions_record_rows(
    *, structure: Structure, rows: list[dict], by: User, as_batch: bool, label: str = ""
) -> RowsResult:
    """Check then write ``rows`` of ``structure`` sent by ``by`` through the API, all or nothing.

    ``as_batch`` records an ``ImportBatch`` (named ``label``) that the written interventions point to; a single
    intervention is written without one (its ``source``, author and date are its record).
    """
    own_professional_id = rows_author_restriction(structure=structure, by=by)
    parsed = check_rows(structure=structure, rows=rows, own_professional_id=own_professional_id)
    try:
        return _write(structure=structure, rows=parsed, by=by, as_batch=as_batch, label=label)
    except (DatabaseError, psycopg.Error) as error:
        # Someone logged an identical intervention between our check and our write (the form does not take the
        # structure lock), or PostgreSQL broke a deadlock against us: our savepoint is rolled back, nothing is
        # half-written, the client sends again. Any other database failure is not the client's business. (COPY
        # raises psycopg's own errors, the ORM Django's: the SQLSTATE tells them apart.)
        if _sqlstate(error) not in RETRYABLE:
            raise
        raise ApplicationError(
            "Une intervention identique vient d'être enregistrée en même temps : rien n'a été enregistré, "
            "renvoyez la requête.",
            code="conflict",
        ) from error


def _sqlstate(error: Exception) -> str | None:
    for candidate in (error, error.__cause__):
        sqlstate = getattr(candidate, "sqlstate", None)
        if sqlstate:
            return sqlstate
    return None


@transaction.atomic
def _write(*, structure: Structure, rows: list[ParsedRow], by: User, as_batch: bool, label: str) -> RowsResult:
    # One writer at a time per structure, as for the file import: the counts stay exact. FOR NO KEY UPDATE, so
    # that a concurrent insert referencing the structure (its foreign key check takes FOR KEY SHARE) is not blocked.
    Structure.objects.select_for_update(of=("self",), no_key=True).filter(pk=structure.pk).first()
    before = _stored_ids(rows)
    result = RowsResult()
    if as_batch:
        now = timezone.now()
        batch = ImportBatch(
            structure=structure,
            source=InterventionSource.API,
            original_name=(label or f"Lot de {len(rows)} intervention(s) envoyé par l'API")[:150],
            sha256=rows_digest(rows),
            requested_by=by,
            requested_at=now,
            started_at=now,
            total=len(rows),
            rows_read=len(rows),
        )
        if previous_import(batch) is not None:
            result.already_imported = True
            result.identical = len(rows)
            result.outcomes = _outcomes(rows, before, before)
            return result
        batch.save()
        result.batch = batch
    written = interventions_write(
        structure=structure, rows=rows, by=by, source=InterventionSource.API, batch=result.batch
    )
    result.created, result.identical, result.episode_repeats = (
        written.created,
        written.identical,
        written.episode_repeats,
    )
    result.outcomes = _outcomes(rows, before, _stored_ids(rows))
    if result.batch is not None:
        batch = result.batch
        batch.outcome = ImportBatch.Outcome.IMPORTED
        batch.created_count, batch.identical_count = written.created, written.identical
        batch.episode_repeat_count = written.episode_repeats
        batch.status, batch.finished_at, batch.processed = JobStatus.DONE, timezone.now(), len(rows)
        batch.save(
            update_fields=[
                "outcome",
                "created_count",
                "identical_count",
                "episode_repeat_count",
                "status",
                "finished_at",
                "processed",
            ]
        )
    return result
