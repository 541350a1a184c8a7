"""The same-region role matrix: every URL of the portal (GET and POST, htmx branches, downloads, API) × every role of
one region × that region's own objects, against the table of expected statuses (``tests/region_matrix_table.py``).

Beside the foreign matrix (``tests/test_tenant_matrix.py``, objects of another region: always 404), this one checks
the need-to-know inside a region (docs/security.md): who of the coordinator, the professional, the instructor, the
committee members (assigned, not assigned, in conflict), the finance officer, the region admin, the national pilot
and the superadmin gets what. A route without a row fails ``test_every_route_has_a_row``; a stale row too.
Independently of the table, ``NEVER_SERVED`` forbids a 200 to the roles that must never read a person's files or an
application they have no business with.

The world is built once per module (one transaction rolled back at the end) and every request runs in a savepoint
that is rolled back: a POST that succeeds changes nothing for the next case. The admin (``/admin-technique/``) is
walked model by model. POST bodies that carry another structure's or another region's ids are in
``test_posted_ids_of_another_structure_or_region_are_refused``.
"""

import hashlib
import json
import os
from pathlib import Path

import pytest
from django.contrib import admin
from django.core.files.base import ContentFile
from django.db import transaction
from django.test.utils import override_settings
from django.urls import reverse

from funding.models import Decision, Dossier, DossierState, ReviewAssignment
from funding.periods import Period
from portal.roles import Role
from portal.tokens import api_token_create
from protocols.models import Declaration, DocumentStatus, MemberDocument, Training
from protocols.services import declarations as declaration_services
from reporting.models import BiannualReport
from reporting.selectors.figures import report_figures
from tests.funding.factories import MINIMAL_PDF, ReviewAssignmentFactory, ReviewFactory
from tests.portal.factories import UserFactory, agent_of, national_pilot
from tests.region_matrix import NEVER_SERVED, PERSONAL_FILE_READERS, PERSONAL_FILE_ROUTES, ROLES, answers_htmx, parse
from tests.region_matrix import expected as expected_status
from tests.region_matrix_table import ADMIN_ROW, TABLE
from tests.tenant import build_foreign_world
from tests.urlwalk import own_routes

API_NAMESPACE = "api-v1:"
RECORD_DIR = os.environ.get("REGION_MATRIX_RECORD")


def _assign(dossier, reviewer, *, conflict):
    assignment = ReviewAssignment.objects.filter(dossier=dossier, reviewer=reviewer).first()
    if assignment is None:
        assignment = ReviewAssignmentFactory(dossier=dossier, reviewer=reviewer)
    if not hasattr(assignment, "review"):
        ReviewFactory(assignment=assignment, conflict_of_interest=conflict)
    return assignment


def _real_files(world):
    """The identity document of the URLs holds a real file, and the declaration version its real snapshots (the
    foreign world needs neither: nobody there may open them): the readers must get a 200 here, the others not."""
    identity = MemberDocument.objects.get(pk=world.kwargs["member_document_id"])
    identity.file.save("identite.pdf", ContentFile(MINIMAL_PDF), save=False)
    identity.status, identity.original_name, identity.size = DocumentStatus.PROVIDED, "identite.pdf", len(MINIMAL_PDF)
    identity.sha256 = hashlib.sha256(MINIMAL_PDF).hexdigest()
    identity.save()
    declaration = Declaration.objects.get(pk=world.kwargs["declaration_id"])
    members = list(declaration.protocol.team.prefetch_related("documents").order_by("pk"))
    declaration.protocol_snapshot = declaration_services._snapshot_protocol(declaration.protocol)
    declaration.team_snapshot = declaration_services._snapshot_team(members)
    declaration.documents_snapshot = declaration_services._snapshot_documents(members)
    declaration.save()
    training = Training.objects.get(membership_id=world.kwargs["team_membership_id"])
    training.certificate.save("attestation.pdf", ContentFile(MINIMAL_PDF), save=True)
    # The dossier of the URLs applies with the protocol of the URLs: its reviewers reach that protocol's versions.
    Dossier.objects.filter(pk=world.kwargs["dossier_id"]).update(protocol=declaration.protocol)
    report = BiannualReport.objects.get(pk=world.kwargs["report_id"])
    BiannualReport.objects.filter(pk=report.pk).update(
        figures=report_figures(report.grant, Period(report.year, report.half)),
        submitted_by=world.objects["coordinator"],
    )


def _build():
    world = build_foreign_world()
    _real_files(world)
    objects, kwargs = world.objects, world.kwargs
    kwargs.setdefault("provider_id", "proconnect")  # the OIDC callback (no state in the session: refused)
    region = objects["region"]
    assigned = objects["committee_member"]
    in_conflict = agent_of(region, Role.COMMITTEE_MEMBER)
    # Every dossier the URLs name: the dossier of dossier_id, the one under review, the one decided.
    reviewed = ReviewAssignment.objects.get(pk=kwargs["assignment_id"]).dossier
    decided = Decision.objects.get(pk=kwargs["decision_id"]).dossier
    for dossier in {objects["dossier"], reviewed, decided}:
        if dossier.state == DossierState.SUBMITTED:
            type(dossier).objects.filter(pk=dossier.pk).update(state=DossierState.TO_COMMITTEE)
        _assign(dossier, assigned, conflict=False)
        _assign(dossier, in_conflict, conflict=True)
    users = {
        "C": objects["coordinator"],
        "P": objects["professional"].user,
        "I": objects["instructor"],
        "MA": assigned,
        "MU": agent_of(region, Role.COMMITTEE_MEMBER),
        "MC": in_conflict,
        "F": agent_of(region, Role.FINANCE_OFFICER),
        "A": objects["region_admin"],
        "N": national_pilot(),
        "S": UserFactory(is_superuser=True, is_staff=True, with_totp=True),
    }
    return world, users


@pytest.fixture(scope="module")
def region_media(tmp_path_factory):
    return tmp_path_factory.mktemp("region-matrix-media")


@pytest.fixture(autouse=True)
def _media_root(settings, region_media):
    """The module's files stay where the module's world saved them (the conftest gives each test its own)."""
    settings.MEDIA_ROOT = region_media


@pytest.fixture(scope="module")
def region_world(django_db_setup, django_db_blocker, region_media):
    """Built once for the module, in a transaction rolled back after its last test."""
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=region_media):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield _build()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _url(route, kwargs):
    return reverse(route.name, kwargs={argument: kwargs[argument] for argument in route.arguments})


def _call(client, method, url, *, api_headers=None, data=None):
    """One request in a savepoint rolled back at once: the world is the same for every case."""
    headers = dict(api_headers or {})
    htmx = method.startswith("HX-")
    if htmx:
        headers["HX-Request"] = "true"
    verb = method.removeprefix("HX-").lower()
    extra = {"content_type": "application/json"} if api_headers is not None else {}
    with transaction.atomic():
        response = getattr(client, verb)(url, data=data, headers=headers, **extra)
        if response.streaming:
            b"".join(response.streaming_content)
        transaction.set_rollback(True)
    return response


def _methods(route):
    methods = ["GET", "POST"]
    if answers_htmx(route.callback):
        methods += ["HX-GET", "HX-POST"]
    return methods


def test_every_route_has_a_row():
    """A new route needs its row (and a view that answers htmx, its HX- parts); a row needs its route."""
    routes = {route.name: route for route in own_routes()}
    missing = sorted(set(routes) - set(TABLE))
    assert not missing, "ajoutez une ligne à tests/region_matrix_table.py pour : " + ", ".join(missing)
    stale = sorted(set(TABLE) - set(routes))
    assert not stale, "lignes sans route dans tests/region_matrix_table.py : " + ", ".join(stale)
    for name, route in routes.items():
        spec = parse(TABLE[name])
        assert set(spec) == set(_methods(route)), (
            f"{name} : méthodes attendues {_methods(route)}, table {sorted(spec)}"
        )


@pytest.mark.parametrize("role", list(ROLES))
def test_region_matrix(client, region_world, role):
    world, users = region_world
    user = users[role]
    client.raise_request_exception = False
    client.force_login(user)
    try:
        _token, raw_key = api_token_create(user=user, name="matrice", scope="write")
        api_headers = {"Authorization": f"Bearer {raw_key}"}
    except Exception:  # a role that may not hold a token: the API must refuse it anyway
        api_headers = {}
    observed, wrong = {}, []
    for route in own_routes():
        url = _url(route, world.kwargs)
        is_api = route.name.startswith(API_NAMESPACE)
        spec = parse(TABLE[route.name]) if route.name in TABLE else {}
        for method in _methods(route):
            status = _call(client, method, url, api_headers=api_headers if is_api else None).status_code
            observed.setdefault(route.name, {})[method] = status
            want = expected_status(spec, method, role)
            if want is not None and status != want:
                wrong.append(f"{method} {url} ({route.name}) → {status}, attendu {want}")
            if status == 200 and method.endswith("GET"):
                forbidden = NEVER_SERVED.get(role, set()) & set(route.arguments)
                if route.name in PERSONAL_FILE_ROUTES and role not in PERSONAL_FILE_READERS:
                    forbidden.add("team_membership_id")
                if forbidden:
                    wrong.append(f"{method} {url} ({route.name}) → 200 pour {role} ({', '.join(sorted(forbidden))})")
            if status >= 500:
                wrong.append(f"{method} {url} ({route.name}) → {status}")
    if RECORD_DIR:
        Path(RECORD_DIR).mkdir(parents=True, exist_ok=True)
        (Path(RECORD_DIR) / f"{role}.json").write_text(json.dumps(observed, indent=1, sort_keys=True))
        return
    assert not wrong, f"{role} ({ROLES[role]}) :\n" + "\n".join(wrong)


def _admin_urls():
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        info = model._meta.app_label, model._meta.model_name
        urls.append(reverse("admin:{}_{}_changelist".format(*info)))
    return urls


@pytest.mark.parametrize("role", list(ROLES))
def test_the_technical_admin_is_the_superadmins_only(client, region_world, role):
    """Every model's list in ``/admin-technique/``: the superadmin (second factor used) reads it, nobody else."""
    _world, users = region_world
    client.raise_request_exception = False
    client.force_login(users[role])
    want = expected_status(parse(ADMIN_ROW), "GET", role)
    wrong = []
    for url in _admin_urls():
        status = _call(client, "GET", url).status_code
        if status != want:
            wrong.append(f"GET {url} → {status}, attendu {want}")
    assert not wrong, "\n".join(wrong)


def _outsiders(world):
    """Another structure of the same region, and another region, each with a professional, a protocol, a dossier
    with a message, a committee member: the ids a forged POST body may carry."""
    from funding.models import DossierMessage
    from tests.funding.factories import DossierFactory
    from tests.portal.factories import RegionFactory, StructureFactory, coordinator_of, professional_of
    from tests.protocols.factories import ProtocolFactory

    region = world.objects["region"]
    sides = {}
    for side, home in (("structure", region), ("region", RegionFactory(code="BRE"))):
        structure = StructureFactory(region=home)
        coordinator = coordinator_of(structure)
        dossier = DossierFactory(structure=structure, submitted=True, created_by=coordinator)
        sides[side] = {
            "region": home,
            "structure": structure,
            "professional": professional_of(structure, profession="medecin").professional,
            "protocol": ProtocolFactory(structure=structure, declared=True, created_by=coordinator),
            "dossier": dossier,
            "message": DossierMessage.objects.create(dossier=dossier, author=coordinator, body="Message d'ailleurs"),
            "member": agent_of(home, Role.COMMITTEE_MEMBER),
        }
    return sides


# Fields whose legitimate values are the whole region's (a region, its committee members): forged with another
# region's ids only.
REGION_WIDE_FIELDS = {
    "funding:statement_compute",
    "reporting:consolidation_list",
    "funding:committee_meeting",
    "funding:committee_assignments",
}


def _forged_cases(world, other):
    """(route, role, body, leak): ``leak()`` says whether the foreign id got attached (checked before rollback)."""
    from funding.models import CommitteeMeeting, ComputationRun, Dossier, DossierMessage, Tableau
    from protocols.models import Intervention, Protocol, TeamMembership
    from reporting.models import ConsolidatedReport

    dossier = world.objects["dossier"]
    return [
        (
            "protocols:team_invite",
            "C",
            {"professional": other["professional"].pk, "role": "delegant"},
            lambda: TeamMembership.objects.filter(professional=other["professional"]).exists(),
        ),
        (
            "protocols:intervention_create",
            "P",
            {
                "protocol": other["protocol"].pk,
                "performed_on": "2025-04-15",
                "delegant": other["professional"].pk,
                "episode_reference": "EP-MATRICE",
            },
            lambda: Intervention.objects.filter(episode_reference="EP-MATRICE").exists(),
        ),
        (
            "protocols:protocol_create",
            "C",
            {"structure": other["structure"].pk, "code": "LOC-MATRICE", "title": "Protocole forgé"},
            lambda: Protocol.objects.filter(code="LOC-MATRICE").exists(),
        ),
        (
            "funding:tableau_open",
            "C",
            {"structure": other["structure"].pk, "period": "2025-H1"},
            lambda: Tableau.objects.filter(structure=other["structure"]).exists(),
        ),
        (
            "funding:statement_compute",
            "F",
            {"region": other["region"].pk, "period": "2025-H1"},
            lambda: ComputationRun.objects.filter(region=other["region"]).exists(),
        ),
        (
            "reporting:consolidation_list",
            "A",
            {"region": other["region"].pk, "period": "2025-H1"},
            lambda: ConsolidatedReport.objects.filter(region=other["region"]).exists(),
        ),
        (
            "funding:instruction_bulk",
            "I",
            {"dossiers": [other["dossier"].pk], "action": "start"},
            lambda: Dossier.objects.filter(pk=other["dossier"].pk).exclude(state=DossierState.SUBMITTED).exists(),
        ),
        (
            "funding:committee_meeting",
            "A",
            {"held_on": "2025-02-20", "members_present": [other["member"].pk]},
            lambda: CommitteeMeeting.objects.filter(members_present=other["member"]).exists(),
        ),
        (
            "funding:committee_assignments",
            "A",
            {f"assign-{dossier.pk}-{other['member'].pk}": "on"},
            lambda: ReviewAssignment.objects.filter(reviewer=other["member"]).exists(),
        ),
        (
            "funding:dossier_message_post",
            "C",
            {"body": "Réponse forgée", "parent": other["message"].pk},
            lambda: DossierMessage.objects.filter(parent=other["message"]).exists(),
        ),
    ]


def test_posted_ids_of_another_structure_or_region_are_refused(client, region_world):
    """A form field that names an object (a professional, a protocol, a structure, a region, a dossier, a member, a
    parent message) only accepts those of the user's own scope: an id of another structure of the region, or of
    another region, is refused (form error or 404) and nothing is attached to it."""
    world, users = region_world
    client.raise_request_exception = False
    wrong = []
    for side, other in _outsiders(world).items():
        for name, role, body, leak in _forged_cases(world, other):
            if side == "structure" and name in REGION_WIDE_FIELDS:
                continue  # the region, or a committee member, of another structure of the region is the user's own
            route = next(route for route in own_routes() if route.name == name)
            url = _url(route, world.kwargs)
            client.force_login(users[role])
            with transaction.atomic():
                response = client.post(url, data=body)
                leaked = leak()
                transaction.set_rollback(True)
            if leaked or response.status_code >= 500 or response.status_code == 200:
                wrong.append(f"{name} ({role}, {side}) → {response.status_code}, rattaché : {leaked}")
    assert not wrong, "\n".join(wrong)
