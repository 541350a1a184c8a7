"""Demo campaigns data. Idempotent: look up by natural key before creating."""


def seed(context: dict) -> dict:
    return {}
