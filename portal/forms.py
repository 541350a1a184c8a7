from django import forms
from dsfr.forms import DsfrBaseForm, DsfrBoundField, DsfrDjangoTemplates
from dsfr.utils import dsfr_input_class_attr

from portal.models import Profession, Professional, Structure, User
from portal.roles import AgencyRole, StructureRole


class PortalForm(DsfrBaseForm):
    """Every form of the portal renders with the DSFR and marks optional fields, as the DSFR now advises."""

    def get_context(self):
        # Skip DsfrBaseForm.get_context: it only adds deprecation warnings about this transitional flag.
        context = forms.Form.get_context(self)
        context["DSFR_MARK_OPTIONAL_FIELDS"] = True
        return context


class PortalModelForm(forms.ModelForm):
    template_name = "dsfr/form_snippet.html"
    bound_field_class = DsfrBoundField
    default_renderer = DsfrDjangoTemplates

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for visible in self.visible_fields():
            dsfr_input_class_attr(visible)

    def get_context(self):
        context = super().get_context()
        context["DSFR_MARK_OPTIONAL_FIELDS"] = True
        return context


class StructureForm(PortalModelForm):
    class Meta:
        model = Structure
        fields = [
            "region",
            "kind",
            "name",
            "finess",
            "siret",
            "address",
            "postal_code",
            "commune",
            "departement",
            "cpam",
            "in_zip",
            "in_zac",
            "in_qpv",
        ]

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions
        self.fields["region"].label = "ARS"
        first_two = list(regions[:2])
        if len(first_two) == 1:
            self.fields["region"].initial = first_two[0]
            self.fields["region"].widget = forms.HiddenInput()


class StructureCpamForm(PortalModelForm):
    """The structure's CPAM de rattachement: the payer of its SNP forfaits (seed 003's tableau names it)."""

    class Meta:
        model = Structure
        fields = ["cpam"]


class StructureInvitationForm(PortalForm):
    email = forms.EmailField(label="Adresse e-mail")
    role = forms.ChoiceField(label="Rôle proposé", choices=StructureRole.choices, initial=StructureRole.PROFESSIONAL)
    message = forms.CharField(label="Message personnel", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class AgencyInvitationForm(PortalForm):
    email = forms.EmailField(label="Adresse e-mail professionnelle")
    role = forms.ChoiceField(label="Rôle proposé", choices=AgencyRole.choices)
    message = forms.CharField(label="Message personnel", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class NationalInvitationForm(PortalForm):
    email = forms.EmailField(label="Adresse e-mail professionnelle")
    message = forms.CharField(label="Message personnel", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ProfessionalForm(PortalModelForm):
    class Meta:
        model = Professional
        fields = ["profession", "rpps", "adeli", "am_number", "is_salaried", "employer"]
        help_texts = {
            "rpps": "11 chiffres, ex. 10000000017",
            "adeli": "9 chiffres, si vous n'avez pas de RPPS",
            "am_number": "9 chiffres, facultatif : votre numéro d'assurance maladie, par lequel le tableau de "
            "reporting d'une MSP vous désigne.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["profession"].choices = Profession.choices

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("rpps") and not cleaned.get("adeli"):
            raise forms.ValidationError("Renseignez un numéro RPPS ou, à défaut, un numéro ADELI.")
        return cleaned


class AccountForm(PortalModelForm):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "phone"]


class ApiTokenForm(PortalForm):
    name = forms.CharField(label="Nom du jeton", max_length=100, help_text="Ex. « Logiciel du cabinet »")
    scope = forms.ChoiceField(
        label="Portée",
        choices=[("read", "Lecture"), ("write", "Lecture et saisie des interventions")],
        initial="read",
    )
    days = forms.IntegerField(label="Validité (jours)", min_value=1, max_value=366, initial=90)


class EnrollmentCodeForm(PortalForm):
    code = forms.CharField(
        label="Code reçu par courriel",
        max_length=12,
        help_text="Six chiffres, valables dix minutes.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
