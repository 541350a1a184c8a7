"""Forms of the dashboards: their GET filters."""

from django import forms
from django.utils import timezone

from funding.periods import Period, recent_periods
from portal.forms import PortalForm

FIRST_YEAR = 2020


class PeriodFilterForm(PortalForm):
    """The half-year a structure dashboard shows (default: the current one)."""

    periode = forms.ChoiceField(label="Semestre", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["periode"].choices = [(str(p), p.label.capitalize()) for p in recent_periods(6)]

    @property
    def period(self) -> Period:
        value = self.cleaned_data.get("periode") if self.is_valid() else None
        return Period.parse(value) if value else Period.containing(timezone.localdate())


class AgencyFilterForm(PortalForm):
    """Year, département and protocol of the ARS dashboard; the choices come from the user's region(s)."""

    annee = forms.TypedChoiceField(label="Année", coerce=int, required=False, empty_value=None)
    departement = forms.ChoiceField(label="Département", required=False)
    protocole = forms.TypedChoiceField(label="Protocole", coerce=int, required=False, empty_value=None)

    def __init__(self, *args, departements, protocols, **kwargs):
        super().__init__(*args, **kwargs)
        this_year = timezone.localdate().year
        self.fields["annee"].choices = [(year, str(year)) for year in range(this_year, FIRST_YEAR - 1, -1)]
        self.fields["departement"].choices = [("", "Tous")] + [(code, code) for code in departements]
        self.fields["protocole"].choices = [("", "Tous")] + list(protocols)

    def values(self) -> dict:
        """The valid filters (a bound form with errors shows the defaults, next to its error messages)."""
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "year": data.get("annee") or timezone.localdate().year,
            "departement": data.get("departement") or "",
            "protocol_id": data.get("protocole"),
        }
