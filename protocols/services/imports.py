"""Import of the reporting table: a coordinator uploads a CSV or XLSX; every row is checked before anything is written.

- A file with an invalid row is refused as a whole; its batch keeps the error report (line, column, value, message).
- A valid file is written in one transaction, with the eligibility of what it added (``funding`` recomputes inside
  the same transaction, through ``eligibility_inputs_changed``).
- Idempotent twice over: a file whose SHA-256 was already imported for the structure adds nothing (and says so);
  a row identical to a stored intervention (same protocol, episode, date and delegate) is skipped. A row of a known
  episode with another date or delegate is stored and counted as a repeat: an AMI grant pays it (per intervention),
  a per-patient line excludes it as ``episode_deja_compte``.
- Two layouts, one set of checks: the portal's template, and the tableau de reporting as the ARS hands it out (its
  title block's FINESS must be the structure's, its lines fall within its « Période concernée », and each line's
  episode is derived: ``protocols.imports.episodes``).
- Small files are imported during the request; larger ones by a Celery task, whose progress the batch page polls.
- A file past the bounds of ``protocols.imports.bounds`` (a cell past XFD, a sheet too large once inflated, too many
  cells in a row, a CSV line too long…) is refused at upload as a form error; past what the upload checks, the
  import's reader refuses it and the batch is marked failed with the same message.

Imports run one at a time per structure (the structure row is locked while writing), so counts are exact.
"""

import hashlib
import logging
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone

from portal.access import get_scope
from portal.downloads import safe_filename
from portal.errors import ApplicationError
from portal.jobs import JobStatus, job_send, job_send_on_commit, jobs_resend_unsent
from portal.models import Structure, User
from portal.roles import Role
from protocols.imports.bounds import BoundsExceeded
from protocols.imports.episodes import assign_episodes
from protocols.imports.reading import Table, UnreadableFile, check_upload_bounds, is_xlsx, open_table
from protocols.imports.validation import ParsedRow, RowChecker, RowError
from protocols.models import ImportBatch, Intervention, InterventionSource
from protocols.services.common import notify_eligibility_change

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 2_000
MAX_STORED_ERRORS = 5_000


def import_max_bytes() -> int:
    return getattr(settings, "INTERVENTION_IMPORT_MAX_BYTES", 50 * 1024 * 1024)


def import_sync_max_bytes() -> int:
    """Files up to this size are imported during the request; larger ones by a Celery task with a progress bar."""
    return getattr(settings, "INTERVENTION_IMPORT_SYNC_MAX_BYTES", 64 * 1024)


@dataclass
class WriteResult:
    created: int = 0
    identical: int = 0
    episode_repeats: int = 0


def _check_coordinator(structure: Structure, by: User) -> None:
    if structure.pk not in get_scope(by).structure_ids([Role.COORDINATOR]) and not by.is_superuser:
        raise ApplicationError("Seuls les coordinateurs de la structure importent ses interventions.")


def check_import_file(uploaded) -> None:
    """A CSV or XLSX within the size limit, recognised by its content (the name only helps the user)."""
    limit = import_max_bytes()
    if uploaded.size > limit:
        raise ApplicationError(f"Le fichier dépasse la taille maximale de {limit // (1024 * 1024)} Mo.", field="file")
    if uploaded.size == 0:
        raise ApplicationError("Le fichier est vide.", field="file")
    uploaded.seek(0)
    head = uploaded.read(4096)
    uploaded.seek(0)
    if not is_xlsx(head) and b"\x00" in head:
        raise ApplicationError(
            "Ce fichier n'est ni un CSV ni un classeur XLSX (son contenu a été vérifié, pas seulement son nom).",
            field="file",
        )
    try:
        check_upload_bounds(uploaded)
    except (BoundsExceeded, UnreadableFile) as error:
        raise ApplicationError(str(error), field="file") from error


def import_batch_create(*, structure: Structure, uploaded, by: User) -> ImportBatch:
    """Store the uploaded file as a batch to import. A file already imported for the structure is recorded as such
    and nothing more happens."""
    _check_coordinator(structure, by)
    check_import_file(uploaded)
    digest = hashlib.sha256()
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    sha256 = digest.hexdigest()
    name = safe_filename(uploaded.name)
    batch = ImportBatch(
        structure=structure,
        source=InterventionSource.IMPORT,
        original_name=name,
        sha256=sha256,
        requested_by=by,
        total=0,
    )
    batch.file.save(("import.xlsx" if name.lower().endswith(".xlsx") else "import.csv"), uploaded, save=False)
    batch.save()
    if previous_import(batch) is not None:
        _finish_already_imported(batch)
    return batch


def import_batch_create_from_bytes(*, structure: Structure, content: bytes, name: str, by: User) -> ImportBatch:
    """The same, for a file read from disk (management command, demo data)."""
    uploaded = ContentFile(content, name=name)
    return import_batch_create(structure=structure, uploaded=uploaded, by=by)


def previous_import(batch: ImportBatch) -> ImportBatch | None:
    return (
        ImportBatch.objects.filter(
            structure_id=batch.structure_id, sha256=batch.sha256, outcome=ImportBatch.Outcome.IMPORTED
        )
        .exclude(pk=batch.pk)
        .order_by("requested_at")
        .first()
    )


def _finish_already_imported(batch: ImportBatch) -> None:
    batch.outcome = ImportBatch.Outcome.ALREADY_IMPORTED
    batch.status, batch.finished_at = JobStatus.DONE, timezone.now()
    batch.started_at = batch.started_at or batch.finished_at
    batch.save(update_fields=["outcome", "status", "started_at", "finished_at"])


def import_batch_run(*, batch_id: int) -> ImportBatch:
    """Check every row of the batch's file, then write them all or nothing. Safe to call again (idempotent); a
    failed batch is left as it is."""
    batch = ImportBatch.objects.select_related("structure").get(pk=batch_id)
    if batch.status == JobStatus.FAILED:
        return batch
    if batch.outcome != ImportBatch.Outcome.PENDING:
        if not batch.is_finished:  # written, then the worker died before saying so: finish the job, nothing else
            batch.mark_done()
        return batch
    try:
        return _run(batch)
    except Exception:
        logger.exception("Import %s failed", batch.pk)
        batch.mark_failed(
            "L'import a échoué de façon inattendue : rien n'a été enregistré. Réessayez ou contactez l'ARS."
        )
        raise


def _run(batch: ImportBatch) -> ImportBatch:
    if previous_import(batch) is not None:
        _finish_already_imported(batch)
        return batch
    with batch.file.open("rb") as handle:
        content = handle.read()
    try:
        table = open_table(content, finess=batch.structure.finess)
    except UnreadableFile as error:
        return _reject(batch, [RowError(1, "", "", str(error))], rows_read=0)
    except BoundsExceeded as error:
        return _refuse_out_of_bounds(batch, str(error), rows_read=0)
    sheet = table.sheet
    if sheet is not None and (problem := sheet.finess_problem(batch.structure)):
        return _reject(batch, [problem], rows_read=0)
    batch.mark_running(total=table.estimated_rows)

    checker = table_checker(batch.structure, table)
    errors: list[RowError] = list(checker.header_errors)
    rows: list[ParsedRow] = []
    dated: list[tuple[int, object]] = []  # the ARS's layout: (line, date) of every readable line, for its period
    read = 0
    try:
        for line, cells in table.rows:
            read += 1
            parsed, row_errors = checker.check(line, cells)
            if row_errors:
                errors.extend(row_errors)
            else:
                if not errors:
                    rows.append(parsed)  # once the file is refused, valid rows need not be kept
                if sheet is not None:
                    dated.append((line, parsed.performed_on))
            if read % PROGRESS_EVERY == 0:
                batch.advance(min(read, batch.total or read))
    except UnreadableFile as error:
        errors.append(RowError(read + 2, "", "", str(error)))
    except BoundsExceeded as error:
        return _refuse_out_of_bounds(batch, str(error), rows_read=read)
    if sheet is not None:
        errors.extend(sheet.problems)
        errors.extend(filter(None, (sheet.outside_period(line, day) for line, day in dated)))
        errors.sort(key=lambda error: error.line)
    if errors:
        return _reject(batch, errors, rows_read=read)

    with transaction.atomic():
        # One import at a time per structure: the counts below stay exact, and a file cannot be written twice.
        # FOR NO KEY UPDATE: a concurrent insert referencing the structure (its foreign-key check takes FOR KEY
        # SHARE) must not deadlock against this lock.
        Structure.objects.select_for_update(of=("self",), no_key=True).filter(pk=batch.structure_id).first()
        if previous_import(batch) is not None:
            _finish_already_imported(batch)
            return batch
        if sheet is not None:
            rows = assign_episodes(rows, identifiers=checker.professionals.identifiers)
        result = interventions_write(
            structure=batch.structure, rows=rows, by=batch.requested_by, source=batch.source, batch=batch
        )
        batch.outcome = ImportBatch.Outcome.IMPORTED
        batch.rows_read = read
        batch.created_count = result.created
        batch.identical_count = result.identical
        batch.episode_repeat_count = result.episode_repeats
        batch.layout = table.layout
        batch.declared_from, batch.declared_to = sheet.period if sheet and sheet.period else (None, None)
        batch.save(
            update_fields=[
                "outcome",
                "rows_read",
                "created_count",
                "identical_count",
                "episode_repeat_count",
                "layout",
                "declared_from",
                "declared_to",
            ]
        )
    batch.total = read
    batch.mark_done()
    return batch


def table_checker(structure: Structure, table: Table) -> RowChecker:
    """The row checks of the file's layout: the same rules, the ARS's column names in the report."""
    sheet = table.sheet
    return RowChecker(
        structure=structure,
        headers=table.headers,
        header_line=table.header_line,
        derive_episodes=sheet is not None,
        labels=sheet.labels if sheet is not None else None,
    )


def _reject(batch: ImportBatch, errors: list[RowError], *, rows_read: int) -> ImportBatch:
    batch.outcome = ImportBatch.Outcome.REJECTED
    batch.rows_read = rows_read
    batch.error_count = len(errors)
    batch.errors = [error.as_dict() for error in errors[:MAX_STORED_ERRORS]]
    batch.total = rows_read
    batch.save(update_fields=["outcome", "rows_read", "error_count", "errors", "total"])
    batch.mark_done()
    return batch


def _refuse_out_of_bounds(batch: ImportBatch, message: str, *, rows_read: int) -> ImportBatch:
    """A file past a bound (``protocols.imports.bounds``): the batch is refused and failed, its message shown on the
    import page (``job.error``) and in the error report; nothing was written."""
    _reject(batch, [RowError(1, "", "", message)], rows_read=rows_read)
    batch.mark_failed(message)
    return batch


def interventions_write(
    *,
    structure: Structure,
    rows: list[ParsedRow],
    by: User,
    source: str = InterventionSource.IMPORT,
    batch: ImportBatch | None = None,
) -> WriteResult:
    """Write checked rows of ``structure``: skip those identical to a stored intervention (or to an earlier row of
    the same list), count those that repeat a known episode, then recompute the eligibility of what changed.

    Bulk writes (COPY): no history row per intervention; the batch (file, hash, who, when) is the audit record.
    """
    result = WriteResult()
    if not rows:
        return result
    protocol_ids = {row.protocol_id for row in rows}
    first_day = min(row.performed_on for row in rows)
    last_day = max(row.performed_on for row in rows)
    stored = Intervention.objects.active().filter(protocol_id__in=protocol_ids)
    seen = set(
        stored.filter(performed_on__range=(first_day, last_day)).values_list(
            "protocol_id", "episode_reference", "performed_on", "delegate_id"
        )
    )
    known_episodes = set(stored.values_list("protocol_id", "episode_reference").distinct())
    now = timezone.now()
    new = []
    since: dict[int, object] = defaultdict(lambda: None)
    batch_id = batch.pk if batch else None
    for row in rows:
        identity = row.identity
        if identity in seen:
            result.identical += 1
            continue
        seen.add(identity)
        episode = (row.protocol_id, row.episode_reference)
        if episode in known_episodes:
            result.episode_repeats += 1
        known_episodes.add(episode)
        if since[row.protocol_id] is None or row.performed_on < since[row.protocol_id]:
            since[row.protocol_id] = row.performed_on
        new.append(
            (
                structure.pk,
                row.protocol_id,
                row.performed_on,
                row.delegate_id,
                row.delegant_id,
                row.episode_reference,
                row.second_contact_on,
                row.second_contact_delegate_id,
                source,
                by.pk,
                now,
                batch_id,
            )
        )
    _insert(new)
    result.created = len(new)
    for protocol_id in sorted(since):
        notify_eligibility_change(protocol_id=protocol_id, since=since[protocol_id])
    return result


INSERT_COLUMNS = (
    "structure_id",
    "protocol_id",
    "performed_on",
    "delegate_id",
    "delegant_id",
    "episode_reference",
    "second_contact_on",
    "second_contact_delegate_id",
    "source",
    "recorded_by_id",
    "recorded_at",
    "import_batch_id",
)


def _insert(values: list[tuple]) -> None:
    """Insert checked rows in bulk with PostgreSQL's COPY (a hundred thousand rows in about a second, where building
    as many model instances takes tens of seconds)."""
    if not values:
        return
    table, columns = Intervention._meta.db_table, ", ".join(INSERT_COLUMNS)
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for value in values:
            copy.write_row(value)


def import_batch_send_on_commit(batch: ImportBatch) -> None:
    """Queue a large batch for the worker once the transaction commits (see ``portal.jobs.job_send``)."""
    from protocols.tasks.interventions import import_interventions_task

    job_send_on_commit(batch, import_interventions_task, batch.pk)


def import_batches_resend() -> int:
    """The beat sweep: send the batches created while the broker was down."""
    from protocols.tasks.interventions import import_interventions_task

    pending = ImportBatch.objects.filter(outcome=ImportBatch.Outcome.PENDING)
    return jobs_resend_unsent(pending, lambda batch: job_send(batch, import_interventions_task, batch.pk))


def import_structures_for(user: User):
    """The structures ``user`` may import interventions for."""
    return Structure.objects.visible_to(user, roles=[Role.COORDINATOR]).order_by("name")
