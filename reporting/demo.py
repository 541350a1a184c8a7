"""Demo data of the reporting layer: biannual reports and the PACA consolidation (issue 9)."""


def seed(context: dict) -> dict:
    return {}
