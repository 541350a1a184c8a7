"""The national catalogue kept by the platform's administrators (issue 17).

A change of a national protocol (a new order, a correction) is a new numbered version with its effective date and
its order; the catalogue row then shows it. Versions are never edited, and declarations name the version their team
adhered to: a change never rewrites a past declaration (docs/decisions.md, "Catalogue national versionné").
"""

import datetime

from django.db import transaction

from portal.errors import ApplicationError
from portal.models import Profession, StructureKind
from protocols.models import VERSIONED_FIELDS, NationalProtocol, NationalProtocolVersion
from protocols.models.catalogue import can_edit_catalogue
from protocols.services.common import today


def _check_dates(*, latest, effective_on: datetime.date, order_date: datetime.date | None) -> None:
    if effective_on > today():
        raise ApplicationError(
            "La date d'effet ne peut pas être postérieure à aujourd'hui : enregistrez la version le jour où l'arrêté "
            "s'applique (le catalogue montre la dernière version enregistrée).",
            field="effective_on",
        )
    if order_date and order_date > effective_on:
        raise ApplicationError(
            f"Un arrêté s'applique au plus tôt à sa date : la date d'effet doit être le {order_date:%d/%m/%Y} ou "
            "après.",
            field="effective_on",
        )
    if latest is not None and latest.effective_on and effective_on < latest.effective_on:
        raise ApplicationError(
            f"La version {latest.number} s'applique depuis le {latest.effective_on:%d/%m/%Y} : une nouvelle version "
            "ne peut pas s'appliquer avant.",
            field="effective_on",
        )


def _in_order(values, choices) -> list:
    """The choices in their list's order (a version compares equal whatever order the boxes were ticked in)."""
    return [value for value in choices if value in set(values)] + sorted(set(values) - set(choices))


def _same(old, new) -> bool:
    """Lists of choices compare as sets: ticking the same boxes is no change, whatever their order."""
    if isinstance(old, list) and isinstance(new, list):
        return set(old) == set(new)
    return old == new


def _check_content(content: dict) -> None:
    for name in ("delegant_professions", "delegate_professions"):
        content[name] = _in_order(content[name], Profession.values)
        if not content[name]:
            raise ApplicationError("Choisissez au moins une profession.", field=name)
        unknown = set(content[name]) - set(Profession.values)
        if unknown:
            raise ApplicationError(f"Profession inconnue : {', '.join(sorted(unknown))}.", field=name)
    content["allowed_structure_kinds"] = _in_order(content["allowed_structure_kinds"], StructureKind.values)
    if not content["allowed_structure_kinds"]:
        raise ApplicationError("Choisissez au moins un type de structure.", field="allowed_structure_kinds")
    unknown = set(content["allowed_structure_kinds"]) - set(StructureKind.values)
    if unknown:
        raise ApplicationError(
            f"Type de structure inconnu : {', '.join(sorted(unknown))}.", field="allowed_structure_kinds"
        )


@transaction.atomic
def national_protocol_version_create(
    *,
    national_protocol: NationalProtocol,
    by,
    effective_on: datetime.date,
    order_reference: str,
    order_date: datetime.date | None,
    reason: str,
    content: dict,
) -> NationalProtocolVersion:
    """Record the next version of ``national_protocol`` (``content``: every field of ``VERSIONED_FIELDS``) and show
    it in the catalogue. Declarations already deposited keep the version they name."""
    if not can_edit_catalogue(by):
        raise ApplicationError(
            "Seuls les administrateurs de la plateforme modifient le catalogue national.", code="forbidden"
        )
    national = NationalProtocol.objects.select_for_update(of=("self",)).get(pk=national_protocol.pk)
    latest = national.current_version()
    content = {name: content[name] for name in VERSIONED_FIELDS}
    _check_dates(latest=latest, effective_on=effective_on, order_date=order_date)
    _check_content(content)
    if latest is not None and all(_same(getattr(latest, name), value) for name, value in content.items()):
        raise ApplicationError(
            f"Le contenu est identique à la version {latest.number} : modifiez au moins un champ du protocole."
        )
    version = NationalProtocolVersion(
        national_protocol=national,
        number=(latest.number if latest else 0) + 1,
        effective_on=effective_on,
        order_reference=order_reference.strip(),
        order_date=order_date,
        reason=reason.strip(),
        recorded_by=by,
        **content,
    )
    version.full_clean()
    version.save()
    for name, value in content.items():
        setattr(national, name, value)
    national.full_clean()
    national.save(update_fields=list(content))
    return version
