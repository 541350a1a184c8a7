from django import forms

from funding.periods import InvalidPeriod, Period, recent_periods
from portal.forms import PortalForm


class ComputeStatementsForm(PortalForm):
    """Which region (when the officer serves several) and which half-year to compute."""

    # The officer's regions, read once by the view: a ModelChoiceField would query them again to draw its options.
    region = forms.ChoiceField(label="ARS")
    period = forms.ChoiceField(
        label="Période", help_text="Un semestre : 1er (janvier–juin) ou 2nd (juillet–décembre)."
    )

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.regions = {str(region.pk): region for region in regions}
        self.fields["region"].choices = [(pk, region.name) for pk, region in self.regions.items()]
        if len(self.regions) == 1:
            self.fields["region"].initial = next(iter(self.regions))
            self.fields["region"].widget = forms.HiddenInput()
        choices = recent_periods(6)
        self.fields["period"].choices = [(str(p), p.label.capitalize()) for p in choices]
        self.fields["period"].initial = str(Period.last_ended())

    def clean_region(self):
        return self.regions[self.cleaned_data["region"]]

    def clean_period(self) -> Period:
        try:
            return Period.parse(self.cleaned_data["period"])
        except InvalidPeriod as error:
            raise forms.ValidationError(str(error)) from error
