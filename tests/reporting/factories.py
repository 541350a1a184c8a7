import datetime

import factory

from reporting.models import BiannualReport, ConsolidatedReport, ReportState
from tests.funding.factories import GrantFactory
from tests.portal.factories import RegionFactory

WRITTEN = {
    "use_of_funds": "Temps de coordination et formation des délégués.",
    "sharing": "40 % délégant, 60 % délégués.",
    "difficulties": "Aucune.",
    "indicator_values": [{"label": "Patients suivis", "value": "120"}],
    "next_steps": "Étendre le protocole.",
}


class BiannualReportFactory(factory.django.DjangoModelFactory):
    """A report of 2025-H1 still to do (figures empty: services fill them); trait ``written`` fills the sections."""

    class Meta:
        model = BiannualReport

    grant = factory.SubFactory(GrantFactory)
    year = 2025
    half = 1
    due_on = datetime.date(2025, 7, 31)
    state = ReportState.TODO

    class Params:
        written = factory.Trait(state=ReportState.DRAFT, **WRITTEN)


class ConsolidatedReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsolidatedReport

    region = factory.SubFactory(RegionFactory)
    year = 2025
    half = 1
