"""The form by which the ARS ends a protocol's implementation (``protocols.services.endings.protocol_end``)."""

from django import forms

from portal.forms import PortalForm
from protocols.forms.common import date_field, textarea
from protocols.models import EndGround


class EndForm(PortalForm):
    ended_on = date_field(
        "Dernier jour de mise en œuvre",
        help_text="Les interventions de ce jour sont encore couvertes ; celles des jours suivants ne relèvent plus du "
        "protocole et ne sont plus financées.",
    )
    ground = forms.ChoiceField(label="Motif réglementaire", choices=EndGround.choices, widget=forms.RadioSelect)
    motive = forms.CharField(
        label="Motif de la décision",
        widget=textarea(5),
        help_text="Repris dans le courrier adressé aux coordinateurs de la structure.",
    )
