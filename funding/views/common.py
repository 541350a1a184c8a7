"""Small helpers shared by the funding views."""

from django.urls import NoReverseMatch, reverse

from funding.models import Dossier


def optional_url(name: str, **kwargs) -> str:
    """The URL of a page another area provides, or "" while it does not exist yet."""
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return ""


def dossier_queryset(user, roles):
    return Dossier.objects.visible_to(user, roles=roles).select_related(
        "campaign__region", "wave", "structure", "protocol", "submitted_by"
    )
