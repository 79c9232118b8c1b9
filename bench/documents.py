"""The documents benchmark: the signed convention PDF of Grand Cahors with 60 fiches actions.

``build_grand_cahors`` loads the demo into the (throwaway) database, adds fiches actions to Grand
Cahors' plan until it has ``actions`` of them (funding lines over several funders and years,
evaluation indicators, partners, like ``plan_data``), freezes that content as a new version and
records it as signed by the same signatories as the demo's version (copies of its signatures and
of its timeline), so that the signed PDF has its full signature page and audit trail.

``measure`` then times, interleaved run by run so that the machine's load weighs on both alike:

- ``render_s``: ``render_convention_pdf(version, signed=True)``, what a worker does (the HTML from
  the templates, WeasyPrint, the portal's PAdES signature);
- ``floor_s``: bare WeasyPrint, ``HTML(string=…).write_pdf()`` of the very same HTML
  (``build_convention_html``) with the same PDF variant and static files, without the portal's tagging
  finisher nor its seal: what no portal code can beat;
- ``round_trip_s``: from ``document_request`` (a person asking for the PDF) to the file readable
  from storage with the document ready, through Celery: a real worker on Redis when ``REDIS_URL``
  is set (started here on a queue of its own), the eager mode otherwise.

Each figure is the median of ``repeat`` runs.
"""

import datetime
import random
import secrets
import statistics
import time
from decimal import Decimal

DOCUMENT_RATIO_TARGET = 1.2
ROUND_TRIP_MARGIN_S = 0.5
GRAND_CAHORS = "CTG-GRAND-CAHORS-2020"


def build_grand_cahors(*, actions: int = 60):
    """Grand Cahors' convention with ``actions`` fiches, its new signed version holding them, and the
    number of fiches the demo had."""
    from django.db import transaction

    from action_plans.choices import ActionStatus, FundingStatus
    from action_plans.models import Action, EvaluationIndicator, FundingLine, StrategicOrientation
    from bench.plan_data import ACTION_TITLES, LOREM, SCHEMES
    from conventions.choices import LifecycleAction, PartyRole
    from conventions.models import Convention, Signature, StatusChange
    from demo.loader import demo_load
    from diagnostics.choices import Priority
    from workflow.services.versions import take_version

    # Nobody logs in to the bench's database: a throw-away password.
    demo_load(password=secrets.token_urlsafe(12))
    rng = random.Random(2020)
    with transaction.atomic():
        convention = Convention.objects.select_related("signed_version", "epci").get(reference=GRAND_CAHORS)
        orientations = list(StrategicOrientation.objects.filter(plan__convention=convention).order_by("position"))
        existing = Action.objects.filter(orientation__plan__convention=convention)
        domains = list(convention.domains.order_by("position")) or [existing.first().domain]
        parties = list(convention.parties.select_related("organisation").order_by("pk"))
        # A party's organisation may sign twice (two representatives): each organisation once.
        organisations = list({party.organisation_id: party.organisation for party in parties}.values())
        funders = list(
            {
                party.organisation_id: party.organisation for party in parties if party.role == PartyRole.SIGNATORY
            }.values()
        )
        years = range(convention.period_start.year, convention.period_end.year + 1)
        before = existing.count()
        missing = actions - before
        rows = []
        for number in range(max(missing, 0)):
            orientation = orientations[number % len(orientations)]
            rank = 100 + number // len(orientations)
            start = convention.period_start + datetime.timedelta(days=rng.randint(0, 600))
            rows.append(
                Action(
                    orientation=orientation,
                    code=f"{orientation.position}.{rank}",
                    position=rank,
                    title=f"{rng.choice(ACTION_TITLES)} ({rank})",
                    domain=domains[number % len(domains)],
                    objectives=LOREM,
                    target_public="Familles du territoire, en particulier les parents de jeunes enfants.",
                    pilot=rng.choice(organisations),
                    start_date=start,
                    end_date=start + datetime.timedelta(days=rng.randint(90, 600)),
                    status=rng.choice(ActionStatus.values),
                    progress=rng.randint(0, 100),
                    priority=rng.choice(Priority.values),
                )
            )
        rows = Action.objects.bulk_create(rows)
        funding, evaluation, partners = [], [], []
        for action in rows:
            for funder, year in rng.sample([(f, y) for f in funders for y in years], min(3, len(funders) * len(years))):
                funding.append(
                    FundingLine(
                        action=action,
                        funder=funder,
                        scheme=rng.choice(SCHEMES),
                        year=year,
                        amount=Decimal(rng.randint(10, 900) * 100),
                        status=rng.choice(FundingStatus.values),
                    )
                )
            for position in range(rng.randint(1, 2)):
                baseline = rng.randint(0, 50)
                evaluation.append(
                    EvaluationIndicator(
                        action=action,
                        label="Familles accompagnées" if position == 0 else "Places créées",
                        unit="familles" if position == 0 else "places",
                        baseline=Decimal(baseline),
                        target=Decimal(baseline + rng.randint(5, 60)),
                        current_value=Decimal(baseline + rng.randint(0, 40)),
                        position=position,
                    )
                )
            partners.extend(
                Action.partners.through(action=action, organisation=organisation)
                for organisation in rng.sample(organisations, min(2, len(organisations)))
            )
        FundingLine.objects.bulk_create(funding)
        EvaluationIndicator.objects.bulk_create(evaluation)
        Action.partners.through.objects.bulk_create(partners)

        # The new version, signed as the demo's was: the same signatures and timeline, on this text.
        signed = convention.signed_version
        version = take_version(convention=convention, by=signed.approved_by)
        copies = []
        for signature in Signature.objects.filter(version=signed, voided_at__isnull=True):
            signature.pk = None
            signature.version = version
            signature.version_sha256 = version.content_sha256
            copies.append(signature)
        Signature.objects.bulk_create(copies)
        changes = []
        for change in StatusChange.objects.filter(convention=convention, version=signed).order_by("occurred_at", "pk"):
            change.pk = None
            change.version = version
            changes.append(change)
        StatusChange.objects.bulk_create(changes)
        assert any(change.action == LifecycleAction.COMPLETE_SIGNATURE for change in changes), "demo not signed"
        Convention.objects.filter(pk=convention.pk).update(signed_version=version)
    convention.refresh_from_db()
    return convention, version, before


def _median(samples: list[float]) -> float:
    return statistics.median(samples) if samples else float("nan")


def _round_trip(convention, version, *, first: bool) -> tuple[float, bytes]:
    """Seconds from asking for the signed PDF to reading it back from storage, ready."""
    from conventions.choices import DocumentKind, DocumentStatus
    from conventions.models import GeneratedDocument
    from documents.services.queue import document_request

    started = time.perf_counter()
    document = document_request(
        convention=convention, kind=DocumentKind.SIGNED_CONVENTION, by=None, version=version, force=not first
    )
    deadline = started + 600
    while True:
        document = GeneratedDocument.objects.get(pk=document.pk)
        # A ready document asked for again stays ready (downloadable) until its new file is stored.
        if document.status == DocumentStatus.READY and not document.awaits_rendering:
            with document.file.open("rb") as handle:
                data = handle.read()
            return time.perf_counter() - started, data
        if document.status == DocumentStatus.FAILED:
            raise RuntimeError(f"The document failed: {document.error}")
        if time.perf_counter() > deadline:
            raise RuntimeError("The document was not ready after 10 minutes: is the worker running?")
        time.sleep(0.05)  # a query every 50 ms: the worker thread shares this process


def _wait_for_idle_worker(timeout: float = 600) -> None:
    """Let the documents the demo asked for finish first: they would share the processor with the timings."""
    from django.db.models import Q

    from conventions.choices import DocumentStatus
    from conventions.models import GeneratedDocument

    deadline = time.perf_counter() + timeout
    busy = Q(status__in=(DocumentStatus.PENDING, DocumentStatus.RUNNING)) | Q(refresh_requested_at__isnull=False)
    while GeneratedDocument.objects.filter(busy).exists() and time.perf_counter() < deadline:
        time.sleep(0.2)


class CeleryWorker:
    """A Celery worker thread on Redis, on a queue of its own, when REDIS_URL is set; eager otherwise.

    Enter it before building the data: the demo's last signature already asks for a signed PDF, and
    that task must go to this queue, never to the shared default one (another checkout's worker would
    take it and render a document of its own database)."""

    def __init__(self, redis_url: str):
        self.redis_url = redis_url
        self.context = None
        self.saved = {}

    @property
    def mode(self) -> str:
        return "redis worker" if self.redis_url else "eager"

    def __enter__(self):
        if not self.redis_url:
            return self
        import uuid

        import celery.contrib.testing.tasks  # noqa: F401  registers celery.ping, which start_worker checks
        from celery.contrib.testing.worker import start_worker

        from ctg_portal.celery import app

        queue = f"ctg-bench-{uuid.uuid4().hex}"
        changed = {
            "task_always_eager": False,
            "broker_url": self.redis_url,
            "result_backend": self.redis_url,
            "task_default_queue": queue,
        }
        self.saved = {key: app.conf[key] for key in changed}
        app.conf.update(changed)
        self.context = start_worker(app, queues=[queue], perform_ping_check=True, shutdown_timeout=30)
        self.context.__enter__()
        return self

    def __exit__(self, *exc):
        if self.context is not None:
            from ctg_portal.celery import app

            self.context.__exit__(*exc)
            app.conf.update(self.saved)
        return False


def measure(*, convention, version, actions: int, repeat: int, worker: "CeleryWorker", log) -> dict:
    """The figures of the issue's Speed section for ``version`` (see the module's docstring).

    Each run does the three measurements in a rotating order (render, floor, round trip; then floor,
    round trip, render…), so that neither the order nor a change in the machine's load favours one.
    Besides wall time, the process's CPU time is recorded (``*_cpu_s``): the worker thread runs in
    this process, and CPU time hardly moves when other programs share the machine.
    """
    from documents import convention_pdf
    from documents.rendering import page_count
    from documents.verification import verify_pdf

    _wait_for_idle_worker()
    variant = getattr(convention_pdf, "PDF_VARIANT", None)
    wall = {"render": [], "floor": [], "trip": [], "html": []}
    cpu = {"render": [], "floor": [], "trip": []}
    outputs = {}

    def timed(name, function):
        started, started_cpu = time.perf_counter(), time.process_time()
        outputs[name] = function()
        wall[name].append(time.perf_counter() - started)
        if name in cpu:
            cpu[name].append(time.process_time() - started_cpu)

    def floor():
        timed("html", lambda: convention_pdf.build_convention_html(version, signed=True))
        started, started_cpu = time.perf_counter(), time.process_time()
        bare_weasyprint(outputs["html"], pdf_variant=variant)
        wall["floor"].append(time.perf_counter() - started)
        cpu["floor"].append(time.process_time() - started_cpu)

    steps = {
        "render": lambda: timed("render", lambda: convention_pdf.render_convention_pdf(version, signed=True)),
        "floor": floor,
        "trip": None,
    }
    order = ["render", "floor", "trip"]
    for run in range(repeat):
        for name in order[run % 3 :] + order[: run % 3]:
            if name == "trip":
                started_cpu = time.process_time()
                seconds, outputs["issued"] = _round_trip(convention, version, first=run == 0)
                wall["trip"].append(seconds)
                cpu["trip"].append(time.process_time() - started_cpu)
            else:
                steps[name]()
        log(
            f"  run {run + 1}/{repeat}: render {wall['render'][-1]:.2f} s, floor {wall['floor'][-1]:.2f} s, "
            f"round trip ({worker.mode}) {wall['trip'][-1]:.2f} s"
        )
    issued = outputs["issued"]
    render_s, floor_s = _median(wall["render"]), _median(wall["floor"])
    render_cpu, floor_cpu = _median(cpu["render"]), _median(cpu["floor"])
    return {
        "document": f"{convention.reference} v{version.number} signed convention",
        "actions": actions,
        "pages": page_count(outputs["render"]),
        "render_s": round(render_s, 3),
        "floor_s": round(floor_s, 3),
        "ratio": round(render_s / floor_s, 3) if floor_s else None,
        "round_trip_s": round(_median(wall["trip"]), 3),
        "render_cpu_s": round(render_cpu, 3),
        "floor_cpu_s": round(floor_cpu, 3),
        "cpu_ratio": round(render_cpu / floor_cpu, 3) if floor_cpu else None,
        "round_trip_cpu_s": round(_median(cpu["trip"]), 3),
        "html_s": round(_median(wall["html"]), 3),
        "bytes": len(issued),
        "pdf_variant": variant,
        "celery": worker.mode,
        "runs": repeat,
        "verification": verify_pdf(issued).verdict,
    }


def verdicts(row: dict) -> list[str]:
    ratio_ok = row["ratio"] is not None and row["ratio"] <= DOCUMENT_RATIO_TARGET
    trip_limit = row["render_s"] + ROUND_TRIP_MARGIN_S
    trip_ok = row["round_trip_s"] <= trip_limit
    lines = [
        f"Convention PDF render / bare WeasyPrint: {row['render_s']:.2f} s / {row['floor_s']:.2f} s = "
        f"{row['ratio']:.2f}× (target ≤ {DOCUMENT_RATIO_TARGET}×): {'PASS' if ratio_ok else 'FAIL'}",
        f"Celery round trip ({row['celery']}): {row['round_trip_s']:.2f} s (target ≤ render + "
        f"{ROUND_TRIP_MARGIN_S} s = {trip_limit:.2f} s): {'PASS' if trip_ok else 'FAIL'}",
    ]
    if row.get("cpu_ratio"):
        lines.append(
            f"In CPU time (less sensitive to the machine's load): render {row['render_cpu_s']:.2f} s, floor "
            f"{row['floor_cpu_s']:.2f} s = {row['cpu_ratio']:.2f}×, round trip {row['round_trip_cpu_s']:.2f} s"
        )
    return lines


def table(row: dict) -> str:
    header = ("document", "actions", "pages", "render s", "floor s", "ratio", "round trip s", "html s", "KB")
    values = (
        row["document"],
        str(row["actions"]),
        str(row["pages"]),
        f"{row['render_s']:.2f}",
        f"{row['floor_s']:.2f}",
        f"{row['ratio']:.2f}",
        f"{row['round_trip_s']:.2f}",
        f"{row['html_s']:.2f}",
        f"{row['bytes'] / 1024:.0f}",
    )
    widths = [max(len(a), len(b)) for a, b in zip(header, values, strict=True)]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)) for line in (header, values)
    )


# --- Copil reports: ratio to bare WeasyPrint, and a batch through a real prefork worker --------------

COPIL_RATIO_TARGET = 1.25
BATCH_SPEEDUP_TARGET = 1.9


def bare_weasyprint(html: str, *, pdf_variant: str | None) -> bytes:
    """WeasyPrint alone on ``html``: the same static files and PDF variant, no finisher, no seal."""
    from weasyprint import HTML

    from documents.rendering import BASE_URL, _static_only_fetcher

    return HTML(string=html, base_url=BASE_URL, url_fetcher=_static_only_fetcher()).write_pdf(pdf_variant=pdf_variant)


def timestamp_round_trip(repeat: int = 3) -> float | None:
    """Median seconds of one RFC 3161 round trip to ``PDF_TIMESTAMP_URL`` (None without a TSA): the
    network time a long-term seal adds, reported apart from the render's ratio."""
    import hashlib

    from documents.pdf_signature import outside_any_event_loop, portal_timestamper

    timestamper = portal_timestamper()
    if timestamper is None:
        return None
    samples = []
    for number in range(repeat):
        digest = hashlib.sha256(f"bench {number} {time.time()}".encode()).digest()
        started = time.perf_counter()
        outside_any_event_loop(timestamper.timestamp, digest, "sha256")
        samples.append(time.perf_counter() - started)
    return _median(samples)


def measure_copil_report(*, meeting, repeat: int, log) -> dict:
    """The copil report of ``meeting``: ``render_copil_report_pdf`` (HTML, WeasyPrint, finisher, seal) against
    bare WeasyPrint on the same HTML, alternated run by run; wall and CPU time, medians."""
    from documents import convention_pdf, report_pdf
    from documents.rendering import page_count

    variant = getattr(convention_pdf, "PDF_VARIANT", None)
    wall = {"render": [], "floor": []}
    cpu = {"render": [], "floor": []}
    rendered = b""

    def render():
        nonlocal rendered
        rendered = report_pdf.render_copil_report_pdf(meeting)

    def floor():
        bare_weasyprint(report_pdf.build_copil_report_html(meeting), pdf_variant=variant)

    render()  # warm-up: fonts, templates
    for run in range(repeat):
        for name in ("render", "floor") if run % 2 == 0 else ("floor", "render"):
            started, started_cpu = time.perf_counter(), time.process_time()
            (render if name == "render" else floor)()
            wall[name].append(time.perf_counter() - started)
            cpu[name].append(time.process_time() - started_cpu)
        log(f"  copil run {run + 1}/{repeat}: render {wall['render'][-1]:.2f} s, floor {wall['floor'][-1]:.2f} s")
    render_s, floor_s = _median(wall["render"]), _median(wall["floor"])
    render_cpu, floor_cpu = _median(cpu["render"]), _median(cpu["floor"])
    return {
        "document": f"{meeting.body.convention.reference} copil report of {meeting.held_on.isoformat()}",
        "pages": page_count(rendered),
        "render_s": round(render_s, 3),
        "floor_s": round(floor_s, 3),
        "ratio": round(render_s / floor_s, 3) if floor_s else None,
        "render_cpu_s": round(render_cpu, 3),
        "floor_cpu_s": round(floor_cpu, 3),
        "cpu_ratio": round(render_cpu / floor_cpu, 3) if floor_cpu else None,
        "runs": repeat,
    }


def build_copil_batch(*, conventions: int, actions: int) -> list:
    """``conventions`` conventions (``plan_data``, ``actions`` fiches each), each with a copil meeting: the
    meetings whose reports the batch renders."""
    from django.db import transaction

    from bench import plan_data
    from conventions.choices import GovernanceBodyKind
    from conventions.models import GovernanceBody, Meeting
    from partners.models import Organisation

    # plan_data numbers a convention's département 10 + index (two digits) and its communes' INSEE codes
    # after it; the page benchmark takes indexes 0 and 1, and the demo's communes are in départements of
    # their own (the Lot, 46, and the Gironde, 33): those indexes are skipped.
    taken = {code[:2] for code in Organisation.objects.exclude(insee_code="").values_list("insee_code", flat=True)}
    indexes = [index for index in range(2, 90) if f"{10 + index:02d}" not in taken][:conventions]
    meetings = []
    with transaction.atomic():
        for index in indexes:
            built = plan_data.build_convention(index=index, actions=actions)  # draft: nothing to sign first
            body = GovernanceBody.objects.get(convention=built.convention, kind=GovernanceBodyKind.STEERING_COMMITTEE)
            meetings.append(
                Meeting.objects.create(
                    body=body,
                    held_on=datetime.date(2024, 6, 1) + datetime.timedelta(days=len(meetings)),
                    location="Salle du conseil",
                )
            )
    return meetings


def _report_kind(meeting) -> str:
    from conventions.choices import DocumentKind

    return getattr(meeting, "report_kind", DocumentKind.COPIL_REPORT)


def _wait_ready(document_ids: list[int], *, timeout: float = 1800) -> None:
    from conventions.choices import DocumentStatus
    from conventions.models import GeneratedDocument

    deadline = time.perf_counter() + timeout
    while True:
        documents = GeneratedDocument.objects.filter(pk__in=document_ids)
        failed = documents.filter(status=DocumentStatus.FAILED).first()
        if failed is not None:
            raise RuntimeError(f"A batch document failed: {failed.error}")
        if documents.filter(status=DocumentStatus.READY, refresh_requested_at__isnull=True).count() == len(
            document_ids
        ):
            return
        if time.perf_counter() > deadline:
            raise RuntimeError("The batch was not rendered in time: is the worker running?")
        time.sleep(0.2)


def _request_all(meetings) -> list[int]:
    """What the portal does when staff ask for the reports: ``document_request`` for each (forced, so that a
    report rendered before is rendered again), each task sent to the broker once its row is committed."""
    from documents.services.queue import document_request

    return [
        document_request(
            convention=meeting.body.convention, kind=_report_kind(meeting), by=None, meeting=meeting, force=True
        ).pk
        for meeting in meetings
    ]


class PreforkWorker:
    """``celery -A ctg_portal worker --pool=prefork --concurrency=N`` in a process of its own, on a queue of
    its own on Redis, reading the bench's throwaway database and scratch folder through the environment.

    Its children are forked from a parent that has rendered nothing and holds no database connection
    (Celery's Django fixup closes them in each child), and pyHanko opens a new event loop at every seal:
    the children share no connection, no loop, no cached signer."""

    def __init__(self, *, redis_url: str, concurrency: int, scratch):
        import uuid

        self.redis_url = redis_url
        self.concurrency = concurrency
        self.scratch = scratch
        self.queue = f"ctg-bench-batch-{uuid.uuid4().hex}"
        self.process = None
        self.saved = {}

    def _environment(self) -> dict:
        import os

        from django.conf import settings
        from django.db import connection

        database = connection.settings_dict
        if connection.vendor == "postgresql":
            url = (
                f"postgres://{database['USER']}:{database['PASSWORD'] or ''}@{database['HOST'] or '127.0.0.1'}:"
                f"{database['PORT'] or 5432}/{database['NAME']}"
            )
        else:
            url = f"sqlite:///{database['NAME']}"
        return {
            **os.environ,
            "DATABASE_URL": url,
            "REDIS_URL": self.redis_url,
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "PDF_SIGNING_PKCS12": str(settings.PDF_SIGNING_PKCS12),
            "PDF_SIGNING_PASSPHRASE": settings.PDF_SIGNING_PASSPHRASE,
            "DEBUG": "false",
        }

    def __enter__(self):
        import subprocess
        import sys
        from pathlib import Path

        from ctg_portal.celery import app

        root = Path(__file__).resolve().parent.parent
        self.log = open(Path(self.scratch) / "batch-worker.log", "w")  # closed in __exit__
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "ctg_portal", "worker", "--pool=prefork"]
            + [f"--concurrency={self.concurrency}", "-Q", self.queue, "--without-gossip", "--without-mingle"]
            + ["--without-heartbeat", "--loglevel=WARNING", "--prefetch-multiplier=1"],
            cwd=root,
            env=self._environment(),
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        changed = {
            "task_always_eager": False,
            "broker_url": self.redis_url,
            "result_backend": self.redis_url,
            "task_default_queue": self.queue,
        }
        self.saved = {key: app.conf[key] for key in changed}
        app.conf.update(changed)
        return self

    def __exit__(self, *exc):
        from ctg_portal.celery import app

        app.conf.update(self.saved)
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=60)
            except Exception:
                self.process.kill()
            self.log.close()
        return False


def measure_batch(*, meetings, redis_url: str, scratch, concurrency: int = 2, log) -> dict:
    """Every report of ``meetings`` rendered one by one in this process (``document_render``, the task's
    own work, as ``generate_document`` runs it), then through a real prefork worker with ``concurrency``
    processes (``document_request``, as the portal asks, tasks sent on commit); documents per minute of
    each. Before the timed batch, two reports go through the worker uncounted, so that both children
    have loaded WeasyPrint and their fonts (this process did its own warm-up measuring one report)."""
    from documents.services.queue import document_request
    from documents.services.render import document_render

    count = len(meetings)
    ids = [
        document_request(
            convention=meeting.body.convention,
            kind=_report_kind(meeting),
            by=None,
            meeting=meeting,
            force=True,
            queue=False,
        ).pk
        for meeting in meetings
    ]
    started, started_cpu = time.perf_counter(), time.process_time()
    for document_id in ids:
        document_render(document_id=document_id)
    one_by_one_s, one_by_one_cpu_s = time.perf_counter() - started, time.process_time() - started_cpu
    log(f"  one by one in-process: {count} reports in {one_by_one_s:.1f} s")

    with PreforkWorker(redis_url=redis_url, concurrency=concurrency, scratch=scratch):
        _wait_ready(_request_all(meetings[:concurrency]))  # warm-up, not counted
        started = time.perf_counter()
        _wait_ready(_request_all(meetings))
        batch_s = time.perf_counter() - started
    log(f"  batch through a prefork worker ({concurrency} processes): {count} reports in {batch_s:.1f} s")
    one_by_one_rate, batch_rate = 60 * count / one_by_one_s, 60 * count / batch_s
    return {
        "batch": f"copil reports of {count} conventions",
        "documents": count,
        "concurrency": concurrency,
        "one_by_one_s": round(one_by_one_s, 2),
        "one_by_one_cpu_s": round(one_by_one_cpu_s, 2),
        "batch_s": round(batch_s, 2),
        "one_by_one_per_min": round(one_by_one_rate, 1),
        "batch_per_min": round(batch_rate, 1),
        "speedup": round(batch_rate / one_by_one_rate, 3),
    }


def batch_verdicts(row: dict) -> list[str]:
    ok = row["speedup"] >= BATCH_SPEEDUP_TARGET
    return [
        f"Batch of {row['documents']} copil reports: one by one {row['one_by_one_per_min']:.1f} documents/min, "
        f"prefork worker ×{row['concurrency']} {row['batch_per_min']:.1f} documents/min = ×{row['speedup']:.2f} "
        f"(target ≥ ×{BATCH_SPEEDUP_TARGET}): {'PASS' if ok else 'FAIL'}"
    ]


def copil_verdicts(row: dict, tsa_round_trip_s: float | None) -> list[str]:
    ok = row["ratio"] is not None and row["ratio"] <= COPIL_RATIO_TARGET
    lines = [
        f"Copil report render / bare WeasyPrint: {row['render_s']:.2f} s / {row['floor_s']:.2f} s = "
        f"{row['ratio']:.2f}× (target ≤ {COPIL_RATIO_TARGET}×): {'PASS' if ok else 'FAIL'}; in CPU time "
        f"{row['render_cpu_s']:.2f} s / {row['floor_cpu_s']:.2f} s = {row['cpu_ratio']:.2f}×"
    ]
    if tsa_round_trip_s is None:
        lines.append("Timestamp round trip: no PDF_TIMESTAMP_URL, seals are B-B (no network in the render).")
    else:
        lines.append(f"Timestamp round trip to PDF_TIMESTAMP_URL (apart from the ratios): {tsa_round_trip_s:.3f} s")
    return lines
