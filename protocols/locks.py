"""Interventions frozen by a layer above: once a funding statement covering an intervention is issued, it can no
longer be edited or cancelled (the statement the structure received must stay reproducible).

``protocols`` cannot import ``funding`` (layers), so the rule is inverted: ``funding`` registers, in its
``AppConfig.ready``, a function returning a ``Q`` on ``Intervention`` that holds for frozen interventions; this
module ORs whatever is registered. Lists annotate ``is_locked`` with it in the same query (no per-row check), and
the services refuse to edit a locked intervention.
"""

from collections.abc import Callable

from django.db.models import BooleanField, ExpressionWrapper, Q, Value

_providers: list[Callable[[], Q]] = []


def register_intervention_lock(provider: Callable[[], Q]) -> None:
    """Register ``provider``: a callable returning a ``Q`` on Intervention, true when the intervention is frozen."""
    if provider not in _providers:
        _providers.append(provider)


def intervention_lock_condition() -> Q | None:
    """The OR of every registered condition, or None when nothing freezes interventions."""
    condition = None
    for provider in _providers:
        condition = provider() if condition is None else condition | provider()
    return condition


def is_locked_expression():
    """A boolean expression for ``.annotate(is_locked=…)``."""
    condition = intervention_lock_condition()
    if condition is None:
        return Value(False, output_field=BooleanField())
    return ExpressionWrapper(condition, output_field=BooleanField())
