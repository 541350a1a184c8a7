"""Guards the database keeps by itself, whatever writes to it (shell, import, a bug in a service).

- Waves of one campaign never overlap (so "the open wave" at a given moment is unique).
- Once a dossier is submitted, what was deposited is frozen: its snapshot and hash, who submitted it and when, its
  number, and its receipt once issued; it can never go back to draft, and it is never deleted (nor its
  attachments).
"""

from django.db import migrations

WAVES_DO_NOT_OVERLAP = """
ALTER TABLE funding_wave ADD CONSTRAINT wave_periods_do_not_overlap
    EXCLUDE USING gist (campaign_id WITH =, tstzrange(opens_at, deadline, '[)') WITH &&);
"""

DOSSIER_GUARD = """
CREATE OR REPLACE FUNCTION funding_dossier_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.state <> 'draft' THEN
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
CREATE TRIGGER funding_dossier_guard BEFORE UPDATE OR DELETE ON funding_dossier
    FOR EACH ROW EXECUTE FUNCTION funding_dossier_guard();

CREATE OR REPLACE FUNCTION funding_dossier_attachment_guard() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM funding_dossier WHERE id = OLD.dossier_id AND state <> 'draft') THEN
        RAISE EXCEPTION 'Une pièce d''un dossier déposé ne peut pas être supprimée.'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN OLD;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER funding_dossier_attachment_guard BEFORE DELETE ON funding_dossierattachment
    FOR EACH ROW EXECUTE FUNCTION funding_dossier_attachment_guard();
"""

DROP_DOSSIER_GUARD = """
DROP TRIGGER IF EXISTS funding_dossier_attachment_guard ON funding_dossierattachment;
DROP FUNCTION IF EXISTS funding_dossier_attachment_guard();
DROP TRIGGER IF EXISTS funding_dossier_guard ON funding_dossier;
DROP FUNCTION IF EXISTS funding_dossier_guard();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("funding", "0003_dossiers_sections_receipts_waves"),
    ]

    operations = [
        migrations.RunSQL("CREATE EXTENSION IF NOT EXISTS btree_gist", migrations.RunSQL.noop),
        migrations.RunSQL(WAVES_DO_NOT_OVERLAP, "ALTER TABLE funding_wave DROP CONSTRAINT wave_periods_do_not_overlap"),
        migrations.RunSQL(DOSSIER_GUARD, DROP_DOSSIER_GUARD),
    ]
