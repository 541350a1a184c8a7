"""Accessibility (RGAA 4.1 / WCAG 2.1 AA): axe-core on every main page of every role, in Chromium.

Zero "serious" or "critical" violation is allowed. The summary of all results is printed (run with -s to see it).
Pages are listed per role in ``MAIN_PAGES``; each area adds its main pages there.
"""

from pathlib import Path

import pytest
from django.urls import reverse

from tests.browser.pages import logged_in_context

AXE = Path(__file__).parent / "vendor" / "axe-4.14.1.min.js"
BLOCKING = {"serious", "critical"}


def _structure_id(finess):
    from portal.models import Structure

    return Structure.objects.get(finess=finess).pk


def _region_id(code):
    from portal.models import Region

    return Region.objects.get(code=code).pk


# role account → callables returning the URLs of its main pages (evaluated once the demo data exists)
MAIN_PAGES = {
    None: lambda: [
        reverse("home"),
        reverse("account_login"),
        reverse("account_signup"),
        reverse("portal:accessibility"),
    ],
    "coordinateur.msp@demo.fr": lambda: [
        reverse("home"),
        reverse("portal:structure_list"),
        reverse("portal:structure_detail", kwargs={"structure_id": _structure_id("130012347")}),
        reverse("portal:account"),
        reverse("portal:api_tokens"),
    ],
    "ide.msp@demo.fr": lambda: [reverse("home"), reverse("portal:account")],
    "instructeur.paca@demo.fr": lambda: [reverse("home"), reverse("portal:structure_list")],
    "admin.paca@demo.fr": lambda: [
        reverse("home"),
        reverse("portal:region_staff", kwargs={"region_id": _region_id("PACA")}),
        reverse("audit_log"),
        reverse("portal:structure_create"),
    ],
    "commission.paca@demo.fr": lambda: [reverse("home")],
    "finance.paca@demo.fr": lambda: [reverse("home")],
}


def _audit(page, url):
    page.goto(url)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
    )
    return result["violations"]


@pytest.mark.parametrize("account", list(MAIN_PAGES), ids=lambda account: account or "anonyme")
def test_main_pages_have_no_serious_violation(browser, live_demo, account):
    if account:
        context = logged_in_context(browser, live_demo.url, account)
    else:
        context = browser.new_context(base_url=live_demo.url, bypass_csp=True)
    page = context.new_page()
    blocking, summary = [], []
    for url in MAIN_PAGES[account]():
        violations = _audit(page, url)
        summary.append(
            f"{url}: {len(violations)} violation(s) " + ", ".join(f"{v['id']}({v['impact']})" for v in violations)
        )
        for violation in violations:
            if violation["impact"] in BLOCKING:
                targets = [node["target"] for node in violation["nodes"][:3]]
                blocking.append(f"{url} — {violation['id']} ({violation['impact']}): {violation['help']} {targets}")
    context.close()
    print(f"\naxe-core, compte {account or 'anonyme'} :\n  " + "\n  ".join(summary))
    assert blocking == [], "\n".join(blocking)
