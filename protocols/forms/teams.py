"""Forms of the team page, the invitation answer, the training and the supporting documents."""

from django import forms

from portal.forms import PortalForm
from portal.uploads import DocumentField
from protocols.forms.common import date_field
from protocols.models import TeamRole


class TeamInviteForm(PortalForm):
    professional = forms.ModelChoiceField(label="Professionnel de la structure", queryset=None)
    role = forms.ChoiceField(label="Rôle dans le protocole", choices=TeamRole.choices, widget=forms.RadioSelect)

    def __init__(self, *args, professionals, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["professional"].queryset = professionals
        self.fields["professional"].label_from_instance = lambda p: (
            f"{p.user.get_full_name() or p.user.email} — {p.get_profession_display()} ({p.identifier})"
        )


class InvitationAnswerForm(PortalForm):
    engagement = forms.BooleanField(
        label="J'adhère volontairement à ce protocole et je m'engage à en respecter les modalités "
        "(information et consentement des patients, disponibilité, signalement des événements indésirables).",
        error_messages={"required": "Cochez cette case pour confirmer votre adhésion individuelle."},
    )


class LeaveForm(PortalForm):
    left_on = date_field(
        "Date de départ", help_text="Premier jour où le professionnel ne fait plus partie de l'équipe."
    )


class TrainingForm(PortalForm):
    hours = forms.DecimalField(label="Durée (heures)", min_value=0.5, max_digits=5, decimal_places=1)
    organisation = forms.CharField(label="Organisme ou formateurs", max_length=200)
    completed_on = date_field(
        "Formation terminée le", required=False, help_text="Laissez vide tant que la formation n'est pas terminée."
    )
    certificate = DocumentField(label="Attestation de formation", required=False)


class DocumentUploadForm(PortalForm):
    file = DocumentField(label="Fichier")


class DocumentReviewForm(PortalForm):
    decision = forms.ChoiceField(
        label="Décision",
        choices=[("validate", "Valider la pièce"), ("refuse", "Refuser la pièce")],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label="Motif du refus",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Le professionnel le verra.",
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "refuse" and not cleaned.get("reason", "").strip():
            self.add_error("reason", "Indiquez le motif du refus : le professionnel le verra.")
        return cleaned
