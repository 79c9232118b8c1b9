"""Background jobs of the conventions app: thin, idempotent, receiving ids or dates, calling services.

``send_notification`` is queued by the services when a transaction that wrote notices commits; the
others run from Celery beat (``CELERY_BEAT_SCHEDULE`` in the settings): the sweeps of what a broker
outage left unsent every five minutes, the outbox sweep hourly, the calendar, the reminders and the
renewal alerts daily.
"""

import datetime
import smtplib

from celery import Task, shared_task
from django.conf import settings
from django.db import OperationalError

from .services import lifecycle, notifications


def _day(today: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(today) if today else None


# acks_late: a worker that dies mid-send leaves the message to another, and ``notification_send``
# makes the redelivery harmless. Retried on what a later attempt may cure: the SMTP server or the
# network (smtplib's errors are OSErrors), or a lock held too long by another worker.
@shared_task(
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


@shared_task
def requeue_unsent_notifications() -> int:
    """Hourly: queues again the e-mails whose task was lost (a broker outage) or gave up."""
    return notifications.notifications_requeue_unsent()


@shared_task
def requeue_unqueued_notifications() -> int:
    """Every five minutes: queues the e-mails never tried (their task lost to a broker outage)."""
    return notifications.notifications_requeue_unqueued()


@shared_task
def send_signature_reminders(today: str | None = None) -> int:
    """Daily: reminds pending signatories every ``SIGNATURE_REMINDER_DAYS``; ``today`` is an ISO date."""
    return notifications.send_signature_reminders(today=_day(today))


@shared_task
def send_renewal_alerts(today: str | None = None) -> int:
    """Daily: warns staff and copil members ``RENEWAL_ALERT_MONTHS`` before a convention ends."""
    return notifications.send_renewal_alerts(today=_day(today))


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def apply_calendar_transitions(today: str | None = None) -> int:
    """Daily: records the entries into force and the expiries the calendar has brought about."""
    return lifecycle.apply_calendar_transitions(_day(today))


# --- Documents of record (PDF) ---------------------------------------------------------------------


class DocumentTask(Task):
    """Records on the document what made the task give up (retries exhausted, hard time limit…)."""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        from .documents.services import document_mark_failed

        document_id = args[0] if args else kwargs.get("document_id")
        if document_id is not None:
            document_mark_failed(document_id=document_id, error=exc, task_id=task_id)


# acks_late + reject_on_worker_lost: a worker killed mid-render leaves the message to another worker,
# and ``document_render`` makes the redelivery harmless (a ready document is not rendered again).
# Retried with a backoff on what a later attempt may cure; any other error fails the document at once.
@shared_task(
    bind=True,
    base=DocumentTask,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OSError, OperationalError),
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
    soft_time_limit=settings.DOCUMENT_RENDER_TIME_LIMIT,
    time_limit=settings.DOCUMENT_RENDER_TIME_LIMIT + 30,
)
def render_document(self, document_id: int) -> str:
    """Renders one generated document unless it is ready already; returns its status."""
    from .documents.services import document_render

    return document_render(document_id=document_id, task_id=self.request.id).status


@shared_task
def requeue_stalled_documents() -> int:
    """Every five minutes: sends again the renderings whose task was never sent (a broker outage) or lost."""
    from .documents.services import documents_requeue_stalled

    return documents_requeue_stalled()
