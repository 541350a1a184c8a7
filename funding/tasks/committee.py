"""Celery tasks of the committee area (thin wrappers over services)."""
