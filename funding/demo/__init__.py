"""Demo data of the funding layer, seeded after the protocols' (see reporting's ``seed_demo`` command)."""

from funding.demo import campaigns, committee, eligibility, indicators, snp, statements, tableaux


def seed(base: dict) -> dict:
    context = dict(base)
    for step in (campaigns, committee, snp, eligibility, statements, tableaux, indicators):
        context.update(step.seed(context))
    return context
