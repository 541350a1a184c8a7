"""Demo interventions: a realistic year 2025 for the MSP des Oliviers and some for the CPTS (issue 7).
Idempotent: look up by natural key before creating."""


def seed(context: dict) -> dict:
    return {}
