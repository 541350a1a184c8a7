"""The committee page's ranking: 400 dossiers × 3 reviewers, computed in SQL (data rolled back afterwards)."""

import random
import time
from decimal import Decimal

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tests.bench import Bench, benchmark

DOSSIERS = 400
REVIEWERS = 3


class _Rollback(Exception):
    pass


@benchmark("Classement de la commission")
def committee_ranking(bench: Bench) -> None:
    try:
        with transaction.atomic():
            _run(bench)
            raise _Rollback
    except _Rollback:
        pass


def _run(bench: Bench) -> None:
    from django.utils import timezone

    from funding.models import DossierState, Review, ReviewAssignment, ReviewState
    from funding.services.ranking import committee_rows, ranked_dossiers
    from tests.funding.factories import CampaignFactory, DossierFactory, WaveFactory
    from tests.portal.factories import RegionFactory, StructureFactory, UserFactory

    rng = random.Random(6)
    region = RegionFactory(code="BENCH")
    campaign = CampaignFactory(region=region)
    wave = WaveFactory(campaign=campaign, projects_funded=20)
    reviewers = [UserFactory() for _ in range(REVIEWERS)]
    structure = StructureFactory(region=region)
    dossiers = [
        DossierFactory(
            structure=structure,
            wave=wave,
            campaign=campaign,
            protocol=None,
            submitted=True,
            state=DossierState.TO_COMMITTEE,
            in_zip=rng.random() < 0.3,
        )
        for _ in range(DOSSIERS)
    ]
    assignments = ReviewAssignment.objects.bulk_create(
        ReviewAssignment(dossier=dossier, reviewer=reviewer, assigned_by=reviewer)
        for dossier in dossiers
        for reviewer in reviewers
    )
    Review.objects.bulk_create(
        Review(
            assignment=assignment,
            conflict_of_interest=False,
            state=ReviewState.SUBMITTED,
            submitted_at=timezone.now(),
            weighted_score=Decimal(rng.randint(0, 20000)) / 1000,
        )
        for assignment in assignments
    )
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        rows = committee_rows(campaign=campaign, dossiers=ranked_dossiers(campaign=campaign, wave=wave)[:50])
    bench.record("page de 50 dossiers classés (sur 400)", round((time.perf_counter() - started) * 1000, 1), "ms")
    bench.record("requêtes", len(queries.captured_queries), "", "2")
    started = time.perf_counter()
    everything = committee_rows(campaign=campaign, dossiers=ranked_dossiers(campaign=campaign, wave=wave))
    bench.record(
        "classement complet (400 dossiers, 1 200 évaluations)", round((time.perf_counter() - started) * 1000, 1), "ms"
    )
    assert len(rows) == 50 and len(everything) == DOSSIERS
