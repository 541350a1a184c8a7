"""Entries of the main menu. Each app registers its own in ``AppConfig.ready`` so the portal app, at the bottom of
the layers, never imports the apps above it.

Entries may name a ``group`` (a DSFR drop-down menu); a group of which the user sees a single entry is shown as
that entry alone.
"""

from dataclasses import dataclass, field

from django.urls import reverse

# Drop-down menus, in the order of the menu bar.
GROUPS = ["Protocoles", "Candidatures", "Interventions", "Financement", "Administration"]


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset[str]
    order: int
    group: str | None = None


@dataclass(frozen=True)
class NavEntry:
    label: str
    url: str
    current: bool


@dataclass(frozen=True)
class NavGroup:
    label: str
    entries: list[NavEntry] = field(default_factory=list)

    @property
    def current(self) -> bool:
        return any(entry.current for entry in self.entries)

    @property
    def slug(self) -> str:
        return "menu-" + "".join(char for char in self.label.lower() if char.isalnum())


_items: list[NavItem] = []


def register(label: str, url_name: str, roles, order: int = 100, group: str | None = None) -> None:
    if group is not None and group not in GROUPS:
        raise ValueError(f"Groupe de menu inconnu : {group}")
    item = NavItem(label, url_name, frozenset(roles), order, group)
    if item not in _items:
        _items.append(item)


def items_for(scope, path: str = "") -> list[NavEntry | NavGroup]:
    """The menu of a user: the entries of their roles; the longest URL prefix of ``path`` is the current entry."""
    roles = scope.roles
    items = sorted((item for item in _items if item.roles & roles), key=lambda item: (item.order, item.label))
    urls = {item: reverse(item.url_name) for item in items}
    matching = [url for url in urls.values() if path.startswith(url)]
    current = max(matching, key=len) if matching else None
    menu: list[NavEntry | NavGroup] = []
    groups: dict[str, NavGroup] = {}
    for item in items:
        entry = NavEntry(item.label, urls[item], urls[item] == current)
        if item.group is None:
            menu.append(entry)
        elif item.group in groups:
            groups[item.group].entries.append(entry)
        else:
            groups[item.group] = NavGroup(item.group, [entry])
            menu.append(groups[item.group])
    return [
        element.entries[0] if isinstance(element, NavGroup) and len(element.entries) == 1 else element
        for element in menu
    ]
