"""Celery tasks of the protocols area (thin wrappers over services)."""
