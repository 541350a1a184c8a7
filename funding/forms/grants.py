"""Forms of the grants pages (they only parse input; the rules are in ``funding.services.grants``)."""

from django import forms

from funding.forms.committee import DateInput
from portal.forms import PortalForm


class GrantOpenForm(PortalForm):
    starts_on = forms.DateField(
        label="Début",
        required=False,
        widget=DateInput,
        help_text="Vide : la plus tardive des dates de déclaration du protocole et de décision.",
    )
    ends_on = forms.DateField(
        label="Fin", required=False, widget=DateInput, help_text="Vide : le 31 décembre de la troisième année."
    )

    def clean(self):
        cleaned = super().clean()
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", "La fin de la subvention doit suivre son début.")
        return cleaned
