"""``manage.py generate_load --region PACA --grants 200 --interventions 1000000``: a synthetic region for the
benchmark of the statements (PostgreSQL only). ``--region PACA,CVL,NAQ`` loads each region in turn (the same
figures for each), which gives the national view several regions to compare.

Builds, in bulk: one campaign, ``--grants`` structures each with a local protocol (themes in turn), a selected
dossier and a grant (€25 within €7,000 a year), one delegant and three delegates per structure, in the protocol's
team from 1 January; then ``--interventions`` interventions spread over the year (``INSERT … SELECT
generate_series``) and their eligibility rows, with realistic exclusions (about 12 %: duplicates, training not done,
suspensions, team changes, future dates). A previous load of the same region is removed first, with whatever other
benchmarks attached to it since (memberships, reports, imports, issued statements…), so the command can be run again
at any time. Nothing here is business logic: it only fills tables as the interventions area would have.
"""

import datetime
import time
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction
from django.utils import timezone

from funding.models import (
    Campaign,
    Dossier,
    DossierState,
    Grant,
    InterventionEligibility,
    Wave,
)
from portal.models import Professional, Region, Structure, User
from protocols.models import Intervention, MembershipStatus, Protocol, ProtocolTheme, TeamMembership, TeamRole

ELIGIBILITY = InterventionEligibility._meta.db_table
INTERVENTIONS = Intervention._meta.db_table
# Share of interventions excluded, per reason, in thousandths (about 12 % in all).
EXCLUSIONS = [
    ("doublon", 40),
    ("delegue_non_forme", 30),
    ("protocole_suspendu", 20),
    ("delegant_hors_equipe", 15),
    ("delegue_hors_equipe", 10),
    ("date_future", 5),
]


STRUCTURE_NAME = "MSP de charge "


def _prefix(region) -> str:
    return f"LOAD-{region.code}-"


class Command(BaseCommand):
    help = "Génère une région synthétique (subventions, interventions, éligibilité) pour les mesures de performance."

    def add_arguments(self, parser):
        parser.add_argument("--region", required=True, help="Code de la région, ex. PACA, ou plusieurs : PACA,CVL")
        parser.add_argument("--grants", type=int, default=200)
        parser.add_argument("--interventions", type=int, default=1_000_000)
        parser.add_argument("--year", type=int, default=2025, help="Année des interventions (par défaut 2025)")

    def handle(self, *args, **options):
        if options["grants"] < 1 or options["interventions"] < 0:
            raise CommandError("Il faut au moins une subvention et un nombre d'interventions positif.")
        codes = [code.strip().upper() for code in options["region"].split(",") if code.strip()]
        regions = {region.code: region for region in Region.objects.filter(code__in=codes)}
        unknown = [code for code in codes if code not in regions]
        if unknown:
            raise CommandError(f"Région inconnue : {', '.join(unknown)}")
        for code in codes:
            self.load(regions[code], options)

    def load(self, region, options):
        started = time.perf_counter()
        with transaction.atomic():
            with connection.cursor() as cursor:
                # A bulk load of a million rows outlasts the portal's per-statement timeout; this transaction only.
                cursor.execute("SET LOCAL statement_timeout = 0")
            removed = remove_load(region)
            grants = create_grants(region, options["grants"], options["year"])
            create_interventions(region, grants, options["interventions"], options["year"])
        if not connection.in_atomic_block:  # VACUUM cannot run in a transaction (a test's, for instance)
            with connection.cursor() as cursor:
                for table in (INTERVENTIONS, ELIGIBILITY):
                    # Fresh statistics and visibility map: the aggregates can read the index alone.
                    cursor.execute(f"VACUUM (ANALYZE) {table}")
        self.stdout.write(
            f"{region.code} : {len(grants)} subventions, {options['interventions']} interventions générées "
            f"en {time.perf_counter() - started:.1f} s"
            + (f" (charge précédente supprimée : {removed} subventions)" if removed else "")
        )


def remove_load(region) -> int:
    """Remove the previous load of ``region`` and everything that refers to it, whatever added it (another
    benchmark's memberships, reports, imports, issued statements…): the load is found by its own marks (structure
    names, the e-mail domain, the campaign title), and every row that points to it is found through the models'
    relations, children first. Returns the number of synthetic grants removed."""
    domain = f"@{region.code.lower()}.charge.invalid"
    removed = Grant.objects.filter(reference__startswith=_prefix(region)).count()
    # The synthetic dossiers were "selected": the database refuses to delete submitted dossiers unless told,
    # for this transaction only, that this is the benchmark load being removed.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL portal.removing_synthetic_load = 'on'")
    for queryset in (
        Structure.objects.filter(region=region, name__startswith=STRUCTURE_NAME),
        Campaign.objects.filter(region=region, title=_campaign_title(region)),
        Professional.objects.filter(user__email__endswith=domain),
        User.objects.filter(email__endswith=domain),
    ):
        _purge(queryset)
    return removed


def _purge(queryset, path: tuple = ()) -> None:
    """Delete the rows of ``queryset`` after every row that refers to them (``SET_NULL`` references are cleared
    instead), in bulk SQL: no signals, no history entries, no row loaded into Python. References that the database
    does not enforce (``db_constraint=False``: the historical copies) are left as they are."""
    model = queryset.model
    path = (*path, model)
    for relation in model._meta._get_fields(forward=False, reverse=True, include_hidden=True):
        field = relation.field
        if relation.many_to_many or not field.concrete or not getattr(field, "db_constraint", False):
            continue  # a many-to-many is removed through its own table, whose foreign keys come up here too
        related = relation.related_model
        if related._meta.proxy or not related._meta.managed:
            continue
        children = related._base_manager.filter(**{f"{field.name}__in": queryset.values(field.target_field.attname)})
        if not children.exists():  # most relations are empty: one cheap look instead of a tree of deletes
            continue
        if relation.on_delete is models.SET_NULL:
            children.update(**{field.name: None})
        elif related in path:  # a cycle (a model pointing to itself): its rows go with the others, no deeper
            children._raw_delete(connection.alias)
        else:
            _purge(children, path)
    queryset._raw_delete(connection.alias)


def _campaign_title(region) -> str:
    return f"Charge synthétique {region.code}"


def create_grants(region, count: int, year: int) -> list[dict]:
    """The structures, people, protocols, dossiers and grants; returns one dict of ids per grant."""
    domain = f"{region.code.lower()}.charge.invalid"
    now = timezone.now()
    author = User.objects.create(email=f"auteur@{domain}", password="!")
    campaign = Campaign.objects.create(
        region=region, title=_campaign_title(region), created_by=author, published_at=now
    )
    wave = Wave.objects.create(
        campaign=campaign,
        number=1,
        opens_at=now - datetime.timedelta(days=60),
        deadline=now - datetime.timedelta(days=30),
        projects_funded=count,
    )
    base = 9_800_000 + (region.pk % 100) * 1000
    structures = Structure.objects.bulk_create(
        Structure(
            kind="MSP",
            name=f"{STRUCTURE_NAME}{index:04d}",
            finess=f"{base + index:09d}"[-9:],
            siret="",
            commune="Marseille",
            departement="13",
            region=region,
        )
        for index in range(count)
    )
    users = User.objects.bulk_create(
        User(email=f"pro{index:05d}.{region.code.lower()}@{domain}", password="!", last_name=f"Charge {index}")
        for index in range(count * 4)
    )
    professionals = Professional.objects.bulk_create(
        Professional(
            user=user,
            profession="medecin" if index % 4 == 0 else "infirmier",
            rpps=f"9{region.pk % 100:02d}{index:08d}",  # 11 digits whatever the region id
        )
        for index, user in enumerate(users)
    )
    themes = ProtocolTheme.values
    protocols = Protocol.objects.bulk_create(
        Protocol(
            structure=structure,
            code=f"LOC-CHARGE-{index:04d}",
            title="Protocole local de charge",
            theme=themes[index % len(themes)],
            medical_minutes_saved=15,
            status="declared",
            declared_on=datetime.date(year, 1, 1),
            created_by=author,
        )
        for index, structure in enumerate(structures)
    )
    TeamMembership.objects.bulk_create(
        TeamMembership(
            protocol=protocol,
            professional=professionals[4 * index + member],
            role=TeamRole.DELEGANT if member == 0 else TeamRole.DELEGATE,
            status=MembershipStatus.ACCEPTED,
            invited_by=author,
            joined_on=datetime.date(year, 1, 1),
        )
        for index, protocol in enumerate(protocols)
        for member in range(4)
    )
    dossiers = Dossier.objects.bulk_create(
        Dossier(
            campaign=campaign,
            wave=wave,
            structure=structure,
            reference=f"{_prefix(region)}{index:04d}",
            state=DossierState.SELECTED,
            protocol=protocol,
            created_by=author,
            submitted_at=now - datetime.timedelta(days=45),
            snapshot={"charge": True},
            snapshot_sha256="0" * 64,
        )
        for index, (structure, protocol) in enumerate(zip(structures, protocols, strict=True))
    )
    grants = Grant.objects.bulk_create(
        Grant(
            dossier=dossier,
            structure=dossier.structure,
            protocol=dossier.protocol,
            reference=f"{_prefix(region)}{index:04d}",
            starts_on=datetime.date(year, 1, 1),
            ends_on=datetime.date(year + 2, 12, 31),
            rate=Decimal("25.00"),
            yearly_cap=Decimal("7000.00"),
        )
        for index, dossier in enumerate(dossiers)
    )
    return [
        {
            "index": index,
            "grant": grant.pk,
            "structure": grant.structure_id,
            "protocol": grant.protocol_id,
            "delegant": professionals[4 * index].pk,
            "delegates": [professionals[4 * index + k].pk for k in (1, 2, 3)],
            "user": users[4 * index + 1].pk,
        }
        for index, grant in enumerate(grants)
    ]


def create_interventions(region, grants: list[dict], count: int, year: int) -> None:
    """Interventions spread over the year and the grants, then their eligibility, in two INSERT … SELECT."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE load_grant (idx integer PRIMARY KEY, grant_id bigint, structure_id bigint, "
            "protocol_id bigint, delegant_id bigint, d1 bigint, d2 bigint, d3 bigint, user_id bigint) ON COMMIT DROP"
        )
        cursor.executemany(
            "INSERT INTO load_grant VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [
                [g["index"], g["grant"], g["structure"], g["protocol"], g["delegant"], *g["delegates"], g["user"]]
                for g in grants
            ],
        )
        days = (datetime.date(year, 12, 31) - datetime.date(year, 1, 1)).days + 1
        cursor.execute(
            f"""
            INSERT INTO {INTERVENTIONS}
                (structure_id, protocol_id, performed_on, delegate_id, delegant_id, episode_reference, source,
                 recorded_by_id, recorded_at)
            SELECT g.structure_id, g.protocol_id, %s::date + ((gs::bigint * 7919) %% %s)::integer,
                   CASE gs %% 3 WHEN 0 THEN g.d1 WHEN 1 THEN g.d2 ELSE g.d3 END, g.delegant_id,
                   %s || gs, 'import', g.user_id, now()
            FROM generate_series(1, %s) AS gs
            JOIN load_grant g ON g.idx = gs %% %s
            """,
            [datetime.date(year, 1, 1), days, f"{_prefix(region)}EP-", count, len(grants)],
        )
        buckets, cases, threshold = [], [], 0
        for reason, share in EXCLUSIONS:
            threshold += share
            cases.append(f"WHEN h < {threshold} THEN '{reason}'")
        buckets = " ".join(cases)
        cursor.execute(
            f"""
            INSERT INTO {ELIGIBILITY} (intervention_id, grant_id, performed_on, is_eligible, reason, computed_at)
            SELECT id, grant_id, performed_on, reason = '', reason, now()
            FROM (
                SELECT i.id, g.grant_id, i.performed_on,
                       CASE {buckets} ELSE '' END AS reason
                FROM (
                    SELECT id, structure_id, performed_on, ((id * 2654435761) %% 1000) AS h
                    FROM {INTERVENTIONS} WHERE episode_reference LIKE %s
                ) AS i
                JOIN load_grant g ON g.structure_id = i.structure_id
            ) AS rows
            """,
            [f"{_prefix(region)}EP-%"],
        )
        # Dropped now, not only at commit: inside a caller's transaction the next region creates it again.
        cursor.execute("DROP TABLE load_grant")


def add_late_changes(region, *, period_start: datetime.date, late: int, suspended: int, grants: int) -> None:
    """After an issue: ``late`` new interventions dated before ``period_start`` (a late import) and ``suspended``
    paid ones made ineligible (a retroactive suspension), in the first ``grants`` grants of the load (as in real
    life, a few structures import late or see a protocol suspended), so the next statements have régularisations.
    """
    prefix = _prefix(region)
    structures = list(
        Grant.objects.filter(reference__startswith=prefix).order_by("reference").values_list("structure_id", flat=True)
    )[:grants]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH source AS (
                SELECT i.* FROM {INTERVENTIONS} i
                WHERE i.episode_reference LIKE %s AND i.performed_on < %s AND i.structure_id = ANY(%s)
                ORDER BY i.id LIMIT %s
            ), inserted AS (
                INSERT INTO {INTERVENTIONS}
                    (structure_id, protocol_id, performed_on, delegate_id, delegant_id, episode_reference, source,
                     recorded_by_id, recorded_at)
                SELECT structure_id, protocol_id, performed_on, delegate_id, delegant_id,
                       episode_reference || '-TARDIVE', 'import', recorded_by_id, now()
                FROM source
                RETURNING id, structure_id, performed_on
            )
            INSERT INTO {ELIGIBILITY} (intervention_id, grant_id, performed_on, is_eligible, reason, computed_at)
            SELECT inserted.id, g.id, inserted.performed_on, TRUE, '', now()
            FROM inserted JOIN {Grant._meta.db_table} g ON g.structure_id = inserted.structure_id
            WHERE g.reference LIKE %s
            """,
            [f"{prefix}EP-%", period_start, structures, late, f"{prefix}%"],
        )
        cursor.execute(
            f"""
            UPDATE {ELIGIBILITY} SET is_eligible = FALSE, reason = 'protocole_suspendu', computed_at = now()
            WHERE intervention_id IN (
                SELECT e.intervention_id FROM {ELIGIBILITY} e
                JOIN {Grant._meta.db_table} g ON g.id = e.grant_id
                WHERE g.reference LIKE %s AND e.is_eligible AND e.performed_on < %s AND g.structure_id = ANY(%s)
                ORDER BY e.intervention_id DESC LIMIT %s
            )
            """,
            [f"{prefix}%", period_start, structures, suspended],
        )
