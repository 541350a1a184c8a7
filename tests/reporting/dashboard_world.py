"""Builders of the dashboard tests: grants with interventions on chosen dates (their eligibility as the engine
would store it), issued statements and payments through the funding services, reports and adverse events."""

import datetime
from decimal import Decimal

from django.utils import timezone

from funding.models import DossierState, Statement
from funding.services.payments import payment_record
from portal.roles import Role
from reporting.models import BiannualReport, ReportState
from tests.funding.factories import DossierFactory
from tests.funding.statement_scenarios import GrantScenario, compute
from tests.portal.factories import StructureFactory, agent_of

D = datetime.date
END_OF_SEPTEMBER = D(2025, 9, 30)


def scenario_in(wave, departement="13", **grant_kwargs) -> GrantScenario:
    """A grant of a selected dossier of ``wave`` for a new structure of the campaign's region."""
    structure = StructureFactory(region=wave.campaign.region, departement=departement)
    return GrantScenario(
        dossier__structure=structure,
        dossier__wave=wave,
        dossier__submitted=True,
        dossier__state=DossierState.SELECTED,
        **grant_kwargs,
    )


def dossier_in(wave, state, departement="13"):
    structure = StructureFactory(region=wave.campaign.region, departement=departement)
    if state == DossierState.DRAFT:
        return DossierFactory(structure=structure, wave=wave)
    reason = "Pièces manquantes" if state == DossierState.INADMISSIBLE else ""
    return DossierFactory(structure=structure, wave=wave, submitted=True, state=state, inadmissibility_reason=reason)


def issue(region, period="2025-H1", by=None):
    return compute(region, period, issue=True, by=by)


def pay(statement: Statement, amount: str, reference="OP-1"):
    officer = agent_of(statement.grant.structure.region, Role.FINANCE_OFFICER)
    return payment_record(
        statement=statement,
        paid_on=timezone.localdate(),
        amount=Decimal(amount),
        reference=reference,
        by=officer,
    )


def report(grant, *, year=2025, half=1, state=ReportState.DRAFT, due_on=END_OF_SEPTEMBER) -> BiannualReport:
    submitted = state not in (ReportState.TODO, ReportState.DRAFT)
    return BiannualReport.objects.create(
        grant=grant,
        year=year,
        half=half,
        state=state,
        due_on=due_on,
        submitted_at=datetime.datetime(2025, 9, 1, tzinfo=datetime.UTC) if submitted else None,
        sworn_statement=submitted,
    )
