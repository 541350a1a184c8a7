"""The sworn statement of a half-year's tableau de reporting: opened by the coordinator, confirmed by each delegate
and delegant named in its lines, transmitted to the ARS by the coordinator once all have confirmed.

- **Lines**: the structure's active interventions dated in the half-year, on a protocol it has a funding line for
  (``tableau_lines``): what the ARS pays from (the statements) and what the ARS's export of the tableau lists.
- **Signatories**: everyone named in those lines as delegate (first or second contact) or delegant. Each confirms
  his own lines: the digest of what he read is recorded with his confirmation; when his lines change (a late
  import, a correction), he must confirm again. The rows follow the lines as they change
  (``tableau_refresh``, run by the services below and whenever the protocols layer announces a change).
- **Transitions** (table ``TRANSITIONS``): opening (nothing → collecting) and transmission (collecting →
  transmitted), by a coordinator of the structure, each with its guard, under the tableau's row lock, with a
  ``TableauTransition`` and simple-history. The tableau is locked before its signatory rows, everywhere.

The rules the seed does not state are the portal's proposal (docs/decisions.md, « Tableau de reporting ») : the
half-year must be over before opening or transmitting; the coordinator's transmission is the head of the
structure's signature.
"""

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from funding.models import Grant, Tableau, TableauSignatory, TableauState, TableauTransition
from funding.periods import Period
from funding.services.tableau_notifications import notify_all_confirmed, notify_opened, notify_transmitted
from portal.access import get_scope
from portal.errors import ApplicationError
from portal.models import Structure, User
from portal.roles import Role
from protocols.models import Intervention, Protocol

S = TableauState
OPEN, TRANSMIT = "open", "transmit"
TRANSITIONS: dict[str, tuple[str, str, frozenset[str]]] = {
    OPEN: ("", S.COLLECTING, frozenset({Role.COORDINATOR})),
    TRANSMIT: (S.COLLECTING, S.TRANSMITTED, frozenset({Role.COORDINATOR})),
}
LINE_FIELDS = (
    "pk",
    "protocol_id",
    "performed_on",
    "delegate_id",
    "delegant_id",
    "second_contact_on",
    "second_contact_delegate_id",
)


def tableau_lines(structure_id: int, period: Period):
    """The lines of a structure's tableau for ``period`` (see the module docstring)."""
    funded = Grant.objects.filter(structure_id=structure_id).values("protocol_id")
    return Intervention.objects.active().filter(
        structure_id=structure_id, performed_on__range=(period.start, period.end), protocol_id__in=funded
    )


def lines_of(tableau: Tableau, professional_id: int):
    """The lines of the tableau where the professional is named (delegate of either contact, or delegant)."""
    return tableau_lines(tableau.structure_id, tableau.period).filter(
        Q(delegate_id=professional_id) | Q(delegant_id=professional_id) | Q(second_contact_delegate_id=professional_id)
    )


def lines_digest_of(tableau: Tableau, professional_id: int) -> str:
    """The digest of his lines as they stand: what his confirmation records (the page sends it back)."""
    return _digest(lines_of(tableau, professional_id).values_list(*LINE_FIELDS))


@dataclass
class _Named:
    lines: list = field(default_factory=list)
    is_delegate: bool = False
    is_delegant: bool = False


def _digest(lines) -> str:
    text = "\n".join(",".join("" if value is None else str(value) for value in line) for line in sorted(lines))
    return hashlib.sha256(text.encode()).hexdigest()


def _read_lines(tableau: Tableau) -> tuple[list[tuple], dict[int, _Named]]:
    lines = list(tableau_lines(tableau.structure_id, tableau.period).values_list(*LINE_FIELDS))
    named: dict[int, _Named] = defaultdict(_Named)
    for line in lines:
        _pk, _protocol, _day, delegate_id, delegant_id, _second_on, second_delegate_id = line
        for professional_id, as_delegant in ((delegate_id, False), (delegant_id, True), (second_delegate_id, False)):
            if professional_id is None:
                continue
            entry = named[professional_id]
            if not entry.lines or entry.lines[-1] is not line:
                entry.lines.append(line)
            entry.is_delegant |= as_delegant
            entry.is_delegate |= not as_delegant
    return lines, named


def tableau_refresh(*, tableau: Tableau) -> Tableau:
    """Bring the signatories and digests in line with the tableau's lines. Call it with the tableau row locked; a
    transmitted tableau only records its current digest (what was transmitted stays as it was)."""
    lines, named = _read_lines(tableau)
    digest = _digest(lines)
    if (tableau.line_count, tableau.lines_digest) != (len(lines), digest):
        tableau.line_count, tableau.lines_digest = len(lines), digest
        tableau.save(update_fields=["line_count", "lines_digest"])
    if tableau.is_transmitted:
        return tableau
    existing = {row.professional_id: row for row in TableauSignatory.objects.filter(tableau=tableau)}
    for professional_id, entry in named.items():
        values = {
            "is_delegate": entry.is_delegate,
            "is_delegant": entry.is_delegant,
            "is_current": True,
            "line_count": len(entry.lines),
            "lines_digest": _digest(entry.lines),
        }
        row = existing.get(professional_id)
        if row is None:
            TableauSignatory.objects.create(tableau=tableau, professional_id=professional_id, **values)
        elif any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            row.save(update_fields=list(values))
    for professional_id, row in existing.items():
        if professional_id not in named and row.is_current:
            row.is_current, row.line_count, row.lines_digest = False, 0, ""
            row.save(update_fields=["is_current", "line_count", "lines_digest"])
    return tableau


def refresh_open_tableaux(*, protocol_id: int, since=None) -> None:
    """The lines of ``protocol_id`` changed from ``since`` on: refresh the tableaux they may belong to that are
    still collecting attestations (the receiver of ``eligibility_inputs_changed``)."""
    carriers = Protocol.objects.filter(pk=protocol_id).values_list("structure_id", "implementing_structure_id")
    structure_ids = {implementing or own for own, implementing in carriers}
    with transaction.atomic():
        tableaux = (
            Tableau.objects.select_for_update(of=("self",))
            .filter(structure_id__in=structure_ids, state=S.COLLECTING)
            .order_by("pk")
        )
        for tableau in tableaux:
            if since is None or tableau.period.end >= since:
                tableau_refresh(tableau=tableau)


def _holds(user: User, structure_id: int, transition: str) -> bool:
    roles = TRANSITIONS[transition][2]
    return user.is_superuser or structure_id in get_scope(user).structure_ids(roles)


def can_open(user: User, structure: Structure) -> bool:
    """May ``user`` open the tableaux of ``structure`` (the may-act rule; reading is ``Tableau.objects.visible_to``,
    transmitting and confirming ``transmittable_by`` and ``confirmable_by``)."""
    return _holds(user, structure.pk, OPEN)


def _log(tableau: Tableau, from_state: str, to_state: str, by: User, comment: str = "") -> None:
    TableauTransition.objects.create(tableau=tableau, from_state=from_state, to_state=to_state, by=by, comment=comment)


@transaction.atomic
def tableau_open(*, structure: Structure, period: Period, by: User) -> Tableau:
    """Open the structure's tableau of a half-year that is over, and ask its signatories to confirm it."""
    if not can_open(by, structure):
        raise ApplicationError("Seuls les coordinateurs de la structure ouvrent son tableau de reporting.")
    if not period.is_over():
        raise ApplicationError(
            f"Le {period.label} n'est pas terminé : son tableau s'ouvre à partir du lendemain de sa fin."
        )
    # One opening at a time per structure (the unique constraint would refuse the second one anyway).
    Structure.objects.select_for_update(of=("self",), no_key=True).filter(pk=structure.pk).first()
    if Tableau.objects.filter(structure=structure, year=period.year, half=period.half).exists():
        raise ApplicationError(f"Le tableau du {period.label} de {structure.name} est déjà ouvert.")
    if not tableau_lines(structure.pk, period).exists():
        raise ApplicationError(
            f"{structure.name} n'a aucune intervention du {period.label} sur un protocole financé : "
            "il n'y a rien à attester."
        )
    from_state, to_state, _roles = TRANSITIONS[OPEN]
    tableau = Tableau.objects.create(
        structure=structure, year=period.year, half=period.half, state=to_state, opened_by=by
    )
    tableau_refresh(tableau=tableau)
    _log(tableau, from_state, to_state, by)
    notify_opened(tableau)
    return tableau


def _locked(tableau: Tableau) -> Tableau:
    return Tableau.objects.select_for_update(of=("self",)).select_related("structure__region").get(pk=tableau.pk)


@transaction.atomic
def tableau_confirm(*, tableau: Tableau, by: User, digest: str) -> TableauSignatory:
    """``by`` confirms, on his honour, his lines of the tableau as he read them (``digest``, from the page)."""
    locked = _locked(tableau)
    if locked.state != S.COLLECTING:
        raise ApplicationError("Ce tableau a déjà été transmis à l'ARS : il ne se confirme plus.")
    tableau_refresh(tableau=locked)
    signatory = (
        TableauSignatory.objects.select_for_update(of=("self",))
        .filter(tableau=locked, professional__user=by, is_current=True)
        .first()
    )
    if signatory is None:
        raise ApplicationError("Vous n'êtes nommé dans aucune ligne de ce tableau : il n'y a rien à attester.")
    if signatory.lines_digest != digest:
        raise ApplicationError(
            "Vos lignes ont changé depuis l'affichage de la page : relisez-les, puis attestez de nouveau."
        )
    if signatory.is_confirmed:
        return signatory
    signatory.confirmed_digest, signatory.confirmed_at, signatory.confirmed_by = digest, timezone.now(), by
    signatory.save(update_fields=["confirmed_digest", "confirmed_at", "confirmed_by"])
    if not pending_signatories(locked).exists():
        notify_all_confirmed(locked)
    return signatory


def pending_signatories(tableau: Tableau):
    """The current signatories who have not confirmed their lines as they stand."""
    signatories = TableauSignatory.objects.filter(tableau=tableau, is_current=True)
    return signatories.filter(confirmed_digest="") | signatories.exclude(confirmed_digest=F("lines_digest"))


def transmit_problems(tableau: Tableau) -> list[str]:
    """Why the tableau cannot be transmitted now (empty: it can), in French, for the page and the service."""
    problems = []
    if tableau.state != S.COLLECTING:
        problems.append("Le tableau a déjà été transmis.")
        return problems
    if not tableau.period.is_over():
        problems.append(f"Le {tableau.period.label} n'est pas terminé.")
    if tableau.line_count == 0:
        problems.append("Le tableau n'a plus aucune ligne.")
    pending = pending_signatories(tableau).count()
    if pending == 1:
        problems.append("Un professionnel n'a pas encore attesté ses lignes.")
    elif pending:
        problems.append(f"{pending} professionnels n'ont pas encore attesté leurs lignes.")
    return problems


@transaction.atomic
def tableau_transmit(*, tableau: Tableau, by: User, sworn: bool) -> Tableau:
    """Transmit the tableau to the ARS: every signatory has confirmed his lines as they stand, and ``by``, a
    coordinator, attests it as the head of the structure."""
    locked = _locked(tableau)
    from_state, to_state, _roles = TRANSITIONS[TRANSMIT]
    if not _holds(by, locked.structure_id, TRANSMIT):
        raise ApplicationError("Seuls les coordinateurs de la structure transmettent son tableau de reporting.")
    if not sworn:
        raise ApplicationError(
            "Cochez l'attestation sur l'honneur du responsable de la structure pour transmettre le tableau.",
            field="sworn",
        )
    if locked.state == S.COLLECTING:
        tableau_refresh(tableau=locked)
    problems = transmit_problems(locked)
    if problems:
        raise ApplicationError("Le tableau ne peut pas être transmis : " + " ".join(problems))
    locked.state, locked.transmitted_at, locked.transmitted_by = to_state, timezone.now(), by
    locked.transmitted_digest, locked.transmitted_line_count = locked.lines_digest, locked.line_count
    locked.save(
        update_fields=["state", "transmitted_at", "transmitted_by", "transmitted_digest", "transmitted_line_count"]
    )
    _log(locked, from_state, to_state, by)
    notify_transmitted(locked)
    return locked
