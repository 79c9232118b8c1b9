"""No race writes into a diagnostic that is no longer editable, and a CSV preview is applied once.

Two families of tests: deterministic interleavings (any database), and real concurrency with threads
on PostgreSQL (``tests.concurrency``), skipped on SQLite outside CI.
"""

import time
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from conventions.choices import ConventionStatus, LifecycleAction
from conventions.models import Convention
from conventions.services.content import lock_convention_for_content
from ctg_portal.errors import NotAllowed
from diagnostics import csv_import, services
from diagnostics.choices import FindingKind
from diagnostics.models import Consultation, Finding, IndicatorValue, StagedImport
from tests.concurrency import domains_seeded, in_thread, require_postgresql, run_together  # noqa: F401 (a fixture)
from tests.conventions.factories import domain
from tests.diagnostics.factories import ConsultationFactory, FindingFactory, IndicatorValueFactory
from tests.workflow.factories import make_ready_for_review
from workflow.services import lifecycle, notifications

YEARS = range(2000, 2025)


def fr(message: str) -> str:
    with translation.override("fr"):
        return translation.gettext(message)


def preview_url(territory, token: str) -> str:
    return reverse("diagnostics:import_preview", kwargs={"convention_pk": territory.convention.pk, "token": token})


def csv_upload(content: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("valeurs.csv", content.encode(), content_type="text/csv")


def stage(territory, content: str) -> StagedImport:
    parsed = csv_import.read_indicator_csv(csv_upload(content))
    return services.staged_import_create(
        diagnostic=territory.diagnostic, parsed=parsed, filename="valeurs.csv", by=territory.staff
    )


def one_value_file(value="12") -> str:
    return f"indicateur;territoire;annee;valeur\nplaces-eaje;46042;2023;{value}\n"


def hundred_and_fifty_updates(territory) -> str:
    """150 values already stored (2 indicators × 3 territories × 25 years), a file changing them all."""
    territories = [territory.epci, *territory.communes]
    codes = {territory.epci.pk: territory.epci.siren, **{c.pk: c.insee_code for c in territory.communes}}
    lines = ["indicateur;territoire;annee;valeur"]
    for indicator in (territory.children, territory.places):
        for place in territories:
            for year in YEARS:
                IndicatorValueFactory(
                    diagnostic=territory.diagnostic, indicator=indicator, territory=place, year=year, value=1
                )
                lines.append(f"{indicator.code};{codes[place.pk]};{year};2")
    return "\n".join(lines) + "\n"


def submittable(territory):
    """The territory's convention with what a submission for review needs (``workflow.readiness``)."""
    make_ready_for_review(territory.convention)
    return territory


# --- The lock helper ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)  # a test case's transaction would hide the mistake
@pytest.mark.usefixtures("domains_seeded")
def test_the_lock_helper_refuses_to_run_outside_a_transaction(territory):
    with pytest.raises(transaction.TransactionManagementError):
        lock_convention_for_content(territory.convention, by=territory.staff)


@pytest.mark.django_db
def test_the_lock_helper_reads_the_status_from_the_database_not_from_the_caller(territory):
    Convention.objects.filter(pk=territory.convention.pk).update(status=ConventionStatus.IN_REVIEW)
    assert territory.convention.status == ConventionStatus.DRAFT  # the caller's copy is stale
    with transaction.atomic():
        locked, abilities = lock_convention_for_content(territory.convention, by=territory.staff)
    assert locked.status == ConventionStatus.IN_REVIEW
    assert abilities["edit"] is False and abilities["follow_up"] is True


# --- Every diagnostic write re-checks the status under the lock ------------------------------------


def _writes(territory):
    finding = FindingFactory(diagnostic=territory.diagnostic, domain=domain("petite-enfance"), title="Avant")
    consultation = ConsultationFactory(diagnostic=territory.diagnostic, title="Avant")
    staff, diagnostic = territory.staff, territory.diagnostic
    return {
        "values": lambda: services.indicator_values_save(
            diagnostic=diagnostic,
            indicator=territory.places,
            values={(territory.epci.pk, 2023): Decimal(5)},
            by=staff,
        ),
        "import": lambda: services.indicator_values_import(
            diagnostic=diagnostic,
            rows=csv_import.read_indicator_csv(csv_upload(one_value_file())).rows,
            has_comment_column=False,
            by=staff,
        ),
        "finding_create": lambda: services.finding_create(
            diagnostic=diagnostic,
            domain=domain("petite-enfance"),
            kind=FindingKind.NEED,
            title="Nouveau",
            priority=2,
            by=staff,
        ),
        "finding_update": lambda: services.finding_update(finding=finding, title="Après", priority=2, by=staff),
        "finding_move": lambda: services.finding_move(finding=finding, direction="up", by=staff),
        "finding_delete": lambda: services.finding_delete(finding=finding, by=staff),
        "consultation_create": lambda: services.consultation_create(
            diagnostic=diagnostic, fields={"held_on": "2024-02-10", "title": "Nouvelle"}, by=staff
        ),
        "consultation_update": lambda: services.consultation_update(
            consultation=consultation, fields={"title": "Après"}, by=staff
        ),
        "consultation_delete": lambda: services.consultation_delete(consultation=consultation, by=staff),
    }


WRITES = [
    "values",
    "import",
    "finding_create",
    "finding_update",
    "finding_move",
    "finding_delete",
    "consultation_create",
    "consultation_update",
    "consultation_delete",
]


def _snapshot(territory):
    return (
        sorted(IndicatorValue.objects.values_list("indicator_id", "territory_id", "year", "value")),
        sorted(Finding.objects.values_list("pk", "title", "position")),
        sorted(Consultation.objects.values_list("pk", "title")),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("write", WRITES)
def test_a_write_prepared_before_a_submission_is_refused_after_it(territory, write):
    """The page (and the objects it loaded) still say « brouillon »; the database says « en relecture »."""
    writes = _writes(territory)
    before = _snapshot(territory)
    Convention.objects.filter(pk=territory.convention.pk).update(status=ConventionStatus.IN_REVIEW)
    with pytest.raises(NotAllowed) as refusal:
        writes[write]()
    in_review = Convention.objects.get(pk=territory.convention.pk)
    assert str(refusal.value) == str(services.edit_refusal(in_review, {"edit": False, "follow_up": True}))
    assert _snapshot(territory) == before


# --- The CSV import: a submission between preview and confirmation --------------------------------


@pytest.mark.django_db
def test_a_submission_between_preview_and_confirmation_refuses_the_import(client, territory):
    submittable(territory)
    client.force_login(territory.staff)
    staged = stage(territory, one_value_file())
    assert client.get(preview_url(territory, staged.token)).status_code == 200  # the preview, in a first tab
    lifecycle.convention_transition(
        convention=territory.convention, action=LifecycleAction.SUBMIT, by=territory.staff
    )  # another tab submits

    response = client.post(preview_url(territory, staged.token))

    assert response.status_code == 403
    assert not IndicatorValue.objects.exists()
    staged.refresh_from_db()
    assert staged.applied_at is None


@pytest.mark.django_db
def test_the_import_service_refuses_a_convention_submitted_since_the_page_loaded(territory):
    staged = stage(territory, one_value_file())
    Convention.objects.filter(pk=territory.convention.pk).update(status=ConventionStatus.IN_REVIEW)
    with pytest.raises(NotAllowed):
        services.staged_import_apply(staged=staged, by=territory.staff)  # staged holds the draft convention
    assert not IndicatorValue.objects.exists()
    staged.refresh_from_db()
    assert staged.applied_at is None


# --- The CSV import: a preview is applied once ----------------------------------------------------


@pytest.mark.django_db
def test_a_second_confirmation_is_told_the_import_was_applied_and_writes_nothing(client, territory):
    content = hundred_and_fifty_updates(territory)
    client.force_login(territory.staff)
    url = client.post(
        reverse("diagnostics:import_upload", args=[territory.convention.pk]), {"file": csv_upload(content)}
    )["Location"]

    first = client.post(url, follow=True)
    second = client.post(url, follow=True)  # the same confirmation again: a double click, another tab

    assert (
        fr("Import done — values added: %(created)s, updated: %(updated)s, unchanged: %(unchanged)s.")
        % {
            "created": 0,
            "updated": 150,
            "unchanged": 0,
        }
        in first.content.decode()
    )
    assert "Cet import a déjà été appliqué." in second.content.decode()
    assert second.redirect_chain[-1][0].endswith("#indicators")
    assert IndicatorValue.history.filter(history_type="~").count() == 150
    assert set(IndicatorValue.objects.values_list("value", flat=True)) == {Decimal(2)}


@pytest.mark.django_db
def test_the_service_applies_a_staged_import_once(territory):
    staged = stage(territory, one_value_file())
    plan = services.staged_import_apply(staged=staged, by=territory.staff)
    assert plan.create_count == 1
    with pytest.raises(services.ImportAlreadyApplied):
        services.staged_import_apply(staged=staged, by=territory.staff)
    assert IndicatorValue.objects.count() == 1
    staged.refresh_from_db()
    assert staged.applied_by == territory.staff and staged.rows == []


@pytest.mark.django_db
def test_a_refused_import_is_not_used_up(territory):
    """Rows in error roll the claim back with the rest: once corrected, the same preview goes through."""
    staged = stage(territory, one_value_file())
    territory.places.formula = "{enfants-moins-3-ans} * 2"
    territory.places.save()
    with pytest.raises(services.ImportRefused):
        services.staged_import_apply(staged=staged, by=territory.staff)
    staged.refresh_from_db()
    assert staged.applied_at is None
    territory.places.formula = ""
    territory.places.save()
    assert services.staged_import_apply(staged=staged, by=territory.staff).create_count == 1


@pytest.mark.django_db
def test_an_expired_preview_cannot_be_confirmed(client, territory):
    client.force_login(territory.staff)
    staged = stage(territory, one_value_file())
    StagedImport.objects.filter(pk=staged.pk).update(created_at=staged.created_at - StagedImport.LIFETIME)
    assert client.post(preview_url(territory, staged.token)).status_code == 404
    assert not IndicatorValue.objects.exists()


# --- Real concurrency on PostgreSQL ---------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("domains_seeded")
def test_four_parallel_confirmations_apply_the_preview_exactly_once(territory):
    require_postgresql()
    content = hundred_and_fifty_updates(territory)
    staged = stage(territory, content)

    def confirm():
        fresh = StagedImport.objects.select_related("diagnostic__convention").get(pk=staged.pk)
        return services.staged_import_apply(staged=fresh, by=territory.staff)

    outcomes = run_together(confirm, 4)

    applied = [outcome for outcome in outcomes if "result" in outcome]
    refused = [outcome["error"] for outcome in outcomes if "error" in outcome]
    assert len(applied) == 1 and applied[0]["result"].update_count == 150
    assert len(refused) == 3 and all(isinstance(error, services.ImportAlreadyApplied) for error in refused)
    assert IndicatorValue.history.filter(history_type="~").count() == 150
    assert set(IndicatorValue.objects.values_list("value", flat=True)) == {Decimal(2)}


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("domains_seeded")
def test_an_import_confirmed_while_the_convention_is_being_submitted_waits_then_is_refused(territory, monkeypatch):
    require_postgresql()
    monkeypatch.setattr(notifications, "on_status_change", lambda change: None)  # no e-mail: not the subject
    submittable(territory)
    staged = stage(territory, one_value_file())

    def confirm():
        fresh = StagedImport.objects.select_related("diagnostic__convention").get(pk=staged.pk)
        return services.staged_import_apply(staged=fresh, by=territory.staff)

    with transaction.atomic():
        lifecycle.convention_transition(
            convention=territory.convention, action=LifecycleAction.SUBMIT, by=territory.staff
        )  # holds the row lock until commit
        thread, outcome = in_thread(confirm)
        time.sleep(0.5)
        assert thread.is_alive(), "the import must wait for the submission's lock"
    thread.join(30)

    assert isinstance(outcome.get("error"), NotAllowed)
    assert not IndicatorValue.objects.exists()
    assert StagedImport.objects.get(pk=staged.pk).applied_at is None


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("domains_seeded")
def test_a_submission_waits_for_an_import_in_progress_which_lands_before_it(territory, monkeypatch):
    require_postgresql()
    monkeypatch.setattr(notifications, "on_status_change", lambda change: None)
    submittable(territory)
    staged = stage(territory, one_value_file())

    with transaction.atomic():
        services.staged_import_apply(staged=staged, by=territory.staff)  # the import holds the lock
        thread, outcome = in_thread(
            lambda: lifecycle.convention_transition(
                convention=Convention.objects.get(pk=territory.convention.pk),
                action=LifecycleAction.SUBMIT,
                by=territory.staff,
            )
        )
        time.sleep(0.5)
        assert thread.is_alive(), "the submission must wait for the import's lock"
    thread.join(30)

    assert "error" not in outcome
    change = outcome["result"]
    value = IndicatorValue.objects.get()
    assert value.history.earliest().history_date < change.occurred_at  # the import landed before the submission
    assert Convention.objects.get(pk=territory.convention.pk).status == ConventionStatus.IN_REVIEW
