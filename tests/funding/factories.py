import datetime
import hashlib
from decimal import Decimal
from zoneinfo import ZoneInfo

import factory
from django.utils import timezone

from funding.models import (
    OPEN_END,
    Campaign,
    Criterion,
    Decision,
    Dossier,
    DossierAttachment,
    DossierState,
    Grant,
    InterventionEligibility,
    Review,
    ReviewAssignment,
    Score,
    Statement,
    Wave,
)
from tests.portal.factories import RegionFactory, StructureFactory, UserFactory
from tests.protocols.factories import ProtocolFactory

PARIS = ZoneInfo("Europe/Paris")
# The smallest file the upload check accepts as a PDF (it looks at the content, not the name).
MINIMAL_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


class CampaignFactory(factory.django.DjangoModelFactory):
    """A published campaign (PACA by default), €25 per intervention within €7,000 a year."""

    class Meta:
        model = Campaign

    region = factory.SubFactory(RegionFactory)
    title = factory.Sequence(lambda n: f"AMI protocoles de coopération {n}")
    published_at = datetime.datetime(2024, 11, 1, 9, 0, tzinfo=PARIS)
    eligible_structure_kinds = ["MSP", "CDS", "CPTS", "ESP"]
    rate_per_intervention = Decimal("25.00")
    yearly_cap = Decimal("7000.00")
    created_by = factory.SubFactory(UserFactory)


class WaveFactory(factory.django.DjangoModelFactory):
    """Wave 1 of a campaign: open from 2024-11-01, deadline 15 January 2025 08:00 Paris time, 5 projects."""

    class Meta:
        model = Wave

    campaign = factory.SubFactory(CampaignFactory)
    number = 1
    opens_at = datetime.datetime(2024, 11, 1, 9, 0, tzinfo=PARIS)
    deadline = datetime.datetime(2025, 1, 15, 8, 0, tzinfo=PARIS)
    projects_funded = 5


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Criterion

    campaign = factory.SubFactory(CampaignFactory)
    code = factory.Sequence(lambda n: f"{n + 1}")
    label = factory.Sequence(lambda n: f"Critère {n + 1}")
    weight = Decimal("1.00")
    scale_max = 4


class DossierFactory(factory.django.DjangoModelFactory):
    """A draft dossier of a structure in wave 1 of a campaign of the structure's region.

    ``submitted=True`` (or any later state with ``state=…``) fills submitted_at and a snapshot hash, as the submit
    service would; use the services themselves when the snapshot's content matters.
    """

    class Meta:
        model = Dossier
        skip_postgeneration_save = True

    structure = factory.SubFactory(StructureFactory)
    wave = factory.SubFactory(WaveFactory, campaign__region=factory.SelfAttribute("...structure.region"))
    campaign = factory.LazyAttribute(lambda o: o.wave.campaign)
    reference = factory.Sequence(lambda n: f"AMI-TEST-{n:04d}")
    protocol = factory.SubFactory(ProtocolFactory, structure=factory.SelfAttribute("..structure"))
    created_by = factory.SubFactory(UserFactory)

    class Params:
        submitted = factory.Trait(
            state=DossierState.SUBMITTED,
            submitted_at=datetime.datetime(2025, 1, 10, 14, 0, tzinfo=PARIS),
            snapshot={"demo": True},
            snapshot_sha256="0" * 64,
        )
        # Every answer of the form filled (the team is described; add the health project to be complete).
        answered = factory.Trait(
            contact_name="Claire Martin",
            contact_email="coordination@exemple.fr",
            contact_phone="04 91 00 00 00",
            territory_description="Quartiers nord de Marseille, 35 000 habitants, deux médecins partis en 2024.",
            team_description="Un médecin délégant, deux infirmiers et un pharmacien délégués.",
            territory_needs="Suivi des patients hypertendus sans médecin traitant disponible.",
            delegation_modalities="Consultation infirmière protocolisée, avis du médecin sous 24 h.",
            training_modalities="Dix heures de formation par le médecin délégant avant toute intervention.",
            quality_approach="Revue mensuelle des dossiers, déclaration des événements indésirables.",
            monitoring_evaluation="Nombre de patients suivis, délais, réorientations ; bilan semestriel.",
            expected_interventions_per_year=600,
            subsidy_sharing="Répartition au temps passé, revue chaque année en réunion d'équipe.",
            delegant_share_percent=40,
            delegate_share_percent=60,
        )
        # Answered and with the health project joined: ready to submit.
        complete = factory.Trait(
            answered=True,
            health_project=factory.RelatedFactory(
                "tests.funding.factories.DossierAttachmentFactory", factory_related_name="dossier"
            ),
        )


class DossierAttachmentFactory(factory.django.DjangoModelFactory):
    """The structure's health project as a (tiny) PDF."""

    class Meta:
        model = DossierAttachment

    dossier = factory.SubFactory(DossierFactory)
    kind = "health_project"
    label = "Projet de santé"
    file = factory.django.FileField(filename="projet-de-sante.pdf", data=MINIMAL_PDF)
    original_name = "projet-de-sante.pdf"
    content_type = "application/pdf"
    size = len(MINIMAL_PDF)
    sha256 = hashlib.sha256(MINIMAL_PDF).hexdigest()
    uploaded_by = factory.SelfAttribute("dossier.created_by")


class ReviewAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReviewAssignment

    dossier = factory.SubFactory(DossierFactory, submitted=True, state=DossierState.TO_COMMITTEE)
    reviewer = factory.SubFactory(UserFactory)
    assigned_by = factory.SubFactory(UserFactory)


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Review

    assignment = factory.SubFactory(ReviewAssignmentFactory)
    conflict_of_interest = False
    conflict_declared_at = factory.LazyFunction(timezone.now)


class ScoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Score

    review = factory.SubFactory(ReviewFactory)
    criterion = factory.SubFactory(CriterionFactory)
    value = 3


class DecisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Decision

    dossier = factory.SubFactory(DossierFactory, submitted=True, state=DossierState.SELECTED)
    outcome = "selected"
    motive = "Projet pertinent pour le territoire"
    decided_by = factory.SubFactory(UserFactory)


class GrantFactory(factory.django.DjangoModelFactory):
    """A grant of a selected dossier: 2025-03-01 → 2027-12-31, €25 per intervention within €7,000 a year."""

    class Meta:
        model = Grant

    dossier = factory.SubFactory(DossierFactory, submitted=True, state=DossierState.SELECTED)
    structure = factory.LazyAttribute(lambda o: o.dossier.structure)
    protocol = factory.LazyAttribute(lambda o: o.dossier.protocol)
    reference = factory.Sequence(lambda n: f"SUB-TEST-{n:04d}")
    starts_on = datetime.date(2025, 3, 1)
    ends_on = datetime.date(2027, 12, 31)
    rate = Decimal("25.00")
    yearly_cap = Decimal("7000.00")

    class Params:
        # An SNP line: a declared adhesion of a CPTS to a forfait-funded national protocol, no dossier, no cap,
        # per patient, from the declaration with no end (as ``snp_line_open`` makes it).
        snp = factory.Trait(
            regime="snp",
            dossier=None,
            structure=factory.SubFactory(StructureFactory, kind="CPTS", cpam="CPAM des Bouches-du-Rhône"),
            protocol=factory.SubFactory(
                ProtocolFactory,
                structure=factory.SelfAttribute("..structure"),
                code=factory.Sequence(lambda n: f"SNP-LIGNE-{n}"),
                national=True,
                declared=True,
                national_protocol__forfait_amount=Decimal("25.00"),
                national_protocol__forfait_unit="patient",
            ),
            reference=factory.Sequence(lambda n: f"SNP-TEST-{n:04d}"),
            yearly_cap=None,
            counting_unit="patient",
            ends_on=OPEN_END,
        )


class InterventionEligibilityFactory(factory.django.DjangoModelFactory):
    """Only for tests of code that *reads* eligibility (statements, exports): elsewhere eligibility is computed."""

    class Meta:
        model = InterventionEligibility

    performed_on = factory.LazyAttribute(lambda o: o.intervention.performed_on)
    is_eligible = True
    reason = ""


class StatementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Statement

    grant = factory.SubFactory(GrantFactory)
    year = 2025
    half = 1
    reference = factory.Sequence(lambda n: f"EV-TEST-{n:04d}")
    rate = factory.LazyAttribute(lambda o: o.grant.rate)
    yearly_cap = factory.LazyAttribute(lambda o: o.grant.yearly_cap)
    cap_remaining = factory.LazyAttribute(lambda o: None if o.yearly_cap is None else o.yearly_cap - o.year_cumulative)
    year_cumulative = 0
