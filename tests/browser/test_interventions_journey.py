"""A professional of the demo logs interventions (htmx tells him a date is before his training; a second act on the
same episode is a duplicate) and reads which of his interventions are excluded and why; a coordinator imports a
reporting table with one bad row (the import runs on a real Celery worker), reads the error report, fixes the file
and imports it again."""

import datetime
import time

from django.db.models import Q
from django.utils import timezone
from playwright.sync_api import Page, expect

from protocols.models import Intervention
from tests.browser.pages import expect_screenshots, log_in, open_menu_entry, screenshot
from tests.browser.pages_interventions import ImportPage, InterventionForm
from tests.funding.eligibility_world import build_world
from tests.protocols.import_files import csv_bytes, row_for

HUGO = "ide2.msp@demo.fr"


def test_a_professional_logs_interventions_and_sees_which_are_excluded_and_why(page: Page, live_demo, celery_worker):
    """Hugo Petit, nurse of the MSP des Oliviers in the demo (in the team from 1 May 2025, trained on 1 June)."""
    started = time.time()
    today, yesterday = timezone.localdate(), timezone.localdate() - datetime.timedelta(days=1)
    log_in(page, live_demo.url, HUGO)
    form = InterventionForm(page).open_from_menu()
    expect(form.date).to_have_value(today.isoformat())  # today, prefilled

    form.date.fill("2025-05-20")  # before the end of his training: htmx says so at once, nothing is saved
    expect(form.fields).to_contain_text("n'était pas terminée le 20/05/2025 (terminée le 01/06/2025)")
    screenshot(page, "intervention-saisie-erreur")
    form.date.fill(yesterday.isoformat())
    expect(form.fields).not_to_contain_text("n'était pas terminée")
    form.episode.fill("EP-PARCOURS-0001")
    form.save_and_log_another()
    expect(page.get_by_role("status")).to_contain_text("EP-PARCOURS-0001) enregistrée")

    # The same episode again, today: a follow-up on another day is another intervention, paid by the AMI grant
    # (seed 000: per intervention), so nothing to warn about.
    form.episode.fill("EP-PARCOURS-0001")
    form.save()
    table = page.get_by_test_id("my-interventions")
    expect(table.get_by_role("row").filter(has_text="EP-PARCOURS-0001")).to_have_count(2)
    screenshot(page, "intervention-mes-interventions")

    # His eligibility page: both acts of the episode are paid, the demo's May 2025 acts predate the end of his
    # training.
    open_menu_entry(page, "Éligibilité de mes interventions")
    listing = page.get_by_test_id("intervention-list")
    logged = listing.get_by_role("row").filter(has_text="EP-PARCOURS-0001")
    expect(logged.filter(has_text=yesterday.strftime("%d/%m/%Y"))).to_contain_text("Éligible")
    expect(logged.filter(has_text=today.strftime("%d/%m/%Y"))).to_contain_text("Éligible")
    page.get_by_label("Statut").select_option(label="Exclue")
    page.get_by_role("button", name="Filtrer").click()
    expect(listing).to_contain_text("Formation du délégué non terminée à cette date")
    expect(listing.get_by_text("Éligible", exact=True)).to_have_count(0)
    screenshot(page, "intervention-exclusions-motifs")
    # Exactly his excluded acts (as delegate or delegant), nobody else's.
    his = Q(delegate__user__email=HUGO) | Q(delegant__user__email=HUGO)
    excluded = Intervention.objects.active().filter(his, eligibility__is_eligible=False).count()
    expect(listing.locator("caption")).to_have_text(f"Interventions ({excluded})")
    mine = Intervention.objects.filter(delegate__user__email=HUGO, episode_reference="EP-PARCOURS-0001")
    assert sorted(mine.values_list("eligibility__reason", flat=True)) == ["", ""]
    expect_screenshots(
        "intervention-saisie-erreur", "intervention-mes-interventions", "intervention-exclusions-motifs", since=started
    )


def test_a_coordinator_fixes_a_refused_file_and_imports_it_again(page: Page, live_server, celery_worker):
    world = build_world()
    good = [row_for(world, "15/04/2025", "EP-2025-0101"), row_for(world, "16/04/2025", "EP-2025-0102")]
    bad = [good[0], {**good[1], "delegant_identifiant": "10000000999"}]
    log_in(page, live_server.url, world.coordinator.email)
    imports = ImportPage(page).open_from_menu()

    imports.upload("reporting-avril.csv", csv_bytes(bad))
    expect(imports.result).to_contain_text("Fichier refusé : rien n'a été enregistré")
    expect(page.get_by_test_id("import-errors")).to_contain_text("delegant_identifiant")
    screenshot(page, "import-refuse")
    report = imports.download_error_report()
    assert report.splitlines()[0] == "ligne;colonne;valeur;message"
    assert report.splitlines()[1].startswith("3;delegant_identifiant;10000000999;")
    assert not Intervention.objects.exists()

    imports.open_from_menu()
    imports.upload("reporting-avril-corrige.csv", csv_bytes(good))
    expect(imports.result).to_contain_text("Import réussi")
    expect(page.get_by_test_id("import-summary")).to_contain_text("Interventions créées : 2")
    screenshot(page, "import-reussi")
    page.get_by_role("link", name="Voir le détail : éligibilité et motifs d'exclusion").click()
    listing = page.get_by_test_id("intervention-list")
    expect(listing).to_contain_text("EP-2025-0101")
    expect(listing.get_by_text("Éligible")).to_have_count(2)
    screenshot(page, "import-detail-eligibilite")
    page.get_by_role("link", name="Par protocole et par mois").click()
    expect(page.get_by_test_id("intervention-summary")).to_contain_text("Avril 2025")
    expect(page.get_by_test_id("intervention-totals")).to_contain_text("2 interventions : 2 éligibles")
    screenshot(page, "suivi-par-mois")
    assert Intervention.objects.filter(performed_on__gte=datetime.date(2025, 4, 15)).count() == 2
