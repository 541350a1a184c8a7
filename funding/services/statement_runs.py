"""Computation runs: the finance officer's button, the Celery task and the command line all go through these.

A run computes (and, if asked, issues) a region's statements for a period in one transaction; its row records the
outcome for the progress bar and the result page."""

import datetime

from django.core.cache import cache
from django.db import transaction

from funding.models import ComputationRun
from funding.periods import Period
from funding.services.statements import statements_compute, statements_issue
from portal.access import get_scope
from portal.errors import ApplicationError
from portal.jobs import JobStatus, job_send, jobs_resend_unsent
from portal.roles import Role


def _progress_key(run_id: int) -> str:
    return f"funding:computation-run:{run_id}:progress"


def run_progress(run: ComputationRun) -> ComputationRun:
    """The run with its live progress: while the run's transaction is open its row cannot show it, the cache can."""
    if run.status == JobStatus.RUNNING:
        progress = cache.get(_progress_key(run.pk))
        if progress:
            run.processed, run.total = progress
    return run


def computation_run_start(
    *, region, period: Period, by, issue_after: bool = False, expected_digest: str = ""
) -> ComputationRun:
    """Create a run and queue its task once the transaction commits. A click while the same computation is
    already queued or running returns that run instead of starting another."""
    scope = get_scope(by)
    if region.pk not in scope.region_ids([Role.FINANCE_OFFICER]):
        raise ApplicationError("Seul un chargé de financement de l'ARS peut calculer ou émettre ses états.")
    pending = ComputationRun.objects.filter(
        region=region,
        year=period.year,
        half=period.half,
        issue_after=issue_after,
        status__in=[JobStatus.QUEUED, JobStatus.RUNNING],
    ).first()
    if pending:
        if not pending.task_id:  # created while the broker was down: this click sends it
            _send_on_commit(pending)
        return pending
    run = ComputationRun.objects.create(
        region=region,
        year=period.year,
        half=period.half,
        issue_after=issue_after,
        expected_digest=expected_digest,
        requested_by=by,
    )
    _send_on_commit(run)
    return run


def _send(run: ComputationRun) -> bool:
    from funding.tasks.statements import compute_statements as compute_statements_task

    return job_send(run, compute_statements_task, run.region.code, str(run.period), run_id=run.pk)


def _send_on_commit(run: ComputationRun) -> None:
    """The task goes to the broker after the commit; if the broker is down the run stays queued and unsent
    (``JobNotSent`` gives the officer a 503 page saying so), and ``computation_runs_resend`` sends it later."""
    transaction.on_commit(lambda: _send(run))


def computation_runs_resend() -> int:
    """The beat sweep: send the runs created while the broker was down. Returns how many went out."""
    return jobs_resend_unsent(ComputationRun.objects.select_related("region"), _send)


def computation_run_execute(*, run: ComputationRun, today: datetime.date | None = None) -> ComputationRun:
    """Compute (and, if asked, issue) the statements of a run in one transaction, and record the outcome.

    A business refusal (period not over, digest changed, earlier drafts) marks the run failed with its message;
    database and broker errors propagate so the Celery task retries the whole run (nothing was written)."""
    if run.status == JobStatus.DONE:
        return run
    run.mark_running()

    def on_progress(done: int, total: int) -> None:
        cache.set(_progress_key(run.pk), (done, total), timeout=3600)

    try:
        with transaction.atomic():
            result = statements_compute(
                region=run.region, period=run.period, lock_grants=run.issue_after, on_progress=on_progress
            )
            run.result_digest = result.digest
            if run.issue_after:
                if run.expected_digest and run.expected_digest != result.digest:
                    raise ApplicationError(
                        "Les montants ont changé depuis le calcul que vous avez vérifié (nouvelles interventions "
                        "ou éligibilités recalculées) : relancez le calcul, vérifiez-le, puis émettez."
                    )
                statements_issue(result=result, by=run.requested_by, today=today)
    except ApplicationError as error:
        run.mark_failed(error.message)
        return run
    finally:
        cache.delete(_progress_key(run.pk))
    run.summary = result.summary()
    run.total = len(result.drafts)
    run.save(update_fields=["summary", "result_digest", "total"])
    run.mark_done()
    return run
