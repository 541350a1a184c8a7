"""Demo protocols: the national catalogue adhesions, LOC-PACA-HTA at the MSP des Oliviers, teams, declarations,
suspension (issue 4). Idempotent: look up by natural key before creating."""


def seed(context: dict) -> dict:
    return {}
