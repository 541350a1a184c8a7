"""Celery discovers this package; each area keeps its tasks in its own module."""

from funding.tasks import committee, dossiers, eligibility, statements  # noqa: F401
