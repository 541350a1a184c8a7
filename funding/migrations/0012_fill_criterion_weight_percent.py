"""Weights become percentages (a criterion's share of the score, a sub-criterion's share of its criterion, each
level totalling 100): rescale every existing grid. The score formula normalises the weights, so a proportional
rescaling leaves every score as it was (2 / 3 → 40 / 60 exactly); where a share is not a whole hundredth, it is
rounded and the last weight of its level takes the remainder (a change below 0.01 %)."""

from decimal import ROUND_HALF_UP, Decimal

from django.db import migrations

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


def _rescale(criteria):
    total = sum((criterion.weight for criterion in criteria), Decimal(0))
    if not criteria or total == HUNDRED or total <= 0:
        return []
    shares = [(HUNDRED * criterion.weight / total).quantize(CENT, rounding=ROUND_HALF_UP) for criterion in criteria]
    shares[-1] += HUNDRED - sum(shares)
    for criterion, share in zip(criteria, shares, strict=True):
        criterion.weight = max(share, Decimal(1))
    return criteria


def fill(apps, schema_editor):
    Criterion = apps.get_model("funding", "Criterion")
    by_campaign = {}
    for criterion in Criterion.objects.order_by("campaign_id", "position", "code", "pk"):
        by_campaign.setdefault(criterion.campaign_id, []).append(criterion)
    changed = []
    for criteria in by_campaign.values():
        tops = [c for c in criteria if c.parent_id is None]
        changed += _rescale(tops)
        for top in tops:
            changed += _rescale([c for c in criteria if c.parent_id == top.pk])
    Criterion.objects.bulk_update(changed, ["weight"])


class Migration(migrations.Migration):
    dependencies = [("funding", "0011_grant_counting_unit")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
