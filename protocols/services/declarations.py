"""Declarations: the coordinator deposits the protocol and its nominative team to the ARS of the structure.

Each deposit is an immutable, numbered version (v1, v2…) that freezes the protocol, the team as it was that day and
its documents (names, SHA-256, stored files). The protocol is in force from the first deposit. A receipt PDF is
rendered after the commit (Celery) and stored with its own hash.
"""

import datetime

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max

from portal.errors import ApplicationError
from portal.models import Profession
from portal.pdf import render_pdf, sha256_hex
from protocols.models import (
    Declaration,
    DeclarationChannel,
    DocumentKind,
    Protocol,
    ProtocolEvent,
    ProtocolKind,
    ProtocolStatus,
    TeamMembership,
)
from protocols.selectors import PROTOCOL_SNAPSHOT_FIELDS, team_rows
from protocols.services.common import (
    lock_protocol,
    notify_eligibility_change,
    record_event,
    require_coordinator,
    today,
)
from protocols.services.declaration_problems import declaration_problems
from protocols.services.ds import channel_of, queue_ds_check, validate_ds_fields

KIND_ORDER = {kind: position for position, kind in enumerate(DocumentKind.values)}


def _snapshot_protocol(protocol: Protocol) -> dict:
    snapshot = {name: getattr(protocol, name) for name in PROTOCOL_SNAPSHOT_FIELDS}
    snapshot["training_hours"] = str(protocol.required_training_hours or "")
    snapshot["structure"] = {
        "name": protocol.structure.name,
        "kind": protocol.structure.kind,
        "finess": protocol.structure.finess,
    }
    if protocol.implementing_structure_id:
        snapshot["implementing_structure"] = {
            "name": protocol.implementing_structure.name,
            "finess": protocol.implementing_structure.finess,
        }
    if protocol.national_protocol_id:
        snapshot["national_protocol"] = protocol.national_protocol.code
        version = protocol.national_protocol.current_version()
        if version is not None:
            snapshot["catalogue_version"] = {"number": version.number, "order_reference": version.order_reference}
    else:
        # The coordinator's statement, as deposited (not a section: a version without it predates the rule).
        snapshot["in_health_project"] = protocol.in_health_project
    return snapshot


def _snapshot_team(members: list[TeamMembership]) -> list[dict]:
    professions = dict(Profession.choices)
    rows = []
    for member in members:
        professional = member.professional
        training = member.training_or_none()
        rows.append(
            {
                "membership_id": member.pk,
                "name": professional.user.get_full_name() or professional.user.email,
                "email": professional.user.email,
                "profession": professions.get(professional.profession, professional.profession),
                "rpps": professional.rpps or "",
                "adeli": professional.adeli or "",
                "role": member.role,
                "role_label": member.get_role_display(),
                "joined_on": member.joined_on.isoformat(),
                "left_on": member.left_on.isoformat() if member.left_on else None,
                "training_hours": str(training.hours) if training else None,
                "training_completed_on": training.completed_on.isoformat()
                if training and training.completed_on
                else None,
                "training_certificate_sha256": training.certificate_sha256 if training else "",
            }
        )
    return rows


def _snapshot_documents(members: list[TeamMembership]) -> list[dict]:
    rows = []
    for member in members:
        for document in sorted(member.documents.all(), key=lambda d: KIND_ORDER[d.kind]):
            rows.append(
                {
                    "membership_id": member.pk,
                    "member_document_id": document.pk,
                    "member": member.professional.user.get_full_name() or member.professional.user.email,
                    "kind": document.kind,
                    "kind_label": document.get_kind_display(),
                    "required": document.is_required,
                    "status": document.status,
                    "status_label": document.get_status_display(),
                    "original_name": document.original_name,
                    "size": document.size,
                    "sha256": document.sha256,
                    "file": document.file.name or "",
                }
            )
    return rows


def _adhere_to_current_version(protocol: Protocol):
    """An adhesion is declared under the catalogue's current version: the protocol's copy of the national content
    follows it (the snapshot shows what was declared), and the declaration names it. Past declarations keep theirs."""
    if protocol.kind != ProtocolKind.NATIONAL or not protocol.national_protocol_id:
        return None
    national = protocol.national_protocol
    version = national.current_version()
    copied = {
        "title": national.title,
        "delegant_professions": list(national.delegant_professions),
        "delegate_professions": list(national.delegate_professions),
        "training_hours": national.training_hours,
        "inclusion_criteria": national.patients,
        "delegant_availability": national.delegant_availability,
    }
    changed = [name for name, value in copied.items() if getattr(protocol, name) != value]
    if changed:
        for name in changed:
            setattr(protocol, name, copied[name])
        protocol.save(update_fields=[*changed, "updated_at"])
    return version


def record_version(
    *,
    protocol: Protocol,
    by,
    on: datetime.date,
    reason: str,
    detail: str = "",
    ds_dossier_number: int | None = None,
    ds_deposited_on: datetime.date | None = None,
) -> Declaration:
    """Write the next numbered version of the declaration (the caller holds the protocol's row lock).

    The region's channel at that moment is the version's: on the portal it is in force from ``on``; on
    démarches-simplifiées it is in force once the ARS confirms its DS deposit (the coordinator records the DS number
    now or later: a join or leave makes a version before its DS dossier exists)."""
    channel = channel_of(protocol.structure.region_id)
    last = protocol.declarations.aggregate(version=Max("version"), deposited_on=Max("deposited_on"))
    if last["deposited_on"] and on < last["deposited_on"]:
        raise ApplicationError(
            f"La déclaration v{last['version']} a été déposée le {last['deposited_on']:%d/%m/%Y} : "
            "une nouvelle version ne peut pas être antérieure."
        )
    catalogue_version = _adhere_to_current_version(protocol)
    members = list(
        protocol.team.active_on(on)
        .select_related("professional__user", "training")
        .prefetch_related("documents")
        .order_by("role", "joined_on", "pk")
    )
    declaration = Declaration(
        protocol=protocol,
        catalogue_version=catalogue_version,
        version=(last["version"] or 0) + 1,
        reason=reason,
        deposited_on=on,
        deposited_by=by,
        channel=channel,
        in_force_on=on if channel == DeclarationChannel.PORTAL else None,
        ds_dossier_number=ds_dossier_number if channel == DeclarationChannel.DS else None,
        ds_deposited_on=ds_deposited_on if channel == DeclarationChannel.DS else None,
        ds_entered_by=by if channel == DeclarationChannel.DS and ds_dossier_number else None,
        protocol_snapshot=_snapshot_protocol(protocol),
        team_snapshot=_snapshot_team(members),
        documents_snapshot=_snapshot_documents(members),
    )
    declaration.full_clean(exclude=["receipt", "receipt_sha256"])
    declaration.save()
    record_event(
        protocol=protocol,
        kind=ProtocolEvent.Kind.DECLARED,
        by=by,
        on=on,
        detail=f"v{declaration.version} — {detail or declaration.get_reason_display().lower()}",
    )
    from protocols.tasks.protocols import declaration_receipt_task

    declaration_receipt_task.delay_on_commit(declaration.pk)
    if declaration.ds_dossier_number:
        queue_ds_check(declaration)
    return declaration


@transaction.atomic
def declaration_deposit(
    *,
    protocol: Protocol,
    by,
    on: datetime.date | None = None,
    ds_dossier_number: int | None = None,
    ds_deposited_on: datetime.date | None = None,
) -> Declaration:
    """The coordinator deposits the protocol and its team: v1 puts it in force, later ones update it.

    In a region declaring on démarches-simplifiées, the deposit records the version with its DS dossier number and
    DS deposit date; the protocol is in force only once the ARS confirms them (``protocols.services.ds``)."""
    protocol = lock_protocol(protocol)
    require_coordinator(by, protocol)
    on = on or today()
    blocking = [problem.message for problem in declaration_problems(protocol=protocol, on=on) if problem.blocking]
    if blocking:
        raise ApplicationError("La déclaration ne peut pas être déposée : " + " ".join(blocking), code="incomplete")
    ds = channel_of(protocol.structure.region_id) == DeclarationChannel.DS
    if ds:
        validate_ds_fields(declaration=None, dossier_number=ds_dossier_number, deposited_on=ds_deposited_on)
    first = not protocol.declarations.exists()
    declaration = record_version(
        protocol=protocol,
        by=by,
        on=on,
        reason="first" if first else "update",
        ds_dossier_number=ds_dossier_number,
        ds_deposited_on=ds_deposited_on,
    )
    if first and not ds:
        protocol.status = ProtocolStatus.DECLARED
        protocol.declared_on = on
        protocol.save(update_fields=["status", "declared_on", "updated_at"])
        notify_eligibility_change(protocol_id=protocol.pk, since=on)
    return declaration


def declaration_receipt_ensure(*, declaration: Declaration) -> Declaration:
    """Render and store the receipt once (idempotent; a concurrent render loses and its file is removed)."""
    if declaration.receipt:
        return declaration
    declaration = Declaration.objects.select_related(
        "protocol__structure__region", "deposited_by", "catalogue_version"
    ).get(pk=declaration.pk)
    if declaration.receipt:
        return declaration
    documents = [entry for entry in declaration.documents_snapshot if entry.get("sha256")]
    pdf = render_pdf(
        "protocols/pdf/receipt.html",
        {
            "declaration": declaration,
            "protocol": declaration.protocol,
            "region": declaration.protocol.structure.region,
            "documents": documents,
            "missing": declaration.missing_documents,
            "team": team_rows(declaration),
        },
    )
    storage_field = Declaration._meta.get_field("receipt")
    name = storage_field.generate_filename(declaration, f"recepisse-{declaration.number}.pdf")
    stored = storage_field.storage.save(name, ContentFile(pdf))
    claimed = Declaration.objects.filter(pk=declaration.pk, receipt="").update(
        receipt=stored, receipt_sha256=sha256_hex(pdf)
    )
    if not claimed:
        storage_field.storage.delete(stored)
    declaration.refresh_from_db()
    return declaration


def document_in_version(*, declaration: Declaration, member_document_id: int) -> dict | None:
    """The snapshot entry of a document as deposited in ``declaration`` (None if it was not part of it)."""
    for entry in declaration.documents_snapshot:
        if entry.get("member_document_id") == member_document_id and entry.get("file"):
            return entry
    return None
