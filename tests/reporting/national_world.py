"""Builders of the national tests: regions with declared protocols, teams, interventions (eligibility as the
engine would store it), issued statements and payments, with names, RPPS and FINESS that tests look for."""

import datetime
from decimal import Decimal

from funding.models import DossierState
from protocols.models import NationalProtocol
from tests.funding.factories import WaveFactory
from tests.funding.statement_scenarios import GrantScenario
from tests.portal.factories import RegionFactory, StructureFactory
from tests.protocols.factories import ProtocolFactory, TeamMembershipFactory
from tests.reporting.dashboard_world import issue, pay

MARKER_NAME = "Zéphyrine-Marqueur"


def region_with_activity(code: str, *, budget="20000.00", theme="chronic", eligible=6, excluded=2, issued=True):
    """A region (``code``) with one campaign, one grant on a declared local protocol of ``theme``, its team (a
    delegant, a delegate, named ``MARKER_NAME``), ``eligible`` + ``excluded`` interventions in March 2025 and,
    when ``issued``, its 2025-H1 statement issued and half paid."""
    region = RegionFactory(code=code)
    wave = WaveFactory(campaign__region=region, campaign__budget=Decimal(budget) if budget else None)
    structure = StructureFactory(region=region, name=f"MSP {MARKER_NAME} {code}")
    scenario = GrantScenario(
        dossier__structure=structure,
        dossier__wave=wave,
        dossier__submitted=True,
        dossier__state=DossierState.SELECTED,
        dossier__protocol__declared=True,
        dossier__protocol__theme=theme,
        dossier__protocol__title=f"Protocole {MARKER_NAME}",
    )
    scenario.delegate.user.last_name = MARKER_NAME
    scenario.delegate.user.save()
    protocol = scenario.grant.protocol
    TeamMembershipFactory(protocol=protocol, professional=scenario.delegate)
    TeamMembershipFactory(protocol=protocol, professional=scenario.delegant, delegant=True)
    if eligible:
        scenario.add("2025-03-10", eligible)
    if excluded:
        scenario.add("2025-03-11", excluded, eligible=False, reason="doublon")
    if issued:
        issue(region, "2025-H1")
        statement = scenario.statement("2025-H1")
        if statement.total_amount > 0:
            pay(statement, str(statement.total_amount / 2))
    return scenario


def national_adhesion(region, *, code="SNP-POLLAKIURIE", declared_on=datetime.date(2025, 2, 1)):
    """A structure of ``region`` adhering to a national protocol of the catalogue (declared)."""
    from protocols import national_catalogue

    national_catalogue.ensure_catalogue()  # a flushed test database has lost the migration's rows
    national = NationalProtocol.objects.get(code=code)
    return ProtocolFactory(
        structure=StructureFactory(region=region, cpts=True),
        kind="national",
        theme="",
        national_protocol=national,
        code=code,
        title=national.short_title,
        status="declared",
        declared_on=declared_on,
    )
