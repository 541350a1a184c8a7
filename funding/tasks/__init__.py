"""Celery discovers this package; each area keeps its tasks in its own module."""

from funding.tasks import committee, dossiers, eligibility, statements  # noqa: F401
from funding.tasks.statements import compute_statements  # noqa: E402,F401  (funding.tasks.compute_statements)
