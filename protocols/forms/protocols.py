"""Forms of the protocol editor: creation, the structured sections of the local protocol, the R.4011-1 checklist."""

from django import forms
from dsfr.widgets import InlineCheckboxSelectMultiple, InlineRadioSelect

from portal.forms import PortalForm, PortalModelForm
from portal.models import Profession, Structure, StructureKind
from protocols.checklist import CHECKLIST_ITEMS
from protocols.forms.common import ProtocolCodeField, textarea
from protocols.models import ChecklistAnswer, NationalProtocol, Protocol
from protocols.services.protocols import CONTENT_FIELDS, STEERING_FIELDS


class ProtocolCreateForm(PortalForm):
    structure = forms.ModelChoiceField(label="Structure", queryset=Structure.objects.none())
    national_protocol = forms.ModelChoiceField(
        label="Protocole national",
        queryset=NationalProtocol.objects.all(),
        required=False,
        help_text="Laissez vide pour rédiger un protocole local ; choisissez un protocole pour y adhérer.",
    )
    code = ProtocolCodeField(
        label="Code du protocole",
        help_text="Référence courte, reprise dans le tableau de suivi des interventions : majuscules, chiffres et "
        "tirets (ex. LOC-PACA-HTA).",
    )
    title = forms.CharField(
        label="Intitulé du protocole local",
        max_length=300,
        required=False,
        help_text="Inutile pour une adhésion : l'intitulé national est repris.",
    )

    def __init__(self, *args, structures, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["structure"].queryset = structures
        first_two = list(structures[:2])
        if len(first_two) == 1:
            self.fields["structure"].initial = first_two[0]

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("national_protocol") and not cleaned.get("title", "").strip():
            self.add_error("title", "Donnez un intitulé au protocole local.")
        return cleaned


# The sections of the ministry's "modèle de protocole local", in its order.
SECTIONS = (
    ("Identification", ("code", "title", "implementing_structure")),
    ("Projet de santé", ("in_health_project",)),
    ("1. Objet du protocole", ("object",)),
    ("2. Patients concernés", ("inclusion_criteria", "exclusion_criteria")),
    ("3. Actes et activités délégués", ("delegated_acts",)),
    ("4. Professionnels concernés", ("delegant_professions", "delegate_professions")),
    ("5. Formation des délégués", ("training_hours", "training_program")),
    ("6. Disponibilité et intervention du délégant", ("delegant_availability",)),
    ("7. Information et consentement du patient", ("patient_information",)),
    ("8. Démarche qualité et sécurité des soins", ("quality_safety",)),
    ("9. Indicateurs de suivi", ("indicators",)),
    ("Pour le suivi de l'ARS (demandé par le portail, hors modèle ministériel)", STEERING_FIELDS),
)


class ProtocolForm(PortalModelForm):
    """Every section of the ministry's model; all optional while drafting, required at the declaration."""

    delegant_professions = forms.MultipleChoiceField(
        label="Professions des délégants",
        choices=Profession.choices,
        widget=InlineCheckboxSelectMultiple,
        required=False,
    )
    delegate_professions = forms.MultipleChoiceField(
        label="Professions des délégués",
        choices=Profession.choices,
        widget=InlineCheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Protocol
        fields = ["code", "implementing_structure", *CONTENT_FIELDS, *STEERING_FIELDS]
        field_classes = {"code": ProtocolCodeField}
        widgets = {
            name: textarea(5)
            for name in (
                "object",
                "inclusion_criteria",
                "exclusion_criteria",
                "delegated_acts",
                "training_program",
                "delegant_availability",
                "patient_information",
                "quality_safety",
                "indicators",
            )
        }
        help_texts = {
            "object": "Les actes ou activités dérogatoires transférés, et le besoin de santé auquel répond le "
            "protocole.",
            "delegated_acts": "Un acte par ligne : ce que le délégué fait à la place du délégant.",
            "training_program": "Objectifs, contenu, modalités (présentiel, à distance), formateurs, validation.",
            "delegant_availability": "Comment et dans quel délai le délégué joint un délégant (téléphone, "
            "téléconsultation, messagerie sécurisée).",
            "patient_information": "Information préalable du patient, recueil de son consentement, orientation "
            "vers le médecin s'il refuse ou sort des critères.",
            "quality_safety": "Recueil et analyse des événements indésirables, traçabilité dans le dossier patient.",
            "indicators": "Un indicateur par ligne (ex. nombre de patients pris en charge, taux de réorientation).",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        protocol = self.instance
        if protocol.structure.kind == StructureKind.ESP:
            self.fields["implementing_structure"].queryset = protocol.structure.cpts_memberships.order_by("name")
            self.fields["implementing_structure"].help_text = (
                "Une ESP met en œuvre un protocole local par l'intermédiaire d'une CPTS à laquelle elle participe "
                "(art. L.4011-4-3 du CSP) : obligatoire pour le déclarer."
            )
        else:
            del self.fields["implementing_structure"]
        if not protocol.is_draft:
            self.fields["code"].disabled = True
            self.fields["code"].help_text = "Le code d'un protocole déclaré ne change plus."
        for field in self.fields.values():
            field.required = False
        self.fields["code"].required = True

    def sections(self) -> list[dict]:
        return [
            {"title": title, "fields": [self[name] for name in names if name in self.fields]}
            for title, names in SECTIONS
        ]


class ChecklistForm(PortalForm):
    """One radio group and one justification per R.4011-1 item; "non applicable" must be justified."""

    def __init__(self, *args, answers: dict[str, ChecklistAnswer], **kwargs):
        super().__init__(*args, **kwargs)
        for code, _section, question in CHECKLIST_ITEMS:
            answer = answers.get(code)
            self.fields[f"{code}__answer"] = forms.ChoiceField(
                label=question,
                choices=ChecklistAnswer.Answer.choices,
                widget=InlineRadioSelect,
                required=False,
                initial=answer.answer if answer else None,
            )
            self.fields[f"{code}__justification"] = forms.CharField(
                label="Justification ou précision",
                required=False,
                widget=textarea(2),
                initial=answer.justification if answer else "",
            )

    def clean(self):
        cleaned = super().clean()
        for code, _section, _question in CHECKLIST_ITEMS:
            if (
                cleaned.get(f"{code}__answer") == ChecklistAnswer.Answer.NOT_APPLICABLE
                and not cleaned.get(f"{code}__justification", "").strip()
            ):
                self.add_error(f"{code}__justification", "Justifiez une réponse « non applicable ».")
        return cleaned

    def answers(self) -> dict[str, tuple[str, str]]:
        return {
            code: (self.cleaned_data.get(f"{code}__answer") or "", self.cleaned_data.get(f"{code}__justification", ""))
            for code, _section, _question in CHECKLIST_ITEMS
        }

    def sections(self) -> list[dict]:
        """Items grouped by section, each with its two bound fields, for the template."""
        grouped: dict[str, list] = {}
        for code, section, _question in CHECKLIST_ITEMS:
            grouped.setdefault(section, []).append(
                {"code": code, "answer": self[f"{code}__answer"], "justification": self[f"{code}__justification"]}
            )
        return [{"title": title, "items": items} for title, items in grouped.items()]
