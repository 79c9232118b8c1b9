"""The national benchmark dataset: every EPCI of ``data/``, one convention each, straight into the database.

``build_national_dataset(epcis=None)`` imports the EPCIs (all, or the first ``epcis`` by SIREN) and their
member communes through the portal's own territory import, creates per département a CAF, the
Département, the Préfecture and the MSA, then for each EPCI one convention as ``bench/plan_data.py``
builds it (with its fiche generator, ``fiche_actions`` and ``fiche_details``) — parties (the EPCI, the
CAF, its three largest communes; the Département and the Préfecture associated), a copil, a shared
diagnostic (42 findings, a year-by-territory grid of indicator values over the EPCI and its communes, 5
consultations), an action plan of 20 to 80 fiches actions over six orientations (funding lines,
evaluation indicators, progress updates, partners, answered needs), a timeline (submitted, sent back…),
review comments and django-simple-history rows for every historised row, with the history date fixed.
The users: portal administrators, two CAF officers per département, four EPCI agents and one reader per
EPCI, three copil members per convention (representatives sitting in the copil), all with the password
``BENCH_PASSWORD``.

Determinism: the EPCIs are taken in SIREN order; each convention's content comes from a
``random.Random`` seeded with its EPCI's SIREN, so the convention of an EPCI is the same whatever the
size of the set (the 5-EPCI small database holds the same first five conventions as the national one);
rows are inserted in a fixed order, so two builds into fresh databases give the same ids.

One transaction per chunk of EPCIs (``CHUNK``), so an interrupted build leaves whole conventions. On
PostgreSQL (``_Writer``), rows get their ids from the tables' sequences as they are made, in the order
``bulk_create`` would give them, and each table's rows and history rows of a chunk are written by one
COPY; the transaction does not wait for the disk at commit (``synchronous_commit = off``) and, for a
superuser, turns the row-by-row foreign key triggers off (``session_replication_role = replica``), the
writer checking the chunk's references itself, one query per foreign key. Elsewhere (SQLite), and with
``copy=False``, rows are written by ``bulk_create`` and ``bulk_history_create``: the same rows, the
same ids (``tests/demo/test_national_dataset.py`` compares the two). An ``ANALYZE`` ends the build.
"""

import datetime
import enum
import io
import operator
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import DEFAULT_DB_ALIAS, connection, transaction
from django.utils import timezone

from action_plans.models import (
    Action,
    ActionPlan,
    EvaluationIndicator,
    FundingLine,
    ProgressUpdate,
    StrategicOrientation,
)
from bench.plan_data import (
    FINDING_TITLES,
    LOREM,
    ORIENTATION_TITLES,
    fiche_actions,
    fiche_details,
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
CHUNK = 50  # EPCIs per transaction
BATCH = 2000
HISTORY_DATE = datetime.datetime(2025, 1, 6, 9, 0, tzinfo=datetime.UTC)
HISTORY_REASON = "Banc national"
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
            rows, batch_size=BATCH, default_user=user, default_change_reason=HISTORY_REASON, default_date=HISTORY_DATE
        )


# --- Writing rows ---------------------------------------------------------------------------------


def _copy_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


_COPY_FORMATS = {
    str: _copy_escape,
    int: str,
    Decimal: str,
    bool: lambda value: "t" if value else "f",
    type(None): lambda value: "\\N",
    datetime.date: datetime.date.isoformat,
    datetime.datetime: datetime.datetime.isoformat,
}


def _copy_text(value) -> str:
    """A value in PostgreSQL's COPY text format."""
    format_ = _COPY_FORMATS.get(type(value))
    if format_ is not None:
        return format_(value)
    if isinstance(value, enum.Enum):  # a choice (TextChoices, IntegerChoices)
        return _copy_text(value.value)
    raise TypeError(f"Valeur inattendue pour COPY : {value!r}")


def _history_model(model):
    """The django-simple-history model of ``model``, or None (``model.history`` builds a manager each time)."""
    return model.history.model if hasattr(model, "history") else None


@dataclass
class _Table:
    """What the COPY writer knows of one table: its columns, its next id, the lines waiting."""

    model: type
    attnames: list[str]
    columns: str  # for COPY: the quoted column names, in the order of ``attnames``
    pk_index: int
    historical: type | None  # the django-simple-history model, if any
    now_columns: set[int]  # auto_now / auto_now_add fields: the time of writing, as bulk_create's pre_save
    defaults: dict  # for rows given as dicts: attname -> value when missing
    computed: set[str]  # attnames whose default is a callable: rows given as dicts must hold them
    next_id: int = 0
    lines: list = field(default_factory=list)


class _Writer:
    """Writes the build's rows, as ``bulk_create`` + ``bulk_history_create`` would, but faster on PostgreSQL.

    ``add(model, objects)`` takes model instances and gives them their ids at once; ``add_rows(model,
    rows)`` takes plain dicts (attname -> value) for rows nothing else refers to. On PostgreSQL
    (``copy=True``), ids are taken from the table's sequence in the order rows are added (the ids
    ``bulk_create`` would give), rows and their history rows become lines of COPY text, and ``flush()``
    copies each table's lines at once; otherwise each call is a ``bulk_create``. Both ways give the same
    rows with the same ids (``tests/demo/test_national_dataset.py`` compares them).
    """

    def __init__(self, *, copy: bool):
        self.copy = copy
        self.check_references = False
        self.tables: dict[type, _Table] = {}
        self.now = timezone.now()

    # --- Public --------------------------------------------------------------------------------------

    def add(self, model, objects: list, *, history: bool = True, user=None) -> list:
        if not self.copy:
            objects = model.objects.bulk_create(objects, batch_size=BATCH)
            if history and hasattr(model, "history"):
                _history(model, objects, user=user)
            return objects
        table = self._table(model)
        attnames = table.attnames
        history_rows = []
        for obj in objects:
            obj.pk = table.next_id
            table.next_id += 1
            obj._state.adding = False
            obj._state.db = DEFAULT_DB_ALIAS
            values = [getattr(obj, attname) for attname in attnames]
            for column in table.now_columns:
                values[column] = self.now
                setattr(obj, attnames[column], self.now)
            table.lines.append(values)
            history_rows.append(values)
        if history and table.historical is not None:
            self._history(model, history_rows, user)
        return objects

    def add_rows(self, model, rows: list[dict], *, history: bool = True, user=None) -> None:
        if not self.copy:
            self.add(model, [model(**row) for row in rows], history=history, user=user)
            return
        table = self._table(model)
        attnames, defaults, pk_index = table.attnames, table.defaults, table.pk_index
        if rows and table.computed.difference(rows[0]):
            raise ValueError(f"{model.__name__} : valeurs à calculer absentes ({', '.join(sorted(table.computed))}).")
        history_rows = []
        for row in rows:
            values = [row[attname] if attname in row else defaults[attname] for attname in attnames]
            values[pk_index] = table.next_id
            table.next_id += 1
            for column in table.now_columns:
                values[column] = self.now
            table.lines.append(values)
            history_rows.append(values)
        if history and table.historical is not None:
            self._history(model, history_rows, user)

    def flush(self) -> None:
        """Copies the lines waiting, table by table, and moves each sequence past the ids given.

        With ``check_references`` (the build turned PostgreSQL's row-by-row foreign key triggers off for
        its transaction), checks the references of the rows just copied (``_check_references``).
        """
        if not self.copy or not self.tables:
            return
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            for table in self.tables.values():
                meta = table.model._meta
                if table.lines:
                    buffer = io.StringIO()
                    buffer.writelines("\t".join(map(_copy_text, values)) + "\n" for values in table.lines)
                    buffer.seek(0)
                    cursor.copy_expert(
                        f"COPY {quote(meta.db_table)} ({table.columns}) FROM STDIN", buffer, size=1 << 20
                    )
            # Once every table is copied: the references may point to rows of a table copied after.
            for table in self.tables.values():
                if table.lines and self.check_references:
                    self._check_references(cursor, table)
                table.lines = []
            # As after bulk_create: the last id given is each sequence's last value.
            cursor.execute(
                "SELECT "
                + ", ".join("setval(pg_get_serial_sequence(%s, %s), %s, %s)" for _table in self.tables.values()),
                [
                    value
                    for table in self.tables.values()
                    for value in (
                        table.model._meta.db_table,
                        table.model._meta.pk.column,
                        max(table.next_id - 1, 1),
                        table.next_id > 1,
                    )
                ],
            )

    # --- Inside --------------------------------------------------------------------------------------

    @staticmethod
    def _check_references(cursor, table: _Table) -> None:
        """What the foreign key triggers would check for the lines about to be copied: per foreign key,
        the distinct values referred to, looked up at once (per row, as the triggers do, costs more)."""
        quote = connection.ops.quote_name
        meta = table.model._meta
        for index, f in enumerate(meta.concrete_fields):
            if not (f.is_relation and f.db_constraint):
                continue
            values = {line[index] for line in table.lines}
            values.discard(None)
            if not values:
                continue
            target = f.target_field
            cursor.execute(
                f"SELECT {quote(target.column)} FROM {quote(target.model._meta.db_table)} "
                f"WHERE {quote(target.column)} = ANY(%s)",
                [list(values)],
            )
            missing = values.difference(value for (value,) in cursor.fetchall())
            if missing:
                raise ValueError(f"{meta.db_table}.{f.column} : lignes visées absentes ({sorted(missing)[:5]}).")

    def _table(self, model) -> _Table:
        table = self.tables.get(model)
        if table is None:
            fields = model._meta.concrete_fields
            table = _Table(
                model=model,
                attnames=[f.attname for f in fields],
                columns=", ".join(connection.ops.quote_name(f.column) for f in fields),
                pk_index=fields.index(model._meta.pk),
                historical=_history_model(model),
                now_columns={
                    i
                    for i, f in enumerate(fields)
                    if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
                },
                defaults={
                    f.attname: None if f.primary_key else f.get_default()
                    for f in fields
                    if not (f.has_default() and callable(f.default))
                },
                computed={f.attname for f in fields if f.has_default() and callable(f.default)},
            )
            meta = model._meta
            with connection.cursor() as cursor:
                cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s))", [meta.db_table, meta.pk.column])
                table.next_id = cursor.fetchone()[0]
            self.tables[model] = table
        return table

    def _history(self, model, rows: list[list], user) -> None:
        """History rows as ``bulk_history_create`` makes them: the tracked values, '+', the date, the user."""
        historical = self.tables[model].historical
        table = self._table(historical)
        source = self._table(model).attnames
        tracked = {f.attname for f in historical.tracked_fields}
        constants = {
            "history_date": HISTORY_DATE,
            "history_change_reason": HISTORY_REASON,
            "history_type": "+",
            "history_user_id": user.pk if user is not None else None,
        }
        # Each history line picks from [*source values, *constants, history id].
        tail = list(constants.values())
        picks = []
        for attname in table.attnames:
            if attname == historical._meta.pk.attname:
                picks.append(len(source) + len(tail))
            elif attname in tracked:
                picks.append(source.index(attname))
            else:
                picks.append(len(source) + list(constants).index(attname))
        pick = operator.itemgetter(*picks)
        for values in rows:
            table.lines.append(pick([*values, *tail, table.next_id]))
            table.next_id += 1


class _Builder:
    def __init__(self, *, copy: bool, log=None):
        self.log = log or (lambda message: None)
        self.w = _Writer(copy=copy)
        self.password = make_password(BENCH_PASSWORD)
        self.domains = list(Domain.objects.order_by("position")[:7])
        self.definitions = indicator_definitions_ensure()
        self.departements = {record.code: record for record in load_departements()}
        self.department_orgs: dict[str, dict] = {}
        self.caf_officers: dict[str, list] = {}

    # --- Shared rows ------------------------------------------------------------------------------

    def users(self, usernames: list[tuple[str, str, str]], **extra) -> list:
        return self.w.add(
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
        caf, departement, state, msa = self.w.add(
            Organisation,
            [
                Organisation(name=f"CAF {name}", short_name=f"CAF {code}", kind=OrganisationKind.CAF),
                Organisation(name=f"Département {name}", kind=OrganisationKind.DEPARTEMENT, department_code=code),
                Organisation(name=f"Préfecture {name}", kind=OrganisationKind.STATE_SERVICE, department_code=code),
                Organisation(name=f"MSA {name}", kind=OrganisationKind.MSA, department_code=code),
            ],
        )
        caf_rep, departement_rep, state_rep = self.w.add(
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
        self.w.add(
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
        self.w.add(
            Membership,
            [
                *(Membership(user=user, organisation=epci, role=MembershipRole.STAFF) for user in agents),
                Membership(user=reader, organisation=epci, role=MembershipRole.READER),
            ],
        )
        staff = agents[0]

        associations = self.w.add(
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
        convention = self.w.add(
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
        self.w.add_rows(
            Convention.domains.through,
            [{"convention_id": convention.pk, "domain_id": domain.pk} for domain in chosen_domains],
        )

        signing_communes = sorted(communes, key=lambda c: (-(c.population or 0), c.insee_code))[:SIGNING_COMMUNES]
        representatives = self.w.add(
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
        self.w.add(
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
        copil = self.w.add(
            GovernanceBody,
            [
                GovernanceBody(
                    convention=convention, kind=GovernanceBodyKind.STEERING_COMMITTEE, name="Comité de pilotage"
                )
            ],
            user=staff,
        )[0]
        self.w.add(
            GovernanceMember,
            [
                GovernanceMember(body=copil, representative=rep)
                for rep in [epci_rep, dept["caf_rep"], *commune_reps, dept["departement_rep"], *copil_reps]
            ],
            user=staff,
        )

        # --- Shared diagnostic ---------------------------------------------------------------------
        diagnostic = self.w.add(
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
        findings = self.w.add(
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
        self.w.add_rows(
            IndicatorValue,
            [
                *(
                    {
                        "diagnostic_id": diagnostic.pk,
                        "indicator_id": definition.pk,
                        "territory_id": epci.pk,
                        "year": year,
                        "value": Decimal(rng.randint(5, 50000)),
                    }
                    for definition in self.definitions
                    for year in INDICATOR_YEARS
                ),
                *(
                    {
                        "diagnostic_id": diagnostic.pk,
                        "indicator_id": definition.pk,
                        "territory_id": commune.pk,
                        "year": year,
                        "value": Decimal(rng.randint(5, 5000)),
                    }
                    for definition in self.definitions[:COMMUNE_INDICATORS]
                    for commune in communes
                    for year in INDICATOR_YEARS
                ),
            ],
            user=staff,
        )
        partner_pool = [caf, dept["departement"], dept["state"], dept["msa"], *communes[:20], *associations]
        consultations = self.w.add(
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
        self.w.add_rows(
            Consultation.organisations.through,
            [
                {"consultation_id": consultation.pk, "organisation_id": organisation.pk}
                for consultation in consultations
                for organisation in rng.sample(partner_pool, min(4, len(partner_pool)))
            ],
        )

        # --- Action plan ---------------------------------------------------------------------------
        plan = self.w.add(ActionPlan, [ActionPlan(convention=convention, summary=LOREM)], user=staff)[0]
        orientations = self.w.add(
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
        actions = self.w.add(
            Action,
            fiche_actions(
                rng, orientations=orientations, domains=domains, pilots=pilots, count=action_count, start=start
            ),
            user=staff,
        )
        details = fiche_details(
            rng,
            actions,
            funders=funders,
            years=years,
            partner_pool=partner_pool,
            needs=needs,
            author=lambda: rng.choice(agents).pk,
        )
        self.w.add_rows(FundingLine, details.funding, user=staff)
        self.w.add_rows(EvaluationIndicator, details.evaluation, user=staff)
        self.w.add_rows(ProgressUpdate, details.updates, user=staff)
        self.w.add_rows(Action.partners.through, details.partners)
        self.w.add_rows(Action.answered_needs.through, details.answered)

        # --- Timeline and review comments ------------------------------------------------------------
        officer = self.caf_officers[epci.department_code or "00"][0]
        when = datetime.datetime(start.year - 1, 10, 1, 10, 0, tzinfo=datetime.UTC)
        steps = TIMELINES[status] if (status != ConventionStatus.DRAFT or index == 0 or rng.random() < 0.3) else []
        self.w.add(
            StatusChange,
            [
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
            ],
        )
        if steps:
            commented = rng.sample(actions, min(4, len(actions)))
            threads = self.w.add(
                ReviewComment,
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
                ],
            )
            self.w.add(
                ReviewComment,
                [
                    ReviewComment(
                        convention=convention,
                        parent=thread,
                        author=staff,
                        body="Nous complétons ce point pour le prochain envoi.",
                        created_at=when + datetime.timedelta(days=5),
                    )
                    for thread in threads[:3]
                ],
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


def _is_superuser() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SHOW is_superuser")
        return cursor.fetchone()[0] == "on"


def build_national_dataset(*, epcis: int | None = None, log=None, copy: bool | None = None) -> NationalReport:
    """Builds the dataset into the current (empty) database; see the module's docstring.

    ``copy``: write with COPY (PostgreSQL only; the default there) rather than ``bulk_create``.
    """
    log = log or (lambda message: None)
    postgresql = connection.vendor == "postgresql"
    copy = postgresql if copy is None else copy
    if copy and not postgresql:
        raise ValueError("COPY demande PostgreSQL.")
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

    builder = _Builder(copy=copy, log=log)
    superuser = postgresql and _is_superuser()
    report = NationalReport(epcis=len(records))
    for chunk_start in range(0, len(records), CHUNK):
        with transaction.atomic():
            if postgresql:
                with connection.cursor() as cursor:
                    # A lost commit after a crash costs only a rebuild; not waiting for the disk is faster.
                    cursor.execute("SET LOCAL synchronous_commit = off")
                    if copy and superuser:
                        # The foreign keys' triggers check row by row, at commit, a fifth of the build's
                        # time: off for this transaction, the writer checks the references per table.
                        cursor.execute("SET LOCAL session_replication_role = replica")
                        builder.w.check_references = True
            if chunk_start == 0:
                builder.admins()
            for index in range(chunk_start, min(chunk_start + CHUNK, len(records))):
                record = records[index]
                epci = by_siren[record.siren]
                builder.convention(index=index, record=record, epci=epci, communes=communes_of[epci.pk])
            builder.w.flush()
            if builder.w.check_references:
                with connection.cursor() as cursor:
                    # Inside a larger transaction (tests), what follows the build has its triggers back.
                    cursor.execute("SET LOCAL session_replication_role = DEFAULT")
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
