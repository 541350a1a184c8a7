"""Writes of the region administrator on AMI campaigns and their waves.

The presentation and the rules are rich text, cleaned with nh3 before they are stored. The scoring grid
(``Criterion``) is edited by the committee screens, not here. Funding parameters (rate, yearly cap) are the
campaign's defaults: a grant copies and freezes them when it is decided, so changing them later rewrites nothing.
"""

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from funding.models import Campaign, Wave
from funding.richtext import sanitize_html
from portal.access import get_scope
from portal.errors import ApplicationError
from portal.roles import Role

CAMPAIGN_FIELDS = {
    "title",
    "description",
    "rules",
    "committee_date",
    "answer_expected_on",
    "eligible_structure_kinds",
    "rate_per_intervention",
    "yearly_cap",
    "budget",
}
WAVE_FIELDS = {"opens_at", "deadline", "projects_funded", "committee_date"}


def _require_region_admin(region_id: int, by) -> None:
    if region_id not in get_scope(by).region_ids([Role.REGION_ADMIN]):
        raise ApplicationError("Seul un administrateur de l'ARS gère ses campagnes.", code="forbidden")


def _apply(campaign: Campaign, fields: dict) -> None:
    unknown = set(fields) - CAMPAIGN_FIELDS
    if unknown:
        raise ApplicationError("Champs inconnus : " + ", ".join(sorted(unknown)))
    for name, value in fields.items():
        if name in {"description", "rules"}:
            value = sanitize_html(value)
        setattr(campaign, name, value)


@transaction.atomic
def campaign_create(*, by, region, **fields) -> Campaign:
    _require_region_admin(region.pk, by)
    campaign = Campaign(region=region, created_by=by)
    _apply(campaign, fields)
    campaign.full_clean()
    campaign.save()
    return campaign


@transaction.atomic
def campaign_update(*, campaign: Campaign, by, **fields) -> Campaign:
    locked = Campaign.objects.select_for_update(of=("self",)).get(pk=campaign.pk)
    _require_region_admin(locked.region_id, by)
    _apply(locked, fields)
    locked.full_clean()
    locked.save()
    return locked


@transaction.atomic
def campaign_publish(*, campaign: Campaign, by, at=None) -> Campaign:
    """Publish now (or at ``at``): the campaign then appears on the public page of its region and on the
    coordinators' home. It needs a presentation and at least one wave."""
    locked = Campaign.objects.select_for_update(of=("self",)).get(pk=campaign.pk)
    _require_region_admin(locked.region_id, by)
    if locked.published_at is not None and locked.published_at <= timezone.now():
        raise ApplicationError("Cette campagne est déjà publiée.", code="already_published")
    if not locked.description.strip():
        raise ApplicationError("Rédigez la présentation de la campagne avant de la publier.", code="no_description")
    if not locked.waves.exists():
        raise ApplicationError("Ajoutez une vague de dépôt (dates et date limite) avant de publier.", code="no_wave")
    if not locked.eligible_structure_kinds:
        raise ApplicationError("Indiquez les structures éligibles avant de publier.", code="no_kinds")
    locked.published_at = at or timezone.now()
    locked.save(update_fields=["published_at"])
    return locked


@transaction.atomic
def wave_create(*, campaign: Campaign, by, **fields) -> Wave:
    """Open a new wave (a second wave reopens the same campaign); waves never overlap."""
    locked = Campaign.objects.select_for_update(of=("self",)).get(pk=campaign.pk)
    _require_region_admin(locked.region_id, by)
    unknown = set(fields) - WAVE_FIELDS
    if unknown:
        raise ApplicationError("Champs inconnus : " + ", ".join(sorted(unknown)))
    number = (locked.waves.aggregate(last=Max("number"))["last"] or 0) + 1
    wave = Wave(campaign=locked, number=number, **fields)
    wave.full_clean()
    wave.save()
    return wave


@transaction.atomic
def wave_update(*, wave: Wave, by, **fields) -> Wave:
    """Change a wave's dates or size (for instance, extend the deadline); the history keeps the former values."""
    locked = Wave.objects.select_for_update(of=("self",)).select_related("campaign").get(pk=wave.pk)
    _require_region_admin(locked.campaign.region_id, by)
    unknown = set(fields) - WAVE_FIELDS
    if unknown:
        raise ApplicationError("Champs inconnus : " + ", ".join(sorted(unknown)))
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.full_clean()
    locked.save()
    return locked
