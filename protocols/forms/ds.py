"""Forms of the démarches-simplifiées channel: the region's choice, the DS dossier of a version, its confirmation."""

from django import forms

from portal.forms import PortalForm
from protocols.forms.common import date_field
from protocols.forms.declarations import DeclarationConfirmForm
from protocols.models import DeclarationChannel


class DeclarationChannelForm(PortalForm):
    channel = forms.ChoiceField(
        label="Les déclarations des protocoles de la région se font",
        choices=DeclarationChannel.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez où se font les déclarations."},
    )
    ds_demarche_number = forms.IntegerField(
        label="Numéro de la démarche sur démarches-simplifiées",
        min_value=1,
        required=False,
        help_text="Le numéro qui figure dans l'adresse de la démarche de l'ARS (administration de la démarche).",
    )
    ds_token = forms.CharField(
        label="Nouveau jeton d'API démarches-simplifiées",
        required=False,
        max_length=500,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Créé par un administrateur de la démarche sur démarches-simplifiées (profil, jetons d'API), en "
        "lecture seule. Il est chiffré et n'est plus jamais affiché ; laissez vide pour garder le jeton enregistré.",
    )
    clear_token = forms.BooleanField(label="Supprimer le jeton enregistré", required=False)


class DsDossierForm(PortalForm):
    ds_dossier_number = forms.IntegerField(
        label="Numéro du dossier sur démarches-simplifiées",
        min_value=1,
        max_value=2_147_483_647,
        help_text="Le numéro que démarches-simplifiées a donné au dépôt de la déclaration (accusé de dépôt).",
        error_messages={"required": "Indiquez le numéro du dossier sur démarches-simplifiées."},
    )
    ds_deposited_on = date_field(
        "Déposé sur démarches-simplifiées le",
        help_text="La date de dépôt indiquée par démarches-simplifiées : le protocole est en vigueur à compter de ce "
        "jour, une fois le dépôt confirmé par l'ARS.",
        error_messages={"required": "Indiquez la date de dépôt sur démarches-simplifiées."},
    )


class DsDeclarationConfirmForm(DeclarationConfirmForm, DsDossierForm):
    """The deposit in a region declaring on DS: the certification and the DS dossier of this version."""
