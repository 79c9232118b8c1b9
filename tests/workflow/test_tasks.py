"""The conventions' Celery tasks: sending with retries, the daily jobs, the beat schedule, a real worker."""

import datetime
import smtplib
import time

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from conventions.choices import ConventionStatus, LifecycleAction, NotificationKind
from conventions.models import Convention, Notification
from tests.conventions.factories import ConventionFactory, PartyFactory
from tests.partners.factories import MembershipFactory, OrganisationFactory
from tests.workflow.factories import make_ready_for_review
from workflow.services import lifecycle
from workflow.tasks import (
    apply_calendar_transitions,
    requeue_unsent_notifications,
    send_notification,
    send_renewal_alerts,
    send_signature_reminders,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def retries_in_process():
    """Eager retries run at once, in-process; errors come back in the result as from a worker."""
    from ctg_portal.celery import app

    saved = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = saved


def a_notice(**fields) -> Notification:
    return Notification.objects.create(
        convention=fields.pop("convention", None) or ConventionFactory(),
        kind=NotificationKind.SUBMITTED,
        email="relectrice@caf.example.fr",
        subject="La convention CTG-TEST vous est soumise pour relecture",
        body="Bonjour,\n",
        **fields,
    )


# --- send_notification --------------------------------------------------------------------------


def test_send_notification_sends_once_however_often_it_is_delivered():
    notice = a_notice()
    mail.outbox.clear()

    first = send_notification.apply(args=[notice.pk]).get()
    again = send_notification.apply(args=[notice.pk]).get()

    assert (first, again) == (True, False)
    assert [m.subject for m in mail.outbox] == ["La convention CTG-TEST vous est soumise pour relecture"]


def test_send_notification_retries_after_smtp_failures(flaky_smtp, retries_in_process):
    notice = a_notice()
    flaky_smtp.failures_left = 2
    mail.outbox.clear()

    result = send_notification.apply(args=[notice.pk])

    assert result.get() is True
    notice.refresh_from_db()
    assert notice.sent_at is not None
    assert notice.attempts == 3
    assert notice.last_error == ""
    assert len(mail.outbox) == 1


def test_send_notification_gives_up_after_five_retries_and_keeps_the_error(
    flaky_smtp,
    retries_in_process,
):
    notice = a_notice()
    flaky_smtp.failures_left = 100

    result = send_notification.apply(args=[notice.pk])

    assert result.state == "FAILURE"
    assert isinstance(result.result, smtplib.SMTPServerDisconnected)

    notice.refresh_from_db()
    assert notice.sent_at is None
    assert notice.attempts == 6  # the first try and five retries
    assert notice.last_error.startswith("SMTPServerDisconnected")


def test_send_notification_is_acknowledged_late_and_retried_on_network_errors_only():
    assert send_notification.acks_late is True
    assert send_notification.max_retries == 5
    assert smtplib.SMTPException in send_notification.autoretry_for
    assert OSError in send_notification.autoretry_for
    assert Exception not in send_notification.autoretry_for


def test_requeue_unsent_notifications_sends_the_forgotten_ones(eager_celery):
    notice = a_notice()
    Notification.objects.filter(pk=notice.pk).update(created_at=timezone.now() - datetime.timedelta(hours=1))
    mail.outbox.clear()

    assert requeue_unsent_notifications.apply().get() == 1

    notice.refresh_from_db()
    assert notice.sent_at is not None
    assert len(mail.outbox) == 1
    assert requeue_unsent_notifications.apply().get() == 0


# --- The daily jobs -------------------------------------------------------------------------------


def test_apply_calendar_transitions_enters_into_force_then_expires_once():
    convention = ConventionFactory(status=ConventionStatus.SIGNED)  # 2024–2027

    assert apply_calendar_transitions.apply(args=["2023-12-31"]).get() == 0
    assert apply_calendar_transitions.apply(args=["2025-06-01"]).get() == 1
    convention.refresh_from_db()
    assert convention.status == ConventionStatus.IN_FORCE

    assert apply_calendar_transitions.apply(args=["2028-01-05"]).get() == 1
    assert apply_calendar_transitions.apply(args=["2028-01-06"]).get() == 0
    convention.refresh_from_db()
    assert convention.status == ConventionStatus.EXPIRED
    assert list(convention.status_changes.values_list("action", flat=True)) == [
        LifecycleAction.ENTER_INTO_FORCE,
        LifecycleAction.EXPIRE,
    ]


def test_apply_calendar_transitions_leaves_drafts_alone():
    convention = ConventionFactory()

    assert apply_calendar_transitions.apply(args=["2028-01-05"]).get() == 0
    convention.refresh_from_db()
    assert convention.status == ConventionStatus.DRAFT


def test_send_signature_reminders_task_takes_the_day_as_an_iso_date(settings):
    settings.SIGNATURE_REMINDER_DAYS = 7
    convention = ConventionFactory()
    staff = MembershipFactory(organisation=convention.epci).user
    caf = OrganisationFactory(caf=True)
    officer = MembershipFactory(organisation=caf).user
    PartyFactory(convention=convention, organisation=caf, representative__email="directrice@caf.example.fr")
    make_ready_for_review(convention)
    lifecycle.convention_transition(convention=convention, action=LifecycleAction.SUBMIT, by=staff)
    lifecycle.convention_transition(convention=convention, action=LifecycleAction.APPROVE, by=officer)
    lifecycle.convention_transition(convention=convention, action=LifecycleAction.OPEN_SIGNATURE, by=staff)
    today = timezone.localdate()

    assert send_signature_reminders.apply(args=[(today + datetime.timedelta(days=6)).isoformat()]).get() == 0
    assert send_signature_reminders.apply(args=[(today + datetime.timedelta(days=7)).isoformat()]).get() == 1
    assert Notification.objects.filter(kind=NotificationKind.SIGNATURE_REMINDER).count() == 1


def test_send_renewal_alerts_task_takes_the_day_as_an_iso_date():
    convention = ConventionFactory(status=ConventionStatus.SIGNED)  # ends 31 December 2027
    MembershipFactory(organisation=convention.epci, user__email="agent@epci.example.fr")

    assert send_renewal_alerts.apply(args=["2027-06-01"]).get() == 0
    assert send_renewal_alerts.apply(args=["2027-07-01"]).get() == 1
    assert send_renewal_alerts.apply(args=["2027-07-02"]).get() == 0


def test_the_daily_jobs_default_to_today():
    today = timezone.localdate()
    convention = ConventionFactory(
        status=ConventionStatus.SIGNED,
        period_start=today - datetime.timedelta(days=10),
        period_end=today + datetime.timedelta(days=30),
    )
    MembershipFactory(organisation=convention.epci, user__email="agent@epci.example.fr")

    assert apply_calendar_transitions.apply().get() == 1
    assert send_signature_reminders.apply().get() == 0
    assert send_renewal_alerts.apply().get() == 1
    convention.refresh_from_db()
    assert convention.status == ConventionStatus.IN_FORCE


# --- The beat schedule ----------------------------------------------------------------------------


def test_the_beat_schedule_names_registered_tasks():
    from ctg_portal.celery import app

    app.loader.import_default_modules()
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert {entry["task"] for entry in schedule.values()} <= set(app.tasks)
    assert schedule["apply-calendar-transitions"]["schedule"].hour == {5}
    assert schedule["apply-calendar-transitions"]["schedule"].minute == {30}
    assert schedule["send-signature-reminders"]["schedule"].hour == {8}
    assert schedule["send-renewal-alerts"]["schedule"].hour == {8}


@pytest.mark.django_db(transaction=True)  # the scheduler closes old database connections as it starts
def test_the_database_scheduler_installs_the_schedule():
    from django_celery_beat.models import PeriodicTask
    from django_celery_beat.schedulers import DatabaseScheduler

    from ctg_portal.celery import app

    DatabaseScheduler(app=app)

    tasks = dict(PeriodicTask.objects.values_list("name", "task"))
    assert tasks["apply-calendar-transitions"] == "conventions.tasks.apply_calendar_transitions"
    assert tasks["send-signature-reminders"] == "conventions.tasks.send_signature_reminders"
    assert tasks["send-renewal-alerts"] == "conventions.tasks.send_renewal_alerts"
    assert tasks["requeue-unsent-notifications"] == "conventions.tasks.requeue_unsent_notifications"
    reminders = PeriodicTask.objects.select_related("crontab").get(name="send-signature-reminders")
    assert (reminders.crontab.hour, reminders.crontab.minute) == ("8", "0")


# --- A real worker through Redis ------------------------------------------------------------------


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_a_notice_once(celery_worker_on_redis):
    notice = a_notice()
    mail.outbox.clear()

    sent_now = send_notification.delay(notice.pk).get(timeout=20)
    sent_again = send_notification.delay(notice.pk).get(timeout=20)

    assert (sent_now, sent_again) == (True, False)
    notice.refresh_from_db()
    assert notice.sent_at is not None and notice.attempts == 1
    assert [m.to for m in mail.outbox] == [["relectrice@caf.example.fr"]]


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_submission_reaches_the_caf_officer_through_the_worker(celery_worker_on_redis):
    convention = ConventionFactory()
    staff = MembershipFactory(organisation=convention.epci).user
    caf = OrganisationFactory(caf=True)
    MembershipFactory(organisation=caf, user__email="relectrice@caf.example.fr")
    PartyFactory(convention=convention, organisation=caf)
    make_ready_for_review(convention)
    mail.outbox.clear()

    lifecycle.convention_transition(
        convention=convention, action=LifecycleAction.SUBMIT, by=staff
    )  # commits: the notice is queued to the worker

    notice = Notification.objects.get(convention=convention)
    deadline = time.monotonic() + 20
    while notice.sent_at is None and time.monotonic() < deadline:
        time.sleep(0.05)
        notice.refresh_from_db()
    assert notice.sent_at is not None
    assert [m.to for m in mail.outbox] == [["relectrice@caf.example.fr"]]
    assert Convention.objects.get(pk=convention.pk).status == ConventionStatus.IN_REVIEW
