"""Filters and tags every template may use without ``{% load %}`` (declared as builtins in settings)."""

from decimal import Decimal

from django import template
from django.utils.formats import number_format

from portal.roles import Role

register = template.Library()


@register.filter
def role_label(value: str) -> str:
    try:
        return Role(value).label
    except ValueError:
        return value


@register.filter
def euros(value) -> str:
    """12345.5 → « 12 345,50 € » (narrow no-break spaces, as the DSFR typography asks)."""
    if value is None or value == "":
        return "—"
    amount = Decimal(value).quantize(Decimal("0.01"))
    return f"{number_format(amount, decimal_pos=2, use_l10n=True, force_grouping=True)}\u00a0€"


@register.simple_tag(takes_context=True)
def query_string(context, **changes) -> str:
    """The current query string with some parameters replaced (for sorting links and pagination)."""
    request = context["request"]
    params = request.GET.copy()
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"
