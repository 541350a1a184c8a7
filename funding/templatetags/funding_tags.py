"""Template filters of the funding pages: sanitized rich text, Paris dates, dossier state badges."""

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from funding.models import DossierState
from funding.richtext import sanitize_html

register = template.Library()

STATE_BADGES = {
    DossierState.DRAFT: "new",
    DossierState.SUBMITTED: "info",
    DossierState.UNDER_INSTRUCTION: "info",
    DossierState.COMPLEMENT_REQUESTED: "warning",
    DossierState.COMPLEMENT_PROVIDED: "info",
    DossierState.ADMISSIBLE: "success",
    DossierState.INADMISSIBLE: "error",
    DossierState.TO_COMMITTEE: "info",
    DossierState.SELECTED: "success",
    DossierState.WAITING_LIST: "warning",
    DossierState.NOT_SELECTED: "error",
    DossierState.WITHDRAWN: "new",
}


@register.filter
def richtext(value) -> str:
    """Campaign HTML, cleaned again at render time (never trust a stored value blindly)."""
    return mark_safe(sanitize_html(value or ""))  # noqa: S308 - cleaned by nh3 on the line above


@register.filter
def paris(value, fmt: str = "j F Y à H:i") -> str:
    """An aware datetime in Paris time, in French: « 15 janvier 2025 à 08:00 »."""
    if not value:
        return "—"
    return date_format(timezone.localtime(value, timezone.get_default_timezone()), fmt)


@register.filter
def state_badge(state: str):
    """A DSFR badge for a dossier state (the label, never the colour alone, carries the meaning)."""
    try:
        label = DossierState(state).label
    except ValueError:
        return state
    return format_html(
        '<span class="fr-badge fr-badge--sm fr-badge--{} fr-badge--no-icon">{}</span>',
        STATE_BADGES.get(state, "info"),
        label,
    )


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.simple_tag
def wave_now(campaign) -> dict:
    """The wave that matters now: the open one, else the next one, else the last one (uses prefetched waves)."""
    now = timezone.now()
    waves = sorted(campaign.waves.all(), key=lambda wave: wave.opens_at)
    for wave in waves:
        if wave.is_open_at(now):
            return {"wave": wave, "status": "open", "label": "Dépôt ouvert"}
    for wave in waves:
        if wave.opens_at > now:
            return {"wave": wave, "status": "upcoming", "label": "Dépôt bientôt ouvert"}
    if waves:
        return {"wave": waves[-1], "status": "closed", "label": "Dépôt clos"}
    return {"wave": None, "status": "none", "label": "Aucune vague de dépôt"}


@register.filter
def formfield(form, name):
    """``form[name]`` for a name held in a variable."""
    return form[name]


@register.filter
def answer(value):
    """A frozen answer of a dossier (snapshot value) as text."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    if isinstance(value, dict):
        return f"{value.get('code', '')} — {value.get('title', '')}"
    return value
