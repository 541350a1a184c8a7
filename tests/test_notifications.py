"""The portal's e-mails go through one helper (``portal.mail.mail_on_commit``) and one set of recipient querysets
(``User.objects.coordinators_of`` / ``agents_of`` / ``active``): a deactivated coordinator or agent receives nothing,
whichever app sends, and ``notifications_off()`` silences every path."""

import datetime
from types import SimpleNamespace

import pytest
from django.core import mail

from funding.services.committee import decision_letter_send
from funding.services.notifications import notify_inadmissible, region_instructors, structure_coordinators
from funding.services.tableau_notifications import _coordinators as tableau_coordinators
from funding.services.tableau_notifications import _finance_officers
from portal.mail import notifications_off
from portal.roles import Role
from protocols.services.endings import protocol_end
from protocols.services.vigilance import adverse_event_report, protocol_suspend
from reporting.services.notifications import notify_opened, notify_submitted
from tests.funding.factories import DecisionFactory, DossierFactory
from tests.portal.factories import RegionFactory, StructureFactory, StructureMembershipFactory, agent_of
from tests.protocols.factories import ProtocolFactory
from tests.reporting.factories import BiannualReportFactory


@pytest.fixture
def world():
    region = RegionFactory(code="PACA")
    structure = StructureFactory(region=region)
    people = {}
    roles = (("coordinator", Role.COORDINATOR), ("instructor", Role.INSTRUCTOR), ("finance", Role.FINANCE_OFFICER))
    for key, role in roles:
        for state in ("active", "inactive"):
            email = f"{key}.{state}@exemple.fr"
            if role == Role.COORDINATOR:
                user = StructureMembershipFactory(structure=structure, role=role, user__email=email).user
            else:
                user = agent_of(region, role)
                user.email = email
            user.is_active = state == "active"
            user.save()
            people[key, state] = user
    return SimpleNamespace(region=region, structure=structure, people=people)


def _suspend(world):
    protocol = ProtocolFactory(declared=True, structure=world.structure)
    protocol_suspend(
        protocol=protocol, by=world.people["instructor", "active"], starts_on=datetime.date(2025, 10, 1), reason="EIG"
    )


def _end(world):
    protocol = ProtocolFactory(declared=True, structure=world.structure)
    protocol_end(
        protocol=protocol,
        by=world.people["instructor", "active"],
        ended_on=datetime.date(2025, 9, 30),
        ground="eig",
        motive="EIG",
    )


def _adverse_event(world):
    protocol = ProtocolFactory(declared=True, structure=world.structure)
    adverse_event_report(
        protocol=protocol,
        by=world.people["coordinator", "active"],
        occurred_on=datetime.date(2025, 9, 20),
        severity="ei",
        description="Retard de réorientation",
    )


# One path per recipient queryset use: (what is sent, who must receive it).
PATHS = {
    "protocole suspendu (coordinateurs)": (_suspend, "coordinator"),
    "mise en œuvre annulée, courrier (coordinateurs)": (_end, "coordinator"),
    "événement indésirable (instructeurs)": (_adverse_event, "instructor"),
    "dossier irrecevable (coordinateurs)": (
        lambda world: notify_inadmissible(DossierFactory(structure=world.structure, submitted=True)),
        "coordinator",
    ),
    "courrier de décision (coordinateurs)": (
        lambda world: decision_letter_send(decision_id=DecisionFactory(dossier__structure=world.structure).pk),
        "coordinator",
    ),
    "rapport semestriel ouvert (coordinateurs)": (
        lambda world: notify_opened(BiannualReportFactory(grant__dossier__structure=world.structure)),
        "coordinator",
    ),
    "rapport semestriel transmis (instructeurs)": (
        lambda world: notify_submitted(BiannualReportFactory(grant__dossier__structure=world.structure)),
        "instructor",
    ),
}

# The recipient functions the mails above do not reach, checked directly.
RECIPIENTS = {
    "coordinateurs d'un dossier": (
        lambda world: structure_coordinators(DossierFactory(structure=world.structure)),
        "coordinator",
    ),
    "instructeurs d'un dossier": (
        lambda world: region_instructors(DossierFactory(structure=world.structure)),
        "instructor",
    ),
    "coordinateurs d'un tableau": (
        lambda world: tableau_coordinators(SimpleNamespace(structure_id=world.structure.pk)),
        "coordinator",
    ),
    "chargés de financement d'un tableau": (
        lambda world: _finance_officers(SimpleNamespace(structure=world.structure)),
        "finance",
    ),
}


def _addresses():
    return {address for message in mail.outbox for address in message.to}


@pytest.mark.parametrize("path", PATHS)
def test_a_deactivated_coordinator_or_agent_receives_no_mail(world, path, django_capture_on_commit_callbacks):
    send, who = PATHS[path]

    with django_capture_on_commit_callbacks(execute=True):
        send(world)

    addresses = _addresses()
    assert world.people[who, "active"].email in addresses
    assert world.people[who, "inactive"].email not in addresses
    assert all(message.subject.startswith("[Portail protocoles] ") for message in mail.outbox)


@pytest.mark.parametrize("function", RECIPIENTS)
def test_recipient_functions_keep_active_accounts_only(world, function):
    recipients, who = RECIPIENTS[function]

    assert recipients(world) == [world.people[who, "active"].email]


@pytest.mark.parametrize("path", PATHS)
def test_notifications_off_silences_every_path(world, path, django_capture_on_commit_callbacks):
    send, _ = PATHS[path]

    with django_capture_on_commit_callbacks(execute=True), notifications_off():
        send(world)

    assert mail.outbox == []
