"""Accessibility (RGAA 4.1 / WCAG 2.1 AA): axe-core in Chromium on every main page of every role, on the demo data.

Zero "serious" or "critical" violation is allowed; every page must answer 200 (a page that moved is not silently
skipped). The summary (pages × violations by impact) is printed (``pytest -s`` shows it).

Adding a page is one line in ``MAIN_PAGES``: ``page("<url name>", <object>_id=<lookup>)`` under the account that
uses it; lookups (``pk(...)``) are evaluated once the demo data exists.
"""

from collections import Counter
from pathlib import Path

from django.apps import apps
from django.urls import reverse
from playwright.sync_api import Browser

from tests.browser.pages import logged_in_context

AXE = Path(__file__).parent / "vendor" / "axe-4.14.1.min.js"
BLOCKING = {"serious", "critical"}
IMPACTS = ("critical", "serious", "moderate", "minor")
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_RUN = "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})"


def pk(model: str, **lookup):
    """The id of a demo object, looked up by its natural key when the test runs (``"app.Model"``, field=value)."""
    return lambda: apps.get_model(model).objects.filter(**lookup).order_by("pk").values_list("pk", flat=True)[0]


def page(name: str, **arguments):
    """A page: its URL name and its arguments (plain values or ``pk(...)`` lookups)."""
    return name, arguments


def url_of(name: str, arguments: dict) -> str:
    kwargs = {key: value() if callable(value) else value for key, value in arguments.items()}
    query = kwargs.pop("query", "")
    return reverse(name, kwargs=kwargs) + (f"?{query}" if query else "")


OLIVIERS, CDS = {"finess": "130012347"}, {"finess": "130012362"}
PACA = pk("portal.Region", code="PACA")
CAMPAIGN = pk("funding.Campaign", title="AMI protocoles de coopération locaux 2025")
WAVE = pk("funding.Wave", campaign__title="AMI protocoles de coopération locaux 2025", number=1)
HTA = pk("protocols.Protocol", code="LOC-PACA-HTA")
SELECTED = pk("funding.Dossier", reference="AMI-PACA-2025-001")
H2 = pk("funding.Statement", grant__reference="SUB-PACA-2025-001", year=2025, half=2)
H1 = pk("funding.Statement", grant__reference="SUB-PACA-2025-001", year=2025, half=1)
INES = {"protocol__code": "LOC-PACA-HTA", "professional__user__email": "ide.msp@demo.fr"}
REPORT_H1 = pk("reporting.BiannualReport", grant__reference="SUB-PACA-2025-001", year=2025, half=1)
REPORT_H2 = pk("reporting.BiannualReport", grant__reference="SUB-PACA-2025-001", year=2025, half=2)
CONSOLIDATION = pk("reporting.ConsolidatedReport", region__code="PACA", year=2025, half=1)
TABLEAU_H1 = pk("funding.Tableau", structure__finess="130012347", year=2025, half=1)
WHAT_IF = "vague-projets=5&vague-forfait=25&vague-plafond=7000&vague-debut=2026-01-01"

# account (None: anonymous) → its main pages.
MAIN_PAGES = {
    None: [
        page("reporting:home"),
        page("account_login"),
        page("account_signup"),
        page("account_reset_password"),
        page("portal:accessibility"),
        page("portal:legal"),
        page("funding:public_campaigns"),
        page("funding:public_region_campaigns", region_code="PACA"),
        page("funding:public_campaign", campaign_id=CAMPAIGN),
        page("reporting:open_data"),
    ],
    "coordinateur.msp@demo.fr": [
        page("reporting:dashboard"),
        page("reporting:dashboard", query="periode=2025-H1"),
        page("reporting:report_list"),
        page("reporting:report_detail", report_id=REPORT_H2),
        page("reporting:report_detail", report_id=REPORT_H1),
        page("reporting:home"),
        page("portal:structure_list"),
        page("portal:structure_detail", structure_id=pk("portal.Structure", **OLIVIERS)),
        page("portal:account"),
        page("portal:api_tokens"),
        page("protocols:protocol_list"),
        page("protocols:protocol_create"),
        page("protocols:protocol_detail", protocol_id=HTA),
        page("protocols:protocol_checklist", protocol_id=HTA),
        page("protocols:team_page", protocol_id=HTA),
        page("protocols:member_documents", team_membership_id=pk("protocols.TeamMembership", **INES)),
        page("protocols:declaration_list", protocol_id=HTA),
        page(
            "protocols:declaration_detail", declaration_id=pk("protocols.Declaration", protocol__code="LOC-PACA-HTA")
        ),
        page("protocols:protocol_indicators", protocol_id=HTA),
        page("protocols:protocol_adverse_events", protocol_id=HTA),
        page("protocols:national_protocol_list"),
        page("protocols:national_protocol_detail", national_protocol_id=pk("protocols.NationalProtocol")),
        page("protocols:import_list"),
        page("protocols:import_detail", import_batch_id=pk("protocols.ImportBatch", structure__finess="130012347")),
        page("funding:my_dossiers"),
        page("funding:dossier_detail", dossier_id=SELECTED),
        page("funding:decision_list"),
        page("funding:grant_list"),
        page("funding:grant_detail", grant_id=pk("funding.Grant", reference="SUB-PACA-2025-001")),
        page("funding:payment_list"),
        page("funding:intervention_overview"),
        page("funding:intervention_list"),
        page("funding:intervention_list", query="statut=exclue"),
        page("funding:tableau_list"),
        page("funding:tableau_detail", tableau_id=TABLEAU_H1),
    ],
    "coordinateur.cpts@demo.fr": [
        # The SNP forfait line of the CPTS (issue 15) and its structure page with the CPAM form.
        page("funding:grant_detail", grant_id=pk("funding.Grant", reference="SNP-PACA-2025-001")),
        page("portal:structure_detail", structure_id=pk("portal.Structure", finess="130012354")),
    ],
    "coordinateur.cds@demo.fr": [
        page("funding:dossier_edit", dossier_id=pk("funding.Dossier", reference="AMI-PACA-2025-003")),
        page("protocols:protocol_edit", protocol_id=pk("protocols.Protocol", code="LOC-PACA-VACCIN")),
    ],
    "ide.msp@demo.fr": [
        page("reporting:dashboard"),
        page("reporting:home"),
        page("portal:account"),
        page("protocols:my_protocols"),
        page("protocols:member_documents", team_membership_id=pk("protocols.TeamMembership", **INES)),
        page("protocols:training_edit", team_membership_id=pk("protocols.TeamMembership", **INES)),
        page("protocols:my_interventions"),
        page("protocols:intervention_create"),
        page("funding:intervention_list"),
        page("funding:tableau_list"),
        page("funding:tableau_detail", tableau_id=TABLEAU_H1),
    ],
    "instructeur.paca@demo.fr": [
        page("reporting:agency_dashboard"),
        page("reporting:report_agency_list"),
        page("reporting:report_review", report_id=REPORT_H1),
        page("reporting:consolidation_list"),
        page("reporting:consolidation_detail", consolidation_id=CONSOLIDATION),
        page("reporting:home"),
        page("portal:structure_list"),
        page("protocols:agency_declarations"),
        page("protocols:agency_documents"),
        page("protocols:agency_adverse_events"),
        page("protocols:adverse_event_detail", adverse_event_id=pk("protocols.AdverseEvent")),
        page("protocols:protocol_suspend", protocol_id=HTA),
        page("funding:campaign_list"),
        page("funding:campaign_detail", campaign_id=CAMPAIGN),
        page("funding:instruction_list"),
        page("funding:instruction_dossier", dossier_id=SELECTED),
        page("funding:instruction_dossier", dossier_id=pk("funding.Dossier", reference="AMI-PACA-2025-005")),
        page("funding:grant_list"),
        page("funding:intervention_overview"),
        page("funding:intervention_list"),
        page("reporting:agency_dashboard", query=lambda: f"annee=2025&{WHAT_IF}&vague-campagne={CAMPAIGN()}"),
        page("reporting:wave_impact_index"),
        page("reporting:wave_impact", campaign_id=CAMPAIGN),
    ],
    "admin.paca@demo.fr": [
        page("reporting:report_agency_list"),
        page("reporting:consolidation_list"),
        page("reporting:home"),
        page("portal:staff_home"),
        page("portal:region_staff", region_id=PACA),
        page("portal:structure_create"),
        page("reporting:audit_log"),
        page("funding:campaign_create"),
        page("funding:campaign_edit", campaign_id=CAMPAIGN),
        page("funding:wave_create", campaign_id=CAMPAIGN),
        page("funding:wave_edit", wave_id=WAVE),
        page("funding:committee_home"),
        page("funding:committee_page", campaign_id=CAMPAIGN),
        page("funding:committee_grid", campaign_id=CAMPAIGN),
        page("funding:committee_assignments", campaign_id=CAMPAIGN),
        page("funding:committee_meeting", wave_id=WAVE),
        page("funding:committee_review_detail", review_id=pk("funding.Review")),
        page("funding:statement_home"),
    ],
    "commission.paca@demo.fr": [
        page("reporting:home"),
        page("funding:review_list"),
        page(
            "funding:review_edit",
            assignment_id=pk("funding.ReviewAssignment", reviewer__email="commission.paca@demo.fr"),
        ),
    ],
    "finance.paca@demo.fr": [
        page("reporting:agency_dashboard", query="departement=13"),
        page("reporting:report_agency_list"),
        page("reporting:consolidation_list"),
        page("reporting:home"),
        page("funding:statement_home"),
        page("funding:statement_period", region_id=PACA, period="2025-H2"),
        page("funding:statement_detail", statement_id=H1),
        page("funding:statement_detail", statement_id=H2),
        page("funding:computation_run_detail", computation_run_id=pk("funding.ComputationRun", half=1)),
        page("funding:payment_list"),
        page("funding:payment_create", statement_id=H1),
        page("funding:grant_list"),
        page("funding:statement_period", region_id=PACA, period="2025-H1"),
        page("funding:tableau_detail", tableau_id=TABLEAU_H1),
    ],
    "pilote.national@demo.fr": [
        page("reporting:home"),
        page("reporting:national_dashboard"),
        page("reporting:national_dashboard", query="periode=2025-H1&tri=region&ordre=asc"),
        page("reporting:national_region", region_id=PACA),
    ],
    "superadmin@demo.fr": [
        page("portal:national_pilots"),
    ],
}


def _audit(browser_page, url: str) -> list[dict]:
    response = browser_page.goto(url)
    assert response is not None and response.status == 200, f"{url} answered {response and response.status}"
    result = browser_page.evaluate(AXE_RUN, WCAG_AA)
    return result["violations"]


def test_the_audit_sees_a_critical_violation(page):
    """The harness can fail: an image without text alternative is reported as critical."""
    page.set_content('<html lang="fr"><title>t</title><main><img src="x.png"></main></html>')
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(AXE_RUN, WCAG_AA)
    assert {(v["id"], v["impact"]) for v in result["violations"]} >= {("image-alt", "critical")}


def test_main_pages_of_every_role_have_no_serious_violation(browser: Browser, live_demo):
    """One demo seed for all the accounts (seeding costs more than auditing a dozen pages)."""
    blocking, rows = [], []
    for account, pages in MAIN_PAGES.items():
        if account:
            context = logged_in_context(browser, live_demo.url, account)
        else:
            context = browser.new_context(base_url=live_demo.url, bypass_csp=True)
        context.add_init_script(path=str(AXE))  # in every page before its own scripts: no extra round trip
        browser_page = context.new_page()
        for name, arguments in pages:
            url = url_of(name, arguments)
            violations = _audit(browser_page, url)
            impacts = Counter(violation["impact"] for violation in violations)
            rows.append((account or "anonyme", url, impacts, [v["id"] for v in violations]))
            for violation in violations:
                if violation["impact"] in BLOCKING:
                    targets = [node["target"] for node in violation["nodes"][:3]]
                    blocking.append(
                        f"{account or 'anonyme'} {url} — {violation['id']} ({violation['impact']}): "
                        f"{violation['help']} {targets}"
                    )
        context.close()
    totals = sum((impacts for _, _, impacts, _ in rows), Counter())
    lines = [f"{'compte':28} {'page':72} " + " ".join(f"{impact:>8}" for impact in IMPACTS)]
    lines += [
        f"{account:28} {url:72} " + " ".join(f"{impacts[impact]:>8}" for impact in IMPACTS) + f"  {' '.join(ids)}"
        for account, url, impacts, ids in rows
    ]
    lines.append(f"{'total':28} {f'{len(rows)} pages':72} " + " ".join(f"{totals[i]:>8}" for i in IMPACTS))
    print("\naxe-core (WCAG 2.1 AA), violations par impact :\n" + "\n".join(lines))
    assert blocking == [], "\n".join(blocking)
