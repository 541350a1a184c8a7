"""Celery tasks of the eligibility area (thin wrappers over services)."""
