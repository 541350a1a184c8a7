"""Writes on protocols themselves: a local protocol drafted by a coordinator, an adhesion to a national protocol,
the R.4011-1 checklist, and the PDF shaped like the ministry's "modèle de protocole local"."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from portal.errors import ApplicationError
from portal.models import Structure, StructureKind
from portal.pdf import render_pdf
from protocols.checklist import CHECKLIST_CODES, CHECKLIST_ITEMS
from protocols.models import ChecklistAnswer, NationalProtocol, Protocol, ProtocolEvent, ProtocolKind
from protocols.services.common import is_coordinator, lock_protocol, record_event, require_coordinator, today

# The sections of the local protocol a coordinator writes (the form, the autosave and the PDF use this list).
CONTENT_FIELDS = (
    "title",
    "object",
    "in_health_project",
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
# Fields the portal asks beside the ministry's model, for the steering of the ARS and the ministry (theme, impact):
# not part of the declared content, so changing them never calls for a new declaration.
STEERING_FIELDS = ("theme", "medical_minutes_saved")


def _check_implementing_structure(structure: Structure, implementing: Structure | None) -> None:
    if implementing is None:
        return
    if structure.kind != StructureKind.ESP:
        raise ApplicationError(
            "Seule une ESP met en œuvre un protocole par l'intermédiaire d'une CPTS.", field="implementing_structure"
        )
    if not structure.cpts_memberships.filter(pk=implementing.pk).exists():
        raise ApplicationError(
            "Choisissez une CPTS à laquelle l'équipe participe (art. L.4011-4-3 du CSP).",
            field="implementing_structure",
        )


@transaction.atomic
def protocol_create(
    *,
    structure: Structure,
    by,
    code: str,
    title: str = "",
    national_protocol: NationalProtocol | None = None,
    implementing_structure: Structure | None = None,
) -> Protocol:
    """Start a local protocol (a draft the coordinator then writes) or an adhesion to a national protocol."""
    if not is_coordinator(by, Protocol(structure=structure)):
        raise ApplicationError("Seul un coordinateur de la structure peut créer un protocole.", code="forbidden")
    _check_implementing_structure(structure, implementing_structure)
    protocol = Protocol(
        structure=structure,
        implementing_structure=implementing_structure,
        code=code.strip().upper(),
        title=title.strip(),
        created_by=by,
    )
    if national_protocol is not None:
        if not national_protocol.allows(structure.kind):
            kinds = ", ".join(national_protocol.allowed_structure_kinds)
            raise ApplicationError(
                f"Ce protocole national n'est autorisé qu'en {kinds} : une {structure.kind} ne peut pas y adhérer.",
                field="national_protocol",
            )
        protocol.kind = ProtocolKind.NATIONAL
        protocol.national_protocol = national_protocol
        protocol.title = national_protocol.title
        protocol.delegant_professions = list(national_protocol.delegant_professions)
        protocol.delegate_professions = list(national_protocol.delegate_professions)
        protocol.training_hours = national_protocol.training_hours
        protocol.inclusion_criteria = national_protocol.patients
        protocol.delegant_availability = national_protocol.delegant_availability
    if not protocol.title:
        raise ApplicationError("Donnez un intitulé au protocole.", field="title")
    protocol.full_clean()
    protocol.save()
    record_event(protocol=protocol, kind=ProtocolEvent.Kind.CREATED, by=by, on=today(), detail=protocol.title)
    return protocol


@transaction.atomic
def protocol_update(*, protocol: Protocol, by, **fields) -> Protocol:
    """Save sections of a local protocol (the editor and its autosave). After the declaration, the changes are
    shown as "not deposited" until the coordinator deposits an updated version."""
    protocol = lock_protocol(protocol)
    require_coordinator(by, protocol)
    unknown = set(fields) - set(CONTENT_FIELDS) - set(STEERING_FIELDS) - {"code", "implementing_structure"}
    if unknown:
        raise ApplicationError(f"Champs inconnus : {', '.join(sorted(unknown))}.")
    if protocol.kind == ProtocolKind.NATIONAL and set(fields) - {"code", *STEERING_FIELDS}:
        raise ApplicationError("Le contenu d'un protocole national est celui de sa trame HAS : il ne se modifie pas.")
    if "code" in fields and fields["code"] != protocol.code and not protocol.is_draft:
        raise ApplicationError("Le code d'un protocole déclaré ne change plus : il identifie ses interventions.")
    if "implementing_structure" in fields:
        _check_implementing_structure(protocol.structure, fields["implementing_structure"])
    for name, value in fields.items():
        setattr(protocol, name, value.strip().upper() if name == "code" else value)
    protocol.full_clean()
    protocol.save()
    return protocol


def checklist_rows(protocol: Protocol) -> list[dict]:
    """Every R.4011-1 item with its answer (or None), in the order of the checklist, for forms and the PDF."""
    answers = {answer.item: answer for answer in protocol.checklist_answers.all()}
    return [
        {"code": code, "section": section, "question": question, "answer": answers.get(code)}
        for code, section, question in CHECKLIST_ITEMS
    ]


@transaction.atomic
def checklist_save(*, protocol: Protocol, by, answers: dict[str, tuple[str, str]]) -> list[ChecklistAnswer]:
    """Record the answers ``{item: (answer, justification)}``; an empty answer removes a previous one.

    "Non applicable" needs a justification (also a database constraint). Nothing is saved if one answer is invalid.
    """
    protocol = lock_protocol(protocol)
    require_coordinator(by, protocol)
    errors = {}
    saved = []
    existing = {answer.item: answer for answer in protocol.checklist_answers.all()}
    for item, (answer, justification) in answers.items():
        if item not in CHECKLIST_CODES:
            raise ApplicationError(f"Exigence inconnue : {item}.")
        row = existing.get(item)
        if not answer:
            if row is not None:
                row.delete()
            continue
        if row is None:
            row = ChecklistAnswer(protocol=protocol, item=item)
        if (row.answer, row.justification) == (answer, justification.strip()):
            continue
        row.answer, row.justification = answer, justification.strip()
        row.answered_by, row.answered_at = by, timezone.now()
        try:
            row.full_clean(exclude=["protocol"], validate_unique=False)
        except ValidationError as error:
            errors[item] = " ".join(error.messages)
            continue
        saved.append(row)
    if errors:
        raise ValidationError(errors)
    for row in saved:
        row.save()
    return saved


def protocol_pdf(*, protocol: Protocol) -> bytes:
    """The protocol as a PDF laid out like the ministry's "modèle de protocole local" (06/2022)."""
    from portal.models import Profession

    labels = dict(Profession.choices)
    context = {
        "protocol": protocol,
        "region": protocol.structure.region,
        "structure": protocol.structure,
        "delegant_professions": [labels.get(p, p) for p in protocol.delegant_professions],
        "delegate_professions": [labels.get(p, p) for p in protocol.delegate_professions],
        "checklist": checklist_rows(protocol) if protocol.is_local else [],
        "team": protocol.team.current().select_related("professional__user").order_by("role", "joined_on"),
        "printed_on": today(),
    }
    return render_pdf("protocols/pdf/protocol.html", context)
