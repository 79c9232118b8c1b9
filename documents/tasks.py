"""Background job of the documents of record: render one PDF, thin and idempotent.

The task keeps the name ``conventions.tasks.render_document`` it had before documents got their own app,
so messages already queued under that name are still consumed.
"""

from celery import Task, shared_task
from django.conf import settings
from django.db import OperationalError

from documents.services.queue import documents_requeue_stalled
from documents.services.render import document_mark_failed, document_render


class DocumentTask(Task):
    """Records on the document what made the task give up (retries exhausted, hard time limit…)."""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        document_id = args[0] if args else kwargs.get("document_id")
        if document_id is not None:
            document_mark_failed(document_id=document_id, error=exc, task_id=task_id)


# acks_late + reject_on_worker_lost: a worker killed mid-render leaves the message to another worker,
# and ``document_render`` makes the redelivery harmless (a ready document is not rendered again).
# Retried with a backoff on what a later attempt may cure; any other error fails the document at once.
@shared_task(
    name="conventions.tasks.render_document",
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
    return document_render(document_id=document_id, task_id=self.request.id).status


@shared_task(name="conventions.tasks.requeue_stalled_documents")
def requeue_stalled_documents() -> int:
    """Every five minutes: sends again the renderings whose task was never sent (a broker outage) or lost."""
    return documents_requeue_stalled()
