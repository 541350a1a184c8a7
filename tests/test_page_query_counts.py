"""Every page that a user of each role opens answers in a number of queries that grows neither with the rows nor
with the regions (issue 19): measured on the demo, then after a synthetic load in the same region (structures,
grants, dossiers, interventions, statements, reports, declarations; interventions in the demo structure too), then
after the same load in two other regions. The three counts of each page must be equal.

Adding a page is one line in ``PAGES`` (``page``/``pk`` as in the accessibility audit); an API list is one
line in ``API_LISTS``.
"""

import datetime

from django.apps import apps
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portal.models import ApiToken, Professional, Region, RegionMembership, User
from portal.tokens import api_token_create
from protocols.models import Protocol
from tests.clients import PortalClient


def pk(model: str, **lookup):
    """The id of a demo object, looked up by its natural key when the test runs (``"app.Model"``, field=value)."""
    return lambda: apps.get_model(model).objects.filter(**lookup).order_by("pk").values_list("pk", flat=True)[0]


def page(name: str, **arguments):
    return name, arguments


def url_of(name: str, arguments: dict) -> str:
    kwargs = {key: value() if callable(value) else value for key, value in arguments.items()}
    query = kwargs.pop("query", "")
    return reverse(name, kwargs=kwargs) + (f"?{query}" if query else "")


PACA = pk("portal.Region", code="PACA")
CAMPAIGN = pk("funding.Campaign", title="AMI protocoles de coopération locaux 2025")
HTA = pk("protocols.Protocol", code="LOC-PACA-HTA")
SELECTED = pk("funding.Dossier", reference="AMI-PACA-2025-001")
OLIVIERS_GRANT = pk("funding.Grant", reference="SUB-PACA-2025-001")
H1 = pk("funding.Statement", grant__reference="SUB-PACA-2025-001", year=2025, half=1)
POLLAKIURIA = pk("protocols.NationalProtocol", code="SNP-POLLAKIURIE")
INES_INTERVENTION = pk("protocols.Intervention", delegate__user__email="ide.msp@demo.fr", cancelled_at=None)

COORDINATOR, NURSE = "coordinateur.msp@demo.fr", "ide.msp@demo.fr"
INSTRUCTOR, COMMITTEE, FINANCE = "instructeur.paca@demo.fr", "commission.paca@demo.fr", "finance.paca@demo.fr"
ADMIN, PILOT = "admin.paca@demo.fr", "pilote.national@demo.fr"

# (account, page): the pages named by issue 19, for the roles that open them.
PAGES = [
    *[
        (account, page("reporting:home"))
        for account in (COORDINATOR, NURSE, INSTRUCTOR, COMMITTEE, FINANCE, ADMIN, PILOT)
    ],
    (COORDINATOR, page("reporting:dashboard", query="periode=2025-H2")),
    (NURSE, page("reporting:dashboard")),
    (INSTRUCTOR, page("reporting:agency_dashboard", query="annee=2025")),
    (FINANCE, page("reporting:agency_dashboard", query="departement=13")),
    (PILOT, page("reporting:national_dashboard", query="periode=2025-H1")),
    (PILOT, page("reporting:national_region", region_id=PACA)),
    (COORDINATOR, page("funding:intervention_overview")),
    (FINANCE, page("funding:intervention_overview")),
    (NURSE, page("funding:intervention_overview")),
    (COORDINATOR, page("funding:intervention_list")),
    (FINANCE, page("funding:intervention_list")),
    (INSTRUCTOR, page("funding:intervention_list", query="statut=exclue")),
    (NURSE, page("funding:intervention_list")),
    (NURSE, page("protocols:my_interventions")),
    (NURSE, page("protocols:intervention_edit", intervention_id=INES_INTERVENTION)),
    (INSTRUCTOR, page("funding:instruction_list")),
    (INSTRUCTOR, page("funding:instruction_dossier", dossier_id=SELECTED)),
    (COORDINATOR, page("funding:my_dossiers")),
    (COORDINATOR, page("funding:dossier_detail", dossier_id=SELECTED)),
    (ADMIN, page("funding:committee_page", campaign_id=CAMPAIGN)),
    (COMMITTEE, page("funding:review_list")),
    (FINANCE, page("funding:statement_home")),
    (FINANCE, page("funding:statement_period", region_id=PACA, period="2025-H1")),
    (FINANCE, page("funding:statement_detail", statement_id=H1)),
    (INSTRUCTOR, page("reporting:report_agency_list")),
    (COORDINATOR, page("reporting:report_list")),
    (INSTRUCTOR, page("protocols:agency_declarations")),
    (COORDINATOR, page("protocols:declaration_list", protocol_id=HTA)),
    (COORDINATOR, page("protocols:national_protocol_versions", national_protocol_id=POLLAKIURIA)),
    (ADMIN, page("reporting:indicator_comparison", campaign_id=CAMPAIGN)),
    (COORDINATOR, page("funding:grant_indicators", grant_id=OLIVIERS_GRANT)),
]

# (account, API path): the list endpoints.
API_LISTS = [
    (INSTRUCTOR, "/structures"),
    (INSTRUCTOR, "/protocols"),
    (COORDINATOR, "/interventions"),
    (INSTRUCTOR, "/interventions"),
    (INSTRUCTOR, "/dossiers"),
    (FINANCE, "/statements"),
    (FINANCE, lambda: f"/statements/{H1()}/items"),
    (COORDINATOR, lambda: f"/protocols/{HTA()}/team"),
]


def _label(account: str, target) -> str:
    name, arguments = target if isinstance(target, tuple) else (target, {})
    return f"{account} {name} {arguments.get('query', '')}".strip()


def _count(client, url: str, **headers) -> int:
    cache.clear()  # every aggregate read from PostgreSQL: the cold count is the one that could grow
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured)


def _measure(clients: dict, tokens: dict) -> dict:
    counts = {}
    for account, target in PAGES:
        counts[_label(account, target)] = _count(clients[account], url_of(*target))
    for account, path in API_LISTS:
        path = path() if callable(path) else path
        # A token records its last use at most once a minute: marked used just now, so that write never lands in a
        # count however slow the machine (it did, one run in four, when warmed once before the loop).
        ApiToken.objects.filter(user__email=account).update(last_used_at=timezone.now())
        counts[f"{account} API {path}"] = _count(
            clients["api"], f"/api/v1{path}", Authorization=f"Bearer {tokens[account]}"
        )
    return counts


def _more_rows_in_the_demo_structure(count: int) -> None:
    """Interventions logged by the nurse in the demo MSP (her lists, the MSP's follow-up and dashboard), through the
    service her form calls (eligibility recomputed in the same transaction)."""
    from protocols.services.interventions import intervention_log

    protocol = Protocol.objects.get(code="LOC-PACA-HTA")
    delegant = Professional.objects.get(user__email="medecin.msp@demo.fr")
    nurse = User.objects.get(email=NURSE)
    for n in range(count):
        intervention_log(
            by=nurse,
            protocol=protocol,
            performed_on=datetime.date(2025, 11, 2) + datetime.timedelta(days=n % 40),
            delegant=delegant,
            episode_reference=f"COMPTE-{n}",
        )


class _Null:
    def write(self, *args):
        pass


def _load(regions: str) -> None:
    """A synthetic load (``generate_load``: structures, grants, selected dossiers, teams, interventions and their
    eligibility), its H1 statements issued, and a biannual report per synthetic grant."""
    from funding.models import Grant
    from reporting.models import BiannualReport

    call_command("generate_load", region=regions, grants=3, interventions=300, stdout=_Null())
    for code in regions.split(","):
        call_command("compute_funding", region=code, period="2025-H1", issue=True, stdout=_Null())
    BiannualReport.objects.bulk_create(
        BiannualReport(grant=grant, year=2025, half=1, due_on=datetime.date(2025, 7, 31))
        for grant in Grant.objects.filter(reference__startswith="LOAD-")
        if not BiannualReport.objects.filter(grant=grant, year=2025, half=1).exists()
    )


def _volumes() -> dict:
    from funding.models import Dossier, Statement
    from protocols.models import Intervention
    from reporting.models import BiannualReport

    return {
        "paca_interventions": Intervention.objects.filter(structure__region__code="PACA").count(),
        "msp_interventions": Intervention.objects.filter(structure__finess="130012347").count(),
        "paca_dossiers": Dossier.objects.filter(structure__region__code="PACA").count(),
        "paca_statements": Statement.objects.filter(grant__structure__region__code="PACA").count(),
        "paca_reports": BiannualReport.objects.filter(grant__structure__region__code="PACA").count(),
        "other_interventions": Intervention.objects.exclude(structure__region__code="PACA").count(),
    }


def test_page_query_counts_grow_neither_with_rows_nor_with_regions(demo):
    clients, tokens = {}, {}
    for account in {account for account, _target in PAGES}:
        client = PortalClient()
        client.force_login(User.objects.get(email=account))
        client.get("/")  # first request of the session (second factor, last login): not what is counted
        clients[account] = client
    for account in {account for account, _path in API_LISTS}:
        tokens[account] = api_token_create(user=User.objects.get(email=account), name="comptes", scope="read")[1]
        Client().get("/api/v1/structures", headers={"Authorization": f"Bearer {tokens[account]}"})
    clients["api"] = Client()

    demo_only = _measure(clients, tokens)
    before = _volumes()
    _load("PACA")
    _more_rows_in_the_demo_structure(40)
    more_rows = _measure(clients, tokens)
    after = _volumes()
    _load("CVL,NAQ")
    more_regions = _measure(clients, tokens)
    # And the agents of PACA given the same role in Centre-Val de Loire too: two regions in their scope, not one.
    for account in (INSTRUCTOR, COMMITTEE, FINANCE, ADMIN):
        membership = RegionMembership.objects.filter(user__email=account, region__code="PACA").first()
        RegionMembership.objects.create(
            user=membership.user, region=Region.objects.get(code="CVL"), role=membership.role
        )
    two_regions = _measure(clients, tokens)
    # The lists did get longer (a test whose data never reached the pages could not fail).
    assert after["paca_interventions"] >= before["paca_interventions"] + 340
    assert after["msp_interventions"] == before["msp_interventions"] + 40
    assert after["paca_dossiers"] == before["paca_dossiers"] + 3
    assert after["paca_statements"] >= before["paca_statements"] + 3
    assert after["paca_reports"] >= before["paca_reports"] + 3
    assert _volumes()["other_interventions"] >= after["other_interventions"] + 600

    grown = {
        label: (demo_only[label], more_rows[label], more_regions[label], two_regions[label])
        for label in demo_only
        if len({demo_only[label], more_rows[label], more_regions[label], two_regions[label]}) > 1
    }
    assert grown == {}, "requêtes (démo, + lignes, + régions chargées, agent de deux régions) : " + "; ".join(
        f"{k}: {v}" for k, v in grown.items()
    )
