"""Forms of the interventions area: logging by a delegate (and editing), importing the reporting table."""

from django import forms
from django.utils import timezone

from portal.forms import PortalForm
from portal.models import Structure
from protocols.selectors.interventions import delegate_protocols, protocol_delegants, protocol_delegates
from protocols.services.interventions import intervention_problems

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


class ProfessionalChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, professional):
        return f"{professional.user.get_full_name()} — {professional.get_profession_display()}"


class ProtocolChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, protocol):
        return f"{protocol.code} — {protocol.title}"


class InterventionForm(PortalForm):
    """Log (or correct) an intervention. The delegate is the logged-in professional (or, when editing, the one who
    performed it); the delegant is chosen from the protocol's team. Every rule of the date is checked in ``clean``
    so that the htmx validation and the final submit say the same thing."""

    protocol = ProtocolChoiceField(label="Protocole", queryset=None, empty_label="Choisissez un protocole")
    performed_on = forms.DateField(label="Date de l'intervention", widget=DATE_WIDGET, input_formats=DATE_FORMATS)
    delegant = ProfessionalChoiceField(
        label="Médecin délégant", queryset=None, empty_label="Choisissez le délégant de l'équipe"
    )
    episode_reference = forms.CharField(
        label="Référence de l'épisode",
        max_length=64,
        help_text="La référence anonyme de l'épisode dans votre structure (jamais le nom ni le NIR du patient).",
    )
    second_contact_on = forms.DateField(
        label="Date du second contact",
        required=False,
        widget=DATE_WIDGET,
        input_formats=DATE_FORMATS,
        help_text="Un second contact ne donne pas lieu à un second forfait.",
    )
    second_contact_delegate = ProfessionalChoiceField(
        label="Délégué du second contact",
        queryset=None,
        required=False,
        empty_label="Le même délégué",
    )

    def __init__(self, data=None, *, delegate, intervention=None, **kwargs):
        self.delegate = delegate
        self.intervention = intervention
        initial = kwargs.pop("initial", {})
        if intervention is not None:
            initial.update(
                protocol=intervention.protocol_id,
                performed_on=intervention.performed_on,
                delegant=intervention.delegant_id,
                episode_reference=intervention.episode_reference,
                second_contact_on=intervention.second_contact_on,
                second_contact_delegate=intervention.second_contact_delegate_id,
            )
        else:
            initial.setdefault("performed_on", timezone.localdate())
        super().__init__(data, initial=initial, **kwargs)
        if intervention is not None:
            protocols = type(intervention.protocol).objects.filter(pk=intervention.protocol_id)
            self.fields["protocol"].disabled = True
        else:
            protocols = delegate_protocols(delegate, timezone.localdate())
        self.fields["protocol"].queryset = protocols
        self.protocol = self._selected_protocol(protocols)
        if self.protocol is None:
            self.fields["delegant"].queryset = self.fields["second_contact_delegate"].queryset = protocols.none()
        else:
            self.fields["delegant"].queryset = protocol_delegants(self.protocol)
            self.fields["second_contact_delegate"].queryset = protocol_delegates(self.protocol)
            if intervention is None and data is None:
                self.initial.setdefault("protocol", self.protocol.pk)
                delegants = list(self.fields["delegant"].queryset[:2])
                if len(delegants) == 1:
                    self.initial.setdefault("delegant", delegants[0].pk)

    def _selected_protocol(self, protocols):
        if self.intervention is not None:
            return self.intervention.protocol
        value = self.data.get(self.add_prefix("protocol")) if self.is_bound else self.initial.get("protocol")
        if value:
            try:
                return protocols.filter(pk=int(value)).first()
            except (TypeError, ValueError):
                return None
        first_two = list(protocols[:2])
        return first_two[0] if len(first_two) == 1 else None

    def clean(self):
        cleaned = super().clean()
        protocol = cleaned.get("protocol") or self.protocol
        if protocol is None:
            return cleaned
        problems = intervention_problems(
            protocol=protocol,
            delegate=self.delegate,
            delegant=cleaned.get("delegant"),
            performed_on=cleaned.get("performed_on"),
            episode_reference=cleaned.get("episode_reference", ""),
            second_contact_on=cleaned.get("second_contact_on"),
            second_contact_delegate=cleaned.get("second_contact_delegate"),
            exclude_pk=self.intervention.pk if self.intervention else None,
        )
        for field, messages in problems.items():
            for message in messages:
                if field is None or field in self.fields:
                    self.add_error(field, message)
        return cleaned

    def drop_errors_of_empty_fields(self) -> None:
        """While the user is still typing (htmx validation), a field left empty is not an error yet."""
        for name in list(self.errors):
            if name in self.fields and not self.data.get(self.add_prefix(name)):
                del self.errors[name]

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "performed_on": data["performed_on"],
            "delegant": data["delegant"],
            "episode_reference": data["episode_reference"],
            "second_contact_on": data.get("second_contact_on"),
            "second_contact_delegate": data.get("second_contact_delegate"),
        }


class ImportForm(PortalForm):
    structure = forms.ModelChoiceField(label="Structure", queryset=Structure.objects.none(), empty_label=None)
    file = forms.FileField(
        label="Tableau de reporting",
        help_text="CSV (séparateur « ; » ou « , », UTF-8 ou Windows-1252) ou classeur XLSX, avec la ligne d'en-tête "
        "du modèle.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )

    def __init__(self, *args, structures, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["structure"].queryset = structures
        first_two = list(structures[:2])
        if len(first_two) == 1:
            self.fields["structure"].initial = first_two[0]
            self.fields["structure"].widget = forms.HiddenInput()
