from django import forms

from funding.periods import InvalidPeriod, Period, recent_periods
from portal.forms import PortalForm


class ComputeStatementsForm(PortalForm):
    """Which region (when the officer serves several) and which half-year to compute."""

    region = forms.ModelChoiceField(label="ARS", queryset=None, empty_label=None)
    period = forms.ChoiceField(
        label="Période", help_text="Un semestre : 1er (janvier–juin) ou 2nd (juillet–décembre)."
    )

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions
        if len(regions) == 1:
            self.fields["region"].initial = regions[0]
            self.fields["region"].widget = forms.HiddenInput()
        choices = recent_periods(6)
        self.fields["period"].choices = [(str(p), p.label.capitalize()) for p in choices]
        self.fields["period"].initial = str(Period.last_ended())

    def clean_period(self) -> Period:
        try:
            return Period.parse(self.cleaned_data["period"])
        except InvalidPeriod as error:
            raise forms.ValidationError(str(error)) from error
