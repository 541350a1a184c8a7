"""Forms of the instructor: the filters of the region's list, the checklist, complements, decisions, notes."""

from django import forms

from funding.dossier_sections import SECTION_CHOICES
from funding.forms.dossiers import UniqueIdsMixin
from funding.models import Campaign, Dossier, DossierState, InstructionCheck
from portal.forms import PortalForm
from portal.models import StructureKind

ZONE_CHOICES = [
    ("", "Toutes"),
    ("any", "Au moins une zone prioritaire"),
    ("zip", "ZIP"),
    ("zac", "ZAC"),
    ("qpv", "QPV"),
]
PROTOCOL_CHOICES = [
    ("", "Tous"),
    ("local", "Protocole local"),
    ("national", "Adhésion à un protocole national"),
    ("support", "Accompagnement à la rédaction demandé"),
]
SORTS = {
    "-submitted_at": ("Dépôt le plus récent", ["-submitted_at", "-pk"]),
    "submitted_at": ("Dépôt le plus ancien", ["submitted_at", "pk"]),
    "reference": ("Numéro", ["reference"]),
    "structure": ("Structure", ["structure__name", "reference"]),
    "state": ("État", ["state", "reference"]),
}
LISTED_STATES = [(value, label) for value, label in DossierState.choices if value != DossierState.DRAFT]


class InstructionFilterForm(PortalForm):
    q = forms.CharField(label="Rechercher", required=False, help_text="Numéro, structure, FINESS, commune, protocole")
    campaign = forms.ModelChoiceField(label="Campagne", queryset=Campaign.objects.none(), required=False)
    state = forms.ChoiceField(label="État", choices=[("", "Tous"), *LISTED_STATES], required=False)
    kind = forms.ChoiceField(label="Type de structure", choices=[("", "Tous"), *StructureKind.choices], required=False)
    departement = forms.ChoiceField(label="Département", choices=[("", "Tous")], required=False)
    zone = forms.ChoiceField(label="Zone prioritaire", choices=ZONE_CHOICES, required=False)
    protocol = forms.ChoiceField(label="Protocole", choices=PROTOCOL_CHOICES, required=False)
    sort = forms.ChoiceField(
        label="Trier par", choices=[(key, label) for key, (label, _order) in SORTS.items()], required=False
    )

    def __init__(self, *args, campaigns, departements, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = campaigns
        self.fields["campaign"].empty_label = "Toutes"
        self.fields["departement"].choices = [("", "Tous"), *((code, code) for code in departements)]

    def _value(self, name):
        return self.cleaned_data.get(name) if hasattr(self, "cleaned_data") else None

    def filter(self, dossiers, *, with_state: bool = True):
        """Apply the valid filters (an invalid one is reported by the form and ignored)."""
        self.is_valid()
        dossiers = dossiers.search(self._value("q") or "")
        if self._value("campaign"):
            dossiers = dossiers.filter(campaign=self._value("campaign"))
        if with_state and self._value("state"):
            dossiers = dossiers.filter(state=self._value("state"))
        if self._value("kind"):
            dossiers = dossiers.filter(structure__kind=self._value("kind"))
        if self._value("departement"):
            dossiers = dossiers.filter(structure__departement=self._value("departement"))
        dossiers = dossiers.in_priority_zone(self._value("zone") or "")
        protocol = self._value("protocol")
        if protocol in {"local", "national"}:
            dossiers = dossiers.filter(protocol__kind=protocol)
        elif protocol == "support":
            dossiers = dossiers.filter(drafting_support_requested=True)
        return dossiers

    def ordering(self) -> list[str]:
        return SORTS.get(self._value("sort") or "-submitted_at", SORTS["-submitted_at"])[1]


class CheckForm(PortalForm):
    step = forms.ChoiceField(choices=InstructionCheck.Step.choices, widget=forms.HiddenInput)
    outcome = forms.ChoiceField(label="Résultat", choices=InstructionCheck.Outcome.choices, widget=forms.RadioSelect)
    motive = forms.CharField(label="Motif", widget=forms.Textarea(attrs={"rows": 2}))


class ComplementRequestForm(PortalForm):
    items = forms.CharField(
        label="Pièces et informations demandées",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Une demande par ligne.",
    )
    sections = forms.MultipleChoiceField(
        label="Rubriques à rouvrir",
        choices=SECTION_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text="Seules ces rubriques redeviennent modifiables par le porteur.",
    )
    due_on = forms.DateField(label="À fournir avant le", widget=forms.DateInput(attrs={"type": "date"}))
    message = forms.CharField(label="Message au porteur", widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def clean_items(self):
        return [line.strip(" -•\t") for line in self.cleaned_data["items"].splitlines() if line.strip(" -•\t")]


class AdmissibleForm(UniqueIdsMixin, PortalForm):
    id_prefix = "admissible"

    motive = forms.CharField(label="Commentaire", widget=forms.Textarea(attrs={"rows": 2}), required=False)


class InadmissibleForm(UniqueIdsMixin, PortalForm):
    id_prefix = "inadmissible"

    reason = forms.CharField(
        label="Motif d'irrecevabilité",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Il est communiqué au porteur.",
    )


class NoteForm(UniqueIdsMixin, PortalForm):
    id_prefix = "note"

    body = forms.CharField(label="Note privée", widget=forms.Textarea(attrs={"rows": 3}))


class BulkActionForm(PortalForm):
    action = forms.ChoiceField(label="Action sur la sélection", choices=[])
    dossiers = forms.ModelMultipleChoiceField(
        queryset=Dossier.objects.none(),
        error_messages={"required": "Sélectionnez au moins un dossier.", "invalid_choice": "Dossier introuvable."},
    )

    def __init__(self, *args, dossiers, actions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dossiers"].queryset = dossiers
        self.fields["action"].choices = actions
