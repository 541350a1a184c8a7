"""Forms of the campaign's follow-up indicators: the administrator's definition, the team's values of a year."""

from django import forms

from funding.models import CampaignIndicator, period_label
from portal.forms import PortalForm, PortalModelForm


class CampaignIndicatorForm(PortalModelForm):
    class Meta:
        model = CampaignIndicator
        fields = ["name", "unit", "definition", "periodicity", "position"]
        widgets = {"definition": forms.Textarea(attrs={"rows": 4})}
        help_texts = {
            "name": "Ex. « Patients pris en charge par les délégués ».",
            "unit": "Ex. « patients », « actes », « % », « jours ».",
            "definition": "Ce qui est compté, sur quelle période, d'après quelle source : toutes les équipes "
            "mesurent la même chose.",
            "periodicity": "Annuelle : une valeur par année ; semestrielle : une valeur par semestre.",
            "position": "Les indicateurs s'affichent par ordre croissant.",
        }
        error_messages = {
            "name": {"required": "Donnez un nom à l'indicateur."},
            "unit": {"required": "Indiquez l'unité de l'indicateur."},
            "definition": {"required": "Définissez l'indicateur : ce qui est compté, et comment."},
            "periodicity": {"required": "Choisissez la périodicité de l'indicateur."},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["position"].required = False

    def validate_unique(self):
        # The campaign is set by the service (not a field of the form): it checks the name's uniqueness.
        pass


def value_field_name(indicator_id: int, half: int) -> str:
    return f"valeur_{indicator_id}_{half}"


class IndicatorValuesForm(PortalForm):
    """One optional number per indicator and period of the chosen year; an empty field means no value."""

    def __init__(self, *args, indicators, year: int, initial_values: dict, open_periods: set, **kwargs):
        super().__init__(*args, **kwargs)
        self.cells = []
        for indicator in indicators:
            for half in indicator.halves():
                if (indicator.pk, half) not in open_periods:
                    continue
                name = value_field_name(indicator.pk, half)
                self.fields[name] = forms.DecimalField(
                    label=f"{indicator.name} — {period_label(year, half)} ({indicator.unit})",
                    required=False,
                    max_digits=12,
                    decimal_places=2,
                    localize=True,
                    widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
                    initial=initial_values.get((indicator.pk, half)),
                    help_text=indicator.definition,
                    error_messages={
                        "invalid": "Saisissez un nombre (ex. 212 ou 12,5).",
                        "max_digits": "Ce nombre est trop grand : 10 chiffres avant la virgule au plus.",
                        "max_decimal_places": "Deux décimales au plus.",
                        "max_whole_digits": "Ce nombre est trop grand : 10 chiffres avant la virgule au plus.",
                    },
                )
                self.cells.append((indicator.pk, half, name))

    def values(self) -> dict:
        return {(indicator_id, half): self.cleaned_data.get(name) for indicator_id, half, name in self.cells}
