from django import forms

from funding.periods import InvalidPeriod, Period, recent_periods
from portal.forms import PortalForm

SWORN_STATEMENT = (
    "J'atteste sur l'honneur l'exactitude des informations ci-dessus sur la délégation ou la réalisation des actes "
    "mentionnés."
)


class TableauOpenForm(PortalForm):
    """Which structure (when the coordinator runs several) and which half-year, among those already over."""

    structure = forms.ModelChoiceField(label="Structure", queryset=None, empty_label=None)
    period = forms.ChoiceField(label="Semestre")

    def __init__(self, *args, structures, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["structure"].queryset = structures
        if len(structures) == 1:
            self.fields["structure"].initial = structures[0]
            self.fields["structure"].widget = forms.HiddenInput()
        ended = recent_periods(5, today=Period.last_ended().end)
        self.fields["period"].choices = [(str(p), p.label.capitalize()) for p in ended]
        self.fields["period"].initial = str(Period.last_ended())

    def clean_period(self) -> Period:
        try:
            return Period.parse(self.cleaned_data["period"])
        except InvalidPeriod as error:
            raise forms.ValidationError(str(error)) from error


class TableauConfirmForm(PortalForm):
    """A delegate's or delegant's sworn statement of his lines, as the page showed them (``digest``)."""

    sworn = forms.BooleanField(
        label=SWORN_STATEMENT, error_messages={"required": "Cochez l'attestation pour confirmer vos lignes."}
    )
    digest = forms.CharField(widget=forms.HiddenInput(), max_length=64)


class TableauTransmitForm(PortalForm):
    sworn = forms.BooleanField(
        label=(
            "En tant que responsable de la structure, j'atteste sur l'honneur l'exactitude des informations du "
            "tableau et le transmets à l'ARS."
        ),
        error_messages={"required": "Cochez l'attestation du responsable de la structure pour transmettre."},
    )
