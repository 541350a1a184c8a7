"""The frozen content of a dossier: built at submit (and for each complement answer), hashed with SHA-256.

The snapshot holds only JSON values (strings, numbers, booleans, null), so its canonical serialisation (sorted keys,
no spaces, UTF-8) gives the same hash after a round trip through PostgreSQL's jsonb: anyone can recompute
``sha256_of(dossier.snapshot)`` and compare it with ``dossier.snapshot_sha256`` and the receipt.
"""

import hashlib
import json

from django.utils import timezone

from funding.dossier_sections import SECTIONS, SECTIONS_BY_KEY
from funding.models import Dossier
from funding.services.completeness import active_team

SNAPSHOT_FORMAT = 1


def canonical_json(data) -> bytes:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def sha256_of(data) -> str:
    return hashlib.sha256(canonical_json(data)).hexdigest()


def _iso(moment) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def _value(dossier: Dossier, name: str):
    field = Dossier._meta.get_field(name)
    if name == "protocol":
        protocol = dossier.protocol
        if protocol is None:
            return None
        return {
            "id": protocol.pk,
            "code": protocol.code,
            "title": protocol.title,
            "kind": protocol.get_kind_display(),
            "status": protocol.get_status_display(),
        }
    value = getattr(dossier, name)
    if field.choices and value is not None:
        return str(dict(field.flatchoices).get(value, value))
    return value


def section_content(dossier: Dossier, keys) -> dict:
    """{section key: {"title", "fields": [{"name", "label", "value"}]}} for the sections named by ``keys``."""
    content = {}
    for key in keys:
        section = SECTIONS_BY_KEY[key]
        content[key] = {
            "title": section.title,
            "fields": [
                {
                    "name": name,
                    "label": str(Dossier._meta.get_field(name).verbose_name),
                    "value": _value(dossier, name),
                }
                for name in section.fields
            ],
        }
    return content


def team_content(dossier: Dossier) -> list[dict]:
    if not dossier.protocol_id:
        return []
    return [
        {
            "name": member.professional.user.get_full_name(),
            "profession": member.professional.get_profession_display(),
            "identifier": member.professional.identifier,
            "role": member.get_role_display(),
            "status": member.get_status_display(),
            "joined_on": member.joined_on.isoformat() if member.joined_on else None,
        }
        for member in active_team(dossier.protocol_id)
    ]


def attachments_content(dossier: Dossier) -> list[dict]:
    return [
        {
            "id": attachment.pk,
            "kind": attachment.get_kind_display(),
            "label": attachment.label,
            "name": attachment.original_name,
            "size": attachment.size,
            "sha256": attachment.sha256,
            "uploaded_at": _iso(attachment.uploaded_at),
        }
        for attachment in dossier.attachments.order_by("uploaded_at", "pk")
    ]


def build_snapshot(dossier: Dossier, *, submitted_at, submitted_by) -> dict:
    structure = dossier.structure
    wave = dossier.wave
    return {
        "format": SNAPSHOT_FORMAT,
        "reference": dossier.reference,
        "campaign": {"id": dossier.campaign_id, "title": dossier.campaign.title},
        "wave": {"number": wave.number, "deadline": _iso(wave.deadline)},
        "submitted_at": _iso(submitted_at),
        "submitted_by": {"name": submitted_by.get_full_name(), "email": submitted_by.email},
        "structure": {
            "name": structure.name,
            "kind": structure.get_kind_display(),
            "finess": structure.finess,
            "siret": structure.siret,
            "address": structure.address,
            "postal_code": structure.postal_code,
            "commune": structure.commune,
            "departement": structure.departement,
        },
        "sections": section_content(dossier, [section.key for section in SECTIONS]),
        "team": team_content(dossier),
        "attachments": attachments_content(dossier),
        "sworn_statement": True,
    }


def build_complement_answer(dossier: Dossier, *, sections, answer: str, answered_at, answered_by) -> dict:
    """The reopened sections as transmitted in answer to a complement request."""
    return {
        "format": SNAPSHOT_FORMAT,
        "reference": dossier.reference,
        "answered_at": _iso(answered_at),
        "answered_by": {"name": answered_by.get_full_name(), "email": answered_by.email},
        "answer": answer,
        "sections": section_content(dossier, sections),
        "team": team_content(dossier) if "team" in sections else None,
        "attachments": attachments_content(dossier) if "attachments" in sections else None,
    }
