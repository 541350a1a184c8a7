"""Small helpers shared by the funding views."""

from django.core.exceptions import ValidationError

from funding.models import Dossier
from portal.errors import ApplicationError


def error_text(error: Exception) -> str:
    if isinstance(error, ApplicationError):
        return error.message
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


def add_form_error(form, error: Exception) -> None:
    """Show a service's refusal on the form: on its field when the form has it, above the form otherwise."""
    field = getattr(error, "field", None)
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
        return
    form.add_error(field if field in form.fields else None, error_text(error))


def dossier_queryset(user, roles):
    return Dossier.objects.visible_to(user, roles=roles).select_related(
        "campaign__region", "wave", "structure", "protocol", "submitted_by"
    )
