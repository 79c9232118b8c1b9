"""Every write to a diagnostic: indicator values, findings, consultations.

The diagnostic is contractual content: only the intercommunality's staff change it, and only while
the convention is a draft or sent back for changes (``abilities["edit"]``). Each service checks
that itself, so a forged request is refused even though the page shows no button, and checks it on
the convention re-read under a row lock in its own transaction (:func:`_lock_for_edit`), so an edit
and a submission for review serialise: no write lands in a convention that is no longer editable.
Each writes in one transaction and leaves its trace in the history (``_history_user`` is set for
calls made outside a request, where ``HistoryRequestMiddleware`` cannot tell who acted).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from conventions import render_cache
from conventions.models import Convention, Domain
from conventions.permissions import diagnostic_edit_refusal
from conventions.services.content import lock_editable_convention
from ctg_portal.errors import NotAllowed, PortalError
from diagnostics.csv_import import ImportPlan, ParsedFile, RawRow, RowAction, plan_indicator_import
from diagnostics.indicators import formula_source_for
from diagnostics.models import (
    MAX_YEAR,
    MIN_YEAR,
    Consultation,
    Diagnostic,
    Finding,
    IndicatorDefinition,
    IndicatorValue,
    StagedImport,
)
from partners.choices import OrganisationKind
from partners.models import Organisation


class ImportRefused(PortalError):
    """The file has errors: nothing was imported. ``plan`` holds them, row by row."""

    def __init__(self, plan: ImportPlan):
        self.plan = plan
        super().__init__(_("The file has errors: nothing was imported. Correct them and import it again."))


class ImportAlreadyApplied(PortalError):
    """The preview was confirmed already (another tab, a double click): nothing is written twice."""

    def __init__(self):
        super().__init__(_("This import has already been applied."))


# --- Permission -------------------------------------------------------------------------------------


def edit_refusal(convention: Convention, abilities: dict[str, bool]) -> NotAllowed:
    """The error refusing a change to this convention's diagnostic, in the policy's words
    (``conventions.permissions.diagnostic_edit_refusal``); for whoever may not ``edit`` it."""
    return NotAllowed(diagnostic_edit_refusal(convention, abilities))


def ensure_can_edit(*, convention: Convention, by) -> None:
    """Raises ``NotAllowed`` unless ``by`` may change this convention's diagnostic now.

    For pages, which show the editing forms or not; a write checks again under the lock.
    """
    abilities = convention.get_abilities(by)
    if not abilities["edit"]:
        raise edit_refusal(convention, abilities)


def _lock_for_edit(convention: Convention, by) -> Convention:
    """Call first inside the service's transaction: locks the convention, then checks (see module doc)."""
    return lock_editable_convention(convention, by=by, refusal=edit_refusal)


def _track(instance, by):
    instance._history_user = by
    return instance


# --- Diagnostic -------------------------------------------------------------------------------------


@transaction.atomic
def diagnostic_start(*, convention: Convention, by) -> Diagnostic:
    """Opens the convention's diagnostic (idempotent: returns the existing one)."""
    _lock_for_edit(convention, by)
    existing = Diagnostic.objects.filter(convention=convention).first()
    if existing is not None:
        return existing
    diagnostic = _track(Diagnostic(convention=convention, started_on=timezone.localdate()), by)
    diagnostic.full_clean()
    diagnostic.save()
    return diagnostic


DIAGNOSTIC_FIELDS = ("summary", "started_on", "completed_on")


@transaction.atomic
def diagnostic_update(*, diagnostic: Diagnostic, fields: Mapping, by) -> Diagnostic:
    """Changes the diagnostic's introduction and its dates (started, completed)."""
    _lock_for_edit(diagnostic.convention, by)
    diagnostic = Diagnostic.objects.select_for_update().get(pk=diagnostic.pk)
    for name in DIAGNOSTIC_FIELDS:
        setattr(diagnostic, name, fields[name])
    _track(diagnostic, by)
    diagnostic.full_clean()
    diagnostic.save()
    return diagnostic


# --- Indicator values -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ValuesChange:
    created: int = 0
    updated: int = 0
    deleted: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.deleted


def diagnostic_territories(*, convention: Convention) -> dict[int, Organisation]:
    """The EPCI and its member communes, by id: the territories a value may describe."""
    communes = Organisation.objects.filter(epci_id=convention.epci_id, kind=OrganisationKind.COMMUNE)
    return {convention.epci_id: convention.epci, **{commune.pk: commune for commune in communes}}


@transaction.atomic
def indicator_values_save(
    *,
    diagnostic: Diagnostic,
    indicator: IndicatorDefinition,
    values: Mapping[tuple[int, int], Decimal | None],
    by,
) -> ValuesChange:
    """Sets the values of one indicator, keyed by (territory id, year); ``None`` deletes a value.

    Only cells whose value differs are written, so the history shows real changes only.
    """
    convention = _lock_for_edit(diagnostic.convention, by)
    if formula_source_for(indicator):
        raise PortalError(_("This indicator is computed from other indicators: its values cannot be typed in."))
    territories = diagnostic_territories(convention=convention)
    errors = []
    for territory_id, year in values:
        if territory_id not in territories:
            errors.append(_("A territory is neither the intercommunality nor one of its communes."))
        if not MIN_YEAR <= year <= MAX_YEAR:
            errors.append(_("The year must be between 1950 and 2100."))
    if errors:
        raise ValidationError(sorted(set(errors)))
    existing = {
        (value.territory_id, value.year): value
        for value in IndicatorValue.objects.filter(diagnostic=diagnostic, indicator=indicator)
    }
    created = updated = deleted = 0
    for (territory_id, year), number in values.items():
        current = existing.get((territory_id, year))
        if number is None:
            if current is not None:
                _track(current, by).delete()
                deleted += 1
            continue
        if current is None:
            value = IndicatorValue(
                diagnostic=diagnostic,
                indicator=indicator,
                territory=territories[territory_id],
                year=year,
                value=number,
            )
            created += 1
        elif current.value != number:
            value = current
            value.value = number
            updated += 1
        else:
            continue
        value.full_clean(exclude=["diagnostic", "indicator", "territory"], validate_unique=False)
        _track(value, by).save()
    return ValuesChange(created=created, updated=updated, deleted=deleted)


def indicator_values_import(
    *, diagnostic: Diagnostic, rows: list[RawRow], has_comment_column: bool, by, source_name: str = ""
) -> ImportPlan:
    """Imports checked CSV rows: all of them or, at the first error, none (``ImportRefused``).

    The rows are checked again here, against the database as it is now, whatever a preview said,
    with the convention locked: a submission for review either waits for the import or refuses it.
    """
    with transaction.atomic():
        _lock_for_edit(diagnostic.convention, by)
        return _import_rows(
            diagnostic=diagnostic, rows=rows, has_comment_column=has_comment_column, by=by, source_name=source_name
        )


def _import_rows(
    *, diagnostic: Diagnostic, rows: list[RawRow], has_comment_column: bool, by, source_name: str
) -> ImportPlan:
    plan = plan_indicator_import(diagnostic=diagnostic, rows=rows, has_comment_column=has_comment_column)
    if plan.has_errors:
        raise ImportRefused(plan)
    reason = (_("CSV import (%(file)s)") % {"file": source_name})[:100] if source_name else _("CSV import")
    to_create, to_update = [], []
    for row in plan.rows:
        if row.action == RowAction.CREATE:
            to_create.append(
                IndicatorValue(
                    diagnostic=diagnostic,
                    indicator=row.indicator,
                    territory=row.territory,
                    year=row.year,
                    value=row.value,
                    comment=row.comment,
                )
            )
        elif row.action == RowAction.UPDATE:
            row.existing.value = row.value
            if has_comment_column:
                row.existing.comment = row.comment
            to_update.append(row.existing)
    try:
        with transaction.atomic():
            if to_create:
                bulk_create_with_history(
                    to_create, IndicatorValue, batch_size=500, default_user=by, default_change_reason=reason
                )
            if to_update:
                bulk_update_with_history(
                    to_update,
                    IndicatorValue,
                    ["value", "comment"],
                    batch_size=500,
                    default_user=by,
                    default_change_reason=reason,
                )
            if to_create or to_update:  # bulk writes send no post_save
                render_cache.touch(diagnostic.convention_id)
    except IntegrityError as error:
        # Someone saved the same value meanwhile: the transaction is rolled back, nothing changed.
        raise PortalError(
            _("Values changed while the file was being imported; nothing was imported. Try again.")
        ) from error
    return plan


# --- CSV import in two steps: a staged preview, then its confirmation, applied once --------------------


def staged_import_create(*, diagnostic: Diagnostic, parsed: ParsedFile, filename: str, by) -> StagedImport:
    """Keeps the rows read from a file until the user confirms the preview; removes expired ones.

    Nothing of the diagnostic changes here: the rows are checked and written on confirmation.
    """
    ensure_can_edit(convention=diagnostic.convention, by=by)
    StagedImport.objects.filter(created_at__lt=timezone.now() - StagedImport.LIFETIME).delete()
    staged = StagedImport(
        diagnostic=diagnostic,
        created_by=by,
        filename=filename[:200],
        encoding=parsed.encoding,
        delimiter=parsed.delimiter,
        has_comment_column=parsed.has_comment_column,
        ignored_columns=parsed.ignored_columns[:20],
        rows=[row.as_list() for row in parsed.rows],
    )
    staged.save()
    return staged


def staged_import_apply(*, staged: StagedImport, by) -> ImportPlan:
    """Applies a confirmed preview, exactly once.

    In one transaction: the convention is locked and must still be editable; the preview is claimed
    with a conditional ``UPDATE … WHERE applied_at IS NULL``, which only one confirmation can win
    (concurrent ones wait on the convention's lock, then find it taken); then the rows are checked
    and written. A refusal rolls everything back, the claim included, so the preview can be confirmed
    again once corrected. The second confirmation raises ``ImportAlreadyApplied``.
    """
    with transaction.atomic():
        _lock_for_edit(staged.diagnostic.convention, by)
        claimed = StagedImport.objects.filter(pk=staged.pk, applied_at__isnull=True).update(
            applied_at=timezone.now(), applied_by=by, rows=[]
        )
        if not claimed:
            raise ImportAlreadyApplied()
        return _import_rows(
            diagnostic=staged.diagnostic,
            rows=[RawRow.from_list(row) for row in staged.rows],
            has_comment_column=staged.has_comment_column,
            by=by,
            source_name=staged.filename,
        )


# --- Findings ---------------------------------------------------------------------------------------


def _check_domain(*, diagnostic: Diagnostic, domain: Domain) -> None:
    if not diagnostic.convention.domains.filter(pk=domain.pk).exists():
        raise ValidationError({"domain": _("This domain is not one of the convention's domains.")})


@transaction.atomic
def finding_create(
    *, diagnostic: Diagnostic, domain: Domain, kind: str, title: str, detail: str = "", priority: int, by
) -> Finding:
    """Adds a strength, weakness or need at the end of its domain's list."""
    _lock_for_edit(diagnostic.convention, by)
    _check_domain(diagnostic=diagnostic, domain=domain)
    last = Finding.objects.filter(diagnostic=diagnostic, domain=domain, kind=kind).aggregate(last=Max("position"))
    finding = Finding(
        diagnostic=diagnostic,
        domain=domain,
        kind=kind,
        title=(title or "").strip(),
        detail=(detail or "").strip(),
        priority=priority,
        position=(last["last"] or 0) + 1,
    )
    finding.full_clean()
    _track(finding, by).save()
    return finding


@transaction.atomic
def finding_update(*, finding: Finding, title: str, detail: str = "", priority: int, by) -> Finding:
    _lock_for_edit(finding.diagnostic.convention, by)
    finding.title = (title or "").strip()
    finding.detail = (detail or "").strip()
    finding.priority = priority
    finding.full_clean()
    _track(finding, by).save()
    return finding


@transaction.atomic
def finding_move(*, finding: Finding, direction: Literal["up", "down"], by) -> None:
    """Swaps a finding with its neighbour in its list; positions are renumbered 1, 2, 3… on the way."""
    _lock_for_edit(finding.diagnostic.convention, by)
    if direction not in ("up", "down"):
        raise ValidationError(_("Move a finding up or down."))
    siblings = list(
        Finding.objects.select_for_update()
        .filter(diagnostic_id=finding.diagnostic_id, domain_id=finding.domain_id, kind=finding.kind)
        .order_by("position", "id")
    )
    index = next(i for i, sibling in enumerate(siblings) if sibling.pk == finding.pk)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(siblings):
        return
    siblings[index], siblings[other] = siblings[other], siblings[index]
    for position, sibling in enumerate(siblings, start=1):
        if sibling.position != position:
            sibling.position = position
            _track(sibling, by).save(update_fields=["position"])


@transaction.atomic
def finding_delete(*, finding: Finding, by) -> None:
    _lock_for_edit(finding.diagnostic.convention, by)
    _track(finding, by).delete()


# --- Consultations ----------------------------------------------------------------------------------


CONSULTATION_FIELDS = ("held_on", "title", "domain", "participants", "notes")


def _consultation_save(consultation: Consultation, *, fields: Mapping, organisations, by) -> Consultation:
    diagnostic = consultation.diagnostic
    for name in CONSULTATION_FIELDS:
        if name in fields:
            value = fields[name]
            setattr(consultation, name, value.strip() if isinstance(value, str) else value)
    if consultation.domain_id:
        _check_domain(diagnostic=diagnostic, domain=consultation.domain)
    consultation.full_clean()
    _track(consultation, by).save()
    if organisations is not None:
        consultation.organisations.set(organisations)
    return consultation


@transaction.atomic
def consultation_create(*, diagnostic: Diagnostic, fields: Mapping, organisations=None, by) -> Consultation:
    _lock_for_edit(diagnostic.convention, by)
    return _consultation_save(Consultation(diagnostic=diagnostic), fields=fields, organisations=organisations, by=by)


@transaction.atomic
def consultation_update(*, consultation: Consultation, fields: Mapping, organisations=None, by) -> Consultation:
    _lock_for_edit(consultation.diagnostic.convention, by)
    return _consultation_save(consultation, fields=fields, organisations=organisations, by=by)


@transaction.atomic
def consultation_delete(*, consultation: Consultation, by) -> None:
    _lock_for_edit(consultation.diagnostic.convention, by)
    _track(consultation, by).delete()
