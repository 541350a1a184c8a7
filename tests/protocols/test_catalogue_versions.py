"""The catalogue the platform keeps (issue 17): the national protocols read against the seeds, each change a new
version with its order and effective date, made by the platform's administrators only; a declaration names the
version its team adhered to, and a later change never rewrites it."""

import datetime

import pytest
from django.urls import reverse

from portal.errors import ApplicationError
from portal.roles import Role
from protocols.models import VERSIONED_FIELDS, Declaration, NationalProtocol, NationalProtocolVersion, Protocol
from protocols.services import catalogue as catalogue_services
from protocols.services import declarations as declaration_services
from protocols.services import protocols as protocol_services
from protocols.services import teams as team_services
from protocols.services.declaration_problems import declaration_problems
from tests.portal.factories import RegionFactory, UserFactory, agent_of, professional_of
from tests.protocols.conftest import D, join
from tests.protocols.factories import NationalProtocolFactory

SNP_2024 = ("SNP-POLLAKIURIE", "SNP-ODYNOPHAGIE")
SNP_2020 = ("SNP-CHEVILLE", "SNP-LOMBALGIE", "SNP-RHINITE", "SNP-VARICELLE")


def superadmin():
    return UserFactory(is_superuser=True, is_staff=True, with_totp=True)


def _content(national, **changes) -> dict:
    return {**{name: getattr(national, name) for name in VERSIONED_FIELDS}, **changes}


def _post_data(national, **changes) -> dict:
    """The version form as the administrator submits it: prefilled with the catalogue, then changed."""
    data = {
        "order_reference": "Arrêté du 2 janvier 2026 modifiant le protocole",
        "order_date": "2026-01-02",
        "effective_on": "2026-01-02",
        "reason": "Nouvel arrêté",
    }
    for name, value in _content(national).items():
        data[name] = "" if value is None else value
    data.update(changes)
    return data


# --- The catalogue read against the seeds ------------------------------------------------------------------------


@pytest.mark.parametrize("code", SNP_2024)
def test_the_snp_protocols_of_the_june_2024_orders_delegate_to_the_nurse_only(code):
    """Seed 003's table and the orders of 17 June 2024 it cites: IDE only; the pharmacist was version 1's error."""
    national = NationalProtocol.objects.get(code=code)
    assert national.delegate_professions == ["infirmier"]
    assert national.delegant_professions == ["medecin"]
    assert national.delegate_labels == "Infirmier"
    assert national.allowed_structure_kinds == ["MSP", "CDS", "ESP", "CPTS"]
    assert "pharmacien" not in national.title.lower()
    assert national.care_setting.startswith("Cabinet infirmier et domicile")
    first, second = national.versions.order_by("number")
    assert first.delegate_professions == ["infirmier", "pharmacien"]  # the history shows what was corrected
    assert first.order_date == first.effective_on == datetime.date(2023, 3, 9)
    assert second.delegate_professions == ["infirmier"]
    assert second.order_date == second.effective_on == datetime.date(2024, 6, 17)
    assert second.order_reference.startswith("Arrêté du 17 juin 2024")
    assert second.recorded_by is None and "pharmacien" in second.reason
    assert national.current_version() == second


def test_ages_and_trainings_follow_seed_003_and_the_orders():
    pollakiuria = NationalProtocol.objects.get(code="SNP-POLLAKIURIE")
    odynophagia = NationalProtocol.objects.get(code="SNP-ODYNOPHAGIE")
    assert "16 à 65 ans" in pollakiuria.patients and "16 à 65 ans" in pollakiuria.title
    assert "6 à 50 ans" in odynophagia.patients and "6 à 50 ans" in odynophagia.title
    assert (pollakiuria.training_hours, odynophagia.training_hours) == (4, 10)


@pytest.mark.parametrize("code", SNP_2020)
def test_the_2020_protocols_claim_no_order_date_the_sources_do_not_give(code):
    national = NationalProtocol.objects.get(code=code)
    assert "8 mars 2020" not in national.legal_reference and "2020" in national.legal_reference
    latest = national.current_version()
    assert latest.number == 2 and latest.effective_on is None and latest.order_date is None
    assert national.allowed_structure_kinds == ["MSP", "CDS"]
    # Seed 004 names the delegates of each: unchanged.
    first = national.versions.get(number=1)
    assert latest.delegate_professions == first.delegate_professions


# --- A change never rewrites a past declaration ------------------------------------------------------------------


@pytest.fixture
def declared_adhesion(msp):
    """An MSP's adhesion to a national protocol whose version 1 delegates to the nurse and the pharmacist, declared
    with a pharmacist delegate."""
    national = NationalProtocolFactory(code="SNP-TEST-VERSIONS", allowed_structure_kinds=["MSP"])
    protocol = protocol_services.protocol_create(
        structure=msp.structure, by=msp.coordinator, code="SNP-TEST-VERSIONS", national_protocol=national
    )
    join(protocol, msp, msp.doctor, "delegant", D(2025, 3, 1))
    pharmacist = join(protocol, msp, msp.pharmacist, "delegate", D(2025, 3, 1), trained_on=D(2025, 2, 1))
    declaration = declaration_services.declaration_deposit(protocol=protocol, by=msp.coordinator, on=D(2025, 3, 1))
    return national, protocol, pharmacist, declaration


def _nurse_only(national, by=None):
    return catalogue_services.national_protocol_version_create(
        national_protocol=national,
        by=by or superadmin(),
        effective_on=D(2025, 6, 1),
        order_reference="Arrêté du 1er juin 2025",
        order_date=D(2025, 6, 1),
        reason="Le pharmacien n'est plus délégué.",
        content=_content(national, delegate_professions=["infirmier"]),
    )


def test_a_catalogue_change_does_not_rewrite_past_declarations(msp, declared_adhesion):
    national, protocol, pharmacist, declaration = declared_adhesion
    first = national.current_version()
    assert declaration.catalogue_version == first
    snapshot = dict(declaration.protocol_snapshot)

    second = _nurse_only(national)

    assert second.number == 2
    national.refresh_from_db()
    assert national.delegate_professions == ["infirmier"]  # the catalogue shows the new version
    declaration.refresh_from_db()
    assert declaration.catalogue_version == first  # the declaration still names what its team adhered to
    assert declaration.protocol_snapshot == snapshot
    assert snapshot["delegate_professions"] == ["infirmier", "pharmacien"]
    first.refresh_from_db()
    assert first.delegate_professions == ["infirmier", "pharmacien"]  # a version is never edited

    # The next declaration adheres to the version in force: the pharmacist leaves, the leave is declared under v2.
    team_services.team_member_leave(membership=pharmacist, by=msp.coordinator, left_on=D(2025, 6, 2))
    latest = Declaration.objects.filter(protocol=protocol).order_by("-version").first()
    assert latest.version == 2 and latest.catalogue_version == second
    assert latest.protocol_snapshot["delegate_professions"] == ["infirmier"]
    assert latest.protocol_snapshot["catalogue_version"]["number"] == 2
    declaration.refresh_from_db()
    assert declaration.catalogue_version == first


def test_professions_are_checked_against_the_version_the_next_declaration_names(msp, declared_adhesion):
    """Invitation, acceptance and deposit read the catalogue's current version, in French, naming it."""
    national, protocol, _pharmacist, _declaration = declared_adhesion
    other_pharmacist = msp.pro(professional_of(msp.structure, profession="pharmacien"))
    pending = team_services.team_invite(
        protocol=protocol, professional=other_pharmacist, role="delegate", by=msp.coordinator
    )  # allowed by version 1
    _nurse_only(national)
    third = msp.pro(professional_of(msp.structure, profession="pharmacien"))
    with pytest.raises(ApplicationError, match=r"catalogue national, version 2 \(Arrêté du 1er juin 2025\)"):
        team_services.team_invite(protocol=protocol, professional=third, role="delegate", by=msp.coordinator)
    with pytest.raises(ApplicationError, match="est pharmacien"):
        team_services.team_invitation_accept(membership=pending, by=other_pharmacist.user, on=D(2025, 6, 5))
    blocking = [
        problem.message
        for problem in declaration_problems(protocol=Protocol.objects.get(pk=protocol.pk), on=D(2025, 6, 5))
        if problem.blocking
    ]
    assert any("ne le prévoit pas comme délégué" in message and "version 2" in message for message in blocking)


# --- Only the platform's administrators edit; everyone reads the history ----------------------------------------


def test_only_platform_admins_record_a_version(msp):
    national = NationalProtocol.objects.get(code="SNP-POLLAKIURIE")
    for user in (msp.coordinator, agent_of(RegionFactory(code="NAQ"), Role.REGION_ADMIN)):
        with pytest.raises(ApplicationError, match="administrateurs de la plateforme"):
            _nurse_only(national, by=user)
    assert national.versions.count() == 2


def test_the_edit_page_is_the_superadmins_only(client, msp):
    national = NationalProtocol.objects.get(code="SNP-POLLAKIURIE")
    url = reverse("protocols:national_protocol_version_create", kwargs={"national_protocol_id": national.pk})
    for user in (msp.coordinator, msp.instructor, agent_of(msp.structure.region, Role.REGION_ADMIN)):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.post(url, _post_data(national, training_hours="5")).status_code == 403
    assert national.versions.count() == 2
    client.force_login(superadmin())
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["form"]["delegate_professions"].value() == ["infirmier"]  # prefilled with the catalogue
    response = client.post(url, _post_data(national, training_hours="5"))
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "protocols:national_protocol_versions", kwargs={"national_protocol_id": national.pk}
    )
    national.refresh_from_db()
    assert national.training_hours == 5 and national.current_version().number == 3


def test_the_version_history_page(client, msp):
    national = NationalProtocol.objects.get(code="SNP-ODYNOPHAGIE")
    client.force_login(msp.coordinator)
    url = reverse("protocols:national_protocol_versions", kwargs={"national_protocol_id": national.pk})
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.index("Arrêté du 17 juin 2024") < page.index("Arrêté du 9 mars 2023")  # newest first
    assert "17/06/2024" in page and "09/03/2023" in page
    assert "Infirmier, Pharmacien" in page  # version 1, as it was
    assert "Reprise du portail" in page
    assert "Champs modifiés : intitulé, professions des délégués" in page
    assert "Enregistrer une nouvelle version" not in page
    client.force_login(superadmin())
    assert "Enregistrer une nouvelle version" in client.get(url).content.decode()


def test_a_declaration_page_names_its_catalogue_version(client, msp, declared_adhesion):
    _national, _protocol, _pharmacist, declaration = declared_adhesion
    client.force_login(msp.coordinator)
    page = client.get(reverse("protocols:declaration_detail", kwargs={"declaration_id": declaration.pk}))
    assert "Adhésion à la" in page.content.decode()
    assert "version 1 (Arrêté de test du 1er janvier 2024)" in page.content.decode()


# --- Form errors, in French, nothing saved ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"effective_on": ""}, "Indiquez la date d&#x27;effet de la version."),
        ({"delegate_professions": []}, "Choisissez au moins une profession."),
        ({"allowed_structure_kinds": []}, "Choisissez au moins un type de structure."),
        ({"order_reference": ""}, "Indiquez l&#x27;arrêté qui fonde cette version"),
        ({"reason": ""}, "Indiquez le motif du changement."),
        ({"effective_on": "2024-01-01", "order_date": ""}, "La version 2 s&#x27;applique depuis le 17/06/2024"),
        ({"effective_on": "2099-01-01"}, "ne peut pas être postérieure à aujourd&#x27;hui"),
        ({"order_date": "2026-02-01"}, "la date d&#x27;effet doit être le 01/02/2026 ou après"),
        ({"training_hours": "-2"}, "La durée de formation est un nombre d&#x27;heures positif."),
        ({"effective_on": "pas une date"}, "Saisissez une date valide."),
        ({"training_hours": "4"}, "Le contenu est identique à la version 2"),
    ],
)
def test_form_errors_are_in_french_and_nothing_is_saved(client, changes, message):
    national = NationalProtocol.objects.get(code="SNP-POLLAKIURIE")
    client.force_login(superadmin())
    url = reverse("protocols:national_protocol_version_create", kwargs={"national_protocol_id": national.pk})
    response = client.post(url, _post_data(national, **changes))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert NationalProtocolVersion.objects.filter(national_protocol=national).count() == 2
    national.refresh_from_db()
    assert national.delegate_professions == ["infirmier"]


def test_the_receipt_names_the_catalogue_version(client, msp, declared_adhesion):
    from tests.protocols.test_protocol_editor import pdf_text

    _national, _protocol, _pharmacist, declaration = declared_adhesion
    declaration_services.declaration_receipt_ensure(declaration=declaration)
    declaration.refresh_from_db()
    with declaration.receipt.open("rb") as receipt:
        text = pdf_text(receipt.read())
    assert "Adhésion à la version 1" in text
