"""Forms of the committee area: grid, committee rules, assignments, conflict of interest, review, sitting,
decision. They only parse input; the rules are in ``funding.services``."""

from django import forms
from dsfr.widgets import InlineRadioSelect

from funding.models import DecisionOutcome, PriorityRule
from funding.services.grid import WEIGHT_MAX, WEIGHT_MIN, ScoredCriterion
from portal.forms import PortalForm


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class CriterionForm(PortalForm):
    parent = forms.ChoiceField(
        label="Rattachement",
        required=False,
        help_text="Laissez vide pour un critère ; choisissez un critère pour en faire un sous-critère.",
    )
    code = forms.CharField(label="Numéro", max_length=10, help_text="Ex. 2.3")
    label = forms.CharField(label="Libellé", max_length=300)
    description = forms.CharField(label="Ce qui est attendu", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    weight = forms.DecimalField(
        label="Pondération (%)",
        min_value=WEIGHT_MIN,
        max_value=WEIGHT_MAX,
        max_digits=5,
        decimal_places=2,
        help_text="Critère : sa part de la note (les critères totalisent 100 %). Sous-critère : sa part de son "
        "critère (les sous-critères d'un critère totalisent 100 %).",
    )
    scale_max = forms.IntegerField(label="Note maximale", min_value=1, max_value=10, initial=4)
    comment_required_below = forms.IntegerField(
        label="Commentaire obligatoire pour une note inférieure à", min_value=0, max_value=11, initial=2
    )
    level_labels = forms.CharField(
        label="Libellés des niveaux",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Un libellé par ligne, du niveau 0 au niveau maximal. Vide : libellés par défaut.",
    )

    def __init__(self, *args, parents=(), with_parent=True, **kwargs):
        super().__init__(*args, **kwargs)
        if with_parent:
            self.fields["parent"].choices = [("", "— Critère principal —")] + [
                (str(parent.pk), f"{parent.code}. {parent.label}") for parent in parents
            ]
            self._parents = {str(parent.pk): parent for parent in parents}
        else:
            del self.fields["parent"]

    def clean_parent(self):
        value = self.cleaned_data.get("parent")
        return self._parents.get(value) if value else None

    def clean_level_labels(self):
        text = self.cleaned_data.get("level_labels", "")
        return [line.strip() for line in text.splitlines() if line.strip()] or None


def initial_for_criterion(criterion) -> dict:
    levels = criterion.level_labels or {}
    return {
        "code": criterion.code,
        "label": criterion.label,
        "description": criterion.description,
        "weight": criterion.weight,
        "scale_max": criterion.scale_max,
        "comment_required_below": criterion.comment_required_below,
        "level_labels": "\n".join(levels[key] for key in sorted(levels, key=int)),
    }


class GridWeightsForm(PortalForm):
    """The weights of the whole grid in one form (criterion id → %): the ARS changes, say, 40/60 into 50/50 in one
    go, and the service checks the totals."""

    def __init__(self, *args, criteria=(), **kwargs):
        criteria = sorted(criteria, key=lambda c: (c.position, c.code))
        codes = {criterion.pk: criterion.code for criterion in criteria}
        initial = kwargs.pop("initial", None) or {f"weight_{c.pk}": c.weight.normalize() for c in criteria}
        super().__init__(*args, initial=initial, **kwargs)
        self.criteria = criteria
        for criterion in criteria:
            share = f"% du critère {codes[criterion.parent_id]}" if criterion.parent_id else "% de la note"
            self.fields[f"weight_{criterion.pk}"] = forms.DecimalField(
                label=f"{criterion.code}. {criterion.label} ({share})",
                min_value=WEIGHT_MIN,
                max_value=WEIGHT_MAX,
                max_digits=5,
                decimal_places=2,
            )

    def weights(self) -> dict:
        return {criterion.pk: self.cleaned_data[f"weight_{criterion.pk}"] for criterion in self.criteria}


class CommitteeSettingsForm(PortalForm):
    priority_rule = forms.ChoiceField(
        label="Priorité ZIP / ZAC / QPV",
        choices=PriorityRule.choices,
        help_text="Proposition du portail : bonus ajouté au score de mérite. Fixée à la première note.",
    )
    priority_bonus = forms.DecimalField(
        label="Bonus de priorité (points sur 20)",
        min_value=0,
        max_value=20,
        max_digits=4,
        decimal_places=2,
        help_text="Proposition du portail : 1 point.",
    )
    disagreement_gap = forms.DecimalField(
        label="Écart signalé entre évaluateurs (points sur 20)",
        min_value=0,
        max_value=20,
        max_digits=4,
        decimal_places=2,
    )
    min_reviewers = forms.IntegerField(label="Évaluateurs par dossier", min_value=1, max_value=10)


class ConflictForm(PortalForm):
    conflict = forms.TypedChoiceField(
        label="Avez-vous un lien d'intérêts avec ce porteur ou ce projet ?",
        choices=[("non", "Non, je n'ai aucun lien d'intérêts"), ("oui", "Oui, j'ai un lien d'intérêts")],
        coerce=lambda value: value == "oui",
        widget=forms.RadioSelect,
        help_text="Lien professionnel, familial, financier ou associatif avec la structure ou ses membres.",
    )
    conflict_details = forms.CharField(
        label="Nature du lien d'intérêts",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Obligatoire si vous déclarez un lien.",
    )


class ReviewForm(PortalForm):
    """One radio group (note) and one comment per scored criterion, plus a general opinion. Every note is
    optional here: a draft may be partial; the service checks completeness on submission."""

    general_comment = forms.CharField(label="Avis général", required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, scored: list[ScoredCriterion], scores=None, **kwargs):
        scores = scores or {}
        initial = kwargs.pop("initial", {}) or {}
        for item in scored:
            score = scores.get(item.criterion.pk)
            if score is not None:
                if score.value is not None:
                    initial[f"note_{item.criterion.pk}"] = str(score.value)
                initial[f"comment_{item.criterion.pk}"] = score.comment
        super().__init__(*args, initial=initial, **kwargs)
        self.scored = scored
        for item in scored:
            criterion = item.criterion
            levels = criterion.level_labels or {}
            self.fields[f"note_{criterion.pk}"] = forms.TypedChoiceField(
                label=f"Note du critère {criterion.code}",
                choices=[
                    (str(level), f"{level} — {levels[str(level)]}" if str(level) in levels else str(level))
                    for level in range(criterion.scale_max + 1)
                ],
                coerce=int,
                empty_value=None,
                required=False,
                widget=InlineRadioSelect,
            )
            self.fields[f"comment_{criterion.pk}"] = forms.CharField(
                label=f"Commentaire sur le critère {criterion.code}",
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=f"Obligatoire pour une note inférieure à {criterion.comment_required_below}.",
            )

    def notes(self):
        from funding.services.reviews import Note

        return {
            item.criterion.pk: Note(
                value=self.cleaned_data.get(f"note_{item.criterion.pk}"),
                comment=self.cleaned_data.get(f"comment_{item.criterion.pk}", ""),
            )
            for item in self.scored
        }

    def sections(self):
        """(scored criterion, note field, comment field) in grid order, for the template."""
        return [
            (item, self[f"note_{item.criterion.pk}"], self[f"comment_{item.criterion.pk}"]) for item in self.scored
        ]


class ReasonForm(PortalForm):
    reason = forms.CharField(label="Motif", widget=forms.Textarea(attrs={"rows": 3}))


class MeetingForm(PortalForm):
    held_on = forms.DateField(label="Date de la séance", widget=DateInput)
    members_present = forms.MultipleChoiceField(label="Membres présents", widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, attendees=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._attendees = {str(user.pk): user for user in attendees}
        self.fields["members_present"].choices = [
            (str(user.pk), user.get_full_name() or user.email) for user in attendees
        ]

    def clean_members_present(self):
        return [self._attendees[value] for value in self.cleaned_data.get("members_present", [])]


class DecisionForm(PortalForm):
    outcome = forms.ChoiceField(label="Décision", choices=DecisionOutcome.choices, widget=forms.RadioSelect)
    motive = forms.CharField(
        label="Motif", widget=forms.Textarea(attrs={"rows": 3}), help_text="Repris dans le courrier au porteur."
    )
    over_quota_reason = forms.CharField(
        label="Justification du dépassement du nombre de projets",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Demandée seulement si la vague a déjà retenu tous les projets qu'elle finance.",
    )

    def __init__(self, *args, outcomes=None, **kwargs):
        super().__init__(*args, **kwargs)
        if outcomes is not None:
            self.fields["outcome"].choices = [
                (value, label) for value, label in DecisionOutcome.choices if value in outcomes
            ]
