"""Payment orders of issued statements: never more than due, what remains per grant and year, the list export."""

import csv
import datetime
import io
from decimal import Decimal
from html import unescape

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from funding.models import Payment, Statement
from funding.selectors.payments import balances_by_grant_year
from funding.services.payments import payment_record
from portal.errors import ApplicationError
from portal.roles import Role
from tests.funding.statement_scenarios import GrantScenario, compute
from tests.portal.factories import agent_of, coordinator_of

TODAY = datetime.datetime(2026, 3, 1, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _frozen_time():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def scenario():
    scenario = GrantScenario()
    scenario.add("2025-03-01", 200)  # H1: 5,000 €
    compute(scenario.region, "2025-H1", issue=True)
    scenario.add("2025-09-01", 40)  # H2: 1,000 €
    return scenario


@pytest.fixture
def officer(scenario):
    return agent_of(scenario.region, Role.FINANCE_OFFICER)


def record(statement, officer, amount, reference="OP-1", paid_on=datetime.date(2026, 3, 1)):
    return payment_record(
        statement=statement, paid_on=paid_on, amount=Decimal(amount), reference=reference, by=officer
    )


def test_payments_up_to_the_issued_amount(scenario, officer):
    h1 = scenario.statement("2025-H1")
    record(h1, officer, "3000.00", "OP-1")
    record(h1, officer, "2000.00", "OP-2")
    with pytest.raises(ApplicationError, match="plus rien à payer"):
        record(h1, officer, "0.01", "OP-3")
    assert Payment.objects.filter(statement=h1).count() == 2
    assert Payment.objects.get(reference="OP-2").history.count() == 1


def test_a_payment_above_what_remains_is_refused(scenario, officer):
    h1 = scenario.statement("2025-H1")
    record(h1, officer, "4999.00")
    with pytest.raises(ApplicationError, match="dépasse le reste à payer") as error:
        record(h1, officer, "1.01", "OP-2")
    assert error.value.field == "amount"


@pytest.mark.parametrize(
    ("paid_on", "message"),
    [(datetime.date(2026, 3, 2), "futur"), (datetime.date(2026, 2, 28), "précéder l'émission")],
)
def test_payment_dates_are_checked(scenario, officer, paid_on, message):
    with pytest.raises(ApplicationError, match=message):
        record(scenario.statement("2025-H1"), officer, "10.00", paid_on=paid_on)


def test_only_issued_statements_are_paid_and_only_by_the_officer(scenario, officer):
    compute(scenario.region, "2025-H2")
    with pytest.raises(ApplicationError, match="état émis"):
        record(scenario.statement("2025-H2"), officer, "10.00")
    with pytest.raises(ApplicationError, match="chargé de financement"):
        record(scenario.statement("2025-H1"), agent_of(scenario.region, Role.REGION_ADMIN), "10.00")


def test_the_same_reference_twice_on_a_statement_is_refused(scenario, officer):
    record(scenario.statement("2025-H1"), officer, "10.00", "OP-9")
    with pytest.raises(Exception, match="porte déjà cette référence"):
        record(scenario.statement("2025-H1"), officer, "10.00", "OP-9")


def test_remaining_per_grant_and_year(scenario, officer):
    compute(scenario.region, "2025-H2", issue=True)
    record(scenario.statement("2025-H1"), officer, "5000.00")
    record(scenario.statement("2025-H2"), officer, "400.00", "OP-2")
    other = GrantScenario(dossier__structure__region=scenario.region)
    other.add("2025-02-01", 1)
    compute(scenario.region, "2026-H1", today=datetime.date(2026, 7, 1))  # drafts are not owed yet
    rows = list(balances_by_grant_year(Statement.objects.all()))
    assert [(r["grant__reference"], r["year"], r["issued"], r["paid_total"], r["remaining_total"]) for r in rows] == [
        (scenario.grant.reference, 2025, Decimal("6000.00"), Decimal("5400.00"), Decimal("600.00")),
    ]


def test_the_officer_records_a_payment_in_the_browser_form(client, scenario, officer):
    client.force_login(officer)
    h1 = scenario.statement("2025-H1")
    url = reverse("funding:payment_create", kwargs={"statement_id": h1.pk})
    form = client.get(url)
    assert form.status_code == 200 and "5000,00" in form.content.decode()
    too_much = client.post(url, {"paid_on": "2026-03-01", "amount": "5000,01", "reference": "OP-1"})
    assert too_much.status_code == 400 and "dépasse le reste à payer" in unescape(too_much.content.decode())
    not_a_number = client.post(url, {"paid_on": "2026-03-01", "amount": "beaucoup", "reference": "OP-1"})
    assert not_a_number.status_code == 400
    response = client.post(url, {"paid_on": "2026-03-01", "amount": "1250,50", "reference": "OP-1", "comment": ""})
    assert response.status_code == 302
    assert Payment.objects.get().amount == Decimal("1250.50")
    detail = unescape(client.get(response.url).content.decode())
    assert "reste à payer : 3\u00a0749,50\u00a0€" in detail


def test_a_draft_cannot_be_paid_from_the_browser(client, scenario, officer):
    compute(scenario.region, "2025-H2")
    client.force_login(officer)
    url = reverse("funding:payment_create", kwargs={"statement_id": scenario.statement("2025-H2").pk})
    response = client.post(url, {"paid_on": "2026-03-01", "amount": "10", "reference": "OP-1"})
    assert response.status_code == 302 and not Payment.objects.exists()


def test_payment_list_and_exports(client, scenario, officer):
    record(scenario.statement("2025-H1"), officer, "1000.00", "=OP-1")
    client.force_login(officer)
    page = unescape(client.get(reverse("funding:payment_list"), {"annee": "2025"}).content.decode())
    assert scenario.grant.reference in page and "4\u00a0000,00\u00a0€" in page
    export = client.get(reverse("funding:payment_export"), {"format": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode()), delimiter=";"))
    assert rows[0] == [
        "region",
        "finess",
        "structure",
        "reference_subvention",
        "reference_etat",
        "periode",
        "date_paiement",
        "reference_paiement",
        "montant",
        "commentaire",
    ]
    assert rows[1][5:9] == ["2025-H1", "2026-03-01", "'=OP-1", "1000.00"]
    xlsx = client.get(reverse("funding:payment_export"), {"format": "xlsx"})
    workbook = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))
    assert workbook.sheetnames == ["Paiements", "Restes à payer"]
    assert workbook["Restes à payer"]["H2"].value == 4000


def test_coordinator_sees_the_payments_of_the_structure(client, scenario, officer):
    record(scenario.statement("2025-H1"), officer, "1000.00")
    foreign = GrantScenario(dossier__structure__region__code="CVL")
    foreign.add("2025-02-01", 1)
    compute(foreign.region, "2025-H1", issue=True)
    client.force_login(coordinator_of(scenario.grant.structure))
    page = unescape(client.get(reverse("funding:payment_list")).content.decode())
    assert scenario.grant.reference in page and foreign.grant.reference not in page
    url = reverse("funding:payment_create", kwargs={"statement_id": scenario.statement("2025-H1").pk})
    assert client.get(url).status_code == 403
