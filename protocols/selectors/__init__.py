"""Reads of the protocols layer that other areas build on.

Whether an intervention is eligible on a date (declared, not suspended, delegate in the team and trained, delegant in
the team) is not here: it is written once in ``protocols.eligibility_rules``, which the intervention forms and the
funding engine both read.
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
)


def suspension_on(protocol: Protocol | int, day: datetime.date) -> Suspension | None:
    return Suspension.objects.filter(protocol=protocol).covering(day).first()


def declaration_in_force_on(protocol: Protocol | int, day: datetime.date) -> Declaration | None:
    """The latest version in force on or before ``day`` (the team the ARS knew that day)."""
    return Declaration.objects.filter(protocol=protocol).on_or_before(day).order_by("-version").first()


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
        is_suspended=Exists(Suspension.objects.filter(protocol=OuterRef("pk")).covering(day)),
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
