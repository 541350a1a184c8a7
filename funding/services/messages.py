"""Messages between the ARS and the coordinator on a dossier: threaded (a reply hangs under the first message of
its thread), with an optional attachment, and an e-mail to the other side."""

from django.db import transaction

from funding.models import Dossier, DossierMessage, DossierState
from funding.services.notifications import notify_message
from portal.access import get_scope
from portal.errors import ApplicationError
from portal.roles import Role
from portal.uploads import check_upload

AGENCY_SIDE = (Role.INSTRUCTOR, Role.REGION_ADMIN)


def message_side(dossier: Dossier, by) -> str | None:
    """ "agency", "structure", or None when ``by`` may not write on this dossier."""
    scope = get_scope(by)
    if dossier.campaign.region_id in scope.region_ids(AGENCY_SIDE):
        return "agency"
    if dossier.structure_id in scope.structure_ids([Role.COORDINATOR]):
        return "structure"
    return None


@transaction.atomic
def dossier_message_post(
    *, dossier: Dossier, by, body: str, parent: DossierMessage | None = None, attachment=None, now=None
) -> DossierMessage:
    side = message_side(dossier, by)
    if side is None:
        raise ApplicationError("Vous ne pouvez pas écrire sur ce dossier.", code="forbidden")
    if dossier.state == DossierState.DRAFT:
        raise ApplicationError("Les messages avec l'ARS s'ouvrent une fois le dossier déposé.", code="draft")
    if not body.strip():
        raise ApplicationError("Le message est vide.", code="body_required", field="body")
    if parent is not None:
        if parent.dossier_id != dossier.pk:
            raise ApplicationError("Ce message répond à un autre dossier.", code="wrong_thread")
        parent = parent.parent or parent
    message = DossierMessage(dossier=dossier, parent=parent, author=by, body=body.strip())
    if now is not None:
        message.created_at = now
    if attachment:
        checked = getattr(attachment, "checked", None) or check_upload(attachment)
        message.attachment.save(f"message{checked.extension}", attachment, save=False)
        message.attachment_name = checked.original_name
        message.attachment_sha256 = checked.sha256
    message.full_clean()
    message.save()
    notify_message(message, from_agency=side == "agency")
    return message
