"""Times the territory import on a throwaway database: a first run (everything created), then a second
one (nothing to change, which is what a nightly re-import mostly does).

    .venv/bin/python bench/import_territories.py --data-dir data/full
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ctg bench/import_territories.py --data-dir data/full

The database is Django's test database for DATABASE_URL (``test_<name>``, a temporary file for SQLite),
created and dropped here: the development database is never touched.
"""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ctg_portal.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data-dir", type=Path, default=Path("data/full"), help="folder of epci.json and communes.json"
    )
    parser.add_argument("--runs", type=int, default=2, help="number of successive imports (default 2)")
    parser.add_argument(
        "--then-update-all",
        action="store_true",
        help="then change every population in the database and import again (every row updated)",
    )
    arguments = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.db.models import F

    from partners.models import Organisation
    from partners.services import territories_import_from_directory

    with tempfile.TemporaryDirectory() as scratch:
        if connection.vendor == "sqlite":
            # A file, as in production, rather than the in-memory database tests use.
            connection.settings_dict["TEST"]["NAME"] = str(Path(scratch) / "bench.sqlite3")
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        try:
            results = []
            for run in range(1, arguments.runs + arguments.then_update_all + 1):
                if run > arguments.runs:
                    Organisation.objects.update(population=F("population") + 1)
                started = time.perf_counter()
                report = territories_import_from_directory(data_dir=arguments.data_dir)
                seconds = time.perf_counter() - started
                results.append({"run": run, "seconds": round(seconds, 2), **report.as_dict()})
                print(
                    f"{connection.vendor} run {run}: {seconds:.2f} s — "
                    f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged",
                    file=sys.stderr,
                )
            print(json.dumps({"database": connection.vendor, "rows": Organisation.objects.count(), "runs": results}))
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
