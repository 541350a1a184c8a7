"""Forms of the region administrator: a campaign (without its scoring grid, edited by the committee screens) and
its waves. Dates and times are typed in Paris time and stored aware."""

import datetime

from django import forms
from django.utils import timezone

from funding.models import Campaign, Wave
from portal.forms import PortalForm, PortalModelForm
from portal.models import StructureKind

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class CampaignForm(PortalModelForm):
    eligible_structure_kinds = forms.MultipleChoiceField(
        label="Structures éligibles",
        choices=StructureKind.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Les structures d'exercice coordonné (MSP, CDS), les ESP et les CPTS, par exemple.",
    )

    class Meta:
        model = Campaign
        fields = [
            "title",
            "description",
            "rules",
            "eligible_structure_kinds",
            "committee_date",
            "answer_expected_on",
            "rate_per_intervention",
            "yearly_cap",
            "budget",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 10, "data-richtext": "true"}),
            "rules": forms.Textarea(attrs={"rows": 10, "data-richtext": "true"}),
            "committee_date": DATE_INPUT,
            "answer_expected_on": DATE_INPUT,
        }
        help_texts = {
            "description": "Contexte, objectifs, calendrier. Titres, paragraphes, listes, gras, liens : le reste est "
            "retiré à l'enregistrement.",
            "rules": "Critères de sélection, modalités d'instruction et de financement.",
            "committee_date": "Date prévue de la commission de sélection.",
            "rate_per_intervention": "Copié et figé sur chaque subvention au moment de la décision.",
            "yearly_cap": "Copié et figé sur chaque subvention au moment de la décision.",
        }


class WaveForm(PortalModelForm):
    class Meta:
        model = Wave
        fields = ["opens_at", "deadline", "projects_funded", "committee_date"]
        widgets = {"opens_at": DATETIME_INPUT, "deadline": DATETIME_INPUT, "committee_date": DATE_INPUT}
        help_texts = {
            "opens_at": "Heure de Paris.",
            "deadline": "Heure de Paris. Pour une limite à 08:00, un dossier déposé à 07:59:59 est accepté, à "
            "08:00:00 il est refusé.",
        }


class PublishForm(PortalForm):
    published_at = forms.DateTimeField(
        label="Date de publication",
        required=False,
        widget=DATETIME_INPUT,
        help_text="Heure de Paris. Laissez vide pour publier maintenant ; une date future programme la publication.",
    )

    def clean_published_at(self):
        moment = self.cleaned_data["published_at"]
        if moment is not None and moment < timezone.now() - datetime.timedelta(minutes=1):
            raise forms.ValidationError("La date de publication ne peut pas être passée.")
        return moment
