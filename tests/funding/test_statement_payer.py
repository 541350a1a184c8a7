"""The payer of an issued statement is frozen at issue (security review of 7 December 2026): the structure's CPAM,
which pays an SNP line, may be corrected later; the statement the structure received keeps the payer it was issued
for, on its page, its PDF, the exports and the API. A draft follows the structure."""

import csv
import importlib
import io

import pytest
from django.apps import apps as django_apps
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from pypdf import PdfReader

from funding.exports.statements import region_statements, summary_csv
from funding.models import Statement
from funding.periods import Period
from funding.services.statement_pdf import statement_pdf
from portal.roles import Role
from portal.services import structure_cpam_set
from tests.funding.statement_scenarios import GrantScenario, compute
from tests.portal.factories import agent_of, coordinator_of

OLD, NEW = "CPAM des Bouches-du-Rhône", "CPAM du Var"


@pytest.fixture
def issued_then_cpam_corrected():
    snp = GrantScenario(snp=True, yearly_cap=None)
    snp.add("2025-03-10", 3)
    compute(snp.region, "2025-H1", issue=True)
    snp.add("2025-09-10", 2)
    compute(snp.region, "2025-H2")  # a draft
    structure = snp.grant.structure
    assert structure.cpam == OLD
    structure_cpam_set(structure=structure, by=coordinator_of(structure), cpam=NEW)
    return snp


def test_the_payer_is_frozen_at_issue_and_a_later_cpam_does_not_change_it(issued_then_cpam_corrected):
    snp = issued_then_cpam_corrected
    h1, h2 = snp.statement("2025-H1"), snp.statement("2025-H2")
    assert (h1.is_issued, h1.issued_payer, h1.payer) == (True, OLD, OLD)
    assert snp.grant.__class__.objects.get(pk=snp.grant.pk).payer == NEW  # the line itself follows the structure
    assert (h2.is_issued, h2.issued_payer, h2.payer) == (False, "", NEW)  # a draft too
    assert h1.history.first().issued_payer == OLD  # written with the issue's history entry


def test_the_issued_statement_page_pdf_and_export_show_the_frozen_payer(client, issued_then_cpam_corrected):
    snp = issued_then_cpam_corrected
    h1 = snp.statement("2025-H1")
    client.force_login(agent_of(snp.region, Role.FINANCE_OFFICER))

    page = client.get(reverse("funding:statement_detail", kwargs={"statement_id": h1.pk})).content.decode()
    assert f"Payeur (figé à l'émission) : {OLD}" in " ".join(page.split()) and NEW not in page
    draft_page = client.get(reverse("funding:statement_detail", kwargs={"statement_id": snp.statement("2025-H2").pk}))
    assert NEW in draft_page.content.decode()

    # The PDF of an issued statement is rendered at its first download: after the correction, with the old payer.
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(statement_pdf(statement=h1))).pages)
    text = " ".join(text.split())
    assert f"Payeur (figé à l'émission) {OLD}" in text and NEW not in text

    rows = csv.DictReader(
        io.StringIO(b"".join(summary_csv(region_statements(snp.region, Period(2025, 1)))).decode()), delimiter=";"
    )
    assert [row["payeur"] for row in rows] == [OLD]


def test_a_draft_carries_no_frozen_payer(issued_then_cpam_corrected):
    with pytest.raises(IntegrityError), transaction.atomic():
        Statement.objects.filter(pk=issued_then_cpam_corrected.statement("2025-H2").pk).update(issued_payer=OLD)


def test_the_data_migration_gives_statements_issued_before_it_the_current_payer(issued_then_cpam_corrected):
    snp = issued_then_cpam_corrected
    ami = GrantScenario(dossier__structure__region=snp.region)
    ami.add("2025-03-01", 2)
    compute(snp.region, "2025-H1", issue=True)
    Statement.objects.issued().update(issued_payer="")  # as before the migration
    migration = importlib.import_module("funding.migrations.0017_statement_issued_payer")

    with connection.schema_editor() as editor:
        migration.freeze_issued_payers(django_apps, editor)

    assert snp.statement("2025-H1").issued_payer == NEW  # the value known at migration time
    assert ami.statement("2025-H1").issued_payer == f"{snp.region.agency_name} (FIR)"
    assert snp.statement("2025-H2").issued_payer == ""  # drafts untouched
