"""The region admin's journal: who changed what and when, across the business models of the region.

Every history-tracked model of the four apps is audited. Its path to the region is the ``region_path`` of its
scoped QuerySet, or an ``audit_region_paths`` attribute on the model. Historical rows keep their foreign keys, so a
path such as ``structure__region`` works on them; a model reached only through reverse relations (a user) defines
``audit_region_filter(region_ids) -> Q`` instead.
"""

from dataclasses import dataclass
from functools import cache

from django.apps import apps
from django.db.models import Q

AUDITED_APPS = ("portal", "protocols", "funding", "reporting")


@dataclass(frozen=True)
class AuditSource:
    model: type
    region_paths: tuple[str, ...]

    @property
    def label(self) -> str:
        return str(self.model._meta.verbose_name).capitalize()

    def history_in(self, region_ids):
        if hasattr(self.model, "audit_region_filter"):
            return self.model.history.filter(self.model.audit_region_filter(region_ids))
        condition = Q()
        for path in self.region_paths:
            condition |= Q(**{f"{path}__in": region_ids})
        return self.model.history.filter(condition)


def _region_paths(model) -> tuple[str, ...]:
    if hasattr(model, "audit_region_filter"):
        return ("(filtre)",)
    explicit = getattr(model, "audit_region_paths", None)
    if explicit:
        return tuple(explicit)
    path = getattr(model.objects.all(), "region_path", None)
    return (path,) if path else ()


def _is_tracked(model) -> bool:
    # Historical models (and the through models of tracked m2m fields) are the records, not the audited objects.
    return hasattr(model, "history") and not model.__name__.startswith("Historical")


@cache
def sources() -> list[AuditSource]:
    found = []
    for app_label in AUDITED_APPS:
        for model in apps.get_app_config(app_label).get_models():
            if _is_tracked(model):
                paths = _region_paths(model)
                if paths:
                    found.append(AuditSource(model, paths))
    return found


def unaudited_models() -> list[str]:
    """History-tracked models that the journal cannot place in a region (a test keeps this empty)."""
    missing = []
    for app_label in AUDITED_APPS:
        for model in apps.get_app_config(app_label).get_models():
            if _is_tracked(model) and not _region_paths(model):
                missing.append(model._meta.label)
    return missing
