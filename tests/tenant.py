"""The foreign world of the tenant matrix, assembled from every area's ``tests/<area>/tenant_objects*.py``.

Each such module defines ``ORDER`` (builders run in increasing order), ``build(world)`` which creates its objects
in the foreign region and records them, and optionally ``PUBLIC_ROUTES`` (pages meant for everyone),
``UNSCOPED_ROUTES`` (routes whose arguments are not objects of a region) and ``AGGREGATE_ROUTES`` (the national
pages, where the national pilot reads any region's aggregates). ``world.objects`` hands objects to later
builders; ``world.kwargs`` maps each URL argument name to the value of a foreign object.
"""

import importlib
import pkgutil
from dataclasses import dataclass, field
from pathlib import Path

FOREIGN_MARKER = "ZZ-ETRANGER-CVL"


@dataclass
class World:
    objects: dict = field(default_factory=dict)
    kwargs: dict = field(default_factory=dict)


def _builder_modules():
    root = Path(__file__).resolve().parent
    modules = []
    for package in pkgutil.iter_modules([str(root)]):
        if package.ispkg:
            for path in sorted((root / package.name).glob("tenant_objects*.py")):
                modules.append(importlib.import_module(f"tests.{package.name}.{path.stem}"))
    return sorted(modules, key=lambda module: module.ORDER)


def build_foreign_world() -> World:
    world = World()
    for module in _builder_modules():
        module.build(world)
    return world


def public_routes() -> set[str]:
    return set().union(*(getattr(module, "PUBLIC_ROUTES", set()) for module in _builder_modules()))


def unscoped_routes() -> set[str]:
    return set().union(*(getattr(module, "UNSCOPED_ROUTES", set()) for module in _builder_modules()))


def aggregate_routes() -> set[str]:
    return set().union(*(getattr(module, "AGGREGATE_ROUTES", set()) for module in _builder_modules()))
