"""Entries of the main menu. Each app registers its own in ``AppConfig.ready`` so the portal app, at the bottom of
the layers, never imports the apps above it."""

from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset[str]
    order: int
    namespace: str

    @property
    def url(self) -> str:
        return reverse(self.url_name)


_items: list[NavItem] = []


def register(label: str, url_name: str, roles, order: int = 100) -> None:
    namespace = url_name.split(":")[0] if ":" in url_name else ""
    item = NavItem(label, url_name, frozenset(roles), order, namespace)
    if item not in _items:
        _items.append(item)


def items_for(scope) -> list[NavItem]:
    roles = scope.roles
    return sorted((item for item in _items if item.roles & roles), key=lambda item: (item.order, item.label))
