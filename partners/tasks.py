"""Background jobs of the partners app: thin, idempotent, calling services."""

import smtplib
import uuid
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.db import IntegrityError, OperationalError

from partners.services import accounts, territories_import_from_directory


# Retried on database hiccups, and on IntegrityError: two workers importing the same EPCI at once
# both try to create its rows; the loser's retry finds them and has nothing left to do.
@shared_task(autoretry_for=(OperationalError, IntegrityError), retry_backoff=True, max_retries=3)
def import_epci_territory(siren: str) -> dict[str, int]:
    """Creates or updates one EPCI and its communes from the files of ``TERRITORY_DATA_DIR``.

    Returns the import's counts (``epcis_created``, ``communes_updated``…). A malformed file or an
    unknown SIREN raises ``TerritoryDataError``, which no retry would cure.
    """
    report = territories_import_from_directory(data_dir=Path(settings.TERRITORY_DATA_DIR), only_epci_sirens=[siren])
    return report.as_dict()


# --- People and their accounts ----------------------------------------------------------------------
# acks_late: a worker that dies mid-send leaves the message to another, and the services make the
# redelivery harmless for invitations. Retried on what a later attempt may cure: the SMTP server or the
# network (smtplib's errors are OSErrors), or a lock held too long by another worker.
EMAIL_RETRIES = {
    "acks_late": True,
    "autoretry_for": (smtplib.SMTPException, OSError, OperationalError),
    "retry_backoff": 30,
    "retry_backoff_max": 3600,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(name="partners.tasks.send_invitation", **EMAIL_RETRIES)
def send_invitation(invitation_pk: int) -> bool:
    """Sends an invitation's e-mail with a fresh single-use link, unless it went already."""
    return accounts.invitation_send(invitation_pk=invitation_pk)


@shared_task(name="partners.tasks.requeue_unsent_invitations")
def requeue_unsent_invitations() -> int:
    """Every ten minutes: queues again the pending invitations whose e-mail never went."""
    return accounts.invitations_requeue_unsent()


@shared_task(name="partners.tasks.send_password_reset", bind=True, **EMAIL_RETRIES)
def send_password_reset(self, user_pk: int) -> bool:
    """E-mails a password reset link (made here, never in the web request) to an active account, once
    however often the message is delivered (its task id; a new one when called outside Celery)."""
    return accounts.password_reset_send(user_pk=user_pk, delivery_id=self.request.id or uuid.uuid4().hex)
