"""The national benchmark dataset: every EPCI of ``data/``, one convention each, straight into the database.

``build_national_dataset(epcis=None)`` imports the EPCIs (all, or the first ``epcis`` by SIREN) and their
member communes through the portal's own territory import, creates per département a CAF, the
Département, the Préfecture and the MSA, then for each EPCI one convention as ``bench/plan_data.py``
builds it — parties (the EPCI, the CAF, its three largest communes; the Département and the Préfecture
associated), a copil, a shared diagnostic (42 findings, a year-by-territory grid of indicator values over
the EPCI and its communes, 5 consultations), an action plan of 20 to 80 fiches actions over six
orientations (funding lines, evaluation indicators, progress updates, partners, answered needs), a
timeline (submitted, sent back…), review comments and django-simple-history rows for every historised
row, with the history date fixed. The users: portal administrators, two CAF officers per département,
four EPCI agents and one reader per EPCI, three copil members per convention (representatives sitting
in the copil), all with the password ``BENCH_PASSWORD``.

Determinism: the EPCIs are taken in SIREN order; each convention's content comes from a
``random.Random`` seeded with its EPCI's SIREN, so the convention of an EPCI is the same whatever the
size of the set (the 5-EPCI small database holds the same first five conventions as the national one);
rows are inserted in a fixed order, so two builds into fresh databases give the same ids.

Rows are written with ``bulk_create`` in batches; the whole build is one transaction per chunk of
EPCIs (``CHUNK``), so an interrupted build leaves whole conventions.
"""

import datetime
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction

from action_plans.choices import ActionStatus, FundingStatus
from action_plans.models import (
    Action,
    ActionPlan,
    EvaluationIndicator,
    FundingLine,
    ProgressUpdate,
    StrategicOrientation,
)
from bench.plan_data import (
    ACTION_TITLES,
    FINDING_TITLES,
    LOREM,
    ORIENTATION_TITLES,
    SCHEMES,
    indicator_definitions_ensure,
)
from conventions.choices import (
    CommentAnchor,
    ConventionStatus,
    DraftingPhase,
    GovernanceBodyKind,
    LifecycleAction,
    PartyRole,
)
from conventions.models import (
    Convention,
    Domain,
    GovernanceBody,
    GovernanceMember,
    Party,
    ReviewComment,
    StatusChange,
)
from diagnostics.choices import FindingKind, Priority
from diagnostics.models import Consultation, Diagnostic, Finding, IndicatorValue
from partners.choices import MembershipRole, OrganisationKind
from partners.models import Membership, Organisation, Representative
from partners.services import territories_import
from partners.territory_data import (
    COMMUNES_FILE_NAME,
    EPCI_FILE_NAME,
    data_file,
    load_departements,
    load_territories,
)

User = get_user_model()

# The password of every bench user (documented in bench/README.md; never a real database).
BENCH_PASSWORD = "bench-national-2026"
ADMIN_COUNT = 5
CAF_OFFICERS_PER_DEPARTEMENT = 2
EPCI_AGENTS = 4
COPIL_USERS = 3
SIGNING_COMMUNES = 3
ASSOCIATIONS_PER_EPCI = 4
# The first EPCI's convention is the one the benchmark measures: a fixed size, like `make bench`'s.
MEASURED_ACTIONS = 60
ACTIONS_RANGE = (20, 80)
# Indicators on the EPCI: all of them; on each commune, the first few (population, young children…).
COMMUNE_INDICATORS = 3
INDICATOR_YEARS = (2021, 2022, 2023)
ORIENTATION_COUNT = len(ORIENTATION_TITLES)
CHUNK = 50  # EPCIs per transaction
BATCH = 2000
HISTORY_DATE = datetime.datetime(2025, 1, 6, 9, 0, tzinfo=datetime.UTC)
# Statuses a convention may have without a version (no approval, no signature); drafts most often.
STATUSES = (
    (ConventionStatus.DRAFT, 6),
    (ConventionStatus.IN_REVIEW, 2),
    (ConventionStatus.CHANGES_REQUESTED, 1),
)
TIMELINES = {
    ConventionStatus.IN_REVIEW: [(LifecycleAction.SUBMIT, ConventionStatus.DRAFT, ConventionStatus.IN_REVIEW)],
    ConventionStatus.CHANGES_REQUESTED: [
        (LifecycleAction.SUBMIT, ConventionStatus.DRAFT, ConventionStatus.IN_REVIEW),
        (LifecycleAction.REQUEST_CHANGES, ConventionStatus.IN_REVIEW, ConventionStatus.CHANGES_REQUESTED),
    ],
    ConventionStatus.DRAFT: [
        (LifecycleAction.SUBMIT, ConventionStatus.DRAFT, ConventionStatus.IN_REVIEW),
        (LifecycleAction.REQUEST_CHANGES, ConventionStatus.IN_REVIEW, ConventionStatus.CHANGES_REQUESTED),
        (LifecycleAction.RESUME_DRAFTING, ConventionStatus.CHANGES_REQUESTED, ConventionStatus.DRAFT),
    ],
}


@dataclass
class NationalReport:
    epcis: int = 0
    communes: int = 0
    conventions: int = 0
    counts: dict = field(default_factory=dict)
    seconds: float = 0.0
    measured_reference: str = ""
    users: dict = field(default_factory=dict)  # role -> username, the ones the benchmark logs in as


def admin_username(number: int = 1) -> str:
    return f"bench.admin.{number}"


def caf_username(department_code: str, number: int = 1) -> str:
    return f"bench.caf.{department_code.lower()}.{number}"


def epci_username(siren: str, number: int = 1) -> str:
    return f"bench.epci.{siren}.{number}"


def convention_reference(siren: str) -> str:
    return f"CTG-NAT-{siren}"


def selected_epcis(epcis: int | None = None):
    """The EPCIs of the territory files in SIREN order, all or the first ``epcis``."""
    records = sorted(load_territories().epcis, key=lambda record: record.siren)
    return records if epcis is None else records[:epcis]


def _history(model, rows, *, user=None):
    if rows:
        model.history.bulk_history_create(
            rows, batch_size=BATCH, default_user=user, default_change_reason="Banc national", default_date=HISTORY_DATE
        )


def _bulk(model, rows, *, history=True, user=None):
    rows = model.objects.bulk_create(rows, batch_size=BATCH)
    if history and hasattr(model, "history"):
        _history(model, rows, user=user)
    return rows


class _Builder:
    def __init__(self, *, log=None):
        self.log = log or (lambda message: None)
        self.password = make_password(BENCH_PASSWORD)
        self.domains = list(Domain.objects.order_by("position")[:7])
        self.definitions = indicator_definitions_ensure()
        self.departements = {record.code: record for record in load_departements()}
        self.department_orgs: dict[str, dict] = {}
        self.caf_officers: dict[str, list] = {}

    # --- Shared rows ------------------------------------------------------------------------------

    def users(self, usernames: list[tuple[str, str, str]], **extra) -> list:
        return _bulk(
            User,
            [
                User(username=username, first_name=first, last_name=last, password=self.password, **extra)
                for username, first, last in usernames
            ],
            history=False,
        )

    def admins(self) -> None:
        self.users(
            [(admin_username(number), "Admin", f"Portail {number}") for number in range(1, ADMIN_COUNT + 1)],
            is_staff=True,
            is_superuser=True,
        )

    def department(self, code: str) -> dict:
        """The CAF, Département, Préfecture and MSA of a département, their representatives and officers."""
        if code in self.department_orgs:
            return self.department_orgs[code]
        record = self.departements.get(code)
        name = record.name if record else code
        caf, departement, state, msa = _bulk(
            Organisation,
            [
                Organisation(name=f"CAF {name}", short_name=f"CAF {code}", kind=OrganisationKind.CAF),
                Organisation(name=f"Département {name}", kind=OrganisationKind.DEPARTEMENT, department_code=code),
                Organisation(name=f"Préfecture {name}", kind=OrganisationKind.STATE_SERVICE, department_code=code),
                Organisation(name=f"MSA {name}", kind=OrganisationKind.MSA, department_code=code),
            ],
        )
        caf_rep, departement_rep, state_rep = _bulk(
            Representative,
            [
                Representative(organisation=caf, full_name=f"Direction CAF {code}", title="Directeur·rice"),
                Representative(organisation=departement, full_name=f"Présidence {code}", title="Président·e"),
                Representative(organisation=state, full_name=f"Préfet·e {code}", title="Préfet·e"),
            ],
        )
        officers = self.users(
            [
                (caf_username(code, number), "Conseiller·e", f"CAF {code} {number}")
                for number in range(1, CAF_OFFICERS_PER_DEPARTEMENT + 1)
            ]
        )
        _bulk(
            Membership,
            [Membership(user=user, organisation=caf, role=MembershipRole.STAFF) for user in officers],
        )
        self.caf_officers[code] = officers
        self.department_orgs[code] = {
            "caf": caf,
            "departement": departement,
            "state": state,
            "msa": msa,
            "caf_rep": caf_rep,
            "departement_rep": departement_rep,
            "state_rep": state_rep,
        }
        return self.department_orgs[code]

    # --- One convention ---------------------------------------------------------------------------

    def convention(self, *, index: int, record, epci: Organisation, communes: list[Organisation]) -> Convention:
        rng = random.Random(int(record.siren))
        siren = record.siren
        dept = self.department(epci.department_code or "00")
        caf = dept["caf"]
        domains = self.domains

        # Users of the EPCI: agents, a reader, copil members.
        agents = self.users(
            [(epci_username(siren, number), "Agent", f"EPCI {siren} {number}") for number in range(1, EPCI_AGENTS + 1)]
        )
        reader, *copil_users = self.users(
            [
                (f"bench.epci.{siren}.lecteur", "Élu·e", f"EPCI {siren}"),
                *((f"bench.copil.{siren}.{number}", "Membre", f"copil {siren} {number}") for number in range(1, 4)),
            ]
        )
        _bulk(
            Membership,
            [
                *(Membership(user=user, organisation=epci, role=MembershipRole.STAFF) for user in agents),
                Membership(user=reader, organisation=epci, role=MembershipRole.READER),
            ],
        )
        staff = agents[0]

        associations = _bulk(
            Organisation,
            [
                Organisation(
                    name=f"{'Centre social' if number % 3 == 0 else 'Association familiale'} {epci.name[:80]} {number}",
                    kind=OrganisationKind.SOCIAL_CENTRE if number % 3 == 0 else OrganisationKind.ASSOCIATION,
                    department_code=epci.department_code,
                )
                for number in range(1, ASSOCIATIONS_PER_EPCI + 1)
            ],
        )

        status = (
            ConventionStatus.DRAFT
            if index == 0
            else rng.choices([s for s, _w in STATUSES], weights=[w for _s, w in STATUSES])[0]
        )
        start = datetime.date(rng.choice((2023, 2024, 2025, 2026)), 1, 1)
        convention = _bulk(
            Convention,
            [
                Convention(
                    reference=convention_reference(siren),
                    title=f"Convention territoriale globale — {epci.name}",
                    epci=epci,
                    period_start=start,
                    period_end=datetime.date(start.year + 3, 12, 31),
                    status=status,
                    drafting_phase=DraftingPhase.ACTION_PLAN if index == 0 else rng.choice(DraftingPhase.values),
                    created_by=staff,
                )
            ],
            user=staff,
        )[0]
        chosen_domains = domains if index == 0 else rng.sample(domains, rng.randint(4, len(domains)))
        Convention.domains.through.objects.bulk_create(
            Convention.domains.through(convention=convention, domain=domain) for domain in chosen_domains
        )

        signing_communes = sorted(communes, key=lambda c: (-(c.population or 0), c.insee_code))[:SIGNING_COMMUNES]
        representatives = _bulk(
            Representative,
            [
                Representative(organisation=epci, full_name=f"Présidence {epci.name[:100]}", title="Président·e"),
                *(
                    Representative(organisation=commune, full_name=f"Maire de {commune.name[:100]}", title="Maire")
                    for commune in signing_communes
                ),
                *(
                    Representative(organisation=epci, full_name=f"Membre copil {number}", title="Élu·e", user=user)
                    for number, user in enumerate(copil_users, start=1)
                ),
            ],
        )
        epci_rep, *rest = representatives
        commune_reps, copil_reps = rest[: len(signing_communes)], rest[len(signing_communes) :]
        _bulk(
            Party,
            [
                Party(
                    convention=convention,
                    organisation=epci,
                    representative=epci_rep,
                    role=PartyRole.SIGNATORY,
                    signing_order=1,
                ),
                Party(
                    convention=convention,
                    organisation=caf,
                    representative=dept["caf_rep"],
                    role=PartyRole.SIGNATORY,
                    signing_order=1,
                ),
                *(
                    Party(
                        convention=convention,
                        organisation=commune,
                        representative=rep,
                        role=PartyRole.SIGNATORY,
                        signing_order=2,
                    )
                    for commune, rep in zip(signing_communes, commune_reps, strict=True)
                ),
                Party(convention=convention, organisation=dept["departement"], role=PartyRole.ASSOCIATE),
                Party(convention=convention, organisation=dept["state"], role=PartyRole.ASSOCIATE),
            ],
            user=staff,
        )
        copil = _bulk(
            GovernanceBody,
            [
                GovernanceBody(
                    convention=convention, kind=GovernanceBodyKind.STEERING_COMMITTEE, name="Comité de pilotage"
                )
            ],
            user=staff,
        )[0]
        _bulk(
            GovernanceMember,
            [
                GovernanceMember(body=copil, representative=rep)
                for rep in [epci_rep, dept["caf_rep"], *commune_reps, dept["departement_rep"], *copil_reps]
            ],
            user=staff,
        )

        # --- Shared diagnostic ---------------------------------------------------------------------
        diagnostic = _bulk(
            Diagnostic,
            [
                Diagnostic(
                    convention=convention,
                    summary=LOREM,
                    started_on=datetime.date(start.year - 1, 1, 9),
                    completed_on=datetime.date(start.year - 1, 9, 29),
                )
            ],
            user=staff,
        )[0]
        findings = _bulk(
            Finding,
            [
                Finding(
                    diagnostic=diagnostic,
                    domain=domain,
                    kind=kind,
                    title=f"{title} ({domain.name.lower()})",
                    detail=LOREM,
                    priority=rng.choice(Priority.values),
                    position=position,
                )
                for domain in domains[:6]
                for kind, titles in FINDING_TITLES.items()
                for position, title in enumerate(titles[: 3 if kind == FindingKind.NEED else 2])
            ],
            user=staff,
        )
        needs = [finding for finding in findings if finding.kind == FindingKind.NEED]
        _bulk(
            IndicatorValue,
            [
                *(
                    IndicatorValue(
                        diagnostic=diagnostic,
                        indicator=definition,
                        territory=epci,
                        year=year,
                        value=Decimal(rng.randint(5, 50000)),
                    )
                    for definition in self.definitions
                    for year in INDICATOR_YEARS
                ),
                *(
                    IndicatorValue(
                        diagnostic=diagnostic,
                        indicator=definition,
                        territory=commune,
                        year=year,
                        value=Decimal(rng.randint(5, 5000)),
                    )
                    for definition in self.definitions[:COMMUNE_INDICATORS]
                    for commune in communes
                    for year in INDICATOR_YEARS
                ),
            ],
            user=staff,
        )
        partner_pool = [caf, dept["departement"], dept["state"], dept["msa"], *communes[:20], *associations]
        consultations = _bulk(
            Consultation,
            [
                Consultation(
                    diagnostic=diagnostic,
                    held_on=datetime.date(start.year - 1, 3, 1) + datetime.timedelta(days=21 * number),
                    title=f"Rencontre des acteurs — {domain.name}",
                    domain=domain,
                    participants="Élus, techniciens, associations, parents",
                    notes=LOREM,
                )
                for number, domain in enumerate(domains[:5])
            ],
            user=staff,
        )
        Consultation.organisations.through.objects.bulk_create(
            Consultation.organisations.through(consultation=consultation, organisation=organisation)
            for consultation in consultations
            for organisation in rng.sample(partner_pool, min(4, len(partner_pool)))
        )

        # --- Action plan ---------------------------------------------------------------------------
        plan = _bulk(ActionPlan, [ActionPlan(convention=convention, summary=LOREM)], user=staff)[0]
        orientations = _bulk(
            StrategicOrientation,
            [
                StrategicOrientation(plan=plan, position=position, title=title, description=LOREM)
                for position, title in enumerate(ORIENTATION_TITLES, start=1)
            ],
            user=staff,
        )
        action_count = MEASURED_ACTIONS if index == 0 else rng.randint(*ACTIONS_RANGE)
        funders = [caf, epci, dept["departement"], dept["msa"], *signing_communes]
        pilots = [epci, *signing_communes, *associations]
        years = tuple(range(start.year, start.year + 4))
        action_rows = []
        for number in range(action_count):
            orientation = orientations[number % ORIENTATION_COUNT]
            rank = number // ORIENTATION_COUNT + 1
            begins = start + datetime.timedelta(days=rng.randint(0, 700))
            action_rows.append(
                Action(
                    orientation=orientation,
                    code=f"{orientation.position}.{rank}",
                    position=rank,
                    title=f"{rng.choice(ACTION_TITLES)} ({rank})",
                    domain=domains[number % len(domains)],
                    objectives=LOREM,
                    target_public="Familles du territoire, en particulier les parents de jeunes enfants.",
                    pilot=rng.choice(pilots),
                    start_date=begins,
                    end_date=begins + datetime.timedelta(days=rng.randint(90, 700)),
                    status=rng.choice(ActionStatus.values),
                    progress=rng.randint(0, 100),
                    priority=rng.choice(Priority.values),
                )
            )
        actions = _bulk(Action, action_rows, user=staff)
        funding, evaluation, updates, partners, answered = [], [], [], [], []
        for action in actions:
            pairs = [(funder, year) for funder in funders for year in years]
            for funder, year in rng.sample(pairs, rng.randint(2, 3)):
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
            for number in range(rng.randint(1, 3)):
                updates.append(
                    ProgressUpdate(
                        action=action,
                        author=rng.choice(agents),
                        reported_on=datetime.date(start.year, 6, 30) + datetime.timedelta(days=182 * number),
                        progress=min(100, 20 * (number + 1)),
                        comment="Point d'étape présenté en comité technique. " + LOREM[:120],
                    )
                )
            partners.extend(
                Action.partners.through(action=action, organisation=organisation)
                for organisation in rng.sample(partner_pool, rng.randint(1, 3))
            )
            answered.extend(
                Action.answered_needs.through(action=action, finding=finding)
                for finding in rng.sample(needs, rng.randint(1, 2))
            )
        _bulk(FundingLine, funding, user=staff)
        _bulk(EvaluationIndicator, evaluation, user=staff)
        _bulk(ProgressUpdate, updates, user=staff)
        Action.partners.through.objects.bulk_create(partners, batch_size=BATCH)
        Action.answered_needs.through.objects.bulk_create(answered, batch_size=BATCH)

        # --- Timeline and review comments ------------------------------------------------------------
        officer = self.caf_officers[epci.department_code or "00"][0]
        when = datetime.datetime(start.year - 1, 10, 1, 10, 0, tzinfo=datetime.UTC)
        steps = TIMELINES[status] if (status != ConventionStatus.DRAFT or index == 0 or rng.random() < 0.3) else []
        StatusChange.objects.bulk_create(
            StatusChange(
                convention=convention,
                action=action,
                from_status=from_status,
                to_status=to_status,
                actor=officer if action == LifecycleAction.REQUEST_CHANGES else staff,
                comment=""
                if action != LifecycleAction.REQUEST_CHANGES
                else "Merci de préciser le plan de financement.",
                occurred_at=when + datetime.timedelta(days=9 * number),
            )
            for number, (action, from_status, to_status) in enumerate(steps)
        )
        if steps:
            commented = rng.sample(actions, min(4, len(actions)))
            threads = ReviewComment.objects.bulk_create(
                [
                    ReviewComment(
                        convention=convention,
                        anchor=CommentAnchor.GENERAL,
                        author=officer,
                        body="La convention gagnerait à préciser le calendrier des comités de pilotage.",
                        created_at=when + datetime.timedelta(days=2),
                    ),
                    ReviewComment(
                        convention=convention,
                        anchor=CommentAnchor.FINDING,
                        finding=needs[0],
                        anchor_label=needs[0].title,
                        author=officer,
                        body="Ce besoin mérite un chiffrage.",
                        created_at=when + datetime.timedelta(days=2),
                    ),
                    *(
                        ReviewComment(
                            convention=convention,
                            anchor=CommentAnchor.ACTION,
                            action=action,
                            anchor_label=f"{action.code} {action.title}",
                            author=officer,
                            body="Le financement de cette fiche reste à confirmer par la CAF.",
                            created_at=when + datetime.timedelta(days=3),
                            resolved_at=when + datetime.timedelta(days=12) if number % 2 else None,
                            resolved_by=staff if number % 2 else None,
                        )
                        for number, action in enumerate(commented)
                    ),
                ]
            )
            ReviewComment.objects.bulk_create(
                ReviewComment(
                    convention=convention,
                    parent=thread,
                    author=staff,
                    body="Nous complétons ce point pour le prochain envoi.",
                    created_at=when + datetime.timedelta(days=5),
                )
                for thread in threads[:3]
            )
        return convention


def _import_territories(records, log) -> None:
    data_dir = settings.TERRITORY_DATA_DIR
    started = time.perf_counter()
    territories_import(
        epci_path=data_file(data_dir, EPCI_FILE_NAME),
        communes_path=data_file(data_dir, COMMUNES_FILE_NAME),
        only_epci_sirens=[record.siren for record in records],
    )
    log(f"territoires importés : {len(records)} EPCI en {time.perf_counter() - started:.1f} s")


def build_national_dataset(*, epcis: int | None = None, log=None) -> NationalReport:
    """Builds the dataset into the current (empty) database; see the module's docstring."""
    log = log or (lambda message: None)
    if Convention.objects.exists() or User.objects.filter(username__startswith="bench.").exists():
        raise ValueError("La base contient déjà des conventions ou des comptes du banc : partir d'une base vide.")
    started = time.perf_counter()
    records = selected_epcis(epcis)
    _import_territories(records, log)
    organisations = Organisation.objects.filter(kind__in=[OrganisationKind.EPCI, OrganisationKind.COMMUNE]).order_by(
        "pk"
    )
    by_siren = {}
    communes_of = defaultdict(list)
    for organisation in organisations:
        if organisation.kind == OrganisationKind.EPCI:
            by_siren[organisation.siren] = organisation
        else:
            communes_of[organisation.epci_id].append(organisation)
    for members in communes_of.values():
        members.sort(key=lambda commune: commune.insee_code)

    builder = _Builder(log=log)
    with transaction.atomic():
        builder.admins()
    report = NationalReport(epcis=len(records))
    for chunk_start in range(0, len(records), CHUNK):
        with transaction.atomic():
            for index in range(chunk_start, min(chunk_start + CHUNK, len(records))):
                record = records[index]
                epci = by_siren[record.siren]
                builder.convention(index=index, record=record, epci=epci, communes=communes_of[epci.pk])
        done = min(chunk_start + CHUNK, len(records))
        log(f"{done}/{len(records)} conventions ({time.perf_counter() - started:.0f} s)")

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    first = records[0]
    first_epci = by_siren[first.siren]
    report.conventions = len(records)
    report.communes = sum(len(members) for members in communes_of.values())
    report.measured_reference = convention_reference(first.siren)
    report.users = {
        "admin": admin_username(1),
        "caf_officer": caf_username(first_epci.department_code or "00"),
        "epci_agent": epci_username(first.siren),
    }
    report.counts = dataset_counts()
    report.seconds = time.perf_counter() - started
    return report


def dataset_counts() -> dict[str, int]:
    return {
        "conventions": Convention.objects.count(),
        "organisations": Organisation.objects.count(),
        "users": User.objects.count(),
        "parties": Party.objects.count(),
        "representatives": Representative.objects.count(),
        "fiches": Action.objects.count(),
        "funding_lines": FundingLine.objects.count(),
        "indicator_values": IndicatorValue.objects.count(),
        "findings": Finding.objects.count(),
        "status_changes": StatusChange.objects.count(),
        "review_comments": ReviewComment.objects.count(),
        "history_rows": sum(
            model.history.model.objects.count()
            for model in (Convention, Party, Action, FundingLine, IndicatorValue, Organisation, Finding)
        ),
    }
