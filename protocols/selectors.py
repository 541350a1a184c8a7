"""Reads of the protocols layer that other areas (interventions, eligibility, funding) build on.

The semantics every caller relies on:
- a membership covers [joined_on, left_on): the day of departure is excluded;
- a delegate is trained on ``d`` when the training's completion date is on or before ``d``;
- a suspension covers [starts_on, lifted_on): the day of lifting is excluded;
- a protocol is declared on ``d`` iff a declaration was deposited on or before ``d``.

The ``*_exists`` helpers return ``Exists`` expressions that take outer references, so eligibility can be computed
in SQL over a whole set of interventions (e.g. ``protocol=OuterRef("protocol_id"), day=OuterRef("performed_on")``).
"""

import datetime

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from protocols.models import (
    Declaration,
    MembershipStatus,
    Protocol,
    Suspension,
    TeamMembership,
    TeamRole,
)


def _on(queryset, day):
    """Memberships active on ``day`` (``day`` may be a date or an outer reference)."""
    return queryset.filter(status=MembershipStatus.ACCEPTED, joined_on__lte=day).filter(
        Q(left_on__isnull=True) | Q(left_on__gt=day)
    )


def team_on(protocol: Protocol | int, day: datetime.date) -> QuerySet[TeamMembership]:
    """The members (delegants and delegates) of the protocol's team on ``day``."""
    return TeamMembership.objects.filter(protocol=protocol).active_on(day)


def is_trained_delegate_on(*, protocol: Protocol | int, professional, day: datetime.date) -> bool:
    """Was ``professional`` a delegate of ``protocol`` on ``day``, trained on or before it? One indexed query
    (team_on_date_idx, then the training's unique membership index)."""
    return (
        team_on(protocol, day)
        .filter(professional=professional, role=TeamRole.DELEGATE, training__completed_on__lte=day)
        .exists()
    )


def is_delegant_on(*, protocol: Protocol | int, professional, day: datetime.date) -> bool:
    return team_on(protocol, day).filter(professional=professional, role=TeamRole.DELEGANT).exists()


def protocols_active_for_delegate(professional, day: datetime.date) -> QuerySet[Protocol]:
    """Protocols where ``professional`` is a delegate in the team on ``day``, trained on or before ``day``.

    Whether the protocol itself is declared and not suspended that day is a separate question
    (``protocols_in_force_on``)."""
    memberships = _on(TeamMembership.objects.filter(professional=professional, role=TeamRole.DELEGATE), day).filter(
        training__completed_on__lte=day
    )
    return Protocol.objects.filter(pk__in=memberships.values("protocol_id"))


def is_declared_on(protocol: Protocol | int, day: datetime.date) -> bool:
    return Declaration.objects.filter(protocol=protocol, deposited_on__lte=day).exists()


def suspension_on(protocol: Protocol | int, day: datetime.date) -> Suspension | None:
    return Suspension.objects.filter(protocol=protocol).covering(day).first()


def is_suspended_on(protocol: Protocol | int, day: datetime.date) -> bool:
    return Suspension.objects.filter(protocol=protocol).covering(day).exists()


def suspension_windows(protocol: Protocol | int) -> list[tuple[datetime.date, datetime.date | None]]:
    """The [starts_on, lifted_on) windows of the protocol, oldest first (lifted_on None: still suspended)."""
    return list(
        Suspension.objects.filter(protocol=protocol).order_by("starts_on").values_list("starts_on", "lifted_on")
    )


def protocols_in_force_on(day: datetime.date) -> QuerySet[Protocol]:
    """Protocols declared on or before ``day`` and not suspended on ``day``."""
    return Protocol.objects.filter(declared_exists(day=day)).exclude(suspended_exists(day=day))


def declaration_in_force_on(protocol: Protocol | int, day: datetime.date) -> Declaration | None:
    """The latest version deposited on or before ``day`` (the team the ARS knew that day)."""
    return Declaration.objects.filter(protocol=protocol, deposited_on__lte=day).order_by("-version").first()


# --- Expressions for set-based eligibility ------------------------------------------------------------------------


def declared_exists(*, protocol=None, day) -> Exists:
    """True where a declaration of ``protocol`` (default: the outer protocol) was deposited on or before ``day``."""
    protocol = OuterRef("pk") if protocol is None else protocol
    return Exists(Declaration.objects.filter(protocol=protocol, deposited_on__lte=day))


def suspended_exists(*, protocol=None, day) -> Exists:
    """True where a suspension of ``protocol`` (default: the outer protocol) covers ``day``."""
    protocol = OuterRef("pk") if protocol is None else protocol
    return Exists(
        Suspension.objects.filter(protocol=protocol, starts_on__lte=day).filter(
            Q(lifted_on__isnull=True) | Q(lifted_on__gt=day)
        )
    )


def member_exists(*, protocol, professional, day, role: str, trained: bool = False) -> Exists:
    """True where ``professional`` is a member of ``protocol`` with ``role`` on ``day`` (and, with ``trained``,
    has completed the training on or before ``day``)."""
    queryset = _on(TeamMembership.objects.filter(protocol=protocol, professional=professional, role=role), day)
    if trained:
        queryset = queryset.filter(training__completed_on__lte=day)
    return Exists(queryset)


# --- Comparing two versions of a declaration ----------------------------------------------------------------------

PROTOCOL_SNAPSHOT_FIELDS = (
    "code",
    "title",
    "kind",
    "object",
    "inclusion_criteria",
    "exclusion_criteria",
    "delegated_acts",
    "delegant_professions",
    "delegate_professions",
    "training_hours",
    "training_program",
    "delegant_availability",
    "patient_information",
    "quality_safety",
    "indicators",
)

TEAM_FIELDS = (
    ("role_label", "Rôle"),
    ("joined_on", "Arrivée"),
    ("left_on", "Départ"),
    ("training_hours", "Heures de formation"),
    ("training_completed_on", "Formation terminée le"),
)


def changed_since_declaration(protocol: Protocol, declaration: Declaration | None) -> list[str]:
    """Labels of the sections edited since ``declaration`` was deposited (to suggest depositing an update)."""
    if declaration is None:
        return []
    changed = []
    for name in PROTOCOL_SNAPSHOT_FIELDS:
        current = getattr(protocol, name)
        if name == "training_hours":
            current = str(protocol.required_training_hours or "")
        if declaration.protocol_snapshot.get(name) != current:
            changed.append(str(Protocol._meta.get_field(name).verbose_name))
    return changed


DATE_KEYS = ("joined_on", "left_on", "training_completed_on")


def _as_date(value):
    return datetime.date.fromisoformat(value) if value else None


def team_rows(declaration: Declaration) -> list[dict]:
    """The declared team with real dates (the snapshot stores ISO strings), for pages and the receipt."""
    return [{**row, **{key: _as_date(row.get(key)) for key in DATE_KEYS}} for row in declaration.team_snapshot]


def _display(field: str, value) -> str:
    if value in (None, ""):
        return "—"
    if field in DATE_KEYS:
        return f"{_as_date(value):%d/%m/%Y}"
    if field == "training_hours":
        return f"{float(value):g} h"
    return str(value)


def declaration_diff(older: Declaration | None, newer: Declaration) -> dict:
    """What changed from ``older`` to ``newer``: protocol sections, members added, removed or changed, documents
    whose file or status differ. ``older`` None compares with nothing (everything is new)."""
    before_protocol = older.protocol_snapshot if older else {}
    protocol_changes = []
    for name in PROTOCOL_SNAPSHOT_FIELDS:
        before, after = before_protocol.get(name), newer.protocol_snapshot.get(name)
        if older is not None and before != after:
            label = Protocol._meta.get_field(name).verbose_name
            protocol_changes.append({"label": str(label), "before": before, "after": after})
    before_team = {row["membership_id"]: row for row in (older.team_snapshot if older else [])}
    after_team = {row["membership_id"]: row for row in newer.team_snapshot}
    changed = []
    for key in before_team.keys() & after_team.keys():
        changes = [
            {
                "label": label,
                "before": _display(field, before_team[key].get(field)),
                "after": _display(field, after_team[key].get(field)),
            }
            for field, label in TEAM_FIELDS
            if before_team[key].get(field) != after_team[key].get(field)
        ]
        if changes:
            changed.append({"name": after_team[key]["name"], "changes": changes})
    before_documents = {
        (row["membership_id"], row["kind"]): row for row in (older.documents_snapshot if older else [])
    }
    documents = []
    for row in newer.documents_snapshot:
        if row["membership_id"] not in before_team or not (row["required"] or row["sha256"]):
            continue  # an arrival brings all its documents: the arrival line says it
        previous = before_documents.get((row["membership_id"], row["kind"]))
        if previous is None or (previous["sha256"], previous["status"]) != (row["sha256"], row["status"]):
            documents.append(
                {"member": row["member"], "kind_label": row["kind_label"], "before": previous, "after": row}
            )
    return {
        "protocol": protocol_changes,
        "added": [
            {**row, "joined_on": _as_date(row["joined_on"])}
            for key, row in after_team.items()
            if key not in before_team
        ],
        "removed": [row for key, row in before_team.items() if key not in after_team],
        "changed": sorted(changed, key=lambda item: item["name"]),
        "documents": documents,
    }


# --- Lists ----------------------------------------------------------------------------------------------------------


def _count(queryset) -> Coalesce:
    """A correlated COUNT per protocol (a subquery, so several counts do not multiply each other's rows)."""
    counted = queryset.order_by().values("protocol").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def with_overview(queryset: QuerySet[Protocol], day: datetime.date) -> QuerySet[Protocol]:
    """Annotate protocols for the lists: team size, pending invitations, last version, suspension on ``day``,
    documents to review or missing, open adverse events. A constant number of queries whatever the page size."""
    from protocols.models import AdverseEvent, DocumentStatus, MemberDocument

    current = TeamMembership.objects.filter(protocol=OuterRef("pk"), status=MembershipStatus.ACCEPTED).filter(
        Q(left_on__isnull=True) | Q(left_on__gt=day)
    )
    documents = MemberDocument.objects.filter(
        membership__protocol=OuterRef("pk"),
        membership__status=MembershipStatus.ACCEPTED,
        membership__left_on__isnull=True,
    )
    last = Declaration.objects.filter(protocol=OuterRef("pk")).order_by("-version")
    return queryset.select_related("structure", "structure__region", "national_protocol").annotate(
        member_count=_count(current),
        pending_count=_count(TeamMembership.objects.filter(protocol=OuterRef("pk"), status=MembershipStatus.INVITED)),
        last_version=Subquery(last.values("version")[:1]),
        last_deposited_on=Subquery(last.values("deposited_on")[:1]),
        is_suspended=suspended_exists(day=day),
        documents_to_review=Coalesce(
            Subquery(
                documents.filter(status=DocumentStatus.PROVIDED)
                .order_by()
                .values("membership__protocol")
                .annotate(n=Count("pk"))
                .values("n"),
                output_field=IntegerField(),
            ),
            0,
        ),
        open_adverse_events=_count(AdverseEvent.objects.filter(protocol=OuterRef("pk"), closed_at__isnull=True)),
    )
