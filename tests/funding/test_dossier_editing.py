"""Opening a dossier (number, guards), filling it (autosave, completeness panel), attachments, reopened sections."""

import datetime
import html
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from funding.dossier_sections import EDITABLE_FIELDS, SECTIONS
from funding.models import Dossier, DossierState
from funding.services import dossiers as services
from funding.services.completeness import dossier_completeness
from funding.services.instruction import complement_request_create, dossier_start_instruction
from portal.errors import ApplicationError
from portal.roles import Role
from protocols.models import MembershipStatus
from tests.funding.factories import MINIMAL_PDF, CampaignFactory, DossierFactory, WaveFactory
from tests.portal.factories import RegionFactory, StructureFactory, UserFactory, agent_of, coordinator_of
from tests.protocols.factories import ProtocolFactory, TeamMembershipFactory

PARIS = ZoneInfo("Europe/Paris")
IN_WINDOW = datetime.datetime(2024, 12, 2, 10, 0, tzinfo=PARIS)


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def wave():
    return WaveFactory(campaign__region=RegionFactory(code="PACA"))


@pytest.fixture
def structure(wave):
    return StructureFactory(region=wave.campaign.region, in_zip=True)


@pytest.fixture
def coordinator(structure):
    return coordinator_of(structure, user__first_name="Claire", user__last_name="Martin", user__phone="0491000000")


# --- Opening a dossier ------------------------------------------------------------------------------------------


def test_numbers_are_per_region_and_year_and_stable(wave, structure, coordinator):
    other = StructureFactory(region=wave.campaign.region)
    cvl_wave = WaveFactory(campaign__region=RegionFactory(code="CVL"))
    cvl_structure = StructureFactory(region=cvl_wave.campaign.region)
    with time_machine.travel(IN_WINDOW, tick=False):
        first = services.dossier_create(campaign=wave.campaign, structure=structure, by=coordinator)
        second = services.dossier_create(campaign=wave.campaign, structure=other, by=coordinator_of(other))
        cvl = services.dossier_create(
            campaign=cvl_wave.campaign, structure=cvl_structure, by=coordinator_of(cvl_structure)
        )
        # A deleted draft does not give its number to the next one.
        services.dossier_delete_draft(dossier=first, by=coordinator)
        third = services.dossier_create(campaign=wave.campaign, structure=structure, by=coordinator)
    assert [first.reference, second.reference, cvl.reference] == [
        "AMI-PACA-2025-001",
        "AMI-PACA-2025-002",
        "AMI-CVL-2025-001",
    ]
    assert third.reference == "AMI-PACA-2025-003"


def test_a_new_dossier_is_prefilled(wave, structure, coordinator):
    with time_machine.travel(IN_WINDOW, tick=False):
        dossier = services.dossier_create(campaign=wave.campaign, structure=structure, by=coordinator)
    assert (dossier.contact_name, dossier.contact_email, dossier.contact_phone) == (
        "Claire Martin",
        coordinator.email,
        "0491000000",
    )
    assert (dossier.in_zip, dossier.in_zac, dossier.in_qpv) == (True, False, False)
    assert dossier.state == DossierState.DRAFT and dossier.wave == wave


def test_opening_refusals(wave, structure, coordinator):
    campaign = wave.campaign
    cases = [
        (lambda: services.dossier_create(campaign=campaign, structure=structure, by=UserFactory()), "forbidden"),
        (
            lambda: services.dossier_create(
                campaign=CampaignFactory(region=RegionFactory(code="CVL")), structure=structure, by=coordinator
            ),
            "other_region",
        ),
    ]
    for call, code in cases:
        with time_machine.travel(IN_WINDOW, tick=False), pytest.raises(ApplicationError) as refused:
            call()
        assert refused.value.code == code
    campaign.eligible_structure_kinds = ["CPTS"]
    campaign.save()
    with time_machine.travel(IN_WINDOW, tick=False), pytest.raises(ApplicationError) as refused:
        services.dossier_create(campaign=campaign, structure=structure, by=coordinator)
    assert refused.value.code == "kind_not_eligible"
    campaign.eligible_structure_kinds = ["MSP"]
    campaign.save()
    with time_machine.travel(datetime.datetime(2025, 1, 15, 8, 0, tzinfo=PARIS), tick=False):
        with pytest.raises(ApplicationError) as refused:
            services.dossier_create(campaign=campaign, structure=structure, by=coordinator)
    assert refused.value.code == "no_open_wave"
    assert "clos" in refused.value.message
    campaign.published_at = None
    campaign.save()
    with time_machine.travel(IN_WINDOW, tick=False), pytest.raises(ApplicationError) as refused:
        services.dossier_create(campaign=campaign, structure=structure, by=coordinator)
    assert refused.value.code == "not_published"
    assert not Dossier.objects.exists()


def test_one_dossier_per_protocol_and_wave(wave, structure, coordinator):
    protocol = ProtocolFactory(structure=structure)
    with time_machine.travel(IN_WINDOW, tick=False):
        services.dossier_create(campaign=wave.campaign, structure=structure, by=coordinator, protocol=protocol)
        with pytest.raises(ValidationError) as refused:
            services.dossier_create(campaign=wave.campaign, structure=structure, by=coordinator, protocol=protocol)
    assert "Ce protocole fait déjà l'objet d'un dossier" in str(refused.value)
    with pytest.raises(ValidationError) as refused:
        services.dossier_create(
            campaign=wave.campaign,
            structure=structure,
            by=coordinator,
            protocol=ProtocolFactory(structure=StructureFactory(region=structure.region)),
            now=IN_WINDOW,
        )
    assert "n'est pas celui de la structure candidate" in str(refused.value)


def test_start_page_opens_a_dossier(client, wave, structure, coordinator):
    client.force_login(coordinator)
    url = reverse("funding:dossier_start", kwargs={"campaign_id": wave.campaign_id})
    with time_machine.travel(IN_WINDOW, tick=False):
        assert client.get(url).status_code == 200
        response = client.post(url, {"structure": structure.pk})
    dossier = Dossier.objects.get()
    assert response.url == reverse("funding:dossier_edit", kwargs={"dossier_id": dossier.pk})
    foreign = StructureFactory(region=structure.region)
    with time_machine.travel(IN_WINDOW, tick=False):
        refused = client.post(url, {"structure": foreign.pk})
    assert refused.status_code == 400
    assert Dossier.objects.count() == 1


# --- Completeness -----------------------------------------------------------------------------------------------


def _missing(dossier):
    return {
        status.section.key: [item.message for item in status.missing]
        for status in dossier_completeness(dossier).sections
    }


def test_a_complete_dossier_has_nothing_missing():
    completeness = dossier_completeness(DossierFactory(complete=True))
    assert completeness.is_complete
    assert [status.section.key for status in completeness.sections] == [section.key for section in SECTIONS]


@pytest.mark.parametrize(
    ("field", "value", "section"),
    [
        ("contact_name", "", "identity"),
        ("contact_email", "", "identity"),
        ("territory_description", "  ", "territory"),
        ("territory_needs", "", "needs"),
        ("delegation_modalities", "", "delegation"),
        ("training_modalities", "", "delegation"),
        ("quality_approach", "", "quality"),
        ("monitoring_evaluation", "", "monitoring"),
        ("expected_interventions_per_year", None, "activity"),
        ("expected_interventions_per_year", 0, "activity"),
        ("subsidy_sharing", "", "sharing"),
        ("delegant_share_percent", None, "sharing"),
        ("delegate_share_percent", 59, "sharing"),
    ],
)
def test_each_missing_answer_is_listed_in_its_section(field, value, section):
    dossier = DossierFactory(complete=True, **{field: value})
    missing = _missing(dossier)
    assert missing[section], missing
    assert [key for key, items in missing.items() if items] == [section]


def test_protocol_team_and_attachment_rules():
    dossier = DossierFactory(answered=True, protocol=None, team_description="")
    missing = _missing(dossier)
    assert missing["protocol"] == ["Choisissez le protocole, ou demandez l'accompagnement à sa rédaction."]
    assert missing["team"] == ["Décrivez l'équipe envisagée (délégants et délégués)."]
    assert missing["attachments"] == ["Joignez : projet de santé de la structure."]
    dossier.drafting_support_requested = True
    assert _missing(dossier)["protocol"] == ["Précisez l'accompagnement attendu de l'ARS."]
    # With a protocol whose team has an accepted delegant and delegate, no description is needed.
    with_team = DossierFactory(complete=True, team_description="")
    assert _missing(with_team)["team"]
    TeamMembershipFactory(protocol=with_team.protocol, delegant=True)
    TeamMembershipFactory(protocol=with_team.protocol, invited=True)  # a pending invitation does not count
    assert _missing(with_team)["team"]
    TeamMembershipFactory(protocol=with_team.protocol, status=MembershipStatus.ACCEPTED)
    assert not _missing(with_team)["team"]


# --- Autosave and the form --------------------------------------------------------------------------------------


@pytest.fixture
def draft(structure, wave):
    return DossierFactory(structure=structure, wave=wave)


def _form_data(dossier, **changes):
    """What the browser posts: every field of the form as it stands, with some changes."""
    data = {"dossier_form": "1"}
    for name in EDITABLE_FIELDS:
        value = getattr(dossier, f"{name}_id" if name == "protocol" else name)
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = "" if value is None else value
    for name, value in changes.items():
        if value is False:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def test_autosave_saves_and_answers_with_the_panel(client, draft, coordinator):
    client.force_login(coordinator)
    url = reverse("funding:dossier_autosave", kwargs={"dossier_id": draft.pk})
    response = client.post(
        url, _form_data(draft, territory_needs="Patients sans médecin traitant", in_qpv="on"), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    content = text(response)
    assert 'id="dossier-completeness" hx-swap-oob="innerHTML"' in content
    assert "Enregistré à" in content
    draft.refresh_from_db()
    assert draft.territory_needs == "Patients sans médecin traitant" and draft.in_qpv
    # An invalid answer is reported and not saved; the valid ones are.
    response = client.post(
        url,
        _form_data(draft, contact_email="pas-une-adresse", quality_approach="Revue des EI", territory_needs="x"),
        HTTP_HX_REQUEST="true",
    )
    assert "E-mail du référent" in text(response) and "non enregistré" in text(response)
    draft.refresh_from_db()
    assert draft.contact_email != "pas-une-adresse"
    assert draft.quality_approach == "Revue des EI"


def test_autosave_refuses_a_stale_page(client, draft, coordinator):
    client.force_login(coordinator)
    url = reverse("funding:dossier_autosave", kwargs={"dossier_id": draft.pk})
    Dossier.objects.filter(pk=draft.pk).update(
        state=DossierState.SUBMITTED, submitted_at=IN_WINDOW, snapshot={}, snapshot_sha256="a" * 64
    )
    response = client.post(url, _form_data(draft, territory_needs="Trop tard"), HTTP_HX_REQUEST="true")
    assert "plus modifiable" in text(response)
    assert Dossier.objects.get(pk=draft.pk).territory_needs == ""
    assert client.post(url, {"territory_needs": "sans marqueur"}).status_code == 400


def test_form_without_javascript(client, draft, coordinator):
    client.force_login(coordinator)
    url = reverse("funding:dossier_edit", kwargs={"dossier_id": draft.pk})
    page = client.get(url)
    assert page.status_code == 200
    assert "Complétude du dossier" in text(page)
    invalid = client.post(url, _form_data(draft, contact_email="faux", territory_needs="Besoins"))
    assert invalid.status_code == 400
    assert Dossier.objects.get(pk=draft.pk).territory_needs == ""  # nothing half-saved
    valid = client.post(url, _form_data(draft, territory_needs="Besoins"))
    assert valid.status_code == 302
    assert Dossier.objects.get(pk=draft.pk).territory_needs == "Besoins"


def test_completeness_panel_turns_complete(client, coordinator, structure, wave):
    dossier = DossierFactory(complete=True, structure=structure, wave=wave, quality_approach="")
    client.force_login(coordinator)
    url = reverse("funding:dossier_autosave", kwargs={"dossier_id": dossier.pk})
    response = client.post(url, _form_data(dossier), HTTP_HX_REQUEST="true")
    assert "1 élément manquant" in text(response)
    response = client.post(url, _form_data(dossier, quality_approach="Revue trimestrielle"), HTTP_HX_REQUEST="true")
    assert "Dossier complet" in text(response)
    assert "Vérifier et déposer" in text(response)


# --- Attachments --------------------------------------------------------------------------------------------------


def test_attachments_are_checked_by_content(client, draft, coordinator):
    client.force_login(coordinator)
    url = reverse("funding:dossier_attachment_add", kwargs={"dossier_id": draft.pk})
    fake = SimpleUploadedFile("projet.pdf", b"<html>pas un pdf</html>", content_type="application/pdf")
    response = client.post(url, {"kind": "health_project", "label": "", "file": fake})
    assert response.status_code == 400
    assert "son contenu a été vérifié" in text(response)
    assert not draft.attachments.exists()
    pdf = SimpleUploadedFile("Projet de santé.pdf", MINIMAL_PDF, content_type="application/pdf")
    response = client.post(url, {"kind": "health_project", "label": "", "file": pdf})
    assert response.status_code == 302
    attachment = draft.attachments.get()
    assert (attachment.label, attachment.content_type, attachment.size) == (
        "Projet de santé.pdf",
        "application/pdf",
        len(MINIMAL_PDF),
    )
    download = client.get(
        reverse("funding:dossier_attachment_download", kwargs={"dossier_attachment_id": attachment.pk})
    )
    assert b"".join(download.streaming_content) == MINIMAL_PDF
    delete = reverse("funding:dossier_attachment_delete", kwargs={"dossier_attachment_id": attachment.pk})
    assert client.post(delete).status_code == 302
    assert not draft.attachments.exists()


# --- Reopened sections ------------------------------------------------------------------------------------------


def test_a_complement_request_reopens_only_the_named_sections(client):
    dossier = DossierFactory(complete=True, submitted=True)
    instructor = agent_of(dossier.campaign.region, Role.INSTRUCTOR)
    coordinator = coordinator_of(dossier.structure)
    dossier_start_instruction(dossier=dossier, by=instructor)
    complement_request_create(
        dossier=dossier,
        by=instructor,
        items=["Préciser la répartition"],
        sections=["sharing", "attachments"],
        due_on=datetime.date.today() + datetime.timedelta(days=10),
    )
    dossier.refresh_from_db()
    assert dossier.editable_sections == ["sharing", "attachments"]
    with pytest.raises(ApplicationError) as refused:
        services.dossier_save_draft(dossier=dossier, by=coordinator, data={"territory_needs": "Autre"})
    assert "Besoins du territoire" in refused.value.message
    services.dossier_save_draft(
        dossier=dossier, by=coordinator, data={"subsidy_sharing": "Détail", "territory_needs": dossier.territory_needs}
    )
    assert Dossier.objects.get(pk=dossier.pk).subsidy_sharing == "Détail"
    client.force_login(coordinator)
    page = client.get(reverse("funding:dossier_edit", kwargs={"dossier_id": dossier.pk}))
    form = page.context["form"]
    assert not form.fields["subsidy_sharing"].disabled
    assert form.fields["territory_needs"].disabled
    # New attachments are accepted while the attachments section is open; former ones stay.
    pdf = SimpleUploadedFile("signe.pdf", MINIMAL_PDF, content_type="application/pdf")
    client.post(
        reverse("funding:dossier_attachment_add", kwargs={"dossier_id": dossier.pk}),
        {"kind": "health_project", "label": "Projet signé", "file": pdf},
    )
    assert dossier.attachments.count() == 2
    with pytest.raises(ApplicationError):
        services.dossier_attachment_delete(attachment=dossier.attachments.first(), by=coordinator)
