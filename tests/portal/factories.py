import datetime

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import encrypt
from django.conf import settings
from django.utils import timezone

from portal.models import (
    Invitation,
    Professional,
    Region,
    RegionMembership,
    Structure,
    StructureMembership,
    User,
)
from portal.models.invitation import INVITATION_VALIDITY
from portal.regions import REGIONS, agency_name
from portal.roles import Role

REGION_NAMES = dict(REGIONS)


def luhn_complete(prefix: str) -> str:
    """Append the Luhn key to a string of digits (FINESS, SIRET, RPPS)."""
    digits = [int(c) for c in prefix]
    total = 0
    for position, value in enumerate(reversed(digits)):
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return prefix + str((10 - total % 10) % 10)


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = "PACA"
    name = factory.LazyAttribute(lambda o: REGION_NAMES.get(o.code, o.code))
    agency_name = factory.LazyAttribute(lambda o: agency_name(o.name))


class StructureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Structure
        skip_postgeneration_save = True

    kind = "MSP"
    name = factory.Sequence(lambda n: f"MSP numéro {n}")
    finess = factory.Sequence(lambda n: luhn_complete(f"13{n:06d}"))
    siret = factory.Sequence(lambda n: luhn_complete(f"8000{n:09d}"))
    commune = "Marseille"
    departement = "13"
    region = factory.SubFactory(RegionFactory)
    # Signed the ACI (local protocols are open to it); ``without_aci=True`` for one that did not.
    aci_signed_on = datetime.date(2020, 1, 1)

    class Params:
        cpts = factory.Trait(kind="CPTS", name=factory.Sequence(lambda n: f"CPTS numéro {n}"))
        esp = factory.Trait(kind="ESP", name=factory.Sequence(lambda n: f"ESP numéro {n}"), aci_signed_on=None)
        without_aci = factory.Trait(aci_signed_on=None)
        cds = factory.Trait(kind="CDS", name=factory.Sequence(lambda n: f"Centre de santé numéro {n}"))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"personne{n}@exemple.fr")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    password = factory.django.Password(settings.DEMO_PASSWORD)

    @factory.post_generation
    def verified(user, create, extracted, **kwargs):
        if create:
            EmailAddress.objects.get_or_create(
                user=user, email=user.email, defaults={"verified": True, "primary": True}
            )

    @factory.post_generation
    def with_totp(user, create, extracted, **kwargs):
        if create and extracted:
            Authenticator.objects.get_or_create(
                user=user,
                type=Authenticator.Type.TOTP,
                defaults={"data": {"secret": encrypt(settings.DEMO_TOTP_SECRET)}},
            )


class ProfessionalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Professional

    user = factory.SubFactory(UserFactory)
    profession = "infirmier"
    rpps = factory.Sequence(lambda n: luhn_complete(f"2{n:09d}"))


class StructureMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StructureMembership

    user = factory.SubFactory(UserFactory)
    structure = factory.SubFactory(StructureFactory)
    role = Role.COORDINATOR


class RegionMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RegionMembership

    user = factory.SubFactory(UserFactory, with_totp=True)
    region = factory.SubFactory(RegionFactory)
    role = Role.INSTRUCTOR


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    email = factory.Sequence(lambda n: f"invite{n}@exemple.fr")
    role = Role.PROFESSIONAL
    structure = factory.SubFactory(StructureFactory)
    region = None
    token_hash = factory.LazyFunction(lambda: Invitation.new_token()[1])
    invited_by = factory.SubFactory(UserFactory)
    expires_at = factory.LazyFunction(lambda: timezone.now() + INVITATION_VALIDITY)


def coordinator_of(structure, **kwargs) -> User:
    return StructureMembershipFactory(structure=structure, role=Role.COORDINATOR, **kwargs).user


def professional_of(structure, profession="infirmier", **kwargs) -> User:
    professional = ProfessionalFactory(profession=profession, **kwargs)
    StructureMembershipFactory(structure=structure, user=professional.user, role=Role.PROFESSIONAL)
    return professional.user


def agent_of(region, role=Role.INSTRUCTOR) -> User:
    return RegionMembershipFactory(region=region, role=role).user


def national_pilot(**user_kwargs) -> User:
    """A ``pilote_national``: a national role held with no region (TOTP, like every agent)."""
    return RegionMembershipFactory(region=None, role=Role.NATIONAL_PILOT, **user_kwargs).user
