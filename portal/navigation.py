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


@dataclass(frozen=True)
class NavEntry:
    label: str
    url: str
    current: bool


def items_for(scope, path: str = "") -> list[NavEntry]:
    """The menu of a user: the entries of their roles, the one whose URL is the longest prefix of ``path`` current."""
    roles = scope.roles
    items = sorted((item for item in _items if item.roles & roles), key=lambda item: (item.order, item.label))
    entries = [(item, item.url) for item in items]
    matching = [url for _item, url in entries if path.startswith(url)]
    current = max(matching, key=len) if matching else None
    return [NavEntry(item.label, url, url == current) for item, url in entries]
