"""Background jobs of the convention's workflow: thin, idempotent, receiving ids or dates, calling services.

``send_notification`` is queued by the services when a transaction that wrote notices commits; the
others run from Celery beat (``CELERY_BEAT_SCHEDULE`` in the settings): the sweeps of what a broker
outage left unsent every five minutes, the outbox sweep hourly, the calendar, the reminders and the
renewal alerts daily.

Task names keep the ``conventions.tasks.`` prefix they had before the workflow got its own app: queued
messages and the beat schedule rows in the database name tasks by these strings.
"""

import datetime
import smtplib

from celery import shared_task
from django.db import OperationalError

from workflow.services import lifecycle, notifications


def _day(today: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(today) if today else None


# acks_late: a worker that dies mid-send leaves the message to another, and ``notification_send``
# makes the redelivery harmless. Retried on what a later attempt may cure: the SMTP server or the
# network (smtplib's errors are OSErrors), or a lock held too long by another worker.
@shared_task(
    name="conventions.tasks.send_notification",
    acks_late=True,
    autoretry_for=(smtplib.SMTPException, OSError, OperationalError),
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=5,
)
def send_notification(notification_id: int) -> bool:
    """Sends one e-mail of the outbox unless it went already; returns whether it was sent now."""
    return notifications.notification_send(notification_id=notification_id)


@shared_task(name="conventions.tasks.requeue_unsent_notifications")
def requeue_unsent_notifications() -> int:
    """Hourly: queues again the e-mails whose task was lost (a broker outage) or gave up."""
    return notifications.notifications_requeue_unsent()


@shared_task(name="conventions.tasks.requeue_unqueued_notifications")
def requeue_unqueued_notifications() -> int:
    """Every five minutes: queues the e-mails never tried (their task lost to a broker outage)."""
    return notifications.notifications_requeue_unqueued()


@shared_task(name="conventions.tasks.send_signature_reminders")
def send_signature_reminders(today: str | None = None) -> int:
    """Daily: reminds pending signatories every ``SIGNATURE_REMINDER_DAYS``; ``today`` is an ISO date."""
    return notifications.send_signature_reminders(today=_day(today))


@shared_task(name="conventions.tasks.send_renewal_alerts")
def send_renewal_alerts(today: str | None = None) -> int:
    """Daily: warns staff and copil members ``RENEWAL_ALERT_MONTHS`` before a convention ends."""
    return notifications.send_renewal_alerts(today=_day(today))


@shared_task(
    name="conventions.tasks.apply_calendar_transitions",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def apply_calendar_transitions(today: str | None = None) -> int:
    """Daily: records the entries into force and the expiries the calendar has brought about."""
    return lifecycle.apply_calendar_transitions(_day(today))
