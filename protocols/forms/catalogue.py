"""The platform administrator's form for a new version of a national protocol (issue 17)."""

from django import forms
from dsfr.widgets import InlineCheckboxSelectMultiple

from portal.forms import PortalModelForm
from portal.models import Profession, StructureKind
from protocols.forms.common import DateInput, textarea
from protocols.models import VERSIONED_FIELDS, NationalProtocol, NationalProtocolVersion

ORDER_FIELDS = ("order_reference", "order_date", "effective_on", "reason")


class NationalProtocolVersionForm(PortalModelForm):
    """Prefilled with the catalogue's current content: the administrator changes what the order changes."""

    delegant_professions = forms.MultipleChoiceField(
        label="Professions du délégant", choices=Profession.choices, widget=InlineCheckboxSelectMultiple
    )
    delegate_professions = forms.MultipleChoiceField(
        label="Professions des délégués", choices=Profession.choices, widget=InlineCheckboxSelectMultiple
    )
    allowed_structure_kinds = forms.MultipleChoiceField(
        label="Mise en œuvre possible en", choices=StructureKind.choices, widget=InlineCheckboxSelectMultiple
    )

    class Meta:
        model = NationalProtocolVersion
        fields = [*ORDER_FIELDS, *VERSIONED_FIELDS]
        widgets = {
            "effective_on": DateInput(),
            "order_date": DateInput(),
            "reason": textarea(3),
            "patients": textarea(3),
            "delegant_availability": textarea(3),
        }
        help_texts = {
            "effective_on": "Le jour où l'arrêté s'applique ; ni avant la version précédente, ni dans le futur.",
            "order_date": "Laissez vide si la date de l'arrêté n'est pas connue.",
            "reason": "Ce qui change et pourquoi (affiché dans l'historique des versions).",
            "training_hours": "Vide si la trame ne donne pas de durée : l'écran affiche « à confirmer par l'ARS ».",
        }
        error_messages = {
            "order_reference": {"required": "Indiquez l'arrêté qui fonde cette version (intitulé et date)."},
            "reason": {"required": "Indiquez le motif du changement."},
            "title": {"required": "Indiquez l'intitulé du protocole."},
            "short_title": {"required": "Indiquez l'intitulé court du protocole."},
        }

    def __init__(self, *args, national: NationalProtocol, **kwargs):
        kwargs.setdefault("initial", {name: getattr(national, name) for name in VERSIONED_FIELDS})
        super().__init__(*args, **kwargs)
        self.fields["effective_on"].required = True
        self.fields["effective_on"].error_messages["required"] = "Indiquez la date d'effet de la version."
        for name in ("delegant_professions", "delegate_professions"):
            self.fields[name].error_messages["required"] = "Choisissez au moins une profession."
        self.fields["allowed_structure_kinds"].error_messages["required"] = "Choisissez au moins un type de structure."

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "effective_on": data["effective_on"],
            "order_reference": data["order_reference"],
            "order_date": data["order_date"],
            "reason": data["reason"],
            "content": {name: data[name] for name in VERSIONED_FIELDS},
        }
