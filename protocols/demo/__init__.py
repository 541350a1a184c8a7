"""Demo data of the protocols layer, seeded after the portal's (see reporting's ``seed_demo`` command)."""

from protocols.demo import interventions, protocols


def seed(base: dict) -> dict:
    context = {**base, **protocols.seed(base)}
    context.update(interventions.seed(context))
    return context
