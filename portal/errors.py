from django.core.exceptions import ValidationError


class ApplicationError(Exception):
    """A business rule refused an action. The message is French and meant for the user who tried it."""

    def __init__(self, message: str, *, code: str = "refused", field: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field


# What a service raises when it refuses: its own refusal, or a model's validation (constraints, clean()).
SERVICE_ERRORS = (ApplicationError, ValidationError)


def error_messages(error: Exception) -> list[str]:
    """The French messages of a service's refusal, for a flash message or a page without a form."""
    if isinstance(error, ApplicationError):
        return [error.message]
    if isinstance(error, ValidationError):
        return list(error.messages)
    return [str(error)]


def error_text(error: Exception) -> str:
    return " ".join(error_messages(error))


def add_form_error(form, error: Exception) -> None:
    """Show a service's refusal on ``form`` — the one helper of every app: on the field it names when the form has
    that field, above the form otherwise; a ValidationError keeps each field's messages on its field."""
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
        return
    field = getattr(error, "field", None)
    form.add_error(field if field in form.fields else None, error_messages(error))
