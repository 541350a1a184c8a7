"""Campaign and dossier objects of the foreign region (CVL) for the tenant matrix.

The foreign campaign is not published (its title carries the marker, and published campaigns are public); the
foreign dossier is submitted, so that CVL staff could see it, and carries an attachment and a message with a file.
"""

from django.core.files.base import ContentFile

from funding.models import DossierMessage
from tests.funding.factories import MINIMAL_PDF, CampaignFactory, DossierAttachmentFactory, DossierFactory, WaveFactory
from tests.protocols.factories import ProtocolFactory
from tests.tenant import FOREIGN_MARKER

ORDER = 20
PUBLIC_ROUTES = {"funding:public_campaigns", "funding:public_region_campaigns", "funding:public_campaign"}


def build(world):
    region, structure = world.objects["region"], world.objects["structure"]
    coordinator = world.objects["coordinator"]
    campaign = CampaignFactory(
        region=region, title=f"AMI {FOREIGN_MARKER}", published_at=None, created_by=world.objects["region_admin"]
    )
    wave = WaveFactory(campaign=campaign)
    protocol = ProtocolFactory(structure=structure, title=f"Protocole {FOREIGN_MARKER}", created_by=coordinator)
    dossier = DossierFactory(
        structure=structure,
        wave=wave,
        protocol=protocol,
        reference="AMI-CVL-2025-901",
        submitted=True,
        answered=True,
        territory_needs=f"Besoins {FOREIGN_MARKER}",
        created_by=coordinator,
        submitted_by=coordinator,
    )
    attachment = DossierAttachmentFactory(dossier=dossier, label=f"Pièce {FOREIGN_MARKER}")
    message = DossierMessage(dossier=dossier, author=coordinator, body=f"Message {FOREIGN_MARKER}")
    message.attachment.save("message.pdf", ContentFile(MINIMAL_PDF), save=False)
    message.attachment_name = "message.pdf"
    message.save()
    world.objects.update(campaign=campaign, wave=wave, dossier=dossier, protocol=protocol)
    world.kwargs.update(
        region_code=region.code,
        campaign_id=campaign.pk,
        wave_id=wave.pk,
        dossier_id=dossier.pk,
        dossier_attachment_id=attachment.pk,
        dossier_message_id=message.pk,
    )
