from django import forms

from funding.models import Payment
from portal.forms import PortalModelForm


class PaymentForm(PortalModelForm):
    class Meta:
        model = Payment
        fields = ["paid_on", "amount", "reference", "comment"]
        widgets = {
            "paid_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "comment": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "amount": "En euros, ex. 1250,00 ; au plus le reste à payer de l'état.",
            "reference": "Numéro de l'ordre de paiement ou du mandat (unique pour cet état).",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["amount"].localize = True
        self.fields["amount"].widget.is_localized = True
