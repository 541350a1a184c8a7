"""Forms of the dashboards: their GET filters, and the "what if" of the FIR forecast."""

import datetime
from decimal import Decimal

from django import forms
from django.utils import timezone

from funding.periods import Period, recent_periods
from portal.forms import PortalForm

FIRST_YEAR = 2020


class PeriodFilterForm(PortalForm):
    """The half-year a structure dashboard shows (default: the one of ``default_day``, the latest activity)."""

    periode = forms.ChoiceField(label="Semestre", required=False)

    def __init__(self, *args, default_day=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.default_day = default_day or timezone.localdate()
        self.fields["periode"].choices = [(str(p), p.label.capitalize()) for p in recent_periods(6)]
        self.fields["periode"].initial = str(Period.containing(self.default_day))

    @property
    def period(self) -> Period:
        value = self.cleaned_data.get("periode") if self.is_valid() else None
        return Period.parse(value) if value else Period.containing(self.default_day)


class AgencyFilterForm(PortalForm):
    """Year, département and protocol of the ARS dashboard; the choices come from the user's region(s)."""

    annee = forms.TypedChoiceField(label="Année", coerce=int, required=False, empty_value=None)
    departement = forms.ChoiceField(label="Département", required=False)
    protocole = forms.TypedChoiceField(label="Protocole", coerce=int, required=False, empty_value=None)

    def __init__(self, *args, departements, protocols, default_year=None, **kwargs):
        super().__init__(*args, **kwargs)
        this_year = timezone.localdate().year
        self.default_year = default_year or this_year
        self.fields["annee"].initial = self.default_year
        self.fields["annee"].choices = [(year, str(year)) for year in range(this_year, FIRST_YEAR - 1, -1)]
        self.fields["departement"].choices = [("", "Tous")] + [(code, code) for code in departements]
        self.fields["protocole"].choices = [("", "Tous")] + list(protocols)

    def values(self) -> dict:
        """The valid filters (a bound form with errors shows the defaults, next to its error messages)."""
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "year": data.get("annee") or self.default_year,
            "departement": data.get("departement") or "",
            "protocol_id": data.get("protocole"),
        }


class NationalFilterForm(PortalForm):
    """The half-year of the national view (default: that of the latest activity in the regions)."""

    periode = forms.ChoiceField(label="Semestre", required=False)

    def __init__(self, *args, periods, default, **kwargs):
        super().__init__(*args, **kwargs)
        self.default = default
        self.fields["periode"].choices = [(str(p), p.label.capitalize()) for p in periods]
        self.fields["periode"].initial = str(default)

    @property
    def period(self) -> Period:
        value = self.cleaned_data.get("periode") if self.is_valid() else None
        return Period.parse(value) if value else self.default


class WhatIfForm(PortalForm):
    """A next wave of a campaign: how many projects, at which rate and cap, from when (the FIR forecast's "what
    if"). Defaults: the campaign's rate and cap, its last wave's number of projects, 1 January next year."""

    campagne = forms.TypedChoiceField(label="Campagne", coerce=int)
    projets = forms.IntegerField(label="Nombre de projets", min_value=1, max_value=500)
    forfait = forms.DecimalField(
        label="Forfait par intervention (€)", min_value=Decimal("0.01"), max_value=1000, decimal_places=2
    )
    plafond = forms.DecimalField(
        label="Plafond annuel par projet (€)", min_value=Decimal("0.01"), max_value=1_000_000, decimal_places=2
    )
    debut = forms.DateField(
        label="Début des subventions", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, forecasts, today, **kwargs):
        kwargs.setdefault("prefix", "vague")
        super().__init__(*args, **kwargs)
        self.fields["campagne"].choices = [(forecast.campaign_id, forecast.title) for forecast in forecasts]
        if forecasts:
            first = forecasts[0]
            self.initial = {
                "campagne": first.campaign_id,
                "projets": first.projects,
                "forfait": first.rate,
                "plafond": first.cap,
                "debut": datetime.date(today.year + 1, 1, 1),
            }
