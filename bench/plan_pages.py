"""Server time and query count of the plan, diagnostic and budget pages, for a small and a large plan.

Each page is requested in-process through Django's test ``Client`` as the EPCI's staff user; the time
of a request is the wall time of ``client.get()``, which covers URL resolution, every middleware, the
view, its queries and the template rendering (the whole server side, without a network or a WSGI
server). Sizes are interleaved request by request (60, 600, 60, 600…) so that a change in the
machine's load during the run weighs on both sizes alike and does not bias their ratio.
"""

import statistics
import sys
import time
from dataclasses import dataclass

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bench.plan_data import BenchConvention

# The 600-action plan page should cost at most this many times the 60-action one (the target).
PLAN_RATIO_TARGET = 3.0


@dataclass(frozen=True)
class Page:
    label: str
    url_name: str  # every page takes the convention as ``convention_pk``


PAGES = (
    Page("plan", "action_plans:plan"),
    Page("diagnostic", "diagnostics:detail"),
    Page("budget", "action_plans:budget"),
    # Not asked for by the issue, but it lists every fiche action too: worth watching.
    Page("convention", "workflow:detail"),
    # The whole plan as a workbook: three sheets, one row per fiche, funding line and indicator.
    Page("xlsx", "action_plans:export_xlsx"),
)


class PageFailed(Exception):
    """A page answered something other than 200: the measurement would mean nothing."""


class _DatabaseTimer:
    """Adds up the time spent in the database driver, at the cost of one function call per query."""

    def __init__(self):
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started


def _percentile(samples: list[float], percent: int) -> float:
    if len(samples) == 1:
        return samples[0]
    return statistics.quantiles(samples, n=100, method="inclusive")[percent - 1]


def _get(client: Client, url: str, page: Page, size: int):
    try:
        response = client.get(url)
    except Exception as error:  # the test client re-raises what the view raised
        raise PageFailed(f"{page.label} ({page.url_name}) for {size} actions raised {error!r} at {url}.") from error
    if response.status_code != 200:
        raise PageFailed(
            f"{page.label} ({page.url_name}) for {size} actions answered {response.status_code} at {url}, not 200."
        )
    return response


def measure(
    conventions: list[BenchConvention], *, pages=PAGES, repeat: int = 20, warmup: int = 2, log=sys.stderr
) -> list[dict]:
    """Measures every page for every convention; returns the rows."""
    rows = []
    clients = {}
    for bench in conventions:
        client = Client()
        client.force_login(bench.staff_user)
        clients[bench.actions] = client

    for page in pages:
        urls = {
            bench.actions: reverse(page.url_name, kwargs={"convention_pk": bench.convention.pk})
            for bench in conventions
        }

        queries, sizes_in_bytes = {}, {}
        for size, url in urls.items():
            for _ in range(warmup):
                _get(clients[size], url, page, size)
            # Counted on a request of its own: recording every query would slow the timed ones down.
            with CaptureQueriesContext(connection) as captured:
                response = _get(clients[size], url, page, size)
            queries[size] = len(captured.captured_queries)
            sizes_in_bytes[size] = len(response.content)

        timings = {size: [] for size in urls}
        processor = {size: [] for size in urls}
        database = {size: [] for size in urls}
        for _ in range(repeat):
            for size, url in urls.items():
                timer = _DatabaseTimer()
                with connection.execute_wrapper(timer):
                    started, cpu_started = time.perf_counter(), time.process_time()
                    _get(clients[size], url, page, size)
                    timings[size].append((time.perf_counter() - started) * 1000)
                    processor[size].append((time.process_time() - cpu_started) * 1000)
                database[size].append(timer.seconds * 1000)

        for size in urls:
            row = {
                "page": page.label,
                "url_name": page.url_name,
                "actions": size,
                "median_ms": round(statistics.median(timings[size]), 1),
                "p95_ms": round(_percentile(timings[size], 95), 1),
                "min_ms": round(min(timings[size]), 1),
                "cpu_median_ms": round(statistics.median(processor[size]), 1),
                "db_median_ms": round(statistics.median(database[size]), 1),
                "queries": queries[size],
                "html_kb": round(sizes_in_bytes[size] / 1024, 1),
                "runs": repeat,
                "database": connection.vendor,
            }
            rows.append(row)
            print(
                f"  measured {page.label:<10} {size:>4} actions: median {row['median_ms']} ms, "
                f"{row['queries']} queries",
                file=log,
            )
    return rows


def table(rows: list[dict]) -> str:
    columns = (
        ("page", "page", "<"),
        ("actions", "actions", ">"),
        ("median_ms", "median ms", ">"),
        ("p95_ms", "p95 ms", ">"),
        ("min_ms", "min ms", ">"),
        ("cpu_median_ms", "cpu ms", ">"),
        ("db_median_ms", "db ms", ">"),
        ("queries", "queries", ">"),
        ("html_kb", "HTML kB", ">"),
    )
    widths = [max(len(title), *(len(str(row[key])) for row in rows)) for key, title, _align in columns]
    lines = ["  ".join(f"{title:{align}{width}}" for (_k, title, align), width in zip(columns, widths, strict=True))]
    lines.append("  ".join("-" * width for width in widths))
    for row in rows:
        lines.append(
            "  ".join(f"{row[key]!s:{align}{width}}" for (key, _t, align), width in zip(columns, widths, strict=True))
        )
    return "\n".join(lines)


def verdicts(rows: list[dict], *, small: int, large: int) -> list[str]:
    """The plan page's ratio against the target, and what else a reader should notice."""
    by_key = {(row["page"], row["actions"]): row for row in rows}
    lines = []
    for page in dict.fromkeys(row["page"] for row in rows):
        low, high = by_key.get((page, small)), by_key.get((page, large))
        if not low or not high:
            continue
        ratio = high["median_ms"] / low["median_ms"]
        cpu_ratio = high["cpu_median_ms"] / low["cpu_median_ms"]
        line = f"{page} page {large}/{small} actions: {ratio:.2f}× the median time ({cpu_ratio:.2f}× in CPU time)"
        if page == "plan":
            verdict = "PASS" if ratio <= PLAN_RATIO_TARGET else "FAIL"
            line += f"; target ≤ {PLAN_RATIO_TARGET:g}×: {verdict}"
        lines.append(line)
        if high["queries"] > low["queries"]:
            lines.append(
                f"  warning: {page} runs {high['queries']} queries for {large} actions against "
                f"{low['queries']} for {small}: the count grows with the data"
            )
    return lines
