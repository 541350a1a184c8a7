"""Celery tasks of the statements area (thin wrappers over services)."""
