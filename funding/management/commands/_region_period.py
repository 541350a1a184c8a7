"""Arguments shared by the statements commands: ``--region CODE --period 2025-H1``."""

from django.core.management.base import CommandError

from funding.periods import InvalidPeriod, Period
from portal.models import Region


def add_region_period_arguments(parser) -> None:
    parser.add_argument("--region", required=True, help="Code de la région (ARS), ex. PACA")
    parser.add_argument("--period", required=True, help="Semestre, ex. 2025-H1 ou 2025-H2")


def region_and_period(options) -> tuple[Region, Period]:
    try:
        period = Period.parse(options["period"])
    except InvalidPeriod as error:
        raise CommandError(str(error)) from error
    try:
        region = Region.objects.get(code=options["region"].upper())
    except Region.DoesNotExist as error:
        raise CommandError(f"Région inconnue : {options['region']}") from error
    return region, period
