"""A delegate logs an intervention (htmx tells her the date is before her training, she corrects it); a coordinator
imports a reporting table with one bad row, reads the error report, fixes the file and imports it again."""

import datetime

from django.utils import timezone
from playwright.sync_api import Page, expect

from protocols.models import Intervention
from tests.browser.pages import log_in, screenshot
from tests.browser.pages_interventions import ImportPage, InterventionForm
from tests.funding.eligibility_world import build_world
from tests.protocols.import_files import csv_bytes, row_for


def test_a_delegate_logs_an_intervention(page: Page, live_server):
    world = build_world()
    log_in(page, live_server.url, world.delegate.user.email)
    form = InterventionForm(page).open_from_menu()
    expect(form.date).to_have_value(timezone.localdate().isoformat())  # today, prefilled

    form.date.fill("2025-03-05")  # before the end of her training: htmx says so at once
    expect(form.fields).to_contain_text("n'était pas terminée le 05/03/2025 (terminée le 10/03/2025)")
    screenshot(page, "intervention-saisie-erreur")
    assert not Intervention.objects.exists()

    form.date.fill(timezone.localdate().isoformat())
    expect(form.fields).not_to_contain_text("n'était pas terminée")
    form.episode.fill("EP-2026-0001")
    form.save()
    expect(page.get_by_role("status")).to_contain_text("EP-2026-0001) enregistrée")
    table = page.get_by_test_id("my-interventions")
    expect(table).to_contain_text("EP-2026-0001")
    expect(table).to_contain_text(world.delegant.user.get_full_name())
    screenshot(page, "intervention-mes-interventions")
    assert Intervention.objects.get().eligibility.is_eligible


def test_a_coordinator_fixes_a_refused_file_and_imports_it_again(page: Page, live_server):
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
