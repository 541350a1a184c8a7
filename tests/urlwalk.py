"""Walk the URLconf: every named pattern of the portal's own apps, with the names of its arguments."""

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

OWN_MODULES = ("portal.", "protocols.", "funding.", "reporting.")


@dataclass(frozen=True)
class Route:
    name: str  # namespaced, ready for reverse()
    arguments: tuple[str, ...]
    callback: object


def _walk(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            callback = pattern.callback
            module = getattr(callback, "__module__", "")
            if module.startswith(OWN_MODULES) or module.startswith("ninja"):
                yield Route(f"{namespace}{pattern.name}", tuple(pattern.pattern.regex.groupindex), callback)


def own_routes() -> list[Route]:
    return sorted(set(_walk(get_resolver().url_patterns)), key=lambda route: route.name)
