"""The follow-up indicators of a campaign: defined by the region's administrator, filled in by the funded teams.

Definitions change only while nothing was measured with them: once a team gave a value, the periodicity stays (the
values would no longer fit their periods) and the indicator cannot be deleted; its name, unit and definition can
still be clarified (the history keeps every wording).

A team gives values for the periods that have begun and that its grant covers: a yearly indicator one value a year,
a half-yearly one a value per half-year. An empty field removes the value (the history keeps it).
"""

import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from funding.models import WHOLE_YEAR, Campaign, CampaignIndicator, CampaignIndicatorValue, Grant, Periodicity
from portal.access import get_scope
from portal.errors import ApplicationError
from portal.roles import Role

INDICATOR_FIELDS = {"name", "unit", "definition", "periodicity", "position"}


def _require_region_admin(region_id: int, by) -> None:
    if region_id not in get_scope(by).region_ids([Role.REGION_ADMIN]):
        raise ApplicationError("Seul un administrateur de l'ARS définit les indicateurs de suivi.", code="forbidden")


def _clean_text(fields: dict) -> dict:
    return {name: value.strip() if isinstance(value, str) else value for name, value in fields.items()}


@transaction.atomic
def campaign_indicator_create(*, campaign: Campaign, by, **fields) -> CampaignIndicator:
    unknown = set(fields) - INDICATOR_FIELDS
    if unknown:
        raise ApplicationError("Champs inconnus : " + ", ".join(sorted(unknown)))
    locked = Campaign.objects.select_for_update(of=("self",)).get(pk=campaign.pk)
    _require_region_admin(locked.region_id, by)
    fields = _clean_text(fields)
    if "position" not in fields or fields["position"] is None:
        last = locked.indicators.aggregate(last=Max("position"))["last"]
        fields["position"] = 0 if last is None else last + 1
    indicator = CampaignIndicator(campaign=locked, created_by=by, **fields)
    indicator.full_clean()
    indicator.save()
    return indicator


@transaction.atomic
def campaign_indicator_update(*, indicator: CampaignIndicator, by, **fields) -> CampaignIndicator:
    unknown = set(fields) - INDICATOR_FIELDS
    if unknown:
        raise ApplicationError("Champs inconnus : " + ", ".join(sorted(unknown)))
    locked = CampaignIndicator.objects.select_for_update(of=("self",)).select_related("campaign").get(pk=indicator.pk)
    _require_region_admin(locked.campaign.region_id, by)
    fields = _clean_text(fields)
    if fields.get("position") is None:
        fields.pop("position", None)
    if "periodicity" in fields and fields["periodicity"] != locked.periodicity and locked.values.exists():
        raise ApplicationError(
            "Des équipes ont déjà saisi des valeurs pour cet indicateur : sa périodicité ne change plus. "
            "Créez un autre indicateur si la mesure doit changer.",
            code="measured",
            field="periodicity",
        )
    changed = [name for name, value in fields.items() if getattr(locked, name) != value]
    for name in changed:
        setattr(locked, name, fields[name])
    if changed:
        locked.full_clean()
        locked.save(update_fields=changed)
    return locked


@transaction.atomic
def campaign_indicator_delete(*, indicator: CampaignIndicator, by) -> None:
    locked = CampaignIndicator.objects.select_for_update(of=("self",)).select_related("campaign").get(pk=indicator.pk)
    _require_region_admin(locked.campaign.region_id, by)
    if locked.values.exists():
        raise ApplicationError(
            "Des équipes ont déjà saisi des valeurs pour cet indicateur : il ne peut plus être supprimé.",
            code="measured",
        )
    locked.delete()


def grant_indicator_years(grant: Grant, today: datetime.date | None = None) -> list[int]:
    """The years a grant reports on: from its start to this year (or its end, if earlier), newest first."""
    today = today or timezone.localdate()
    if grant.starts_on > today:
        return []
    last = min(today.year, grant.ends_on.year)
    return list(range(last, grant.starts_on.year - 1, -1))


def period_open(grant: Grant, year: int, half: int, today: datetime.date | None = None) -> bool:
    """A value is given for a period that has begun, of a grant that has begun, and that the grant covers (at least
    in part)."""
    today = today or timezone.localdate()
    if half == WHOLE_YEAR:
        start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    else:
        start = datetime.date(year, 1 if half == 1 else 7, 1)
        end = datetime.date(year, 6, 30) if half == 1 else datetime.date(year, 12, 31)
    return start <= today and grant.starts_on <= today and start <= grant.ends_on and end >= grant.starts_on


def grant_indicators(grant: Grant):
    """The indicators a grant reports on: those of the campaign of its dossier (none for an SNP line)."""
    if grant.dossier_id is None:
        return CampaignIndicator.objects.none()
    return CampaignIndicator.objects.filter(campaign_id=grant.dossier.campaign_id).in_order()


def grant_indicator_sheet(grant: Grant, indicators, year: int | None, today: datetime.date | None = None):
    """What the grant's page shows for ``year``: the values given, by (indicator id, half), and the periods that
    can be filled in."""
    if year is None:
        return {}, set()
    rows = CampaignIndicatorValue.objects.filter(grant=grant, year=year).order_by()
    values = {(row.indicator_id, row.half): row.value for row in rows}
    open_periods = {
        (indicator.pk, half)
        for indicator in indicators
        for half in indicator.halves()
        if period_open(grant, year, half, today)
    }
    return values, open_periods


@transaction.atomic
def indicator_values_save(
    *, grant: Grant, by, year: int, values: dict[tuple[int, int], Decimal | None], today=None
) -> int:
    """Save the team's values of ``year``: ``values[(indicator_id, half)]`` is the value, or None to remove it.
    Returns how many values were written or removed."""
    locked = Grant.objects.select_for_update(of=("self",)).select_related("dossier").get(pk=grant.pk)
    if locked.structure_id not in get_scope(by).structure_ids([Role.COORDINATOR]):
        raise ApplicationError(
            "Seul un coordinateur de la structure saisit les valeurs des indicateurs.", code="forbidden"
        )
    indicators = {indicator.pk: indicator for indicator in grant_indicators(locked)}
    existing = {
        (row.indicator_id, row.half): row
        for row in CampaignIndicatorValue.objects.filter(grant=locked, year=year, indicator_id__in=indicators)
    }
    now = timezone.now()
    written = 0
    for (indicator_id, half), value in values.items():
        indicator = indicators.get(indicator_id)
        if indicator is None:
            raise ApplicationError("Cet indicateur n'est pas celui de la campagne de la subvention.", code="unknown")
        if half not in indicator.halves():
            expected = "par semestre" if indicator.periodicity == Periodicity.HALF_YEARLY else "par année"
            raise ApplicationError(f"« {indicator.name} » se mesure {expected}.", code="period")
        row = existing.get((indicator_id, half))
        if value is None:
            if row is not None:
                row.delete()
                written += 1
            continue
        if not period_open(locked, year, half, today):
            raise ApplicationError(
                f"« {indicator.name} » : la période n'a pas commencé ou la subvention ne la couvre pas.",
                code="period",
            )
        if row is not None and row.value == value:
            continue
        row = row or CampaignIndicatorValue(indicator=indicator, grant=locked, year=year, half=half)
        row.value, row.entered_by, row.entered_at = value, by, now
        row.full_clean()
        row.save()
        written += 1
    return written
