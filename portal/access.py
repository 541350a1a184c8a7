"""The one access mechanism of the portal.

A user's *scope* is the set of (structure, role) and (region, role) pairs they hold, plus their national roles,
loaded once per request.
Every model a user can reach has a QuerySet deriving from ``ScopedQuerySet``: ``Model.objects.visible_to(user)``
returns the rows the user may read, ``visible_to(user, roles=[...])`` the rows they may act on through one of those
roles. Views fetch objects only through these querysets, so an object outside the scope is a 404, never a 403 that
would reveal it exists. Role checks on whole pages use ``portal.decorators.role_required`` (403).

National roles (``pilote_national``) hold no region and no structure: every ``visible_to`` gives them nothing.
Their only door is ``Region.objects.visible_to(user, roles=NATIONAL_ROLES)`` (every region), which the national
aggregate selectors (``reporting.selectors.aggregates``) start from: they read counts and sums, never a row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import models
from django.db.models import Q

from portal.roles import AGENCY_ROLES, NATIONAL_ROLES, PERSONAL_FILE_AGENCY_ROLES, STRUCTURE_ROLES, Role


@dataclass(frozen=True)
class ScopeEntry:
    object_id: int
    role: str
    label: str


@dataclass(frozen=True)
class Scope:
    user_id: int | None = None
    is_superadmin: bool = False
    agency: tuple[ScopeEntry, ...] = field(default_factory=tuple)  # object_id is a region id
    structures: tuple[ScopeEntry, ...] = field(default_factory=tuple)  # object_id is a structure id
    national: frozenset[str] = frozenset()  # national roles, held with no region

    @property
    def roles(self) -> frozenset[str]:
        held = {entry.role for entry in self.agency} | {entry.role for entry in self.structures} | set(self.national)
        if self.is_superadmin:
            held.add(Role.SUPERADMIN)
        return frozenset(held)

    @property
    def is_agency_user(self) -> bool:
        """An agent (ARS staff, national pilot, platform superadmin): TOTP is mandatory."""
        return bool(self.agency) or bool(self.national) or self.is_superadmin

    @property
    def sees_national_aggregates(self) -> bool:
        return bool(self.national & NATIONAL_ROLES) or self.is_superadmin

    @property
    def reviews_personal_files(self) -> bool:
        """Holds an agency role that reads the professionals' documents region-wide (the documents' review page)."""
        return self.is_superadmin or bool(self.region_ids(PERSONAL_FILE_AGENCY_ROLES))

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))

    def region_ids(self, roles: Iterable[str] = AGENCY_ROLES) -> set[int]:
        wanted = set(roles)
        return {entry.object_id for entry in self.agency if entry.role in wanted}

    def structure_ids(self, roles: Iterable[str] = STRUCTURE_ROLES) -> set[int]:
        wanted = set(roles)
        return {entry.object_id for entry in self.structures if entry.role in wanted}


ANONYMOUS_SCOPE = Scope()


def get_scope(user) -> Scope:
    """The user's scope, loaded with two queries and cached on the user object for the request."""
    if user is None or not user.is_authenticated:
        return ANONYMOUS_SCOPE
    cached = getattr(user, "_portal_scope", None)
    if cached is not None:
        return cached
    from portal.models import RegionMembership, StructureMembership

    agency_memberships = list(
        RegionMembership.objects.filter(user=user).select_related("region").order_by("region__name", "role")
    )
    agency = tuple(ScopeEntry(m.region_id, m.role, m.region.name) for m in agency_memberships if m.region_id)
    national = frozenset(m.role for m in agency_memberships if m.region_id is None)
    structures = tuple(
        ScopeEntry(m.structure_id, m.role, m.structure.name)
        for m in StructureMembership.objects.filter(user=user)
        .select_related("structure")
        .order_by("structure__name", "role")
    )
    scope = Scope(
        user_id=user.pk, is_superadmin=user.is_superuser, agency=agency, structures=structures, national=national
    )
    user._portal_scope = scope
    return scope


def forget_scope(user) -> None:
    """Drop the cached scope after a role change within the same request."""
    if hasattr(user, "_portal_scope"):
        del user._portal_scope


NOTHING = Q(pk__in=[])

# The review assignments through which committee members reach dossiers. The funding app registers the function at
# start-up (``portal`` may not import ``funding``): ``function(user_id, region_ids)`` returns the user's assignments
# in those regions on which he declared no conflict of interest, as a ``ReviewAssignment`` queryset.
_reviewer_assignments = None


def register_reviewer_assignments(function) -> None:
    global _reviewer_assignments
    _reviewer_assignments = function


class ScopedQuerySet(models.QuerySet):
    """Base of every QuerySet users reach. Subclasses say where the region and the structure are.

    ``region_path`` leads to the Region foreign key (for agency roles), ``structure_path`` to the Structure (for
    structure roles); ``agency_roles`` and ``structure_roles`` say which roles may see the rows at all. A subclass
    with finer rules overrides ``scope_filter``.

    Need-to-know inside a region (docs/security.md): ``agency_roles`` names the agency roles that read the rows
    region-wide (``portal.roles``: personal files, dossiers, money). A committee member reads no row region-wide;
    ``reviewer_paths`` = (field of this model, path from a ``ReviewAssignment``) lets him reach the rows of the
    dossiers assigned to him on which he declared no conflict of interest, e.g. ``("protocol_id",
    "dossier__protocol_id")``. None: no row through the committee.
    """

    region_path: str | None = None
    structure_path: str | None = None
    agency_roles: frozenset[str] = AGENCY_ROLES
    structure_roles: frozenset[str] = STRUCTURE_ROLES
    superadmin_sees_all = True
    reviewer_paths: tuple[str, str] | None = None

    def visible_to(self, user, roles: Iterable[str] | None = None):
        scope = get_scope(user)
        roles = frozenset(roles) if roles is not None else None
        if scope.is_superadmin and self.superadmin_sees_all and (roles is None or Role.SUPERADMIN in roles):
            # Every row, decided here once: a subclass that widens ``scope_filter`` with ``condition |= q`` would
            # otherwise turn the superadmin's ``Q()`` (everything) into ``q`` (his own rows only).
            return self.all()
        return self.filter(self.scope_filter(scope, roles))

    def scope_filter(self, scope: Scope, roles: frozenset[str] | None) -> Q:
        if scope.is_superadmin and self.superadmin_sees_all and (roles is None or Role.SUPERADMIN in roles):
            return Q()
        condition = NOTHING
        if self.region_path:
            region_ids = scope.region_ids(self.agency_roles if roles is None else self.agency_roles & roles)
            if region_ids:
                condition |= Q(**{f"{self.region_path}__in": region_ids})
        if self.structure_path:
            structure_ids = scope.structure_ids(
                self.structure_roles if roles is None else self.structure_roles & roles
            )
            if structure_ids:
                condition |= Q(**{f"{self.structure_path}__in": structure_ids})
        reviewed = self.reviewer_filter(scope, roles)
        return condition if reviewed is NOTHING else condition | reviewed

    def reviewer_filter(self, scope: Scope, roles: frozenset[str] | None) -> Q:
        """The rows a committee member reaches through the dossiers he reviews without a conflict of interest."""
        if self.reviewer_paths is None or not scope.user_id or _reviewer_assignments is None:
            return NOTHING
        if roles is not None and Role.COMMITTEE_MEMBER not in roles:
            return NOTHING
        region_ids = scope.region_ids([Role.COMMITTEE_MEMBER])
        if not region_ids:
            return NOTHING
        own_field, assignment_path = self.reviewer_paths
        assignments = _reviewer_assignments(scope.user_id, region_ids)
        return Q(**{f"{own_field}__in": assignments.values(assignment_path)})
