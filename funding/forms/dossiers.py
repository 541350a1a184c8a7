"""Forms of the coordinator's dossier. Every answer is optional while the dossier is a draft: completeness is
checked by the panel and at submit, not field by field."""

from django import forms
from django.db.models import Q

from funding.dossier_sections import EDITABLE_FIELDS, fields_of
from funding.models import AttachmentKind, Dossier
from portal.forms import PortalForm, PortalModelForm
from portal.roles import Role
from portal.uploads import DocumentField
from protocols.models import Protocol


class UniqueIdsMixin:
    """Several forms share a page: each prefixes its field ids (names stay plain, so views read them as usual)."""

    id_prefix = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class ProtocolSelect(forms.Select):
    """The structure's protocols; its adhesions to national protocols are listed but cannot be chosen (the AMI
    funds local protocols only), so the coordinator sees why his adhesion is missing rather than wondering."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        protocol = getattr(value, "instance", None)
        if protocol is not None and not protocol.is_local and not selected:
            option["attrs"]["disabled"] = True
        return option


def protocol_label(protocol) -> str:
    if not protocol.is_local:
        return f"{protocol.code} — adhésion à un protocole national : hors AMI (forfait de l'Assurance maladie)"
    return f"{protocol.code} — {protocol.title} ({protocol.get_status_display()})"


class DossierStartForm(PortalForm):
    structure = forms.ModelChoiceField(label="Structure candidate", queryset=None, empty_label=None)

    def __init__(self, *args, structures, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["structure"].queryset = structures


class DossierForm(PortalModelForm):
    class Meta:
        model = Dossier
        fields = list(EDITABLE_FIELDS)
        widgets = {
            "protocol": ProtocolSelect,
            **{
                name: forms.Textarea(attrs={"rows": 5})
                for name in (
                    "territory_description",
                    "drafting_support_needs",
                    "team_description",
                    "territory_needs",
                    "delegation_modalities",
                    "training_modalities",
                    "quality_approach",
                    "monitoring_evaluation",
                    "subsidy_sharing",
                )
            },
        }
        help_texts = {
            "territory_description": "Communes, population, offre de soins, difficultés d'accès aux soins.",
            "territory_needs": "Pertinence du protocole au regard du projet de santé de la structure, des patients, "
            "des délégués et des délégants.",
            "delegation_modalities": "Actes délégués, organisation, disponibilité du délégant, réorientation.",
            "training_modalities": "Formation complémentaire des délégués (durée, formateurs, calendrier).",
            "quality_approach": "Événements indésirables, traçabilité, information et consentement des patients.",
            "monitoring_evaluation": "Indicateurs de suivi, bilans ; les équipes retenues rendent compte deux fois "
            "par an.",
            "expected_interventions_per_year": "Nombre d'interventions (épisodes patients) attendues par an.",
            "delegant_share_percent": "Les deux parts totalisent 100 %.",
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        dossier = self.instance
        for field in self.fields.values():
            field.required = False
        protocols = Protocol.objects.visible_to(user, roles=[Role.COORDINATOR]).filter(
            Q(structure_id=dossier.structure_id) | Q(implementing_structure_id=dossier.structure_id)
        )
        self.fields["protocol"].queryset = protocols.order_by("code")
        self.fields["protocol"].empty_label = "— Aucun (accompagnement à la rédaction) —"
        self.fields["protocol"].label_from_instance = protocol_label
        for name in ("delegant_share_percent", "delegate_share_percent"):
            self.fields[name].widget.attrs.update({"min": 0, "max": 100})
        self.fields["expected_interventions_per_year"].widget.attrs["min"] = 1
        open_fields = fields_of(dossier.editable_sections)
        for name, field in self.fields.items():
            if name not in open_fields:
                field.disabled = True

    def changed_values(self) -> dict:
        """The valid, changed answers (an autosave stores these even when another field is invalid)."""
        cleaned = getattr(self, "cleaned_data", {})
        return {name: cleaned[name] for name in self.changed_data if name in cleaned and not self[name].field.disabled}


class AttachmentForm(UniqueIdsMixin, PortalForm):
    id_prefix = "attachment"

    kind = forms.ChoiceField(label="Nature de la pièce", choices=AttachmentKind.choices)
    label = forms.CharField(
        label="Intitulé", max_length=200, required=False, help_text="Par défaut, le nom du fichier."
    )
    file = DocumentField(label="Fichier")


class SubmitForm(PortalForm):
    sworn_statement = forms.BooleanField(
        label="J'atteste sur l'honneur l'exactitude des informations de ce dossier et l'accord des professionnels "
        "de l'équipe pour le dépôt de cette candidature.",
        error_messages={"required": "Cochez l'attestation sur l'honneur pour déposer le dossier."},
    )


class WithdrawForm(PortalForm):
    reason = forms.CharField(label="Motif du retrait", widget=forms.Textarea(attrs={"rows": 3}))


class ComplementAnswerForm(UniqueIdsMixin, PortalForm):
    id_prefix = "complement"

    answer = forms.CharField(
        label="Compléments apportés",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Résumez ce que vous avez complété ou corrigé dans les rubriques rouvertes.",
    )


class MessageForm(UniqueIdsMixin, PortalForm):
    id_prefix = "message"

    body = forms.CharField(label="Message", widget=forms.Textarea(attrs={"rows": 3}))
    attachment = DocumentField(label="Pièce jointe", required=False)
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)
