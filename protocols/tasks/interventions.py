"""Celery tasks of the interventions area (thin wrappers over services)."""
