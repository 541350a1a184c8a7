"""The demo campaigns and dossiers: the PACA call of seed 000 and every state of instruction, through the real
services (snapshots and hashes included), and every page of the area renders them."""

import datetime
import html
from zoneinfo import ZoneInfo

from django.urls import reverse

from funding.demo import keys
from funding.models import Campaign, Dossier, DossierState
from funding.services.snapshots import sha256_of
from portal.models import User

PARIS = ZoneInfo("Europe/Paris")


def _login(client, email):
    client.force_login(User.objects.get(email=email))


def test_paca_campaign_as_in_seed_000(demo):
    campaign = Campaign.objects.get(title=keys.PACA_CAMPAIGN_TITLE)
    wave = campaign.waves.get()
    assert campaign.region.code == "PACA"
    assert wave.deadline == datetime.datetime(2025, 1, 15, 8, 0, tzinfo=PARIS)
    assert wave.projects_funded == 5
    assert campaign.committee_date == datetime.date(2025, 2, 18)
    assert str(campaign.rate_per_intervention) == "25.00" and str(campaign.yearly_cap) == "7000.00"
    assert campaign.is_published
    assert "<script" not in campaign.description


def test_dossiers_in_every_state(demo):
    # The other demo regions only feed the national view (tests/reporting/test_national_demo.py).
    states = dict(Dossier.objects.filter(campaign__region__code__in=["PACA", "CVL"]).values_list("reference", "state"))
    assert states == {
        # The dossiers seeder leaves these two "to committee"; the committee seeder then decides them.
        keys.OLIVIERS_DOSSIER: DossierState.SELECTED,
        keys.PAYS_D_AIX_DOSSIER: DossierState.WAITING_LIST,
        keys.BELLE_DE_MAI_DOSSIER: DossierState.DRAFT,
        keys.VAL_DE_L_ARC_DOSSIER: DossierState.WITHDRAWN,
        keys.INADMISSIBLE_DOSSIER: DossierState.INADMISSIBLE,
        keys.CVL_DOSSIER: DossierState.SUBMITTED,
    }
    oliviers = Dossier.objects.get(reference=keys.OLIVIERS_DOSSIER)
    assert oliviers.structure.name == "MSP des Oliviers"
    assert oliviers.submitted_at == datetime.datetime(2025, 1, 10, 10, 42, 13, tzinfo=PARIS)
    assert sha256_of(oliviers.snapshot) == oliviers.snapshot_sha256
    assert [t.to_state for t in oliviers.transitions.order_by("at")] == [
        DossierState.SUBMITTED,
        DossierState.UNDER_INSTRUCTION,
        DossierState.ADMISSIBLE,
        DossierState.TO_COMMITTEE,
        DossierState.SELECTED,
    ]
    pays_d_aix = Dossier.objects.get(reference=keys.PAYS_D_AIX_DOSSIER)
    request = pays_d_aix.complement_requests.get()
    assert request.is_answered and request.sections == ["sharing"]
    assert Dossier.objects.get(reference=keys.INADMISSIBLE_DOSSIER).inadmissibility_reason
    assert Dossier.objects.get(reference=keys.VAL_DE_L_ARC_DOSSIER).drafting_support_requested


def _ok(client, url, text=None):
    response = client.get(url)
    assert response.status_code == 200, url
    if response.streaming:
        b"".join(response.streaming_content)  # reading it to the end closes the file (test client)
    if text:
        assert text in html.unescape(response.content.decode()), url
    return response


def test_every_page_renders_the_demo(client, demo):
    oliviers = Dossier.objects.get(reference=keys.OLIVIERS_DOSSIER)
    draft = Dossier.objects.get(reference=keys.BELLE_DE_MAI_DOSSIER)
    paca = Campaign.objects.get(title=keys.PACA_CAMPAIGN_TITLE)
    _ok(client, reverse("funding:public_campaigns"), keys.PACA_CAMPAIGN_TITLE)
    _ok(client, reverse("funding:public_region_campaigns", kwargs={"region_code": "PACA"}), keys.PACA_CAMPAIGN_TITLE)
    _ok(client, reverse("funding:public_campaign", kwargs={"campaign_id": paca.pk}), "15 janvier 2025 à 08:00")

    _login(client, "coordinateur.msp@demo.fr")
    _ok(client, reverse("reporting:home"), keys.PACA_CAMPAIGN_TITLE)
    _ok(client, reverse("funding:my_dossiers"), keys.OLIVIERS_DOSSIER)
    _ok(client, reverse("funding:dossier_detail", kwargs={"dossier_id": oliviers.pk}), "six demi-journées")
    _ok(client, reverse("funding:dossier_receipt", kwargs={"dossier_id": oliviers.pk}))

    _login(client, "coordinateur.cds@demo.fr")
    _ok(client, reverse("funding:dossier_edit", kwargs={"dossier_id": draft.pk}), "Complétude du dossier")
    _ok(client, reverse("funding:dossier_submit", kwargs={"dossier_id": draft.pk}), "La date limite est passée")

    _login(client, "instructeur.paca@demo.fr")
    listing = _ok(client, reverse("funding:instruction_list"), keys.OLIVIERS_DOSSIER)
    assert keys.BELLE_DE_MAI_DOSSIER not in listing.content.decode()  # a draft is the coordinator's own
    assert keys.CVL_DOSSIER not in listing.content.decode()
    for dossier in Dossier.objects.filter(campaign=paca).exclude(state=DossierState.DRAFT):
        _ok(client, reverse("funding:instruction_dossier", kwargs={"dossier_id": dossier.pk}), dossier.reference)
    page = _ok(client, reverse("funding:instruction_dossier", kwargs={"dossier_id": oliviers.pk}))
    assert "Dossier solide" in page.content.decode()
    pdf = client.get(reverse("funding:instruction_pdf", kwargs={"dossier_id": oliviers.pk}))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    _ok(client, reverse("funding:campaign_list"), keys.PACA_CAMPAIGN_TITLE)
    _ok(client, reverse("funding:campaign_detail", kwargs={"campaign_id": paca.pk}), "Vagues de dépôt")

    _login(client, "admin.paca@demo.fr")
    _ok(client, reverse("funding:campaign_edit", kwargs={"campaign_id": paca.pk}))
    _ok(client, reverse("funding:wave_edit", kwargs={"wave_id": paca.waves.get().pk}), "2025-01-15T08:00")
