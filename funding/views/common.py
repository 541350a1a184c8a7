"""Small helpers shared by the funding views."""

from funding.models import Dossier


def dossier_queryset(user, roles):
    return Dossier.objects.visible_to(user, roles=roles).select_related(
        "campaign__region", "wave", "structure", "protocol", "submitted_by"
    )
