"""Celery tasks of the dossiers area (thin wrappers over services)."""
