"""The sections of the dossier de candidature (annex 1 of the AMI), and what each needs to be complete.

A section groups fields of ``Dossier``; a complement request reopens sections by key, the completeness panel lists
what is missing section by section, and the snapshot taken at submit is organised the same way. Pure functions:
the caller passes the team and attachment facts (see ``funding.services.completeness``), so this module reads
nothing from the database itself.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    fields: tuple[str, ...]
    hint: str = ""


SECTIONS: tuple[Section, ...] = (
    Section(
        "identity",
        "Identité de la structure et référent du projet",
        ("contact_name", "contact_email", "contact_phone"),
        "L'identité de la structure vient de sa fiche ; indiquez la personne à contacter pour ce projet.",
    ),
    Section(
        "territory",
        "Territoire et zones prioritaires",
        ("territory_description", "in_zip", "in_zac", "in_qpv"),
        "Une attention particulière est portée aux zones d'intervention prioritaires (ZIP), zones d'action "
        "complémentaire (ZAC) et quartiers prioritaires de la politique de la ville (QPV).",
    ),
    Section(
        "protocol",
        "Le protocole de coopération",
        ("protocol", "drafting_support_requested", "drafting_support_needs"),
        "Choisissez le protocole rédigé dans le portail, ou demandez l'accompagnement de l'ARS à sa rédaction "
        "(étape 1 de l'AMI).",
    ),
    Section(
        "team",
        "Composition de l'équipe",
        ("team_description",),
        "L'équipe est celle du protocole (délégants et délégués) ; elle sera figée au dépôt du dossier.",
    ),
    Section("needs", "Besoins du territoire", ("territory_needs",)),
    Section(
        "delegation",
        "Modalités de délégation et de formation",
        ("delegation_modalities", "training_modalities"),
    ),
    Section("quality", "Démarche qualité et sécurité des soins", ("quality_approach",)),
    Section("monitoring", "Suivi et évaluation", ("monitoring_evaluation",)),
    Section("activity", "Activité attendue", ("expected_interventions_per_year",)),
    Section(
        "sharing",
        "Répartition prévue de la subvention",
        ("subsidy_sharing", "delegant_share_percent", "delegate_share_percent"),
        "L'ARS verse 25 € par intervention dans la limite de 7 000 € par an ; la répartition entre délégants et "
        "délégués relève de la structure.",
    ),
    Section("attachments", "Pièces jointes", (), "PDF, JPEG ou PNG. Le projet de santé de la structure est demandé."),
)
SECTIONS_BY_KEY = {section.key: section for section in SECTIONS}
SECTION_CHOICES = [(section.key, section.title) for section in SECTIONS]
EDITABLE_FIELDS = tuple(name for section in SECTIONS for name in section.fields)


def section_of_field(name: str) -> str:
    for section in SECTIONS:
        if name in section.fields:
            return section.key
    raise KeyError(name)


def fields_of(section_keys) -> set[str]:
    return {name for key in section_keys for name in SECTIONS_BY_KEY[key].fields}


@dataclass(frozen=True)
class Missing:
    """One missing item: what to do, and the field to focus (empty for a file or a team)."""

    message: str
    field: str = ""


@dataclass(frozen=True)
class SectionStatus:
    section: Section
    missing: tuple[Missing, ...] = field(default_factory=tuple)

    @property
    def is_complete(self) -> bool:
        return not self.missing


@dataclass(frozen=True)
class Completeness:
    sections: tuple[SectionStatus, ...]

    @property
    def is_complete(self) -> bool:
        return all(status.is_complete for status in self.sections)

    @property
    def missing_count(self) -> int:
        return sum(len(status.missing) for status in self.sections)

    def for_sections(self, keys) -> "Completeness":
        return Completeness(tuple(status for status in self.sections if status.section.key in keys))


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def evaluate(dossier, *, team_roles: set[str], attachment_kinds: set[str]) -> Completeness:
    """What is missing in ``dossier``. ``team_roles`` are the roles present in its protocol's team (delegant,
    delegate), ``attachment_kinds`` the kinds of its attachments."""
    from funding.models.dossier import AttachmentKind

    missing: dict[str, list[Missing]] = {section.key: [] for section in SECTIONS}

    def need(section: str, message: str, field_name: str = "") -> None:
        missing[section].append(Missing(message, field_name))

    if _blank(dossier.contact_name):
        need("identity", "Indiquez la personne référente du projet.", "contact_name")
    if _blank(dossier.contact_email):
        need("identity", "Indiquez l'adresse e-mail du référent.", "contact_email")
    if _blank(dossier.territory_description):
        need("territory", "Décrivez le territoire couvert.", "territory_description")
    if dossier.protocol_id is None and not dossier.drafting_support_requested:
        need(
            "protocol",
            "Choisissez le protocole, ou demandez l'accompagnement à sa rédaction.",
            "protocol",
        )
    if dossier.drafting_support_requested and _blank(dossier.drafting_support_needs):
        need("protocol", "Précisez l'accompagnement attendu de l'ARS.", "drafting_support_needs")
    has_team = {"delegant", "delegate"} <= team_roles
    if not has_team and _blank(dossier.team_description):
        if dossier.protocol_id is None:
            need("team", "Décrivez l'équipe envisagée (délégants et délégués).", "team_description")
        else:
            need(
                "team",
                "L'équipe du protocole doit compter au moins un délégant et un délégué, ou décrivez l'équipe "
                "envisagée.",
                "team_description",
            )
    if _blank(dossier.territory_needs):
        need("needs", "Décrivez les besoins du territoire et le lien avec le projet de santé.", "territory_needs")
    if _blank(dossier.delegation_modalities):
        need("delegation", "Décrivez les modalités de délégation de tâches.", "delegation_modalities")
    if _blank(dossier.training_modalities):
        need("delegation", "Décrivez les modalités de formation des délégués.", "training_modalities")
    if _blank(dossier.quality_approach):
        need("quality", "Décrivez la démarche qualité et sécurité des soins.", "quality_approach")
    if _blank(dossier.monitoring_evaluation):
        need("monitoring", "Décrivez le suivi et l'évaluation prévus.", "monitoring_evaluation")
    if not dossier.expected_interventions_per_year:
        need(
            "activity",
            "Indiquez le nombre d'interventions attendues par an.",
            "expected_interventions_per_year",
        )
    if _blank(dossier.subsidy_sharing):
        need("sharing", "Décrivez la répartition prévue de la subvention.", "subsidy_sharing")
    if dossier.delegant_share_percent is None:
        need("sharing", "Indiquez la part des délégants (%).", "delegant_share_percent")
    if dossier.delegate_share_percent is None:
        need("sharing", "Indiquez la part des délégués (%).", "delegate_share_percent")
    if (
        dossier.delegant_share_percent is not None
        and dossier.delegate_share_percent is not None
        and dossier.delegant_share_percent + dossier.delegate_share_percent != 100
    ):
        need("sharing", "Les parts des délégants et des délégués doivent totaliser 100 %.", "delegate_share_percent")
    for kind in AttachmentKind.required():
        if kind not in attachment_kinds:
            need("attachments", f"Joignez : {AttachmentKind(kind).label.lower()}.")
    return Completeness(tuple(SectionStatus(section, tuple(missing[section.key])) for section in SECTIONS))
