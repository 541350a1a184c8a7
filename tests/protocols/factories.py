import datetime

import factory

from protocols.models import (
    VERSIONED_FIELDS,
    AdverseEvent,
    Declaration,
    ImportBatch,
    Intervention,
    InterventionSource,
    MembershipStatus,
    NationalProtocol,
    NationalProtocolVersion,
    Protocol,
    ProtocolEnding,
    Suspension,
    TeamMembership,
    TeamRole,
    Training,
)
from tests.portal.factories import ProfessionalFactory, StructureFactory, UserFactory


class NationalProtocolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NationalProtocol
        django_get_or_create = ("code",)
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"SNP-TEST-{n}")
    title = factory.LazyAttribute(lambda o: f"Protocole national {o.code}")
    short_title = factory.LazyAttribute(lambda o: o.code)
    delegant_professions = ["medecin"]
    delegate_professions = ["infirmier", "pharmacien"]
    training_hours = 4
    allowed_structure_kinds = ["MSP", "CDS", "CPTS"]

    @factory.post_generation
    def first_version(obj, create, extracted, **kwargs):
        """Every catalogue row has its version 1 (as migration 0015 gives the real ones)."""
        if create and not obj.versions.exists():
            NationalProtocolVersion.objects.create(
                national_protocol=obj,
                number=1,
                effective_on=datetime.date(2024, 1, 1),
                order_reference="Arrêté de test du 1er janvier 2024",
                order_date=datetime.date(2024, 1, 1),
                reason="Version initiale",
                **{name: getattr(obj, name) for name in VERSIONED_FIELDS},
            )


class ProtocolFactory(factory.django.DjangoModelFactory):
    """A local protocol of a structure, as a draft. Trait ``declared`` puts it in force (without a Declaration
    row: use ``DeclarationFactory`` or the declaration service when the versions matter)."""

    class Meta:
        model = Protocol

    structure = factory.SubFactory(StructureFactory)
    code = factory.Sequence(lambda n: f"LOC-TEST-{n}")
    title = factory.Sequence(lambda n: f"Protocole local de test {n}")
    object = "Suivi protocolisé par l'infirmier"
    in_health_project = True
    delegant_professions = ["medecin"]
    delegate_professions = ["infirmier"]
    training_hours = 10
    theme = "chronic"
    created_by = factory.SubFactory(UserFactory)

    class Params:
        declared = factory.Trait(status="declared", declared_on=datetime.date(2025, 3, 1))
        national = factory.Trait(
            kind="national", theme="", national_protocol=factory.SubFactory(NationalProtocolFactory)
        )
        # Implementation ended by the ARS after 30 September 2025 (add a ``ProtocolEndingFactory`` for the decision).
        ended = factory.Trait(
            status="ended", declared_on=datetime.date(2025, 3, 1), ended_on=datetime.date(2025, 9, 30)
        )


class TeamMembershipFactory(factory.django.DjangoModelFactory):
    """An accepted member (joined 2025-03-01) by default; ``invited=True`` for a pending invitation."""

    class Meta:
        model = TeamMembership

    protocol = factory.SubFactory(ProtocolFactory)
    professional = factory.SubFactory(ProfessionalFactory)
    role = TeamRole.DELEGATE
    status = MembershipStatus.ACCEPTED
    invited_by = factory.LazyAttribute(lambda o: o.protocol.created_by)
    joined_on = datetime.date(2025, 3, 1)

    class Params:
        invited = factory.Trait(status=MembershipStatus.INVITED, joined_on=None)
        delegant = factory.Trait(
            role=TeamRole.DELEGANT, professional=factory.SubFactory(ProfessionalFactory, profession="medecin")
        )


class TrainingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Training

    membership = factory.SubFactory(TeamMembershipFactory)
    hours = 10
    organisation = "Formation interne de la structure"
    completed_on = datetime.date(2025, 2, 15)
    # A completed training carries its certificate (constraint training_completed_has_certificate).
    certificate_name = "attestation.pdf"
    certificate_sha256 = factory.LazyFunction(lambda: "a" * 64)


class DeclarationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Declaration

    protocol = factory.SubFactory(ProtocolFactory, declared=True)
    version = factory.Sequence(lambda n: n + 1)
    reason = "first"
    deposited_on = datetime.date(2025, 3, 1)
    deposited_by = factory.LazyAttribute(lambda o: o.protocol.created_by)
    channel = "portal"
    # On the portal channel (the default) a version is in force from its deposit.
    in_force_on = factory.LazyAttribute(lambda o: o.deposited_on if o.channel == "portal" else None)


class SuspensionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Suspension

    protocol = factory.SubFactory(ProtocolFactory, declared=True)
    starts_on = datetime.date(2025, 10, 1)
    reason = "Événement indésirable grave en cours d'analyse"
    suspended_by = factory.SubFactory(UserFactory)


class ProtocolEndingFactory(factory.django.DjangoModelFactory):
    """The ARS's decision on an ended protocol (no letter stored: the service renders it)."""

    class Meta:
        model = ProtocolEnding

    protocol = factory.SubFactory(ProtocolFactory, ended=True)
    ground = "eig"
    motive = "Événement indésirable grave : réorientation tardive vers le médecin"
    decided_by = factory.SubFactory(UserFactory)


class AdverseEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AdverseEvent

    protocol = factory.SubFactory(ProtocolFactory, declared=True)
    occurred_on = datetime.date(2025, 9, 20)
    severity = "ei"
    description = "Retard de réorientation vers le médecin"
    reported_by = factory.SubFactory(UserFactory)


class ImportBatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImportBatch

    structure = factory.SubFactory(StructureFactory)
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    original_name = "reporting.csv"


class InterventionFactory(factory.django.DjangoModelFactory):
    """An intervention of a protocol's structure. Pass ``delegate`` and ``delegant`` (Professional) from the
    protocol's team when eligibility matters."""

    class Meta:
        model = Intervention

    protocol = factory.SubFactory(ProtocolFactory, declared=True)
    structure = factory.LazyAttribute(lambda o: o.protocol.carrying_structure)
    performed_on = datetime.date(2025, 4, 15)
    delegate = factory.SubFactory(ProfessionalFactory)
    delegant = factory.SubFactory(ProfessionalFactory, profession="medecin")
    episode_reference = factory.Sequence(lambda n: f"EP-{n:06d}")
    source = InterventionSource.FORM
    recorded_by = factory.LazyAttribute(lambda o: o.delegate.user)
