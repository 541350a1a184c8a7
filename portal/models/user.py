from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from portal.access import NOTHING, ScopedQuerySet, get_scope
from portal.roles import Role
from portal.validators import normalize_identifier, validate_adeli, validate_am_number, validate_rpps


class Profession(models.TextChoices):
    """The professions that may join a cooperation protocol, as seed 001 names them (art. L.4011-1 of the Code de la
    santé publique): the medical professions, the pharmacy professions, and every paramedical profession of book III
    of part IV of the code. Stored values never change (a label may): the first thirteen codes predate this list."""

    # Professions médicales.
    MEDECIN = "medecin", "Médecin"
    SAGE_FEMME = "sage_femme", "Sage-femme"
    CHIRURGIEN_DENTISTE = "chirurgien_dentiste", "Chirurgien-dentiste (odontologiste)"
    # Professions de la pharmacie.
    PHARMACIEN = "pharmacien", "Pharmacien"
    PREPARATEUR_PHARMACIE = "preparateur_pharmacie", "Préparateur en pharmacie"
    # Professions paramédicales (CSP, 4e partie, livre III), in the order of the code's titles.
    INFIRMIER = "infirmier", "Infirmier"
    INFIRMIER_PRATIQUE_AVANCEE = "infirmier_pratique_avancee", "Infirmier en pratique avancée"
    MASSEUR_KINESITHERAPEUTE = "masseur_kinesitherapeute", "Masseur-kinésithérapeute"
    PEDICURE_PODOLOGUE = "pedicure_podologue", "Pédicure-podologue"
    ERGOTHERAPEUTE = "ergotherapeute", "Ergothérapeute"
    PSYCHOMOTRICIEN = "psychomotricien", "Psychomotricien"
    ORTHOPHONISTE = "orthophoniste", "Orthophoniste"
    ORTHOPTISTE = "orthoptiste", "Orthoptiste"
    MANIPULATEUR_ELECTRORADIOLOGIE = "manipulateur_electroradiologie", "Manipulateur d'électroradiologie médicale"
    TECHNICIEN_LABORATOIRE = "technicien_laboratoire", "Technicien de laboratoire médical"
    AUDIOPROTHESISTE = "audioprothesiste", "Audioprothésiste"
    OPTICIEN_LUNETIER = "opticien_lunetier", "Opticien-lunetier"
    PROTHESISTE_ORTHESISTE = "prothesiste_orthesiste", "Prothésiste et orthésiste pour l'appareillage"
    DIETETICIEN = "dieteticien", "Diététicien"
    AIDE_SOIGNANT = "aide_soignant", "Aide-soignant"
    AUXILIAIRE_PUERICULTURE = "auxiliaire_puericulture", "Auxiliaire de puériculture"
    AMBULANCIER = "ambulancier", "Ambulancier"
    ASSISTANT_DENTAIRE = "assistant_dentaire", "Assistant dentaire"


MEDICAL_PROFESSIONS = (Profession.MEDECIN, Profession.SAGE_FEMME, Profession.CHIRURGIEN_DENTISTE)
PHARMACY_PROFESSIONS = (Profession.PHARMACIEN, Profession.PREPARATEUR_PHARMACIE)


def profession_choices_grouped() -> list:
    """Profession choices grouped as seed 001 groups them, for a select (optgroups)."""
    grouped = set(MEDICAL_PROFESSIONS) | set(PHARMACY_PROFESSIONS)
    return [
        ("Professions médicales", [(p.value, p.label) for p in MEDICAL_PROFESSIONS]),
        ("Professions de la pharmacie", [(p.value, p.label) for p in PHARMACY_PROFESSIONS]),
        ("Professions paramédicales", [(p.value, p.label) for p in Profession if p not in grouped]),
    ]


class UserQuerySet(ScopedQuerySet):
    """A user sees themself; coordinators see the people of their structures; ARS staff the people of theirs."""

    def scope_filter(self, scope, roles):
        if scope.is_superadmin and roles is None:
            return Q()
        condition = Q(pk=scope.user_id) if scope.user_id else NOTHING
        coordinated = scope.structure_ids([Role.COORDINATOR] if roles is None else set(roles) & {Role.COORDINATOR})
        if coordinated:
            condition |= Q(structure_memberships__structure__in=coordinated)
        region_ids = scope.region_ids() if roles is None else scope.region_ids(roles)
        if region_ids:
            condition |= Q(structure_memberships__structure__region__in=region_ids)
            condition |= Q(region_memberships__region__in=region_ids)
        return condition

    def visible_to(self, user, roles=None):
        return super().visible_to(user, roles).distinct()

    # Recipients of the portal's e-mails: active accounts only (a deactivated person receives nothing), one place.

    def active(self):
        return self.filter(is_active=True)

    def coordinators_of(self, *structures):
        """Active coordinators of these structures (instances or ids)."""
        from portal.models.membership import StructureMembership  # membership imports this module

        ids = [getattr(structure, "pk", structure) for structure in structures]
        return self.active().filter(
            pk__in=StructureMembership.objects.filter(structure_id__in=ids, role=Role.COORDINATOR).values("user_id")
        )

    def agents_of(self, region, *, roles):
        """Active agents of the region (instance or id) holding one of ``roles``."""
        from portal.models.membership import RegionMembership  # membership imports this module

        region_id = getattr(region, "pk", region)
        return self.active().filter(
            pk__in=RegionMembership.objects.filter(region_id=region_id, role__in=roles).values("user_id")
        )

    def emails(self) -> list[str]:
        """Their addresses, sorted, each once."""
        return sorted(set(self.values_list("email", flat=True)))


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra_fields):
        if not email:
            raise ValueError("L'adresse e-mail est obligatoire.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in with an e-mail address. Roles come from memberships, never from flags."""

    email = models.EmailField("adresse e-mail", unique=True)
    first_name = models.CharField("prénom", max_length=150, blank=True)
    last_name = models.CharField("nom", max_length=150, blank=True)
    phone = models.CharField("téléphone", max_length=20, blank=True)
    is_active = models.BooleanField("actif", default=True)
    is_staff = models.BooleanField("accès à l'administration technique", default=False)
    date_joined = models.DateTimeField("inscrit le", default=timezone.now)

    objects = UserManager()
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = "utilisateur"
        ordering = ["last_name", "first_name", "email"]

    def __str__(self):
        return self.get_full_name() or self.email

    def get_full_name(self):
        return f"{self.first_name} {self.last_name}".strip()

    @classmethod
    def audit_region_filter(cls, region_ids) -> Q:
        """People of the regions, for the region admin's journal (historical rows have no reverse relations)."""
        return Q(id__in=people_of_regions(region_ids))

    def get_short_name(self):
        return self.first_name or self.email

    @property
    def scope(self):
        return get_scope(self)


def people_of_regions(region_ids):
    """Ids of the users holding a role in the regions or in one of their structures."""
    return User.objects.filter(
        Q(region_memberships__region__in=region_ids) | Q(structure_memberships__structure__region__in=region_ids)
    ).values("id")


class ProfessionalQuerySet(ScopedQuerySet):
    """A professional is visible exactly when their user is."""

    def visible_to(self, user, roles=None):
        users = User.objects.visible_to(user, roles).values("pk")
        return self.filter(user__in=users)

    def by_identifier(self, identifier: str):
        identifier = normalize_identifier(identifier)
        return self.filter(Q(rpps=identifier) | Q(adeli=identifier))


class Professional(models.Model):
    """The professional identity of a user: profession and RPPS or ADELI number."""

    user = models.OneToOneField("portal.User", on_delete=models.PROTECT, related_name="professional")
    profession = models.CharField("profession", max_length=32, choices=Profession.choices)
    rpps = models.CharField(
        "numéro RPPS", max_length=11, null=True, blank=True, unique=True, validators=[validate_rpps]
    )
    adeli = models.CharField(
        "numéro ADELI", max_length=9, null=True, blank=True, unique=True, validators=[validate_adeli]
    )
    am_number = models.CharField(
        "numéro d'assurance maladie (N° AM)",
        max_length=9,
        null=True,
        blank=True,
        unique=True,
        validators=[validate_am_number],
        help_text="9 chiffres, facultatif : le tableau de reporting d'une MSP désigne ainsi les professionnels.",
    )
    is_salaried = models.BooleanField(
        "exerce en tant que salarié", default=False, help_text="L'accord de l'employeur est alors demandé."
    )
    employer = models.CharField("employeur", max_length=200, blank=True)

    objects = ProfessionalQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "professionnel de santé"
        verbose_name_plural = "professionnels de santé"
        constraints = [
            models.CheckConstraint(
                condition=Q(rpps__isnull=False) | Q(adeli__isnull=False),
                name="professional_has_identifier",
                violation_error_message="Un numéro RPPS ou ADELI est obligatoire.",
            ),
        ]

    def __str__(self):
        return f"{self.user.get_full_name()} ({self.get_profession_display()})"

    def clean(self):
        self.rpps = normalize_identifier(self.rpps) or None
        self.adeli = normalize_identifier(self.adeli) or None
        self.am_number = normalize_identifier(self.am_number) or None

    @classmethod
    def audit_region_filter(cls, region_ids) -> Q:
        return Q(user_id__in=people_of_regions(region_ids))

    @property
    def identifier(self) -> str:
        return self.rpps or self.adeli or ""
