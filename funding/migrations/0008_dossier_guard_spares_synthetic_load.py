"""The deletion guard of submitted dossiers lets one thing through: the removal of the synthetic load of the
benchmarks (``manage.py generate_load``), which says so in its own transaction with
``SET LOCAL portal.removing_synthetic_load = 'on'``. Real dossiers are never deleted.
"""

from django.db import migrations

GUARD = """
CREATE OR REPLACE FUNCTION funding_dossier_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.state <> 'draft'
           AND coalesce(current_setting('portal.removing_synthetic_load', true), '') <> 'on' THEN
            RAISE EXCEPTION 'Le dossier % a été déposé : il ne peut pas être supprimé.', OLD.reference
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.snapshot_sha256 <> '' AND (
           NEW.snapshot IS DISTINCT FROM OLD.snapshot
        OR NEW.snapshot_sha256 IS DISTINCT FROM OLD.snapshot_sha256
        OR NEW.submitted_at IS DISTINCT FROM OLD.submitted_at
        OR NEW.submitted_by_id IS DISTINCT FROM OLD.submitted_by_id
        OR NEW.reference IS DISTINCT FROM OLD.reference
        OR NEW.state = 'draft'
        OR (OLD.receipt_sha256 <> '' AND NEW.receipt_sha256 IS DISTINCT FROM OLD.receipt_sha256)
    ) THEN
        RAISE EXCEPTION 'Le contenu déposé du dossier % est figé.', OLD.reference
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
"""


class Migration(migrations.Migration):
    dependencies = [("funding", "0007_merge_statements")]

    operations = [migrations.RunSQL(GUARD, migrations.RunSQL.noop)]
