"""A small client of the démarches-simplifiées GraphQL API v2: it reads one dossier (state, deposit date, démarche).

Every query the portal sends is in :data:`QUERIES`; ``tests/protocols/ds/test_ds_queries.py`` validates each against
the platform's public schema. Errors come out as two exceptions with a French message for the instructor:
:class:`DsUnavailable` (DS down, slow or answering garbage: try again later) and :class:`DsRefused` (DS answered,
and said no: token refused, unknown dossier). Nothing here touches the database.
"""

import datetime
import json
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

DOSSIER_QUERY = """
query PortalDossier($number: Int!) {
  dossier(number: $number) {
    number
    state
    dateDepot
    demarche {
      number
    }
  }
}
"""
QUERIES = {"PortalDossier": DOSSIER_QUERY}

UNREADABLE = "Réponse illisible de démarches-simplifiées : nouvel essai automatique plus tard."
INCOMPLETE = "Réponse incomplète de démarches-simplifiées : nouvel essai automatique plus tard."


class DsError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class DsUnavailable(DsError):
    """DS did not answer usefully (network, timeout, 5xx, not JSON): the same reading may work later."""


class DsRefused(DsError):
    """DS answered and refused (token, rights, unknown dossier): a person must act before it works."""


@dataclass(frozen=True)
class DsDossier:
    number: int
    state: str
    deposited_on: datetime.date  # the deposit day in Europe/Paris
    demarche_number: int


def _post(query_name: str, variables: dict, *, token: str) -> dict:
    body = json.dumps({"query": QUERIES[query_name], "operationName": query_name, "variables": variables}).encode()
    request = urllib.request.Request(
        settings.DS_API_URL,
        data=body,
        method="POST",
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.DS_API_TIMEOUT) as response:
            raw = response.read(1_000_000)
    except urllib.error.HTTPError as error:
        if error.code in (401, 403):
            raise DsRefused(
                "démarches-simplifiées refuse le jeton d'API de la région : l'administrateur régional doit le "
                "renouveler."
            ) from error
        raise DsUnavailable(
            f"démarches-simplifiées a répondu par une erreur ({error.code}) : nouvel essai automatique plus tard."
        ) from error
    except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
        raise DsUnavailable(
            "démarches-simplifiées ne répond pas : la vérification sera refaite automatiquement."
        ) from error
    try:
        payload = json.loads(raw)
    except ValueError as error:
        raise DsUnavailable(UNREADABLE) from error
    if not isinstance(payload, dict):
        raise DsUnavailable(UNREADABLE)
    if payload.get("errors"):
        first = payload["errors"][0]
        detail = first.get("message", "") if isinstance(first, dict) else str(first)
        raise DsRefused(f"démarches-simplifiées refuse la demande : {str(detail)[:200]}")
    return payload.get("data") or {}


def fetch_dossier(*, token: str, number: int) -> DsDossier:
    """The dossier ``number`` as DS knows it (what the region's token may read)."""
    data = _post("PortalDossier", {"number": number}, token=token)
    dossier = data.get("dossier")
    if not dossier:
        raise DsRefused(f"Le dossier n° {number} est introuvable sur démarches-simplifiées.")
    try:
        deposited_at = datetime.datetime.fromisoformat(dossier["dateDepot"])
        return DsDossier(
            number=int(dossier["number"]),
            state=str(dossier["state"]),
            deposited_on=timezone.localtime(deposited_at).date()
            if timezone.is_aware(deposited_at)
            else deposited_at.date(),
            demarche_number=int(dossier["demarche"]["number"]),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise DsUnavailable(INCOMPLETE) from error
