"""Celery discovers this package; each area keeps its tasks in its own module."""

from protocols.tasks import ds, interventions, protocols  # noqa: F401
