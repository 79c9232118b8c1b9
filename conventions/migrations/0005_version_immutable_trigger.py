"""A database trigger refuses any UPDATE of a convention version, whatever code tries it.

``ConventionVersion.save`` and ``delete`` already refuse in Python; the trigger also covers
``QuerySet.update`` and raw SQL. Deletion is left to ``on_delete=PROTECT`` and the model's ``delete``:
a row trigger on DELETE would break the test runner's table flush on SQLite.
"""

from django.db import migrations

TABLE = "conventions_conventionversion"

POSTGRESQL_UP = f"""
CREATE OR REPLACE FUNCTION conventions_version_is_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'A convention version never changes once taken'
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER conventions_version_no_update BEFORE UPDATE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION conventions_version_is_immutable();
"""
POSTGRESQL_DOWN = f"""
DROP TRIGGER IF EXISTS conventions_version_no_update ON {TABLE};
DROP FUNCTION IF EXISTS conventions_version_is_immutable();
"""
SQLITE_UP = f"""
CREATE TRIGGER conventions_version_no_update BEFORE UPDATE ON {TABLE}
BEGIN
    SELECT RAISE(ABORT, 'A convention version never changes once taken');
END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS conventions_version_no_update;"


def _run(schema_editor, postgresql: str, sqlite: str) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(postgresql)
    elif vendor == "sqlite":
        schema_editor.execute(sqlite)
    else:  # pragma: no cover - the portal runs on these two only
        raise NotImplementedError(f"No immutability trigger written for {vendor}.")


def forwards(apps, schema_editor):
    _run(schema_editor, POSTGRESQL_UP, SQLITE_UP)


def backwards(apps, schema_editor):
    _run(schema_editor, POSTGRESQL_DOWN, SQLITE_DOWN)


class Migration(migrations.Migration):
    dependencies = [("conventions", "0004_review_versions_signatures")]

    operations = [migrations.RunPython(forwards, backwards)]
