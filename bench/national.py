"""``make bench-national``: the portal's pages served by gunicorn and loaded by wrk, national vs small data.

Two databases built by ``manage.py build_national_dataset`` (``bench/national_data.py``): the national
one (every EPCI of ``data/``, one convention each) and a small one (the first 5 EPCIs: the same first
five conventions). Each is served by its own gunicorn (``--workers`` sync workers, production settings:
``DEBUG`` off, static files collected once into a temporary ``STATIC_ROOT``) through
``bench.national_floor:application``, which also answers the bare-response floor. wrk loads each page
with a session cookie (a session created in the dataset's database for the user of the page) at each
number of clients, for ``--duration`` seconds, ``--repeat`` times; repetitions, pages, client counts
and datasets are interleaved so that a change in the machine's load weighs on all alike. Each row
holds the median over the repetitions of p50, p95 and requests/s. ``queries`` and ``html_kb`` come
from one request of the same page by the same user through Django's test client
(``CaptureQueriesContext``), in a separate process on the same database.

    .venv/bin/python bench/national.py                      # everything (about 15 minutes)
    .venv/bin/python bench/national.py --pages home_admin,plan --clients 16 --repeat 1 --duration 5
    .venv/bin/python bench/national.py --build              # build the missing databases first

Exit code: 2 when a page answers anything but 200 (or wrk reports errors); a missed goal is printed,
not an exit code: this is a measurement, not a test.
"""

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
DEFAULT_NATIONAL = "postgres://postgres@127.0.0.1:5432/ctg_national"
DEFAULT_SMALL = "postgres://postgres@127.0.0.1:5432/ctg_small"
SMALL_EPCIS = 5
FLOOR = "floor"
MIN_REQUESTS = 10  # per run, else the run is done again three times longer, up to MAX_RUN_SECONDS
MAX_RUN_SECONDS = 60


@dataclass(frozen=True)
class Page:
    label: str
    role: str  # admin, caf_officer, epci_agent
    url_name: str
    kind: str = "convention"  # convention: takes convention_pk; action: also the fiche's pk; none: no argument
    rich: bool = False  # a page of the « ≤ 25 ms p50 at one client » goal


PAGES = (
    Page("home_admin", "admin", "workflow:home", kind="none"),
    Page("home_caf", "caf_officer", "workflow:home", kind="none"),
    Page("home_epci", "epci_agent", "workflow:home", kind="none"),
    Page("convention", "epci_agent", "workflow:detail", rich=True),
    Page("diagnostic", "epci_agent", "diagnostics:detail", rich=True),
    Page("plan", "epci_agent", "action_plans:plan", rich=True),
    Page("fiche", "epci_agent", "action_plans:action_detail", kind="action"),
    Page("budget", "epci_agent", "action_plans:budget"),
    Page("review", "epci_agent", "workflow:review"),
    Page("documents", "epci_agent", "documents:documents"),
    Page("xlsx", "epci_agent", "action_plans:export_xlsx", rich=True),
    Page("admin_fiches", "admin", "admin:action_plans_action_changelist", kind="none"),
)
PAGE_BY_LABEL = {page.label: page for page in PAGES}

# The goals, checked on the national database.
P95_RATIO_GOAL = 1.5
P95_MS_GOAL = 300.0
ADMIN_HOME_RPS_GOAL = 50.0
RICH_P50_MS_GOAL = 25.0

WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %d %d %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), e.status, e.connect + e.read + e.write, e.timeout))
end
"""


class BenchFailed(Exception):
    pass


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- The part that runs inside Django (a subprocess per dataset) ----------------------------------


def prepare(page_labels: list[str]) -> dict:
    """Resolves each page's URL on the measured convention, counts its queries and bytes with the
    test client, and opens a session per role for wrk. Runs with the dataset's DATABASE_URL."""
    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.national_settings")
    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from action_plans.models import Action
    from bench.national_data import admin_username, caf_username, epci_username
    from conventions.models import Convention

    convention = (
        Convention.objects.filter(reference__startswith="CTG-NAT-").select_related("epci").order_by("pk").first()
    )
    if convention is None:
        raise BenchFailed(f"Aucune convention du banc dans {settings.DATABASES['default']['NAME']} : lancer --build.")
    action = (
        Action.objects.filter(orientation__plan__convention=convention)
        .order_by("orientation__position", "position", "pk")
        .first()
    )
    usernames = {
        "admin": admin_username(1),
        "caf_officer": caf_username(convention.epci.department_code or "00"),
        "epci_agent": epci_username(convention.epci.siren),
    }
    users = {role: get_user_model().objects.get(username=name) for role, name in usernames.items()}
    clients, cookies = {}, {}
    for role, user in users.items():
        client = Client()
        client.force_login(user)
        clients[role] = client
        cookies[role] = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    pages = {}
    for label in page_labels:
        page = PAGE_BY_LABEL[label]
        if page.kind == "none":
            url = reverse(page.url_name)
        elif page.kind == "action":
            url = reverse(page.url_name, kwargs={"convention_pk": convention.pk, "pk": action.pk})
        else:
            url = reverse(page.url_name, kwargs={"convention_pk": convention.pk})
        client = clients[page.role]
        client.get(url)  # warm the caches, like the measured server's workers
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        if response.status_code != 200:
            raise BenchFailed(f"{label} ({url}) a répondu {response.status_code} au client de test, pas 200.")
        body = b"".join(response.streaming_content) if response.streaming else response.content
        pages[label] = {"url": url, "role": page.role, "queries": len(queries), "html_kb": round(len(body) / 1024, 1)}
    return {
        "convention": convention.reference,
        "conventions": Convention.objects.count(),
        "users": usernames,
        "cookies": cookies,
        "pages": pages,
    }


# --- The driver ------------------------------------------------------------------------------------


@dataclass
class Dataset:
    name: str
    url: str
    epcis: int | None
    port: int
    env: dict | None = None
    server: subprocess.Popen | None = None
    info: dict | None = None


def _database_env(dataset: Dataset, static_root: Path, render_cache: str) -> dict:
    env = dict(os.environ)
    # The render cache (conventions/render_cache.py): in each worker's memory, in Redis, or off (every
    # response then costs what the first view after a change costs).
    env.update(
        RENDER_CACHE_ENABLED="false" if render_cache == "off" else "true",
        RENDER_CACHE_URL=env.get("REDIS_URL", "") if render_cache == "redis" else "",
    )
    env.update(
        DATABASE_URL=dataset.url,
        DEBUG="false",
        SECRET_KEY=env.get("SECRET_KEY") or "bench-national-not-a-secret",
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        STATIC_ROOT=str(static_root),
        DJANGO_SETTINGS_MODULE="bench.national_settings",
        PYTHONPATH=str(ROOT),
    )
    return env


def _manage(env: dict, *arguments: str) -> None:
    subprocess.run([str(PYTHON), "manage.py", *arguments], cwd=ROOT, env=env, check=True)


def _database_exists(env: dict) -> bool:
    code = (
        "import django; django.setup()\n"
        "from django.db import connection\n"
        "from django.db.utils import OperationalError, ProgrammingError\n"
        "try:\n"
        "    from conventions.models import Convention\n"
        "    print(Convention.objects.filter(reference__startswith='CTG-NAT-').count())\n"
        "except (OperationalError, ProgrammingError):\n"
        "    print(-1)\n"
    )
    out = subprocess.run([str(PYTHON), "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    return out.stdout.strip() not in ("", "-1", "0")


def _create_database(url: str) -> None:
    from urllib.parse import urlparse

    import psycopg2
    from psycopg2 import sql

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    connection = psycopg2.connect(
        host=parsed.hostname,
        port=parsed.port or 5432,
        user=parsed.username,
        password=parsed.password,
        dbname="postgres",
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    connection.close()


def build(dataset: Dataset) -> None:
    if _database_exists(dataset.env):
        return
    log(f"[{dataset.name}] construction du jeu de données ({dataset.url})…")
    _create_database(dataset.url)
    _manage(dataset.env, "migrate", "--noinput", "-v0")
    started = time.perf_counter()
    _manage(dataset.env, "build_national_dataset", *(["--epcis", str(dataset.epcis)] if dataset.epcis else []))
    log(f"[{dataset.name}] construit en {time.perf_counter() - started:.0f} s")


def _collect_static(static_root: Path, env: dict) -> None:
    _manage(env, "collectstatic", "--noinput", "-v0")
    log(f"fichiers statiques collectés dans {static_root}")


def _start_server(dataset: Dataset, workers: int, log_dir: Path) -> None:
    dataset.server = subprocess.Popen(
        [
            str(GUNICORN),
            "bench.national_floor:application",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{dataset.port}",
            "--timeout",
            "120",
            "--error-logfile",
            str(log_dir / f"gunicorn-{dataset.name}.log"),
            # Its own control socket: the default one (~/.gunicorn/gunicorn.ctl) is shared by every server.
            "--control-socket",
            str(log_dir / f"gunicorn-{dataset.name}-{dataset.port}.ctl"),
        ],
        cwd=ROOT,
        env=dataset.env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{dataset.port}/bench-floor/", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
        if dataset.server.poll() is not None:
            break
    raise BenchFailed(f"gunicorn ({dataset.name}, port {dataset.port}) ne répond pas : voir {log_dir}.")


def _stop_server(dataset: Dataset) -> None:
    if dataset.server and dataset.server.poll() is None:
        os.killpg(dataset.server.pid, signal.SIGTERM)
        try:
            dataset.server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(dataset.server.pid, signal.SIGKILL)


def wrk(url: str, *, clients: int, duration: float, cookie: str | None, script: Path, warmup: bool = False) -> dict:
    command = [
        "wrk",
        f"-t{min(clients, 2)}",
        f"-c{clients}",
        f"-d{max(1, round(duration))}s",
        "--timeout",
        "60s",
        "-s",
        str(script),
    ]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=False)
    line = next((line for line in output.stdout.splitlines() if line.startswith("BENCH ")), None)
    if line is None:
        raise BenchFailed(f"wrk n'a rien mesuré pour {url} : {output.stdout}{output.stderr}")
    requests, duration_us, p50_us, p95_us, bad_status, socket_errors, timeouts = (
        int(value) for value in line.split()[1:]
    )
    if requests == 0 and not warmup:
        raise BenchFailed(f"wrk n'a reçu aucune réponse de {url} : {output.stdout}{output.stderr}")
    return {
        "requests": requests,
        "rps": requests / (duration_us / 1e6) if duration_us else 0.0,
        "p50_ms": p50_us / 1000,
        "p95_ms": p95_us / 1000,
        "non_2xx": bad_status,
        "socket_errors": socket_errors,
        "timeouts": timeouts,  # requests not answered within wrk's --timeout (not in the percentiles)
    }


def _url(dataset: Dataset, label: str) -> tuple[str, str | None]:
    if label == FLOOR:
        return f"http://127.0.0.1:{dataset.port}/bench-floor/", None
    page = dataset.info["pages"][label]
    return f"http://127.0.0.1:{dataset.port}{page['url']}", dataset.info["cookies"][page["role"]]


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime


def _workers_cpu_seconds(dataset: Dataset) -> float:
    master = dataset.server.pid
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except OSError:
        return 0.0
    return sum(_cpu_ticks(int(pid)) for pid in children) / os.sysconf("SC_CLK_TCK")


def _wait_idle(dataset: Dataset, timeout: float = 180.0) -> None:
    """Waits until the server's workers stop using the processor: wrk closes its connections at the end
    of a run, but gunicorn's sync workers still answer every request they had accepted, which would
    weigh on the next run. Idle = no worker's CPU time moved over three samples 0.1 s apart."""
    master = dataset.server.pid
    deadline = time.monotonic() + timeout
    quiet, previous = 0, None
    while time.monotonic() < deadline and quiet < 3:
        try:
            children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        except OSError:
            return
        sample = [_cpu_ticks(int(pid)) for pid in children]
        quiet = quiet + 1 if sample == previous else 0
        previous = sample
        time.sleep(0.1)


def measure(datasets, labels, *, clients_list, duration, repeat, script, workers) -> dict:
    runs: dict[tuple, list[dict]] = {}
    for dataset in datasets:  # warm every worker on every page (templates, caches, connections)
        for label in [FLOOR, *labels]:
            url, cookie = _url(dataset, label)
            result = wrk(url, clients=workers, duration=3, cookie=cookie, script=script, warmup=True)
            _wait_idle(dataset)
            log(f"chauffe : {label} ({dataset.name}) {result['requests']} réponses")
    total = repeat * (len(labels) + 1) * len(clients_list) * len(datasets)
    done = 0
    for repetition in range(repeat):
        for label in [FLOOR, *labels]:
            for clients in clients_list:
                # Alternate which dataset goes first, so that neither always follows a heavy run.
                order = datasets if (repetition + done) % 2 == 0 else list(reversed(datasets))
                for dataset in order:
                    url, cookie = _url(dataset, label)
                    # A slow page gets a longer run, so that its p95 rests on enough requests.
                    seconds = duration
                    while True:
                        cpu_before = _workers_cpu_seconds(dataset)
                        result = wrk(url, clients=clients, duration=seconds, cookie=cookie, script=script, warmup=True)
                        _wait_idle(dataset)
                        # The workers' processor time per request (PostgreSQL's is not in it): much less
                        # sensitive to the machine's load than latencies. Each connection left one request
                        # in flight at the end of the run, which the workers served too.
                        served = result["requests"] + clients
                        result["cpu_ms"] = (_workers_cpu_seconds(dataset) - cpu_before) * 1000 / served
                        if result["requests"] >= max(MIN_REQUESTS, clients) or seconds >= MAX_RUN_SECONDS:
                            break
                        seconds = min(MAX_RUN_SECONDS, seconds * 3)
                    if result["requests"] == 0:
                        raise BenchFailed(
                            f"{label} ({dataset.name}, {clients} clients) : aucune réponse en {seconds} s."
                        )
                    result["seconds"] = seconds
                    result["load_average"] = round(os.getloadavg()[0], 1)
                    done += 1
                    if result["non_2xx"] or result["socket_errors"]:
                        raise BenchFailed(
                            f"{label} ({dataset.name}, {clients} clients) : {result['non_2xx']} réponses non 2xx, "
                            f"{result['socket_errors']} erreurs de connexion ({url})."
                        )
                    runs.setdefault((label, dataset.name, clients), []).append(result)
                    log(
                        f"[{done}/{total}] rep {repetition + 1} {label:<13} {dataset.name:<8} {clients:>2} clients  "
                        f"p50 {result['p50_ms']:8.1f} ms  p95 {result['p95_ms']:8.1f} ms  {result['rps']:7.1f} req/s  "
                        f"cpu {result['cpu_ms']:6.1f} ms ({result['requests']} req. en {seconds:g} s, "
                        f"{result['timeouts']} hors délai, "
                        f"charge {result['load_average']})"
                    )
    return runs


def rows_from(runs: dict, datasets, render_cache: str) -> list[dict]:
    info = {dataset.name: dataset.info for dataset in datasets}
    medians = {
        key: {
            field: statistics.median(run[field] for run in results) for field in ("p50_ms", "p95_ms", "rps", "cpu_ms")
        }
        for key, results in runs.items()
    }
    rows = []
    for (label, dataset, clients), values in medians.items():
        floor = medians.get((FLOOR, dataset, clients))
        page_info = info[dataset]["pages"].get(label, {})
        rows.append(
            {
                "page": label,
                "dataset": dataset,
                "clients": clients,
                "p50_ms": round(values["p50_ms"], 1),
                "p95_ms": round(values["p95_ms"], 1),
                "rps": round(values["rps"], 1),
                "cpu_ms": round(values["cpu_ms"], 1),
                "queries": page_info.get("queries", 0),
                "html_kb": page_info.get("html_kb", 150.0 if label == FLOOR else None),
                "floor_ratio": round(values["p50_ms"] / floor["p50_ms"], 1) if floor and floor["p50_ms"] else None,
                "repetitions": len(runs[(label, dataset, clients)]),
                "p95_ms_runs": [round(run["p95_ms"], 1) for run in runs[(label, dataset, clients)]],
                "requests_runs": [run["requests"] for run in runs[(label, dataset, clients)]],
                "timeouts": sum(run["timeouts"] for run in runs[(label, dataset, clients)]),
                "load_average_runs": [run["load_average"] for run in runs[(label, dataset, clients)]],
                "conventions": info[dataset]["conventions"],
                "render_cache": render_cache,
            }
        )
    order = {label: position for position, label in enumerate([FLOOR, *PAGE_BY_LABEL])}
    rows.sort(key=lambda row: (order[row["page"]], row["clients"], row["dataset"]))
    return rows


def goals(rows: list[dict]) -> list[tuple[str, bool]]:
    by_key = {(row["page"], row["dataset"], row["clients"]): row for row in rows}
    verdicts = []
    clients_max = max((row["clients"] for row in rows), default=0)
    for label in PAGE_BY_LABEL:
        national = by_key.get((label, "national", clients_max))
        small = by_key.get((label, "small", clients_max))
        if national and small:
            ratio = national["p95_ms"] / small["p95_ms"] if small["p95_ms"] else float("inf")
            verdicts.append(
                (
                    f"{label}: p95 à {clients_max} clients {national['p95_ms']:.0f} ms (petite base "
                    f"{small['p95_ms']:.0f} ms, ×{ratio:.2f}) ≤ ×{P95_RATIO_GOAL} et ≤ {P95_MS_GOAL:.0f} ms",
                    ratio <= P95_RATIO_GOAL and national["p95_ms"] <= P95_MS_GOAL,
                )
            )
        single = by_key.get((label, "national", 1))
        if single and PAGE_BY_LABEL[label].rich:
            verdicts.append(
                (
                    f"{label}: p50 à 1 client {single['p50_ms']:.1f} ms ≤ {RICH_P50_MS_GOAL:.0f} ms",
                    single["p50_ms"] <= RICH_P50_MS_GOAL,
                )
            )
    admin = by_key.get(("home_admin", "national", 16))
    if admin:
        verdicts.append(
            (
                f"home_admin: {admin['rps']:.1f} req/s à 16 clients ≥ {ADMIN_HOME_RPS_GOAL:.0f}",
                admin["rps"] >= ADMIN_HOME_RPS_GOAL,
            )
        )
    return verdicts


def print_table(rows: list[dict]) -> None:
    header = (
        f"{'page':<13} {'base':<8} {'clients':>7} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>7} {'requêtes':>8} "
        f"{'Ko':>7} {'×plancher':>9} {'cpu ms':>7}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        print(
            f"{row['page']:<13} {row['dataset']:<8} {row['clients']:>7} {row['p50_ms']:>8.1f} {row['p95_ms']:>8.1f} "
            f"{row['rps']:>7.1f} {row['queries']:>8} {row['html_kb'] or 0:>7.1f} {row['floor_ratio'] or 0:>9.1f} "
            f"{row['cpu_ms']:>7.1f}"
        )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--national-db", default=os.environ.get("BENCH_NATIONAL_DATABASE_URL", DEFAULT_NATIONAL))
    parser.add_argument("--small-db", default=os.environ.get("BENCH_SMALL_DATABASE_URL", DEFAULT_SMALL))
    parser.add_argument("--datasets", default="national,small", help="national,small (default both)")
    parser.add_argument("--pages", default=",".join(PAGE_BY_LABEL), help="comma-separated, default every page")
    parser.add_argument("--clients", default="1,16")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per wrk run")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", "8100")))
    parser.add_argument("--build", action="store_true", help="build a missing dataset first (national: about a minute)")
    parser.add_argument(
        "--render-cache",
        choices=("memory", "redis", "off"),
        default="memory",
        help="where the servers keep the render cache: each worker's memory (default), Redis (REDIS_URL), or off",
    )
    parser.add_argument("--json", default=os.environ.get("BENCH_JSON", str(ROOT / "var" / "bench-national.json")))
    parser.add_argument("--prepare", help=argparse.SUPPRESS)  # internal: the Django side, see prepare()
    options = parser.parse_args(argv)
    if options.render_cache == "redis" and not os.environ.get("REDIS_URL"):
        parser.error("--render-cache redis : définir REDIS_URL (redis://127.0.0.1:6379/9 par exemple).")

    # `kill` (SIGTERM) stops the servers too, like Ctrl-C.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    signal.signal(signal.SIGINT, signal.default_int_handler)

    if options.prepare is not None:
        print(json.dumps(prepare(options.prepare.split(","))))
        return 0

    labels = [label for label in options.pages.split(",") if label]
    unknown = [label for label in labels if label not in PAGE_BY_LABEL]
    if unknown:
        parser.error(f"pages inconnues : {', '.join(unknown)} (connues : {', '.join(PAGE_BY_LABEL)})")
    if shutil.which("wrk") is None:
        log("wrk est absent : apt-get install -y wrk (ou make bench-national, qui l'installe).")
        return 2
    clients_list = [int(value) for value in options.clients.split(",")]
    wanted = options.datasets.split(",")
    datasets = [
        Dataset(name, url, epcis, options.port + offset)
        for offset, (name, url, epcis) in enumerate(
            [("national", options.national_db, None), ("small", options.small_db, SMALL_EPCIS)]
        )
        if name in wanted
    ]
    work_dir = Path(tempfile.mkdtemp(prefix="bench-national-"))
    # Kept between runs: collectstatic then only copies what changed.
    static_root = ROOT / "var" / "bench-national-static"
    script = work_dir / "report.lua"
    log_dir = ROOT / "var" / "bench-national-logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    script.write_text(WRK_SCRIPT)
    try:
        for dataset in datasets:
            dataset.env = _database_env(dataset, static_root, options.render_cache)
            if options.build:
                build(dataset)
            # Other branches add fields: bring the dataset's schema to the code measured (no-op otherwise).
            _manage(dataset.env, "migrate", "--noinput", "-v0")
        _collect_static(static_root, datasets[0].env)
        for dataset in datasets:
            out = subprocess.run(
                [str(PYTHON), str(Path(__file__)), "--prepare", ",".join(labels)],
                cwd=ROOT,
                env=dataset.env,
                capture_output=True,
                text=True,
                check=False,
            )
            if out.returncode != 0:
                raise BenchFailed(f"préparation de {dataset.name} : {out.stderr[-3000:]}")
            dataset.info = json.loads(out.stdout.strip().splitlines()[-1])
            log(f"[{dataset.name}] {dataset.info['conventions']} conventions, mesurée : {dataset.info['convention']}")
            _start_server(dataset, options.workers, log_dir)
        runs = measure(
            datasets,
            labels,
            clients_list=clients_list,
            duration=options.duration,
            repeat=options.repeat,
            script=script,
            workers=options.workers,
        )
    except BenchFailed as error:
        log(f"ÉCHEC : {error}")
        return 2
    finally:
        for dataset in datasets:
            _stop_server(dataset)
        shutil.rmtree(work_dir, ignore_errors=True)

    rows = rows_from(runs, datasets, options.render_cache)
    print_table(rows)
    print()
    for text, passed in goals(rows):
        print(f"{'PASS' if passed else 'FAIL'}  {text}")
    path = Path(options.json)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rows, indent=1, ensure_ascii=False) + "\n")
    log(f"lignes écrites dans {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
