"""A tableau de reporting of the foreign region (CVL), collecting attestations, for the tenant matrix."""

from funding.models import Tableau, TableauSignatory

ORDER = 65


def build(world):
    tableau = Tableau.objects.create(
        structure=world.objects["structure"], year=2025, half=1, opened_by=world.objects["coordinator"], line_count=1
    )
    for professional, delegant in ((world.objects["professional"], False), (world.objects["delegant"], True)):
        TableauSignatory.objects.create(
            tableau=tableau,
            professional=professional,
            is_delegate=not delegant,
            is_delegant=delegant,
            line_count=1,
            lines_digest="0" * 64,
        )
    world.kwargs.update(tableau_id=tableau.pk)
