"""The life of a biannual report: opened for each running grant at the end of a half-year, prefilled with the
engine's figures, written by the coordinator, submitted under a sworn statement, reviewed by the ARS.

Every state change goes through ``report_transition``: it reads the report under a row lock, checks the transition
exists from the current state and that ``by`` holds one of its roles for this report's structure or region, saves
the new state (history) and records a ``ReportTransition``. The services add their own guards before calling it.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from funding.models import Grant, GrantState
from funding.periods import Period
from portal.access import get_scope
from portal.errors import ApplicationError
from portal.models import Region
from portal.roles import Role
from protocols.models import IndicatorValue
from reporting.models import EDITABLE_STATES, BiannualReport, ReportState, ReportTransition
from reporting.selectors.figures import report_figures
from reporting.services.notifications import notify_changes_requested, notify_opened, notify_submitted

S = ReportState
TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (S.TODO, S.DRAFT): frozenset({Role.COORDINATOR}),
    (S.DRAFT, S.SUBMITTED): frozenset({Role.COORDINATOR}),
    (S.CHANGES_REQUESTED, S.SUBMITTED): frozenset({Role.COORDINATOR}),
    (S.SUBMITTED, S.CHANGES_REQUESTED): frozenset({Role.INSTRUCTOR}),
    (S.SUBMITTED, S.ACCEPTED): frozenset({Role.INSTRUCTOR}),
}
STRUCTURE_SIDE = frozenset({Role.COORDINATOR})
# States whose PDF is rendered in the background as soon as they are reached (the document the ARS and the
# structure exchange); a draft changes at every keystroke, its PDF is rendered when someone downloads it.
PDF_STATES = frozenset({S.SUBMITTED, S.CHANGES_REQUESTED, S.ACCEPTED})
TEXT_SECTIONS = ("use_of_funds", "sharing", "difficulties", "next_steps")
SECTION_LABELS = {
    "use_of_funds": "Utilisation des fonds",
    "sharing": "Répartition entre délégants et délégués",
    "difficulties": "Difficultés rencontrées",
    "next_steps": "Perspectives",
    "indicator_values": "Indicateurs du protocole",
}


def due_date(opened_on: datetime.date) -> datetime.date:
    return opened_on + datetime.timedelta(days=settings.REPORT_DUE_DAYS)


def _holds(user, report: BiannualReport, roles: frozenset[str]) -> bool:
    scope = get_scope(user)
    structure_id, region_id = report.grant.structure_id, report.grant.structure.region_id
    if roles & STRUCTURE_SIDE and structure_id in scope.structure_ids(roles & STRUCTURE_SIDE):
        return True
    agency_roles = roles - STRUCTURE_SIDE
    return bool(agency_roles) and region_id in scope.region_ids(agency_roles)


def allowed_targets(report: BiannualReport, user) -> list[str]:
    """The states ``user`` may move the report to now (for buttons)."""
    return [to for (frm, to), roles in TRANSITIONS.items() if frm == report.state and _holds(user, report, roles)]


def _locked(report: BiannualReport) -> BiannualReport:
    return (
        BiannualReport.objects.select_for_update(of=("self",))
        .select_related("grant__structure", "grant__protocol")
        .get(pk=report.pk)
    )


@transaction.atomic
def report_transition(
    *, report: BiannualReport, to_state: str, by, comment: str = "", at=None, **fields
) -> BiannualReport:
    """Move ``report`` to ``to_state``; ``fields`` are saved with it (submitted_at, ars_comment…)."""
    locked = _locked(report)
    from_state = locked.state
    roles = TRANSITIONS.get((from_state, to_state))
    if roles is None:
        raise ApplicationError(
            f"Le rapport est « {S(from_state).label} » : il ne peut pas passer à « {S(to_state).label} ».",
            code="transition_not_allowed",
        )
    if not _holds(by, locked, roles):
        raise ApplicationError("Vous n'avez pas le rôle nécessaire pour ce changement d'état.", code="forbidden")
    locked.state = to_state
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.full_clean(validate_unique=False)
    locked.save(update_fields=["state", *fields])
    ReportTransition.objects.create(
        report=locked, from_state=from_state, to_state=to_state, by=by, at=at or timezone.now(), comment=comment
    )
    if to_state in PDF_STATES:
        _queue_pdf(locked)
    return locked


def _queue_pdf(report: BiannualReport) -> None:
    from reporting.tasks import report_pdf_task

    report_pdf_task.delay_on_commit(report.pk)


def _indicators_of(grant, period: Period) -> list[dict]:
    values = IndicatorValue.objects.filter(protocol_id=grant.protocol_id, year=period.year).order_by("label")
    return [
        {"label": value.label, "value": f"{value.value.normalize():f}" + (f" {value.unit}" if value.unit else "")}
        for value in values
    ]


def grants_to_report(region, period: Period):
    """Grants that owe a report for ``period``: running during it, and not closed before it began. AMI grants only:
    seed 000's twice-yearly report on the use of the funds is the selected teams'; an SNP line accounts through the
    ARS's tableau de reporting (seed 003)."""
    return (
        Grant.objects.ami()
        .filter(structure__region=region, starts_on__lte=period.end, ends_on__gte=period.start)
        .exclude(state=GrantState.CLOSED, closed_at__date__lt=period.start)
        .select_related("structure", "protocol")
        .order_by("reference")
    )


@transaction.atomic
def reports_open(*, region, period: Period, now=None) -> list[BiannualReport]:
    """Open the reports of ``period`` for every grant of ``region`` that owes one (idempotent: a grant that already
    has its report is left alone). Returns the reports created by this call."""
    now = now or timezone.now()
    existing = set(
        BiannualReport.objects.filter(grant__structure__region=region, year=period.year, half=period.half)
        .values_list("grant_id", flat=True)
        .order_by()
    )
    due_on = due_date(timezone.localdate(now))
    created = []
    for grant in grants_to_report(region, period).select_for_update(of=("self",)):
        if grant.pk in existing:
            continue
        report = BiannualReport(
            grant=grant,
            year=period.year,
            half=period.half,
            opened_at=now,
            due_on=due_on,
            figures=report_figures(grant, period),
            figures_refreshed_at=now,
            indicator_values=_indicators_of(grant, period),
        )
        report.full_clean()
        report.save()
        created.append(report)
    return created


def report_refresh_figures(*, report: BiannualReport, now=None) -> BiannualReport:
    """Read the figures again from the engine while the coordinator still writes; a submitted or accepted report
    keeps the figures it was submitted with."""
    if report.state not in EDITABLE_STATES:
        return report
    figures = report_figures(report.grant, Period(report.year, report.half))
    if figures != report.figures:
        report.figures, report.figures_refreshed_at = figures, now or timezone.now()
        report.save(update_fields=["figures", "figures_refreshed_at"])
    return report


@transaction.atomic
def report_save_draft(*, report: BiannualReport, by, **sections) -> BiannualReport:
    """Save the coordinator's sections (any subset); a report still to do becomes a draft."""
    unknown = set(sections) - {*TEXT_SECTIONS, "indicator_values"}
    if unknown:
        raise ValueError(f"Sections inconnues : {sorted(unknown)}")
    locked = _locked(report)
    if locked.state not in EDITABLE_STATES:
        raise ApplicationError(f"Le rapport est « {locked.get_state_display()} » : il n'est plus modifiable.")
    if not _holds(by, locked, STRUCTURE_SIDE):
        raise ApplicationError("Seul un coordinateur de la structure rédige ce rapport.", code="forbidden")
    changed = [name for name, value in sections.items() if getattr(locked, name) != value]
    if changed:
        for name in changed:
            setattr(locked, name, sections[name])
        locked.full_clean(validate_unique=False)
        locked.save(update_fields=changed)
    if locked.state == S.TODO:
        locked = report_transition(report=locked, to_state=S.DRAFT, by=by)
    return locked


def missing_sections(report: BiannualReport) -> list[str]:
    missing = [SECTION_LABELS[name] for name in TEXT_SECTIONS if not getattr(report, name).strip()]
    if not report.indicator_values:
        missing.append(SECTION_LABELS["indicator_values"])
    return missing


@transaction.atomic
def report_submit(*, report: BiannualReport, by, sworn_statement: bool, now=None) -> BiannualReport:
    """Submit under the sworn statement: every section written, figures read a last time from the engine."""
    locked = _locked(report)
    if not _holds(by, locked, STRUCTURE_SIDE):
        raise ApplicationError("Seul un coordinateur de la structure transmet ce rapport.", code="forbidden")
    if locked.state == S.TODO:
        raise ApplicationError("Rédigez le rapport avant de le transmettre.", code="empty")
    missing = missing_sections(locked)
    if missing:
        raise ApplicationError(f"Sections à compléter avant la transmission : {', '.join(missing)}.", code="missing")
    if not sworn_statement:
        raise ApplicationError(
            "Cochez l'attestation sur l'honneur pour transmettre le rapport.", code="sworn", field="sworn_statement"
        )
    now = now or timezone.now()
    report_refresh_figures(report=locked, now=now)
    report = report_transition(
        report=locked,
        to_state=S.SUBMITTED,
        by=by,
        at=now,
        sworn_statement=True,
        submitted_at=now,
        submitted_by=by,
    )
    notify_submitted(report)
    return report


def report_request_changes(*, report: BiannualReport, by, comment: str, now=None) -> BiannualReport:
    comment = (comment or "").strip()
    if not comment:
        raise ApplicationError("Dites au coordinateur ce qu'il faut modifier.", code="comment", field="comment")
    now = now or timezone.now()
    report = report_transition(
        report=report,
        to_state=S.CHANGES_REQUESTED,
        by=by,
        comment=comment,
        at=now,
        ars_comment=comment,
        reviewed_at=now,
        reviewed_by=by,
        sworn_statement=False,  # the next submission is sworn again
    )
    notify_changes_requested(report)
    return report


def report_accept(*, report: BiannualReport, by, comment: str = "", now=None) -> BiannualReport:
    now = now or timezone.now()
    return report_transition(
        report=report,
        to_state=S.ACCEPTED,
        by=by,
        comment=(comment or "").strip(),
        at=now,
        reviewed_at=now,
        reviewed_by=by,
    )


def reports_open_period(*, period: Period, now=None) -> int:
    """Open ``period``'s reports in every region and tell each structure's coordinators (only for the reports
    this call created: a second run opens and sends nothing). Returns the number opened."""
    opened = 0
    for region in Region.objects.order_by("code"):
        with transaction.atomic():
            created = reports_open(region=region, period=period, now=now)
            for report in created:
                notify_opened(report)
        opened += len(created)
    return opened
