"""The démarches-simplifiées (DS) channel: a region's choice, the DS number a coordinator records on a version, the
ARS's confirmation that puts the version in force, and the reading of the dossier through the DS API.

Who acts: the regional admin chooses the channel (:func:`declaration_settings_update`); a coordinator of the structure
records the DS dossier number and deposit date (:func:`declaration_ds_enter`), until the ARS confirms; an instructor
or the regional admin confirms them, correcting them if DS says otherwise (:func:`declaration_ds_confirm`). The
protocol is in force from the confirmed DS deposit date. Reading DS (:func:`declaration_ds_check`) only informs the
instructor: DS being down never blocks an entry or a confirmation.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from portal.errors import ApplicationError
from portal.models import Region
from portal.roles import Role
from protocols.ds.client import DsError, fetch_dossier
from protocols.ds.secrets import UnreadableToken, decrypt_token, encrypt_token
from protocols.models import (
    Declaration,
    DeclarationChannel,
    DsCheck,
    ProtocolEvent,
    ProtocolStatus,
    RegionDeclarationSettings,
)
from protocols.services.common import is_agent, is_coordinator, lock_protocol, notify_eligibility_change, record_event
from protocols.services.common import today as paris_today

CONFIRMERS = (Role.INSTRUCTOR, Role.REGION_ADMIN)


def settings_for(region: Region | int) -> RegionDeclarationSettings:
    """The region's declaration settings; a region that never chose declares on the portal (unsaved default)."""
    region_id = region if isinstance(region, int) else region.pk
    found = RegionDeclarationSettings.objects.filter(region_id=region_id).first()
    return found or RegionDeclarationSettings(region_id=region_id, channel=DeclarationChannel.PORTAL)


def channel_of(region: Region | int) -> str:
    return settings_for(region).channel


# --- Who may act --------------------------------------------------------------------------------------------------


def can_enter_ds(user, declaration: Declaration) -> bool:
    """A coordinator records or corrects the DS number of a DS version the ARS has not confirmed yet."""
    return declaration.is_ds and declaration.ds_confirmed_at is None and is_coordinator(user, declaration.protocol)


def can_confirm_ds(user, declaration: Declaration) -> bool:
    """An instructor or the regional admin of the structure's region confirms a DS version that carries a number."""
    return (
        declaration.is_ds
        and declaration.ds_dossier_number is not None
        and declaration.ds_confirmed_at is None
        and is_agent(user, declaration.protocol, *CONFIRMERS)
    )


# --- The region's choice ------------------------------------------------------------------------------------------


@transaction.atomic
def declaration_settings_update(
    *, region: Region, by, channel: str, demarche_number: int | None, token: str = "", clear_token: bool = False
) -> RegionDeclarationSettings:
    """The regional admin sets the channel, the démarche and (optionally) a new API token. An empty ``token`` keeps
    the stored one: it is never shown back, so the form cannot resend it."""
    if not Region.objects.visible_to(by, roles=[Role.REGION_ADMIN]).filter(pk=region.pk).exists():
        raise ApplicationError(
            "Seul l'administrateur régional de l'ARS choisit le canal de déclaration.", code="forbidden"
        )
    if channel not in DeclarationChannel.values:
        raise ApplicationError("Canal de déclaration inconnu.", field="channel")
    current = RegionDeclarationSettings.objects.select_for_update(of=("self",)).filter(region=region).first()
    row = current or RegionDeclarationSettings(region=region)
    row.channel = channel
    row.ds_demarche_number = demarche_number
    if clear_token:
        row.ds_token_encrypted, row.ds_token_set_at = "", None
    elif token.strip():
        row.ds_token_encrypted, row.ds_token_set_at = encrypt_token(token.strip()), timezone.now()
    row.updated_by, row.updated_at = by, timezone.now()
    row.full_clean()
    row.save()
    return row


# --- The coordinator records the DS dossier, the ARS confirms it ---------------------------------------------------


def validate_ds_fields(
    *, declaration: Declaration | None, dossier_number: int | None, deposited_on: datetime.date | None
) -> None:
    if not dossier_number or dossier_number < 1:
        raise ApplicationError("Indiquez le numéro du dossier sur démarches-simplifiées.", field="ds_dossier_number")
    if deposited_on is None:
        raise ApplicationError("Indiquez la date de dépôt sur démarches-simplifiées.", field="ds_deposited_on")
    if deposited_on > paris_today():
        raise ApplicationError(
            "La date de dépôt sur démarches-simplifiées ne peut pas être dans le futur.", field="ds_deposited_on"
        )
    others = Declaration.objects.filter(ds_dossier_number=dossier_number)
    taken = (others.exclude(pk=declaration.pk) if declaration is not None else others).first()
    if taken is not None:
        raise ApplicationError(
            f"Le dossier DS n° {dossier_number} est déjà rattaché à une autre déclaration.",
            field="ds_dossier_number",
        )


def _lock_declaration(declaration: Declaration) -> Declaration:
    lock_protocol(declaration.protocol)
    return (
        Declaration.objects.select_for_update(of=("self",))
        .select_related("protocol__structure")
        .get(pk=declaration.pk)
    )


@transaction.atomic
def declaration_ds_enter(
    *, declaration: Declaration, by, dossier_number: int | None, deposited_on: datetime.date | None
) -> Declaration:
    """The coordinator records (or corrects, until the ARS confirms) the DS dossier of this version."""
    declaration = _lock_declaration(declaration)
    if not declaration.is_ds:
        raise ApplicationError("Cette version a été déposée sur le portail : elle n'a pas de dossier DS.")
    if declaration.ds_confirmed_at is not None:
        raise ApplicationError("L'ARS a déjà confirmé le dossier DS de cette version : il ne se modifie plus.")
    if not can_enter_ds(by, declaration):
        raise ApplicationError("Seul un coordinateur de la structure renseigne le dossier DS.", code="forbidden")
    validate_ds_fields(declaration=declaration, dossier_number=dossier_number, deposited_on=deposited_on)
    declaration.ds_dossier_number, declaration.ds_deposited_on = dossier_number, deposited_on
    declaration.ds_entered_by = by
    declaration.full_clean(exclude=["receipt", "receipt_sha256"])
    declaration.save(update_fields=["ds_dossier_number", "ds_deposited_on", "ds_entered_by"])
    record_event(
        protocol=declaration.protocol,
        kind=ProtocolEvent.Kind.DS_ENTERED,
        by=by,
        on=deposited_on,
        detail=f"v{declaration.version} — dossier DS n° {dossier_number} déposé le {deposited_on:%d/%m/%Y}",
    )
    queue_ds_check(declaration)
    return declaration


@transaction.atomic
def declaration_ds_confirm(
    *, declaration: Declaration, by, dossier_number: int | None, deposited_on: datetime.date | None
) -> Declaration:
    """The ARS confirms the DS dossier (it may correct the number or date to what DS shows): the version is in force
    from the DS deposit date, and a first confirmed version puts the protocol in force."""
    declaration = _lock_declaration(declaration)
    protocol = declaration.protocol
    if not declaration.is_ds:
        raise ApplicationError("Cette version a été déposée sur le portail : il n'y a rien à confirmer.")
    if declaration.ds_confirmed_at is not None:
        raise ApplicationError("Le dossier DS de cette version est déjà confirmé.")
    if declaration.ds_dossier_number is None:
        raise ApplicationError("Le coordinateur n'a pas encore renseigné le dossier DS de cette version.")
    if not can_confirm_ds(by, declaration):
        raise ApplicationError(
            "Seuls les instructeurs et l'administrateur régional de l'ARS confirment un dépôt DS.", code="forbidden"
        )
    validate_ds_fields(declaration=declaration, dossier_number=dossier_number, deposited_on=deposited_on)
    corrected = (dossier_number, deposited_on) != (declaration.ds_dossier_number, declaration.ds_deposited_on)
    declaration.ds_dossier_number, declaration.ds_deposited_on = dossier_number, deposited_on
    declaration.in_force_on = deposited_on
    declaration.ds_confirmed_at, declaration.ds_confirmed_by = timezone.now(), by
    declaration.full_clean(exclude=["receipt", "receipt_sha256"])
    declaration.save(
        update_fields=["ds_dossier_number", "ds_deposited_on", "in_force_on", "ds_confirmed_at", "ds_confirmed_by"]
    )
    detail = f"v{declaration.version} — dossier DS n° {dossier_number}, en vigueur au {deposited_on:%d/%m/%Y}"
    record_event(
        protocol=protocol,
        kind=ProtocolEvent.Kind.DS_CONFIRMED,
        by=by,
        on=deposited_on,
        detail=detail + (" (corrigé par l'ARS)" if corrected else ""),
    )
    # In force from the earliest confirmed deposit: a first confirmation puts a draft in force.
    if protocol.declared_on is None or deposited_on < protocol.declared_on:
        if protocol.status == ProtocolStatus.DRAFT:
            protocol.status = ProtocolStatus.DECLARED
        protocol.declared_on = deposited_on
        protocol.save(update_fields=["status", "declared_on", "updated_at"])
    notify_eligibility_change(protocol_id=protocol.pk, since=deposited_on)
    return declaration


# --- Reading the dossier on DS ------------------------------------------------------------------------------------


def queue_ds_check(declaration: Declaration) -> None:
    """Read the dossier on DS after the commit, when the region has configured the API (else nothing to do)."""
    if settings_for(declaration.protocol.structure.region_id).api_configured:
        from protocols.tasks.ds import declaration_ds_check_task

        declaration_ds_check_task.delay_on_commit(declaration.pk)


def declaration_ds_check(*, declaration: Declaration) -> DsCheck | None:
    """Read the version's DS dossier and keep what DS says (idempotent: the last reading overwrites the previous).

    Returns None when there is nothing to read: no DS number, already confirmed, or the region has no API access.
    A failure is stored with its French message; beat tries again (``ds_checks_due``)."""
    declaration = Declaration.objects.select_related("protocol__structure").get(pk=declaration.pk)
    if declaration.ds_dossier_number is None or declaration.ds_confirmed_at is not None:
        return None
    region_settings = settings_for(declaration.protocol.structure.region_id)
    if not region_settings.api_configured:
        return None
    values = {"checked_at": timezone.now(), "ok": False, "error": "", "state": "", "deposited_on": None}
    try:
        token = decrypt_token(region_settings.ds_token_encrypted)
        dossier = fetch_dossier(token=token, number=declaration.ds_dossier_number)
    except UnreadableToken:
        values["error"] = "Le jeton d'API DS enregistré est illisible : l'administrateur régional doit le ressaisir."
    except DsError as error:
        values["error"] = error.message[:300]
    else:
        values.update(
            ok=True, state=dossier.state, deposited_on=dossier.deposited_on, demarche_number=dossier.demarche_number
        )
    check, created = DsCheck.objects.get_or_create(declaration=declaration, defaults={**values, "attempts": 1})
    if not created:
        for name, value in values.items():
            setattr(check, name, value)
        check.attempts += 1
        check.save()
    return check


def ds_mismatches(declaration: Declaration, check: DsCheck | None, demarche_number: int | None) -> list[str]:
    """What DS says that differs from what the coordinator recorded, in French for the instructor."""
    if check is None or not check.ok:
        return []
    problems = []
    if demarche_number and check.demarche_number != demarche_number:
        problems.append(
            f"Le dossier appartient à la démarche n° {check.demarche_number}, pas à celle de la région "
            f"(n° {demarche_number})."
        )
    if check.deposited_on != declaration.ds_deposited_on:
        problems.append(
            f"Déposé sur DS le {check.deposited_on:%d/%m/%Y}, et non le {declaration.ds_deposited_on:%d/%m/%Y} "
            "comme indiqué par le coordinateur."
        )
    if check.state in ("refuse", "sans_suite"):
        problems.append(f"Le dossier est {check.get_state_label()} sur démarches-simplifiées.")
    return problems


def ds_checks_due(*, now: datetime.datetime | None = None, every: datetime.timedelta = datetime.timedelta(hours=6)):
    """Versions whose DS dossier should be read (again): a number, not yet confirmed, in a region with API access;
    never read, read with an error (DS down), or read more than ``every`` ago."""
    now = now or timezone.now()
    configured = RegionDeclarationSettings.objects.filter(
        channel=DeclarationChannel.DS, ds_demarche_number__isnull=False
    ).exclude(ds_token_encrypted="")
    return (
        Declaration.objects.awaiting_ds_confirmation()
        .filter(ds_dossier_number__isnull=False)
        .filter(protocol__structure__region_id__in=configured.values("region_id"))
        .exclude(ds_check__ok=True, ds_check__checked_at__gt=now - every)
        .order_by("pk")
    )
