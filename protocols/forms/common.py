from django import forms

from protocols.models.protocol import validate_protocol_code


class DateInput(forms.DateInput):
    """A native date picker (ISO value), readable by screen readers and keyboards."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def date_field(label: str, **kwargs) -> forms.DateField:
    return forms.DateField(label=label, widget=DateInput(), **kwargs)


def textarea(rows: int = 4) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class ProtocolCodeField(forms.CharField):
    """A protocol code as typed: spaces trimmed and letters capitalised before the charset is checked."""

    default_validators = [validate_protocol_code]

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)

    def to_python(self, value):
        return super().to_python(value).upper()
