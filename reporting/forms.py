"""Forms of the reports pages (DSFR rendering through PortalForm / PortalModelForm)."""

from django import forms

from funding.periods import Period, recent_periods
from portal.forms import PortalForm, PortalModelForm
from reporting.models import BiannualReport, ReportState

MAX_INDICATORS = 30


def indicators_to_text(values: list[dict]) -> str:
    return "\n".join(f"{item.get('label', '')} : {item.get('value', '')}".strip() for item in values or [])


def text_to_indicators(text: str) -> list[dict]:
    indicators = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        label, separator, value = line.partition(":")
        if not separator or not label.strip() or not value.strip():
            raise forms.ValidationError(
                f"« {line[:80]} » : écrivez un indicateur par ligne, sous la forme « libellé : valeur »."
            )
        indicators.append({"label": label.strip()[:200], "value": value.strip()[:100]})
    if len(indicators) > MAX_INDICATORS:
        raise forms.ValidationError(f"{MAX_INDICATORS} indicateurs au plus.")
    return indicators


class ReportForm(PortalModelForm):
    indicators = forms.CharField(
        label="Indicateurs du protocole et leurs valeurs",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Un indicateur par ligne, sous la forme « libellé : valeur », ex. « Patients suivis : 212 ».",
    )

    class Meta:
        model = BiannualReport
        fields = ["use_of_funds", "sharing", "difficulties", "next_steps"]
        widgets = {name: forms.Textarea(attrs={"rows": 5}) for name in fields}
        help_texts = {
            "use_of_funds": "À quoi la subvention du semestre a servi (temps de coordination, formation, matériel…).",
            "sharing": "Comment la subvention est partagée entre délégants et délégués.",
            "difficulties": "Obstacles rencontrés et solutions trouvées ; écrivez « Aucune » s'il n'y en a pas.",
            "next_steps": "Ce qui est prévu pour le semestre suivant.",
        }

    field_order = ["use_of_funds", "sharing", "difficulties", "indicators", "next_steps"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.Meta.fields:
            self.fields[name].required = False
        if self.instance.pk and not self.is_bound:
            self.initial["indicators"] = indicators_to_text(self.instance.indicator_values)
        self.order_fields(self.field_order)

    def clean_indicators(self):
        return text_to_indicators(self.cleaned_data.get("indicators", ""))

    def sections(self) -> dict:
        """The cleaned sections, as ``report_save_draft`` takes them (only the valid ones)."""
        data = {name: self.cleaned_data[name] for name in self.Meta.fields if name in self.cleaned_data}
        if "indicators" in self.cleaned_data:
            data["indicator_values"] = self.cleaned_data["indicators"]
        return data


class SubmitForm(PortalForm):
    sworn_statement = forms.BooleanField(
        label="J'atteste sur l'honneur l'exactitude des informations de ce rapport",
        required=True,
        error_messages={"required": "Cochez l'attestation sur l'honneur pour transmettre le rapport."},
    )


class ChangesForm(PortalForm):
    comment = forms.CharField(
        label="Modifications demandées",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        help_text="Ce texte est envoyé au coordinateur et figure sur le rapport.",
    )


class AcceptForm(PortalForm):
    comment = forms.CharField(
        label="Commentaire (facultatif)", required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=5000
    )


def period_choices() -> list[tuple[str, str]]:
    return [(str(period), period.label) for period in recent_periods(6)]


class ConsolidationForm(PortalForm):
    region = forms.ModelChoiceField(label="Région", queryset=None, empty_label=None)
    period = forms.ChoiceField(label="Période")

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions
        self.fields["period"].choices = period_choices()
        self.fields["period"].initial = str(Period.last_ended())

    def clean_period(self):
        return Period.parse(self.cleaned_data["period"])


OVERDUE = "retard"
STATE_FILTERS = [("", "Tous"), *ReportState.choices, (OVERDUE, "En retard")]
