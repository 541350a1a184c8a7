"""A refused or failed federated login: one French page that says what to do, and one audit line.

Nothing else is written: the refusal is raised before allauth creates any account, link or role, and the audit line
(``FederatedLoginEvent``, history-tracked so the region admin's journal shows it for people of the region) is the
only row the request leaves behind.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import requests
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.providers.base.constants import AuthError
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render

from portal.federation.client import PRO_SANTE_CONNECT, FederationError
from portal.models import FederatedLoginEvent
from portal.ratelimit import client_ip, window_hit

logger = logging.getLogger("portal.federation")

PROVIDER_NAMES = {"proconnect": "ProConnect", PRO_SANTE_CONNECT: "Pro Santé Connect"}
ANONYMOUS_AUDIT_WINDOW = 10 * 60
PASSWORD_DOOR = "Vous pouvez aussi vous connecter avec votre adresse e-mail et votre mot de passe."


@dataclass(frozen=True)
class Failure:
    title: str
    message: str
    what_to_do: str
    status: int


FAILURES = {
    "unknown_email": Failure(
        "Aucun compte du portail pour cette adresse",
        "{provider} vous a bien identifié, mais aucun compte du portail ne porte l'adresse {email}. "
        "Un compte ne se crée pas par une connexion : un administrateur de votre ARS doit d'abord vous inviter.",
        "Demandez à un administrateur de votre ARS de vous inviter à cette adresse ; acceptez l'invitation reçue par "
        "courriel, puis connectez-vous à nouveau avec {provider}.",
        403,
    ),
    "email_not_verified": Failure(
        "Adresse e-mail non vérifiée",
        "{provider} indique que l'adresse {email} n'a pas été vérifiée : le portail ne peut pas s'y fier pour "
        "ouvrir un compte.",
        "Faites vérifier votre adresse auprès de votre fournisseur d'identité (le lien reçu par courriel), puis "
        "recommencez. " + PASSWORD_DOOR,
        403,
    ),
    "email_missing": Failure(
        "Adresse e-mail absente",
        "{provider} n'a pas transmis d'adresse e-mail : le portail ne peut pas retrouver votre compte.",
        "Vérifiez que le portail est autorisé à lire votre adresse e-mail chez {provider}, puis recommencez. "
        + PASSWORD_DOOR,
        403,
    ),
    "email_not_confirmed": Failure(
        "Adresse du compte pas encore confirmée",
        "Le compte du portail qui porte l'adresse {email} n'a jamais confirmé cette adresse. Par sécurité, le "
        "portail ne le relie pas à {provider} : un compte non confirmé a pu être créé par quelqu'un d'autre.",
        "Connectez-vous avec votre adresse e-mail et votre mot de passe : le portail vous envoie le lien de "
        "confirmation ; ouvrez-le, puis recommencez avec {provider}. Si vous n'avez jamais créé ce compte ou ne "
        "connaissez pas son mot de passe, choisissez « Mot de passe oublié ? » sur la page de connexion : le lien "
        "reçu à cette adresse vous en fait choisir un nouveau.",
        403,
    ),
    "already_linked": Failure(
        "Compte déjà relié à une autre identité {provider}",
        "Le compte du portail que désigne cette identité est déjà relié à une autre identité {provider}. Par "
        "sécurité, une seconde identité ne s'y relie pas.",
        "Connectez-vous avec l'identité {provider} déjà reliée, ou avec votre adresse e-mail, votre mot de passe et "
        "votre code. Si vous avez changé d'identité {provider}, écrivez au support de votre ARS pour retirer "
        "l'ancienne liaison.",
        403,
    ),
    "link_needs_mfa_session": Failure(
        "Reliez d'abord {provider} depuis votre compte",
        "Votre compte du portail est protégé par la double authentification : la première liaison avec {provider} "
        "ne se fait pas par une simple connexion.",
        "Connectez-vous avec votre adresse e-mail, votre mot de passe et votre code, puis, dans « Mon compte », "
        "choisissez « Relier mon identité {provider} ». Ensuite, {provider} vous connectera directement.",
        403,
    ),
    "email_mismatch": Failure(
        "Identité {provider} d'une autre adresse",
        "L'identité {provider} avec laquelle vous venez de vous connecter porte l'adresse {email}, qui n'est pas "
        "celle de votre compte du portail. Elle n'a pas été reliée.",
        "Recommencez depuis « Mon compte » en vous connectant chez {provider} avec l'identité de l'adresse de votre "
        "compte.",
        403,
    ),
    "no_rpps": Failure(
        "Numéro RPPS absent",
        "Pro Santé Connect n'a pas transmis de numéro RPPS : le portail relie une connexion Pro Santé Connect au "
        "seul professionnel qui porte ce RPPS.",
        "Si vous êtes enregistré au RPPS, vérifiez votre e-CPS ou votre carte CPS ; sinon, connectez-vous avec "
        "votre adresse e-mail et votre mot de passe.",
        403,
    ),
    "unknown_rpps": Failure(
        "Aucun professionnel du portail avec ce RPPS",
        "Pro Santé Connect vous a bien identifié (RPPS {rpps}), mais aucun compte du portail ne porte ce numéro. "
        "Un compte ne se crée pas par une connexion.",
        "Si une structure vous a invité, ouvrez le lien de l'invitation reçue par courriel, créez votre compte et "
        "indiquez ce numéro RPPS ; ensuite, Pro Santé Connect vous connectera directement.",
        403,
    ),
    "rpps_mismatch": Failure(
        "Numéro RPPS différent",
        "Ce compte Pro Santé Connect a été relié à un professionnel dont le numéro RPPS n'est plus {rpps}. Par "
        "sécurité, la connexion est refusée.",
        "Connectez-vous avec votre adresse e-mail et votre mot de passe et vérifiez le numéro RPPS de « Mon "
        "compte », ou écrivez au support de votre ARS.",
        403,
    ),
    "rpps_other_account": Failure(
        "Numéro RPPS d'un autre compte",
        "L'identité Pro Santé Connect avec laquelle vous venez de vous connecter (RPPS {rpps}) n'est pas celle du "
        "professionnel de votre compte du portail. Elle n'a pas été reliée.",
        "Vérifiez le numéro RPPS de « Mon compte », ou déconnectez-vous et connectez-vous directement avec Pro Santé "
        "Connect.",
        403,
    ),
    "inactive": Failure(
        "Compte désactivé",
        "Le compte du portail relié à cette identité est désactivé.",
        "Écrivez à un administrateur de votre ARS.",
        403,
    ),
    "provider_unavailable": Failure(
        "{provider} ne répond pas",
        "Le portail n'a pas pu joindre {provider}. Aucune donnée n'a été enregistrée.",
        "Réessayez dans quelques minutes. " + PASSWORD_DOOR,
        502,
    ),
    "invalid_state": Failure(
        "Connexion expirée ou interrompue",
        "Le retour de {provider} ne correspond à aucune connexion en cours dans ce navigateur (elle a expiré, a "
        "été ouverte dans un autre navigateur, ou la réponse a été altérée). Par sécurité, elle est refusée.",
        "Recommencez depuis la page de connexion du portail, dans le même navigateur.",
        400,
    ),
    "token_exchange_failed": Failure(
        "Connexion refusée par {provider}",
        "{provider} a refusé de confirmer la connexion (le code d'autorisation a expiré ou a déjà servi).",
        "Recommencez depuis la page de connexion du portail ; si cela se reproduit, prévenez le support.",
        400,
    ),
    "invalid_token": Failure(
        "Réponse de {provider} non vérifiable",
        "La réponse de {provider} n'a pas passé les contrôles du portail (signature, émetteur, destinataire, "
        "validité ou nonce). Par sécurité, la connexion est refusée.",
        "Recommencez depuis la page de connexion ; si cela se reproduit, prévenez le support de votre ARS : "
        "l'incident est enregistré.",
        400,
    ),
    "cancelled": Failure(
        "Connexion annulée",
        "La connexion avec {provider} a été annulée ou refusée chez le fournisseur.",
        "Recommencez quand vous le souhaitez. " + PASSWORD_DOOR,
        400,
    ),
}


def refuse(request, *, provider_id: str, reason: str, detail: str = "", **identity) -> ImmediateHttpResponse:
    """The response that ends a federated login: audit line, French page. ``identity``: subject, email, rpps, user."""
    failure = FAILURES[reason]
    outcome = (
        FederatedLoginEvent.Outcome.REFUSED
        if failure.status == 403 or reason == "cancelled"
        else FederatedLoginEvent.Outcome.FAILED
    )
    audit(request, provider_id=provider_id, outcome=outcome, reason=reason, detail=detail, **identity)
    values = {
        "provider": PROVIDER_NAMES.get(provider_id, provider_id),
        "email": identity.get("email") or "",
        "rpps": identity.get("rpps") or "",
    }
    context = {
        "title": failure.title.format(**values),
        "message": failure.message.format(**values),
        "what_to_do": failure.what_to_do.format(**values),
        "reason": reason,
    }
    return ImmediateHttpResponse(render(request, "portal/federation_error.html", context, status=failure.status))


def audit(request, *, provider_id: str, outcome: str, reason: str = "", detail: str = "", **identity) -> None:
    user = identity.get("user")
    ip = client_ip(request) or None
    log = logger.info if outcome == FederatedLoginEvent.Outcome.LINKED else logger.warning
    allowed, notice = _anonymous_row(user, identity, ip)
    if not allowed:
        # The server log still has every call; the table keeps the first ones and the notice of the limit.
        log("Connexion fédérée %s : %s %s (journal limité pour %s) %s", provider_id, outcome, reason, ip, detail)
        return
    detail = f"{notice} {detail}".strip()
    FederatedLoginEvent.objects.create(
        provider=provider_id,
        outcome=outcome,
        reason=reason,
        detail=detail[:2000],
        subject=str(identity.get("subject") or "")[:255],
        email=str(identity.get("email") or "")[:254],
        rpps=str(identity.get("rpps") or "")[:11],
        user=user if user is not None and user.pk else None,
        ip=ip,
    )
    log("Connexion fédérée %s : %s %s %s", provider_id, outcome, reason, detail)


def _anonymous_row(user, identity: dict, ip: str | None) -> tuple[bool, str]:
    """Whether to write the row, and a notice to put in its detail.

    A failure that identifies nobody (no account, no ``sub``: a forged ``state``, an error answer) costs anyone one
    request to the open callback: at most ``FEDERATION_ANONYMOUS_AUDIT_PER_IP`` rows per address and window, then
    one row that says the rest of the window is not recorded. A failure that names someone is always kept."""
    if (user is not None and user.pk) or identity.get("subject"):
        return True, ""
    key = f"federation-audit:{ip or 'inconnue'}"
    if window_hit(key, settings.FEDERATION_ANONYMOUS_AUDIT_PER_IP, window=ANONYMOUS_AUDIT_WINDOW) is None:
        return True, ""
    window = int(time.time() // ANONYMOUS_AUDIT_WINDOW)
    if cache.add(f"{key}:notice:{window}", 1, timeout=ANONYMOUS_AUDIT_WINDOW * 2):
        minutes = ANONYMOUS_AUDIT_WINDOW // 60
        return True, (
            f"Limite atteinte : les échecs anonymes suivants de cette adresse ne sont plus journalisés ici jusqu'à la "
            f"fin de la fenêtre de {minutes} minutes (journaux du serveur seulement)."
        )
    return False, ""


def reason_of(error, exception, extra_context: dict) -> str:
    """The failure's name, from what allauth reports (``error``), what was raised (``exception``) and whether the
    callback found its ``state`` (``extra_context``)."""
    if error == AuthError.CANCELLED or (exception is None and extra_context.get("state")):
        return "cancelled"  # the provider answered with an ``error`` parameter instead of a code
    if isinstance(exception, requests.RequestException):
        return "provider_unavailable"
    if isinstance(exception, FederationError):
        return "invalid_token"
    if isinstance(exception, OAuth2Error):
        # allauth's token exchange: « Error retrieving access token » (expired or replayed code, bad client)
        if "access token" in str(exception).lower():
            return "token_exchange_failed"
        return "invalid_token"
    if exception is None:
        return "invalid_state"
    return "invalid_token"
