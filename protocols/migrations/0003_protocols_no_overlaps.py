"""Periods that must not overlap, enforced by PostgreSQL (exclusion constraints).

- One professional's accepted memberships of one protocol: [joined_on, left_on) never overlap, so "was X in the
  team on d" has one answer and a comeback is a new membership after the departure.
- The suspensions of one protocol: [starts_on, lifted_on) never overlap, so at most one suspension covers a day.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("protocols", "0002_protocols_events_snapshots"),
    ]

    operations = [
        # btree_gist lets an exclusion constraint mix equality (same protocol) and range overlap.
        migrations.RunSQL("CREATE EXTENSION IF NOT EXISTS btree_gist", migrations.RunSQL.noop),
        migrations.RunSQL(
            """
            ALTER TABLE protocols_teammembership ADD CONSTRAINT team_membership_no_overlap
            EXCLUDE USING gist (
                protocol_id WITH =,
                professional_id WITH =,
                daterange(joined_on, left_on, '[)') WITH &&
            ) WHERE (status = 'accepted')
            """,
            "ALTER TABLE protocols_teammembership DROP CONSTRAINT team_membership_no_overlap",
        ),
        migrations.RunSQL(
            """
            ALTER TABLE protocols_suspension ADD CONSTRAINT suspension_no_overlap
            EXCLUDE USING gist (
                protocol_id WITH =,
                daterange(starts_on, lifted_on, '[)') WITH &&
            )
            """,
            "ALTER TABLE protocols_suspension DROP CONSTRAINT suspension_no_overlap",
        ),
    ]
