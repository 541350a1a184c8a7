"""The open-data file of the national aggregates (``reporting.opendata``): requested after each issue of
statements (beat, nightly), then generated in the background and stored; the public page serves the latest one.

Both steps are idempotent: a request finds the release of the same issued statements instead of making another
(a database constraint guards it too); a generation of a release already done returns it unchanged.
"""

import hashlib
import json

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.utils import timezone

from funding.models import Statement
from funding.periods import Period
from portal.jobs import JobStatus
from portal.models import Region
from reporting import opendata
from reporting.dashboards.national import detailed_rows, periods_until
from reporting.models import OpenDataRelease
from reporting.selectors import aggregates


def open_data_source() -> tuple[str, Period] | None:
    """The stamp of the issued statements (how many, the latest issue) and the latest half-year they cover; None
    while nothing is issued."""
    issued = Statement.objects.issued()
    summary = issued.aggregate(count=Count("pk"), latest=Max("issued_at"))
    if not summary["count"]:
        return None
    year, half = issued.order_by("-year", "-half").values_list("year", "half").first()
    return f"{summary['count']}:{summary['latest'].isoformat()}", Period(year, half)


def open_data_release_request() -> OpenDataRelease | None:
    """A release for the current issued statements: the existing one, or a new one queued for generation."""
    from reporting.tasks import open_data_generate_task

    source = open_data_source()
    if source is None:
        return None
    stamp, period = source
    existing = OpenDataRelease.objects.exclude(status=JobStatus.FAILED).filter(source_stamp=stamp).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            release = OpenDataRelease.objects.create(source_stamp=stamp, year=period.year, half=period.half)
            open_data_generate_task.delay_on_commit(release.pk)
    except IntegrityError:  # another beat made it meanwhile
        return OpenDataRelease.objects.exclude(status=JobStatus.FAILED).get(source_stamp=stamp)
    return release


def open_data_rows(until: Period, today):
    """Every region's rows with something to tell (a declared protocol or an intervention), from the half-year of
    the first declaration to ``until``."""
    region_list = list(Region.objects.order_by("name").values_list("pk", "code", "name"))
    region_ids = [pk for pk, _code, _name in region_list]
    first, _latest = aggregates.activity_bounds(region_ids, today)
    cells = aggregates.national_cells(region_ids, periods_until(first, until), today)
    return [
        row
        for row in detailed_rows(region_list, cells)
        if row.cell.protocols or row.cell.interventions or row.cell.issued
    ]


def open_data_release_generate(*, release_id: int) -> OpenDataRelease:
    with transaction.atomic():
        release = OpenDataRelease.objects.select_for_update(of=("self",)).get(pk=release_id)
        if release.status == JobStatus.DONE:
            return release
        release.mark_running()
        period = Period(release.year, release.half)
        rows = open_data_rows(period, timezone.localdate())
        csv_content = opendata.to_csv(rows)
        metadata = {
            "titre": opendata.TITLE,
            "genere_le": timezone.localtime().isoformat(timespec="seconds"),
            "jusqu_au_semestre": f"{period.year}-S{period.half}",
            "schema": opendata.table_schema(),
        }
        name = f"protocoles-cooperation-{period.year}-S{period.half}"
        release.csv.save(f"{name}.csv", ContentFile(csv_content), save=False)
        release.json.save(f"{name}.json", ContentFile(opendata.to_json(rows, metadata=metadata)), save=False)
        release.csv_sha256 = hashlib.sha256(csv_content).hexdigest()
        release.rows = len(rows)
        release.save(update_fields=["csv", "json", "csv_sha256", "rows"])
        release.mark_done()
    return release


def schema_json() -> bytes:
    return json.dumps(opendata.table_schema(), ensure_ascii=False, indent=1).encode("utf-8")
