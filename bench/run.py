"""`make bench`: server time and query count of the plan, diagnostic and budget pages, for a plan of
60 fiches actions and one of 600, and the signed convention PDF of Grand Cahors with 60 fiches
(render time, pages, bare WeasyPrint floor, Celery round trip), on a throwaway database.

    make bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ctg_bench make bench
    .venv/bin/python bench/run.py --repeat 30

Prints a table (page, actions, median and p95 server time, queries) and the plan page's 600/60 ratio
against the 3× target, then the convention PDF's figures against their targets (render ≤ 1.2× the bare
WeasyPrint render, round trip ≤ render + 0.5 s; see bench/documents.py), the copil report's (≤ 1.25×),
the timestamp round trip apart, and with REDIS_URL a batch of copil reports one by one against a real
prefork worker with two processes (≥ ×1.9 documents per minute), and writes the same rows as a
JSON list to $BENCH_JSON (default bench/latest.json): one object per page and size, then one object
with the keys document, pages, render_s, floor_s, ratio, round_trip_s. The database is Django's test
database for DATABASE_URL (``test_<name>`` on PostgreSQL, a temporary file for SQLite), created and
dropped here: the development database is never touched. Exits non-zero when a page fails, never
because a target is missed: this is a measurement, not a test.
See bench/README.md.
"""

import argparse
import json
import os
import sys
import tempfile
import time
import traceback
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ctg_portal.settings")
# Production conditions: DEBUG off (it records every query and changes error handling). The key only
# signs this run's session cookies, in a database dropped at the end.
os.environ["DEBUG"] = "false"
os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs=2, default=(60, 600), metavar=("SMALL", "LARGE"))
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per page and size (default 20)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed requests first (default 2)")
    parser.add_argument(
        "--status", default="draft", help="status of the conventions (default draft: every edit button shows)"
    )
    parser.add_argument(
        "--pages",
        nargs="+",
        metavar="PAGE",
        help="measure only these pages: plan, diagnostic, budget, convention, xlsx",
    )
    parser.add_argument(
        "--documents",
        choices=("yes", "no", "only"),
        default="yes",
        help="also measure the convention PDF (default yes); only: the PDF alone, merged into $BENCH_JSON",
    )
    parser.add_argument(
        "--document-actions", type=int, default=60, help="fiches actions of the PDF's convention (default 60)"
    )
    parser.add_argument(
        "--document-repeat", type=int, default=3, help="timed renders and round trips of the PDF (default 3)"
    )
    parser.add_argument(
        "--batch-conventions",
        type=int,
        default=50,
        help="conventions whose copil reports the batch renders, one by one then through a prefork worker "
        "with two processes (default 50; 0: no batch; needs REDIS_URL)",
    )
    parser.add_argument(
        "--batch-actions", type=int, default=30, help="fiches actions of each batch convention (default 30)"
    )
    arguments = parser.parse_args()
    if not 0 < arguments.sizes[0] < arguments.sizes[1]:
        parser.error("--sizes takes two sizes, the smaller first")
    output = Path(os.environ.get("BENCH_JSON") or ROOT / "bench" / "latest.json")

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection, transaction

    from bench import plan_data, plan_pages
    from conventions.choices import ConventionStatus

    if arguments.status not in ConventionStatus.values:
        parser.error(f"--status must be one of {', '.join(ConventionStatus.values)}")
    pages = plan_pages.PAGES
    if arguments.pages:
        pages = [page for page in plan_pages.PAGES if page.label in arguments.pages]
        if unknown := set(arguments.pages) - {page.label for page in pages}:
            parser.error(f"unknown page(s): {', '.join(sorted(unknown))}")

    if arguments.documents == "only":
        pages = []
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    # No collectstatic here: the manifest storage would fail on a missing manifest. Resolving a static
    # URL costs the same with either storage (a dictionary lookup more for the manifest).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    warnings.filterwarnings("ignore", message="No directory at")

    document_row = None
    with tempfile.TemporaryDirectory() as scratch:
        if arguments.documents != "no":
            _documents_settings(settings, Path(scratch))
        if connection.vendor == "sqlite":
            # A file, as in production, rather than the in-memory database tests use.
            connection.settings_dict["TEST"]["NAME"] = str(Path(scratch) / "bench.sqlite3")
        started = time.perf_counter()
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        try:
            print(
                f"Throwaway {connection.vendor} database {connection.settings_dict['NAME']} ready in "
                f"{time.perf_counter() - started:.1f} s.",
                file=sys.stderr,
            )
            started = time.perf_counter()
            with transaction.atomic():
                conventions = [
                    plan_data.build_convention(index=index, actions=size, status=arguments.status)
                    for index, size in enumerate(arguments.sizes)
                    if pages
                ]
            if pages:
                print(
                    f"Built conventions of {' and '.join(map(str, arguments.sizes))} actions in "
                    f"{time.perf_counter() - started:.1f} s.",
                    file=sys.stderr,
                )
            if connection.vendor == "postgresql":
                # Fresh tables have no statistics yet; a production database has them.
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
            rows = (
                plan_pages.measure(conventions, pages=pages, repeat=arguments.repeat, warmup=arguments.warmup)
                if pages
                else []
            )
            if arguments.documents != "no":
                document_row, more_rows, more_lines = _measure_documents(arguments, Path(scratch))
        except plan_pages.PageFailed as error:
            if error.__cause__ is not None:
                traceback.print_exception(error.__cause__, file=sys.stderr)
            print(f"\nFAILED: {error}", file=sys.stderr)
            return 2
        finally:
            connection.close()
            connection.creation.destroy_test_db(old_name, verbosity=0)

    small, large = arguments.sizes
    if pages:
        print()
        print(
            f"Server time on {connection.vendor}, {arguments.repeat} requests per line "
            f"after {arguments.warmup} warm-ups"
        )
        print(plan_pages.table(rows) if rows else "(no page measured)")
        print()
        for line in plan_pages.verdicts(rows, small=small, large=large):
            print(line)
    if document_row is not None:
        from bench import documents

        print()
        print(f"Convention PDF on {connection.vendor}, median of {arguments.document_repeat} runs")
        print(documents.table(document_row))
        print()
        for line in [*documents.verdicts(document_row), *more_lines]:
            print(line)
        if arguments.documents == "only":
            # Keep the page rows of an earlier run: replace only the documents' figures.
            rows = [row for row in _earlier_rows(output) if "document" not in row and "batch" not in row]
        rows = [*rows, document_row, *more_rows]
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(rows, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nRows written to {output}.")

    return 0


def _documents_settings(settings, scratch: Path) -> None:
    """Issued files and the signing certificate in the scratch folder, never in var/."""
    from documents.pdf_signature import create_self_signed_pkcs12

    settings.MEDIA_ROOT = scratch / "media"
    settings.PDF_SIGNING_PKCS12 = scratch / "bench-signing.p12"
    settings.PDF_SIGNING_PASSPHRASE = "bench-only"
    create_self_signed_pkcs12(settings.PDF_SIGNING_PKCS12, passphrase="bench-only", common_name="Portail CTG (bench)")


def _measure_documents(arguments, scratch: Path) -> tuple[dict, list[dict], list[str]]:
    """The convention PDF's row, then the copil report's and the batch's rows, and their verdict lines."""
    import logging

    from bench import documents
    from conventions.models import Meeting

    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)  # one line per page otherwise
    started = time.perf_counter()
    with documents.CeleryWorker(os.environ.get("REDIS_URL", "")) as worker:
        convention, version, had = documents.build_grand_cahors(actions=arguments.document_actions)
        print(
            f"Loaded the demo and brought {convention.reference} from {had} to {arguments.document_actions} "
            f"fiches (version {version.number}, signed) in {time.perf_counter() - started:.1f} s.",
            file=sys.stderr,
        )
        log = lambda line: print(line, file=sys.stderr)  # noqa: E731
        row = documents.measure(
            convention=convention,
            version=version,
            actions=arguments.document_actions,
            repeat=arguments.document_repeat,
            worker=worker,
            log=log,
        )
        tsa_round_trip = documents.timestamp_round_trip()
        row["tsa_round_trip_s"] = round(tsa_round_trip, 3) if tsa_round_trip is not None else None
        # The demo's copil of 28 November 2023 on Grand Cahors' plan, as the issue measured it.
        meeting = Meeting.objects.filter(body__convention=convention).order_by("-held_on", "-pk").first()
        copil = documents.measure_copil_report(meeting=meeting, repeat=arguments.document_repeat, log=log)
        copil["tsa_round_trip_s"] = row["tsa_round_trip_s"]
        rows, lines = [copil], documents.copil_verdicts(copil, tsa_round_trip)
        redis_url = os.environ.get("REDIS_URL", "")
        if arguments.batch_conventions and redis_url:
            started = time.perf_counter()
            meetings = documents.build_copil_batch(
                conventions=arguments.batch_conventions, actions=arguments.batch_actions
            )
            log(f"Built {len(meetings)} conventions, a copil each, in {time.perf_counter() - started:.1f} s.")
            batch = documents.measure_batch(meetings=meetings, redis_url=redis_url, scratch=scratch, log=log)
            rows.append(batch)
            lines += documents.batch_verdicts(batch)
        elif arguments.batch_conventions:
            lines.append("Batch: not measured (REDIS_URL is not set: the batch needs a real worker on Redis).")
        return row, rows, lines


def _earlier_rows(output: Path) -> list[dict]:
    try:
        earlier = json.loads(output.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [row for row in earlier if isinstance(row, dict)] if isinstance(earlier, list) else []


if __name__ == "__main__":
    sys.exit(main())
