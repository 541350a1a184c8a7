"""PDF documents of a dossier: the deposit receipt (issued once, stored with its hash, e-mailed) and the full
dossier for the instructor (rendered on demand)."""

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from funding.dossier_sections import SECTIONS
from funding.models import Dossier, DossierState
from funding.services.completeness import active_team
from funding.services.notifications import link
from funding.services.snapshots import section_content
from portal.mail import mail_on_commit
from portal.pdf import render_pdf, sha256_hex

EXCERPT_LENGTH = 400


def _excerpt(value):
    if isinstance(value, str) and len(value) > EXCERPT_LENGTH:
        return value[:EXCERPT_LENGTH].rstrip() + " […]"
    return value


def receipt_context(dossier: Dossier) -> dict:
    snapshot = dossier.snapshot or {}
    sections = []
    for key, content in (snapshot.get("sections") or {}).items():
        fields = [{**item, "value": _excerpt(item["value"])} for item in content["fields"]]
        sections.append({"key": key, "title": content["title"], "fields": fields})
    order = {section.key: index for index, section in enumerate(SECTIONS)}
    sections.sort(key=lambda section: order.get(section["key"], 99))
    return {
        "dossier": dossier,
        "region": dossier.campaign.region,
        "snapshot": snapshot,
        "sections": sections,
    }


def render_receipt(dossier: Dossier) -> bytes:
    return render_pdf("funding/pdf/receipt.html", receipt_context(dossier))


@transaction.atomic
def dossier_receipt_issue(*, dossier_id: int, send_email: bool = True) -> Dossier | None:
    """Generate the deposit receipt once, then e-mail it once to the coordinator who submitted. Safe to retry:
    each step is skipped when already done. ``send_email=False`` only generates it (download of a receipt whose
    task has not run yet, demo data)."""
    dossier = (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("campaign__region", "structure", "submitted_by")
        .filter(pk=dossier_id)
        .first()
    )
    if dossier is None or dossier.state == DossierState.DRAFT:
        return None
    if not dossier.receipt_sha256:
        pdf = render_receipt(dossier)
        dossier.receipt.save(f"recepisse-{dossier.reference}.pdf", ContentFile(pdf), save=False)
        dossier.receipt_sha256 = sha256_hex(pdf)
        dossier.save(update_fields=["receipt", "receipt_sha256", "updated_at"])
    if send_email and dossier.receipt_sent_at is None:
        with dossier.receipt.open("rb") as stored:
            pdf = stored.read()
        mail_on_commit(
            subject=f"Récépissé de dépôt du dossier {dossier.reference}",
            template="funding/emails/receipt.txt",
            context={"dossier": dossier, "link": link("funding:dossier_detail", dossier_id=dossier.pk)},
            recipients=[dossier.submitted_by.email, dossier.contact_email],
            attachments=[(f"recepisse-{dossier.reference}.pdf", pdf, "application/pdf")],
        )
        dossier.receipt_sent_at = timezone.now()
        dossier.save(update_fields=["receipt_sent_at", "updated_at"])
    return dossier


def render_dossier_pdf(dossier: Dossier) -> bytes:
    """The whole dossier as it stands (sections, team, attachments, instruction, complements, history)."""
    team = list(active_team(dossier.protocol_id)) if dossier.protocol_id else []
    return render_pdf(
        "funding/pdf/dossier.html",
        {
            "dossier": dossier,
            "region": dossier.campaign.region,
            "sections": section_content(dossier, [section.key for section in SECTIONS]),
            "team": team,
            "attachments": dossier.attachments.select_related("uploaded_by").order_by("uploaded_at", "pk"),
            "checks": dossier.checks.select_related("checked_by").order_by("checked_at"),
            "complements": dossier.complement_requests.select_related("requested_by", "answered_by").order_by(
                "requested_at"
            ),
            "transitions": dossier.transitions.select_related("by").order_by("at", "pk"),
            "generated_at": timezone.now(),
        },
    )
