"""What stands between a protocol and its deposit: the pre-flight list the coordinator sees before « Déclarer à
l'ARS », and the blocking part of it that ``declaration_deposit`` refuses on (one list for the page and the service).
"""

import datetime
from dataclasses import dataclass

from portal.models import StructureKind
from protocols.checklist import CHECKLIST_ITEMS
from protocols.models import (
    ChecklistAnswer,
    DocumentStatus,
    Protocol,
    ProtocolKind,
    ProtocolStatus,
    TeamRole,
)
from protocols.services.common import (
    today,
)


@dataclass(frozen=True)
class Problem:
    """One line of the pre-flight list shown before a deposit. ``section`` says which page fixes it."""

    message: str
    section: str
    blocking: bool = True
    membership_id: int | None = None  # the member whose documents or training to fix


def _esp_problem(protocol: Protocol) -> Problem | None:
    structure = protocol.structure
    if structure.kind != StructureKind.ESP:
        return None
    implementing = protocol.implementing_structure
    if implementing is None or not structure.cpts_memberships.filter(pk=implementing.pk).exists():
        return Problem(
            "Une équipe de soins primaires (ESP) ne met en œuvre un protocole local que par l'intermédiaire d'une "
            "CPTS à laquelle elle participe (art. L.4011-4-3 du CSP) : choisissez cette CPTS dans le protocole "
            "avant de le déclarer.",
            "contenu",
        )
    return None


def declaration_problems(*, protocol: Protocol, on: datetime.date | None = None) -> list[Problem]:
    """What prevents (blocking) or deserves a look (warning) before depositing the protocol on ``on``."""
    on = on or today()
    problems: list[Problem] = []
    if protocol.status == ProtocolStatus.ENDED:
        ended = "La mise en œuvre de ce protocole a été annulée par l'ARS : il ne se déclare plus."
        return [Problem(ended, "contenu")]
    for label in protocol.missing_fields():
        problems.append(Problem(f"Section à compléter : {label}.", "contenu"))
    esp = _esp_problem(protocol)
    if esp:
        problems.append(esp)
    if protocol.kind == ProtocolKind.NATIONAL:
        national = protocol.national_protocol
        if not national.allows(protocol.carrying_structure.kind):
            problems.append(
                Problem(
                    f"Ce protocole national n'est autorisé qu'en {', '.join(national.allowed_structure_kinds)}.",
                    "contenu",
                )
            )
        version = national.current_version()
        for member in protocol.team.active_on(on).select_related("professional__user"):
            if not protocol.allows_profession(member.role, member.professional.profession):
                problems.append(
                    Problem(
                        f"{member.professional.user} est {member.professional.get_profession_display().lower()} : "
                        f"la {version.label if version else 'version actuelle'} du catalogue national ne le prévoit "
                        f"pas comme {member.get_role_display().lower()}. Une déclaration adhère à la version en "
                        "vigueur : enregistrez son départ avant de déclarer.",
                        "equipe",
                        membership_id=member.pk,
                    )
                )
        if national.training_hours_to_confirm:
            problems.append(
                Problem("La durée de formation de ce protocole national est à confirmer par l'ARS.", "contenu", False)
            )
    else:
        if not protocol.in_health_project:
            problems.append(
                Problem(
                    "Indiquez que le protocole est inscrit dans le projet de santé de "
                    f"{protocol.carrying_structure.name} : un protocole local s'y intègre.",
                    "contenu",
                )
            )
        answers = {answer.item: answer for answer in protocol.checklist_answers.all()}
        unanswered = [question for code, _s, question in CHECKLIST_ITEMS if code not in answers]
        if unanswered:
            problems.append(
                Problem(
                    f"{len(unanswered)} exigence(s) de la liste de contrôle R.4011-1 sans réponse : "
                    + " ; ".join(unanswered),
                    "checklist",
                )
            )
        noes = [answer for answer in answers.values() if answer.answer == ChecklistAnswer.Answer.NO]
        if noes:
            problems.append(
                Problem(
                    f"{len(noes)} exigence(s) R.4011-1 auxquelles le protocole répond « non » : l'ARS peut suspendre "
                    "un protocole qui ne respecte pas les exigences de qualité et de sécurité.",
                    "checklist",
                    False,
                )
            )
    members = list(
        protocol.team.active_on(on).select_related("professional__user", "training").prefetch_related("documents")
    )
    if not any(member.role == TeamRole.DELEGANT for member in members):
        problems.append(Problem("L'équipe doit compter au moins un délégant ayant accepté son invitation.", "equipe"))
    if not any(member.role == TeamRole.DELEGATE for member in members):
        problems.append(Problem("L'équipe doit compter au moins un délégué ayant accepté son invitation.", "equipe"))
    for member in members:
        documents = [document for document in member.documents.all() if document.is_required]
        missing = [d.get_kind_display() for d in documents if d.status == DocumentStatus.MISSING]
        refused = [d for d in documents if d.status == DocumentStatus.REFUSED]
        if missing:
            problems.append(
                Problem(
                    f"{member.professional.user} : pièce(s) manquante(s) — {', '.join(missing)}.",
                    "pieces",
                    membership_id=member.pk,
                )
            )
        for document in refused:
            problems.append(
                Problem(
                    f"{member.professional.user} : {document.get_kind_display()} refusée par l'ARS "
                    f"({document.refusal_reason}) — déposez une nouvelle pièce.",
                    "pieces",
                    membership_id=member.pk,
                )
            )
        if member.role == TeamRole.DELEGATE:
            training = member.training_or_none()
            if training is None or not training.is_completed_on(on):
                problems.append(
                    Problem(
                        f"{member.professional.user} : formation non terminée — ce délégué ne pourra réaliser d'actes "
                        "qu'à compter de la fin de sa formation.",
                        "equipe",
                        False,
                        membership_id=member.pk,
                    )
                )
    pending = protocol.team.filter(status="invited").count()
    if pending:
        problems.append(
            Problem(
                f"{pending} invitation(s) sans réponse : ces professionnels ne figureront pas dans la déclaration.",
                "equipe",
                False,
            )
        )
    return problems
