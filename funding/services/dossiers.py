"""Writes of the coordinator's side of a dossier: create, save the draft, attachments, submit, withdraw, delete.

Every function checks who acts (the coordinator of the dossier's structure), locks the dossier row, and raises an
``ApplicationError`` with a French message a user can act on. ``now`` parameters exist for the demo's historical
dates; everything else uses the server's clock, in Europe/Paris.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.dateformat import format as date_format

from funding.dossier_sections import EDITABLE_FIELDS, SECTIONS_BY_KEY, fields_of, section_of_field
from funding.models import NATIONAL_PROTOCOL_REFUSED, Campaign, Dossier, DossierAttachment, DossierState, Wave
from funding.services.completeness import dossier_completeness
from funding.services.snapshots import build_snapshot, sha256_of
from funding.workflows import WITHDRAWABLE, dossier_transition
from portal.access import get_scope
from portal.errors import ApplicationError
from portal.models import Region, Structure
from portal.roles import Role
from portal.uploads import check_upload


def paris_text(moment) -> str:
    """« 15 janvier 2025 à 08:00 », in Paris time, for messages."""
    return date_format(timezone.localtime(moment, timezone.get_default_timezone()), "j F Y à H:i")


def lock_dossier(dossier: Dossier) -> Dossier:
    return Dossier.objects.select_for_update(of=("self",)).select_related("campaign", "wave").get(pk=dossier.pk)


def require_coordinator(dossier: Dossier, by) -> None:
    if dossier.structure_id not in get_scope(by).structure_ids([Role.COORDINATOR]):
        raise ApplicationError(
            "Seul un coordinateur de la structure candidate peut agir sur ce dossier.", code="forbidden"
        )


# Seed 001 (FAQ « Les Equipes de Soins Primaires peuvent-elles mettre en œuvre directement un protocole local ? »).
ACI_REASON = (
    "la mise en œuvre d'un protocole local est réservée par la loi aux professionnels exerçant au sein d'une équipe "
    "de soins ou d'une communauté professionnelle territoriale de santé signataires d'un accord conventionnel "
    "interprofessionnel avec les organismes d'assurance (article L. 4011-4-3 du code de la santé publique)."
)


def require_aci(protocol) -> None:
    """The AMI funds local protocols of structures that signed the ACI: the structure that carries the protocol (an
    ESP's protocol is carried by its CPTS, whose ACI counts) must have signed it."""
    if protocol is None or not protocol.is_local:
        return
    carrier = protocol.carrying_structure
    if carrier.aci_signed_on is None:
        raise ApplicationError(
            f"{carrier.name} n'a pas signé d'accord conventionnel interprofessionnel (ACI) : {ACI_REASON}",
            code="no_aci",
        )


def next_reference(region: Region, wave: Wave) -> str:
    """AMI-<region>-<year of the wave's deadline>-<NNN>. The caller holds the lock on the region row, so two
    dossiers created at once never get the same number (the unique constraint would refuse it anyway)."""
    year = timezone.localtime(wave.deadline, timezone.get_default_timezone()).year
    prefix = f"AMI-{region.code}-{year}-"
    references = Dossier.objects.filter(reference__startswith=prefix).values_list("reference", flat=True)
    numbers = [int(reference[len(prefix) :]) for reference in references if reference[len(prefix) :].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:03d}"


@transaction.atomic
def dossier_create(*, campaign: Campaign, structure: Structure, by, protocol=None, now=None) -> Dossier:
    """Open a draft dossier of ``structure`` in the campaign's wave open now; the number is assigned at once."""
    now = now or timezone.now()
    if structure.pk not in get_scope(by).structure_ids([Role.COORDINATOR]):
        raise ApplicationError("Seul un coordinateur de la structure peut déposer sa candidature.", code="forbidden")
    if structure.region_id != campaign.region_id:
        raise ApplicationError("Cet appel à manifestation d'intérêt est celui d'une autre ARS.", code="other_region")
    if campaign.published_at is None or campaign.published_at > now:
        raise ApplicationError("Cet appel à manifestation d'intérêt n'est pas publié.", code="not_published")
    if not campaign.accepts(structure.kind):
        raise ApplicationError(
            f"Cet appel à manifestation d'intérêt n'est pas ouvert aux structures de type {structure.kind}.",
            code="kind_not_eligible",
        )
    require_aci(protocol)
    region = Region.objects.select_for_update(of=("self",)).get(pk=campaign.region_id)
    wave = Wave.objects.filter(campaign=campaign, opens_at__lte=now, deadline__gt=now).first()
    if wave is None:
        upcoming = Wave.objects.filter(campaign=campaign, opens_at__gt=now).order_by("opens_at").first()
        if upcoming:
            message = f"Le dépôt des dossiers ouvre le {paris_text(upcoming.opens_at)} (heure de Paris)."
        else:
            message = "Le dépôt des dossiers est clos pour cet appel à manifestation d'intérêt."
        raise ApplicationError(message, code="no_open_wave")
    dossier = Dossier(
        campaign=campaign,
        wave=wave,
        structure=structure,
        protocol=protocol,
        reference=next_reference(region, wave),
        contact_name=by.get_full_name(),
        contact_email=by.email,
        contact_phone=getattr(by, "phone", ""),
        in_zip=structure.in_zip,
        in_zac=structure.in_zac,
        in_qpv=structure.in_qpv,
        created_by=by,
        created_at=now,
    )
    dossier.full_clean()
    dossier.save()
    return dossier


@transaction.atomic
def dossier_save_draft(*, dossier: Dossier, by, data: dict) -> Dossier:
    """Save some answers of the dossier. Only the sections open to editing may change: every section of a draft,
    the sections reopened by a complement request afterwards. Unchanged values of closed sections are ignored, so
    a form may send every field."""
    locked = lock_dossier(dossier)
    require_coordinator(locked, by)
    if not locked.is_editable:
        if locked.state == DossierState.DRAFT:
            raise ApplicationError("Ce dossier n'est pas modifiable.", code="not_editable")
        raise ApplicationError(
            f"Le dossier a été déposé le {paris_text(locked.submitted_at)} : il n'est plus modifiable"
            + (" (aucune rubrique n'est rouverte)." if locked.state == DossierState.COMPLEMENT_REQUESTED else "."),
            code="not_editable",
        )
    allowed = fields_of(locked.editable_sections)
    changed = []
    for name, value in data.items():
        if name not in EDITABLE_FIELDS:
            continue
        current = getattr(locked, name)
        if name == "protocol":
            current_id, new_id = locked.protocol_id, getattr(value, "pk", value)
            if current_id == new_id:
                continue
        elif current == value:
            continue
        if name not in allowed:
            title = SECTIONS_BY_KEY[section_of_field(name)].title
            raise ApplicationError(f"La rubrique « {title} » n'est pas rouverte : elle ne peut pas être modifiée.")
        setattr(locked, name, value)
        changed.append(name)
    if changed:
        locked.full_clean(exclude=["reference"])
        locked.save(update_fields=[*changed, "updated_at"])
    dossier.refresh_from_db()
    return locked


def _require_attachments_open(dossier: Dossier) -> None:
    if "attachments" not in dossier.editable_sections:
        raise ApplicationError("Les pièces jointes de ce dossier ne sont pas modifiables.", code="not_editable")


@transaction.atomic
def dossier_attachment_add(*, dossier: Dossier, by, kind: str, label: str, file, now=None) -> DossierAttachment:
    locked = lock_dossier(dossier)
    require_coordinator(locked, by)
    _require_attachments_open(locked)
    checked = getattr(file, "checked", None) or check_upload(file)
    attachment = DossierAttachment(
        dossier=locked,
        kind=kind,
        label=label.strip() or checked.original_name,
        original_name=checked.original_name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=by,
        uploaded_at=now or timezone.now(),
    )
    attachment.file.save(f"piece{checked.extension}", file, save=False)
    attachment.full_clean()
    attachment.save()
    return attachment


@transaction.atomic
def dossier_attachment_delete(*, attachment: DossierAttachment, by) -> None:
    """Remove an attachment of a draft. Once deposited, an attachment stays (its hash is in the snapshot)."""
    locked = lock_dossier(attachment.dossier)
    require_coordinator(locked, by)
    if locked.state != DossierState.DRAFT:
        raise ApplicationError(
            "Une pièce d'un dossier déposé ne peut pas être retirée ; ajoutez une nouvelle pièce si une rubrique est "
            "rouverte.",
            code="not_editable",
        )
    stored = attachment.file
    attachment.delete()
    transaction.on_commit(lambda: stored.storage.delete(stored.name))


@transaction.atomic
def dossier_submit(*, dossier: Dossier, by, sworn_statement: bool, now=None, send_receipt: bool = True) -> Dossier:
    """File the dossier: the server decides whether it is in time, in Paris time, inside the transaction.

    A dossier submitted before the wave's deadline (one second before is in time) is accepted; at the deadline or
    after, it is refused, even from a page opened earlier. The content is frozen as a snapshot with its SHA-256; the
    deposit receipt (PDF) is generated and e-mailed after commit.
    """
    locked = lock_dossier(dossier)
    require_coordinator(locked, by)
    if locked.state != DossierState.DRAFT:
        raise ApplicationError(
            f"Ce dossier a déjà été déposé le {paris_text(locked.submitted_at)}.", code="already_submitted"
        )
    # Lock the wave too: an administrator moving the deadline waits for this deposit to be decided.
    wave = Wave.objects.select_for_update(of=("self",)).get(pk=locked.wave_id)
    now = now or timezone.now()
    if now < wave.opens_at:
        raise ApplicationError(f"Le dépôt ouvre le {paris_text(wave.opens_at)} (heure de Paris).", code="not_open_yet")
    if wave.deposit_closed(now):
        raise ApplicationError(
            f"La date limite de dépôt était le {paris_text(wave.deadline)} (heure de Paris) : le dossier ne peut plus "
            "être déposé.",
            code="deadline_passed",
        )
    if locked.protocol_id and not locked.protocol.is_local:
        # Checked again here: a dossier opened before the rule, or whose protocol was changed by hand, is refused.
        raise ApplicationError(NATIONAL_PROTOCOL_REFUSED, code="national_protocol", field="protocol")
    completeness = dossier_completeness(locked)
    if not completeness.is_complete:
        titles = ", ".join(status.section.title for status in completeness.sections if not status.is_complete)
        raise ApplicationError(f"Le dossier est incomplet. Rubriques à compléter : {titles}.", code="incomplete")
    require_aci(locked.protocol)
    if not sworn_statement:
        raise ApplicationError(
            "Cochez l'attestation sur l'honneur pour déposer le dossier.",
            code="sworn_statement",
            field="sworn_statement",
        )
    snapshot = build_snapshot(locked, submitted_at=now, submitted_by=by)
    dossier_transition(
        dossier=locked,
        to_state=DossierState.SUBMITTED,
        by=by,
        at=now,
        submitted_at=now,
        submitted_by=by,
        snapshot=snapshot,
        snapshot_sha256=sha256_of(snapshot),
        sworn_statement=True,
    )
    if send_receipt:
        from funding.tasks.dossiers import dossier_receipt_task

        dossier_receipt_task.delay_on_commit(locked.pk)
    dossier.refresh_from_db()
    return locked


@transaction.atomic
def dossier_withdraw(*, dossier: Dossier, by, reason: str, now=None) -> Dossier:
    """The coordinator withdraws a submitted dossier before the committee's decision. It is kept, never deleted."""
    locked = lock_dossier(dossier)
    require_coordinator(locked, by)
    if locked.state not in WITHDRAWABLE:
        raise ApplicationError(
            f"Un dossier « {locked.get_state_display()} » ne peut plus être retiré.", code="not_withdrawable"
        )
    if not reason.strip():
        raise ApplicationError("Indiquez le motif du retrait.", code="reason_required", field="reason")
    now = now or timezone.now()
    return dossier_transition(
        dossier=locked,
        to_state=DossierState.WITHDRAWN,
        by=by,
        at=now,
        motive=reason.strip(),
        withdrawn_at=now,
        withdrawal_reason=reason.strip(),
    )


@transaction.atomic
def dossier_delete_draft(*, dossier: Dossier, by) -> None:
    """A draft is the coordinator's own work: it may be deleted. A submitted dossier never is (see the database
    guard in migration 0004)."""
    locked = lock_dossier(dossier)
    require_coordinator(locked, by)
    if locked.state != DossierState.DRAFT:
        raise ApplicationError("Un dossier déposé ne peut pas être supprimé ; vous pouvez le retirer.")
    files = [attachment.file for attachment in locked.attachments.all()]
    locked.attachments.all().delete()
    locked.delete()
    transaction.on_commit(lambda: [stored.storage.delete(stored.name) for stored in files])
