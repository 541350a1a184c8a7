"""Forms of declarations and vigilance: adverse events, suspension and its lifting, yearly indicators."""

from django import forms

from portal.forms import PortalForm, PortalModelForm
from protocols.forms.common import DateInput, date_field, textarea
from protocols.models import AdverseEvent


class DeclarationConfirmForm(PortalForm):
    certify = forms.BooleanField(
        label="Je certifie que les professionnels déclarés adhèrent volontairement au protocole, travaillent en "
        "équipe, ont validé ou valideront la formation requise avant de le mettre en œuvre, et ont été informés de "
        "l'obligation de prévenir leur assureur en responsabilité civile professionnelle.",
        error_messages={"required": "Cochez cette case : la déclaration engage la structure (art. R.4011-1 du CSP)."},
    )


class AdverseEventForm(PortalModelForm):
    class Meta:
        model = AdverseEvent
        fields = ["occurred_on", "severity", "description", "measures"]
        widgets = {
            "occurred_on": DateInput(),
            "severity": forms.RadioSelect,
            "description": textarea(5),
            "measures": textarea(3),
        }
        help_texts = {
            "description": "Ce qui s'est passé et ses conséquences. Aucun nom, date de naissance, numéro de sécurité "
            "sociale ni autre donnée permettant d'identifier le patient.",
        }


class AdverseEventCloseForm(PortalForm):
    ars_comment = forms.CharField(label="Suites données par l'ARS", widget=textarea(3))


class SuspendForm(PortalForm):
    starts_on = date_field("Suspendu à compter du", help_text="Les interventions de ce jour ne sont plus couvertes.")
    reason = forms.CharField(
        label="Motif de la suspension",
        widget=textarea(3),
        help_text="Événement indésirable grave, événements répétés, non-respect des exigences de l'art. R.4011-1.",
    )


class LiftForm(PortalForm):
    lifted_on = date_field("Levée à compter du", help_text="Le protocole s'applique de nouveau à partir de ce jour.")
    reason = forms.CharField(label="Motif de la levée", widget=textarea(3), required=False)


class IndicatorForm(PortalForm):
    year = forms.IntegerField(label="Année", min_value=2019, max_value=2100)
    label = forms.CharField(label="Indicateur", max_length=200)
    value = forms.DecimalField(label="Valeur", max_digits=12, decimal_places=2)
    unit = forms.CharField(label="Unité", max_length=40, required=False)
    comment = forms.CharField(label="Commentaire", widget=textarea(2), required=False)
