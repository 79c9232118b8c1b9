"""Writes the declarative demo data (``common``, ``grand_cahors``, ``la_cali``) into the database.

Idempotent by construction: every row is looked up by its natural key (a reference, a SIREN, an
organisation with a person's name and title, a code, a position…) and written only when a value
differs, so a second run creates nothing, changes nothing and records no new history. A reload brings
the demo content back to these data, except what the portal's workflows own: a convention's status
(never set here) and drafting phase are only set on creation, and a representative is linked to a user
account only where the data say so, never unlinked, so reloading the demo never undoes what a workflow
(such as the signing one) recorded.

Grand Cahors' review and signature are not data written here but a history replayed through the
lifecycle and signing services (see ``history``), once, on a convention whose timeline is empty.
"""

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.utils.translation import gettext as _

from action_plans.models import (
    Action,
    ActionPlan,
    EvaluationIndicator,
    FundingLine,
    ProgressUpdate,
    StrategicOrientation,
)
from conventions.choices import ConventionStatus, PartyRole
from conventions.models import Article, Convention, Domain, GovernanceBody, GovernanceMember, Meeting, Party
from conventions.services.meetings import meeting_approve_report
from demo import grand_cahors, la_cali
from demo.common import DEMO_ACCOUNTS, INDICATOR_DEFINITIONS
from demo.dating import date_plan_history, moment
from demo.history import record_signed_history
from demo.schema import ActionPlanRow, ConventionRow, DemoAccount, DiagnosticRow, PartyRow, Territory, TerritoryDemo
from diagnostics.models import Consultation, Diagnostic, Finding, IndicatorDefinition, IndicatorValue
from partners.choices import MembershipRole, OrganisationKind
from partners.models import Membership, Organisation, Representative
from partners.services import ImportReport, territories_import_from_directory

User = get_user_model()

TERRITORY_DEMOS: tuple[TerritoryDemo, ...] = (grand_cahors.DEMO, la_cali.DEMO)


class DemoDataError(Exception):
    """The demo cannot be loaded, for example because a territory is missing from the official data."""


@dataclass
class DemoReport:
    """What a run did: rows created and updated and many-to-many relations rewritten, per model."""

    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    relations_set: Counter = field(default_factory=Counter)
    territories: ImportReport | None = None
    conventions: list[Convention] = field(default_factory=list)
    accounts: list[tuple[DemoAccount, Any]] = field(default_factory=list)
    # References of the conventions whose signed history this run replayed through the services.
    histories_recorded: list[str] = field(default_factory=list)

    @property
    def changed_nothing(self) -> bool:
        return not self.created and not self.updated and not self.relations_set and not self.histories_recorded


@dataclass
class _Loading:
    """The rows loaded so far, by their local key, and the report being filled."""

    report: DemoReport
    password: str
    organisations: dict[str, Organisation] = field(default_factory=dict)
    representatives: dict[str, Representative] = field(default_factory=dict)
    users: dict[str, Any] = field(default_factory=dict)
    domains: dict[str, Domain] = field(default_factory=dict)
    indicators: dict[str, IndicatorDefinition] = field(default_factory=dict)


def demo_load(*, password: str) -> DemoReport:
    """Loads (or brings up to date) both demo conventions and the demo accounts, in one transaction.

    Every demo account gets ``password`` (the command draws one at random unless ``DEMO_PASSWORD`` is
    set): a password written in the source would open any server where the demo was loaded.
    """
    if not password:
        raise DemoDataError("The demo accounts need a password.")
    report = DemoReport()
    with transaction.atomic():
        report.territories = _territories_ensure()
        loading = _Loading(report=report, password=password, domains=Domain.objects.in_bulk(field_name="code"))
        for demo in TERRITORY_DEMOS:
            _load_territories(loading, demo.territories)
            for row in demo.organisations:
                loading.organisations[row.key] = _upsert(
                    loading,
                    Organisation,
                    {"name": row.name, "kind": row.kind},
                    {"short_name": row.short_name, "department_code": row.department_code},
                )
        for account in DEMO_ACCOUNTS:
            report.accounts.append((account, _load_account(loading, account)))
        for demo in TERRITORY_DEMOS:
            for row in demo.representatives:
                loading.representatives[row.key] = _upsert(
                    loading,
                    Representative,
                    {
                        "organisation": _organisation(loading, row.organisation),
                        "full_name": row.full_name,
                        "title": row.title,
                    },
                    {"civility": row.civility, **({"user": loading.users[row.user]} if row.user else {})},
                )
        _load_indicator_definitions(loading)
        for demo in TERRITORY_DEMOS:
            report.conventions.append(_load_convention(loading, demo.convention))
    return report


# --- Generic writing -----------------------------------------------------------------------------


def _stored(instance: models.Model, name: str) -> Any:
    field_ = instance._meta.get_field(name)
    # Compare foreign keys by id: reading the related object would cost a query per field.
    return getattr(instance, field_.attname) if field_.many_to_one else getattr(instance, name)


def _wanted(value: Any) -> Any:
    return value.pk if isinstance(value, models.Model) else value


def _upsert(
    loading: _Loading,
    model: type[models.Model],
    lookup: dict,
    values: dict | None = None,
    *,
    on_creation: dict | None = None,
):
    """The row of ``model`` matching ``lookup``, created or brought up to ``values``; saved only if needed.

    ``on_creation`` holds values only a new row receives: those a workflow owns once the row exists.
    """
    values = values or {}
    label = model._meta.label
    instance = model._default_manager.filter(**lookup).order_by("pk").first()
    if instance is None:
        instance = model(**lookup, **values, **(on_creation or {}))
        instance.full_clean()
        instance.save()
        loading.report.created[label] += 1
        instance._demo_touched = True
        return instance
    changed = [name for name, value in values.items() if _stored(instance, name) != _wanted(value)]
    if changed:
        for name in changed:
            setattr(instance, name, values[name])
        instance.full_clean()
        instance.save()
        loading.report.updated[label] += 1
        instance._demo_touched = True
    return instance


def _set_related(loading: _Loading, instance: models.Model, name: str, targets: list[models.Model]) -> None:
    """Makes a many-to-many relation hold exactly ``targets``; touches nothing if it already does."""
    manager = getattr(instance, name)
    if set(manager.values_list("pk", flat=True)) != {target.pk for target in targets}:
        manager.set(targets)
        loading.report.relations_set[f"{instance._meta.label}.{name}"] += 1
        instance._demo_touched = True  # a history record was written for the new relation


def _delete_stale(loading: _Loading, queryset) -> None:
    count = queryset.count()
    if count:
        queryset.delete()
        loading.report.updated[f"{queryset.model._meta.label} (deleted)"] += count


def _touched(instance: models.Model) -> bool:
    """Whether this run created or changed ``instance`` (its history then has a record of today)."""
    return getattr(instance, "_demo_touched", False)


def _decimal(value: int | str | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _organisation(loading: _Loading, key: str) -> Organisation:
    try:
        return loading.organisations[key]
    except KeyError:
        raise DemoDataError(f"Unknown organisation key “{key}” in the demo data.") from None


# --- Territories, accounts, reference data ---------------------------------------------------------


def _territories_ensure() -> ImportReport:
    """Makes sure both EPCIs and all their member communes exist, from the data shipped in the repository.

    The importer is idempotent and writes nothing when the rows are up to date.
    """
    sirens = [demo.territories[0].siren for demo in TERRITORY_DEMOS]
    return territories_import_from_directory(data_dir=settings.TERRITORY_DATA_DIR, only_epci_sirens=sirens)


def _load_territories(loading: _Loading, territories: tuple[Territory, ...]) -> None:
    """Finds the EPCI (first) and the communes a demo names, checking each commune belongs to that EPCI."""
    epci = None
    for territory in territories:
        if territory.siren:
            row = Organisation.objects.filter(kind=OrganisationKind.EPCI, siren=territory.siren).first()
        else:
            row = Organisation.objects.filter(kind=OrganisationKind.COMMUNE, insee_code=territory.insee_code).first()
        if row is None:
            raise DemoDataError(f"Territory “{territory.key}” is missing from the imported territory data.")
        if epci is None:
            epci = row
        elif row.epci_id != epci.pk:
            raise DemoDataError(f"Commune “{territory.key}” does not belong to {epci.name} in the territory data.")
        if territory.short_name:
            row = _upsert(loading, Organisation, {"pk": row.pk}, {"short_name": territory.short_name})
        loading.organisations[territory.key] = row


def _load_account(loading: _Loading, account: DemoAccount):
    values = {
        "first_name": account.first_name,
        "last_name": account.last_name,
        "email": f"{account.username}@example.org",
        "is_active": True,
        "is_staff": account.is_superuser,
        "is_superuser": account.is_superuser,
    }
    user = User.objects.filter(username=account.username).first()
    if user is None:
        user = User(username=account.username, **values)
        user.set_password(loading.password)
        user.full_clean()
        user.save()
        loading.report.created[User._meta.label] += 1
    else:
        user = _upsert(loading, User, {"pk": user.pk}, values)
        # The run's password is set on every account, but only rewritten when it no longer matches:
        # a fresh hash (with a fresh salt) at every run would be a change.
        if not user.check_password(loading.password):
            user.set_password(loading.password)
            user.save(update_fields=["password"])
            loading.report.updated[User._meta.label] += 1
    if account.staff_of:
        _upsert(
            loading,
            Membership,
            {"user": user, "organisation": _organisation(loading, account.staff_of)},
            {"role": MembershipRole.STAFF},
        )
    loading.users[account.username] = user
    return user


def _load_indicator_definitions(loading: _Loading) -> None:
    # Reference data other tools may curate: created when missing, never overwritten.
    for row in INDICATOR_DEFINITIONS:
        definition = IndicatorDefinition.objects.filter(code=row.code).first()
        if definition is None:
            definition = _upsert(
                loading,
                IndicatorDefinition,
                {"code": row.code},
                {
                    "label": row.label,
                    "unit": row.unit,
                    "source": row.source,
                    "domain": loading.domains[row.domain] if row.domain else None,
                    "description": row.description,
                },
            )
        loading.indicators[row.code] = definition


# --- One convention ------------------------------------------------------------------------------


def _load_convention(loading: _Loading, row: ConventionRow) -> Convention:
    convention = _upsert(
        loading,
        Convention,
        {"reference": row.reference},
        {
            "title": row.title,
            "epci": _organisation(loading, row.epci),
            "period_start": row.period_start,
            "period_end": row.period_end,
            "replaces_contract": row.replaces_contract,
            "perimeter_note": row.perimeter_note,
            "signing_place": row.signing_place,
            "page_notice": row.page_notice,
        },
        on_creation={"drafting_phase": row.drafting_phase},
    )
    _set_related(loading, convention, "domains", [loading.domains[code] for code in row.domains])
    for position, article in enumerate(row.articles, start=1):
        _upsert(
            loading,
            Article,
            {"convention": convention, "position": position},
            {"title": article.title, "body": article.body},
        )
    for party in row.parties:
        _load_party(loading, convention, party)
    _load_governance(loading, convention, row)
    needs = _load_diagnostic(loading, convention, row.diagnostic) if row.diagnostic else {}
    if row.action_plan:
        _load_action_plan(loading, convention, row.action_plan, needs)
    # Last, once the whole contractual content is there: approval freezes it into a version.
    if row.signed_history and record_signed_history(convention, row.signed_history, loading.users):
        loading.report.histories_recorded.append(convention.reference)
    return convention


def _load_party(loading: _Loading, convention: Convention, row: PartyRow) -> Party:
    organisation = _organisation(loading, row.organisation)
    representative = loading.representatives[row.representative] if row.representative else None
    lookup = {"convention": convention, "organisation": organisation, "representative": representative}
    values = {"role": row.role, "signing_order": row.signing_order}
    if representative is not None and not Party.objects.filter(**lookup).exists():
        # A representative designated since an earlier load (La Cali's signatories): the party that was
        # waiting for one receives them, rather than a second party of the same organisation appearing.
        waiting = Party.objects.filter(convention=convention, organisation=organisation, representative=None).first()
        if waiting is not None:
            lookup, values = {"pk": waiting.pk}, {**values, "representative": representative}
    return _upsert(loading, Party, lookup, values)


def _epci_staff_user(loading: _Loading, epci_key: str):
    return next((loading.users[a.username] for a in DEMO_ACCOUNTS if a.staff_of == epci_key), None)


def _load_governance(loading: _Loading, convention: Convention, row: ConventionRow) -> None:
    for body_row in row.governance:
        body = _upsert(
            loading,
            GovernanceBody,
            {"convention": convention, "name": body_row.name},
            {"kind": body_row.kind, "mission": body_row.mission},
        )
        members = {
            key: _upsert(
                loading,
                GovernanceMember,
                {"body": body, "representative": loading.representatives[key]},
                {"role": role},
            )
            for key, role in body_row.members
        }
        for meeting_row in body_row.meetings:
            meeting = _upsert(
                loading,
                Meeting,
                {"body": body, "held_on": meeting_row.held_on},
                {
                    "kind": meeting_row.kind,
                    "location": meeting_row.location,
                    "agenda": meeting_row.agenda,
                    "decisions": meeting_row.decisions,
                    "minutes": meeting_row.minutes,
                    "created_by": _epci_staff_user(loading, row.epci),
                },
            )
            _set_related(loading, meeting, "attendees", [members[key] for key in meeting_row.attendees])
            if meeting_row.approved_on and not meeting.report_is_approved:
                # Recorded through the service, as the meeting's page does, on the day it was approved.
                meeting_approve_report(
                    meeting=meeting,
                    by=loading.users[meeting_row.approved_by],
                    approved_on=meeting_row.approved_on,
                    today=meeting_row.approved_on,
                    now=moment(meeting_row.approved_on),
                )
                loading.report.updated["conventions.Meeting.approval"] += 1


def _load_diagnostic(loading: _Loading, convention: Convention, row: DiagnosticRow) -> dict[str, Finding]:
    """Loads the diagnostic; returns its needs by local key, for the action plan to answer."""
    diagnostic = _upsert(
        loading,
        Diagnostic,
        {"convention": convention},
        {"summary": row.summary, "started_on": row.started_on, "completed_on": row.completed_on},
    )
    for value in row.indicator_values:
        _upsert(
            loading,
            IndicatorValue,
            {
                "diagnostic": diagnostic,
                "indicator": loading.indicators[value.indicator],
                "territory": _organisation(loading, value.territory),
                "year": value.year,
            },
            {"value": _decimal(value.value), "comment": value.comment},
        )
    needs = {}
    for position, finding_row in enumerate(row.findings, start=1):
        finding = _upsert(
            loading,
            Finding,
            {
                "diagnostic": diagnostic,
                "domain": loading.domains[finding_row.domain],
                "kind": finding_row.kind,
                "title": finding_row.title,
            },
            {"detail": finding_row.detail, "priority": finding_row.priority, "position": position},
        )
        if finding_row.key:
            needs[finding_row.key] = finding
    for consultation_row in row.consultations:
        consultation = _upsert(
            loading,
            Consultation,
            {"diagnostic": diagnostic, "held_on": consultation_row.held_on, "title": consultation_row.title},
            {
                "participants": consultation_row.participants,
                "notes": consultation_row.notes,
                "domain": loading.domains[consultation_row.domain] if consultation_row.domain else None,
            },
        )
        organisations = [_organisation(loading, key) for key in consultation_row.organisations]
        _set_related(loading, consultation, "organisations", organisations)
    return needs


def _load_action_plan(loading: _Loading, convention: Convention, row: ActionPlanRow, needs: dict[str, Finding]) -> None:
    plan = _upsert(loading, ActionPlan, {"convention": convention}, {"summary": row.summary})
    author = loading.users[row.updates_author]
    for orientation_position, orientation_row in enumerate(row.orientations, start=1):
        orientation = _upsert(
            loading,
            StrategicOrientation,
            {"plan": plan, "position": orientation_position},
            {"title": orientation_row.title, "description": orientation_row.description},
        )
        for position, action_row in enumerate(orientation_row.actions, start=1):
            # Demo history, not a workflow: the statuses are those of a plan that ended in 2023.
            action = _upsert(
                loading,
                Action,
                {"orientation": orientation, "code": action_row.code},
                {
                    "position": position,
                    "title": action_row.title,
                    "domain": loading.domains[action_row.domain],
                    "objectives": action_row.objectives,
                    "target_public": action_row.target_public,
                    "pilot": _organisation(loading, action_row.pilot),
                    "start_date": action_row.start_date,
                    "end_date": action_row.end_date,
                    "status": action_row.status,
                    "progress": action_row.progress,
                    "priority": action_row.priority,
                },
            )
            _set_related(loading, action, "partners", [_organisation(loading, key) for key in action_row.partners])
            _set_related(loading, action, "answered_needs", [needs[key] for key in action_row.answered_needs])
            touched_lines, kept_lines = set(), set()
            for funding in action_row.funding:
                line = _upsert(
                    loading,
                    FundingLine,
                    {
                        "action": action,
                        "funder": _organisation(loading, funding.funder),
                        "year": funding.year,
                        "scheme": funding.scheme,
                    },
                    {"amount": _decimal(funding.amount), "status": funding.status},
                )
                if _touched(line):
                    touched_lines.add(line.pk)
                kept_lines.add(line.pk)
            indicators = []
            for indicator_position, evaluation in enumerate(action_row.evaluation, start=1):
                indicator = _upsert(
                    loading,
                    EvaluationIndicator,
                    {"action": action, "label": evaluation.label},
                    {
                        "unit": evaluation.unit,
                        "baseline": _decimal(evaluation.baseline),
                        "target": _decimal(evaluation.target),
                        "current_value": _decimal(evaluation.current_value),
                        "position": indicator_position,
                    },
                )
                indicators.append(indicator)
            # Lines and indicators the data no longer hold (renamed since an earlier load) go: the demo's
            # data own the plan's content, and a renamed line kept beside its new name would count twice.
            _delete_stale(loading, FundingLine.objects.filter(action=action).exclude(pk__in=kept_lines))
            _delete_stale(
                loading,
                EvaluationIndicator.objects.filter(action=action).exclude(pk__in=[i.pk for i in indicators]),
            )
            touched = {("action", action.pk)} if _touched(action) else set()
            touched |= {("funding", pk) for pk in touched_lines}
            for indicator in indicators:
                if _touched(indicator):
                    touched.add(("indicator", indicator.pk))
            for update in action_row.updates:
                progress_update = _upsert(
                    loading,
                    ProgressUpdate,
                    {"action": action, "reported_on": update.reported_on},
                    {"author": author, "progress": update.progress, "comment": update.comment},
                )
                if _touched(progress_update):
                    touched.add(("update", progress_update.pk))
            if row.validated_on and touched:
                date_plan_history(
                    action=action, row=action_row, validated_on=row.validated_on, touched=touched, user=author
                )


# --- Reading back, for the command's summary -------------------------------------------------------


def demo_convention_counts(convention: Convention) -> dict[str, int]:
    """A few counts that show at a glance what a demo convention holds."""
    return {
        "domains": convention.domains.count(),
        "signatories": convention.parties.filter(role=PartyRole.SIGNATORY).count(),
        "associates": convention.parties.filter(role=PartyRole.ASSOCIATE).count(),
        "articles": convention.articles.count(),
        "meetings": Meeting.objects.filter(body__convention=convention).count(),
        "indicator_values": IndicatorValue.objects.filter(diagnostic__convention=convention).count(),
        "findings": Finding.objects.filter(diagnostic__convention=convention).count(),
        "actions": Action.objects.filter(orientation__plan__convention=convention).count(),
    }


def demo_convention_standing(convention: Convention) -> str:
    """One line saying where a demo convention stands: its status today, its signed text and signatures."""
    convention.refresh_from_db()
    line = _("status today: %(status)s") % {"status": ConventionStatus(convention.current_status).label}
    version = convention.signed_version
    if version is not None:
        line += " · " + _("signed version %(number)d (SHA-256 %(hash)s…), %(count)d signatures") % {
            "number": version.number,
            "hash": version.short_hash,
            "count": version.signatures.filter(voided_at__isnull=True).count(),
        }
    return line
