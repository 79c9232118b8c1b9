"""The e-mails a convention's lifecycle owes people: written to an outbox, sent by a Celery task.

Each notice is a :class:`~conventions.models.Notification` row created inside the business
transaction that caused it (a submission, a signature, a daily reminder run), in French, rendered
from ``conventions/templates/workflow/emails/``. Sending is queued once
the transaction commits (:func:`ctg_portal.queueing.enqueue_on_commit`): a rolled-back action sends
nothing, no SMTP server is ever waited for inside a web request (without Redis, the laptop's eager
mode sends right after the commit), and a broker outage costs the request about a second, never an
error.

:func:`notification_send` is the only code that sends: it locks the row and does nothing if the
notice went already, so a task delivered twice never sends twice. ``dedup_key`` keeps the notices
that several events could owe (« à vous de signer », reminders, renewal alerts) to one each. A
notice never tried (its task lost: the broker down at the commit) is queued again within five
minutes by :func:`notifications_requeue_unqueued`; one whose retries gave up, by the hourly sweep,
:func:`notifications_requeue_unsent`.

Who is told what (one e-mail per address and event; people without an address are skipped):

========================  =========================================================================
event                     recipients
========================  =========================================================================
submitted for review      the CAF officers (staff of a CAF party)
changes requested         the intercommunality's staff, with the reviewer's comment
approved                  the intercommunality's staff
signature opened          the signatories whose turn it is (the first signing order)
a signature recorded      the signatories whose turn has just begun
signature declined        the intercommunality's staff and every signatory whose signature is void
signed by all             the staff, the CAF officers and every signatory
terminated                the staff, the CAF officers and every signatory, with the reason
daily, while signing      a reminder to each pending signatory every ``SIGNATURE_REMINDER_DAYS``
daily, when in force      a renewal alert to the staff and copil members ``RENEWAL_ALERT_MONTHS``
                          before the end date
========================  =========================================================================
"""

import calendar
import datetime
import hashlib
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from conventions import selectors
from conventions.choices import (
    SIGNED_STATUSES,
    ConventionStatus,
    LifecycleAction,
    NotificationKind,
)
from conventions.models import (
    Convention,
    ConventionVersion,
    Notification,
    Party,
    Signature,
    StatusChange,
)
from conventions.selectors import signing_states
from ctg_portal.queueing import enqueue, enqueue_on_commit
from partners.models import Membership, Representative

logger = logging.getLogger(__name__)

DEDUP_KEY_MAX_LENGTH = Notification._meta.get_field("dedup_key").max_length
ERROR_MAX_LENGTH = 2000


# --- Recipients ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str
    user: object | None = None
    # Recipient-specific facts the templates may mention (e.g. "your signature is void").
    had_signed: bool = False


def _user_name(user) -> str:
    return user.get_full_name() or user.get_username()


def _from_membership(membership: Membership) -> Recipient:
    return Recipient(email=membership.user.email, name=_user_name(membership.user), user=membership.user)


def _from_representative(representative: Representative, **facts) -> Recipient:
    """A representative is written to at their own address, or else at their account's."""
    user = representative.user if representative.user_id and representative.user.is_active else None
    email = representative.email or (user.email if user else "")
    return Recipient(email=email, name=representative.full_name, user=user, **facts)


def _unique(recipients: Iterable[Recipient]) -> list[Recipient]:
    """One recipient per address (the first one named wins), without those who have none."""
    seen = set()
    unique = []
    for recipient in recipients:
        key = recipient.email.strip().lower()
        if key and key not in seen:
            seen.add(key)
            unique.append(recipient)
    return unique


def epci_staff(convention: Convention) -> list[Recipient]:
    return [_from_membership(m) for m in selectors.epci_staff_memberships(convention)]


def caf_officers(convention: Convention) -> list[Recipient]:
    """Staff of a CAF that is party to the convention: the people who review it."""
    return [_from_membership(m) for m in selectors.caf_officer_memberships(convention)]


def signatories(convention: Convention) -> list[Recipient]:
    return [_from_representative(p.representative) for p in selectors.signatory_parties(convention)]


def copil_members(convention: Convention) -> list[Recipient]:
    return [_from_representative(m.representative) for m in selectors.copil_memberships(convention)]


# --- Writing the outbox -------------------------------------------------------------------------


def convention_url(convention: Convention) -> str:
    """The absolute link to the convention's page that e-mails carry."""
    return settings.PORTAL_BASE_URL.rstrip("/") + reverse("workflow:detail", kwargs={"convention_pk": convention.pk})


def dedup_key(*parts) -> str:
    """``parts`` joined by colons; a long e-mail address (the last part) is replaced by its hash to fit."""
    key = ":".join(str(part) for part in parts)
    if len(key) > DEDUP_KEY_MAX_LENGTH:
        head, tail = ":".join(str(part) for part in parts[:-1]), str(parts[-1]).lower()
        key = f"{head}:{hashlib.sha256(tail.encode()).hexdigest()}"
    return key


def _tidy(text: str) -> str:
    """Template tags leave blank lines and trailing spaces behind: keep paragraphs, drop the rest."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


def render(kind: str, context: dict) -> tuple[str, str]:
    """The French subject (one line) and plain-text body of a notice of ``kind``."""
    with translation.override("fr"):
        subject = render_to_string(f"workflow/emails/{kind}_subject.txt", context)
        body = render_to_string(f"workflow/emails/{kind}_body.txt", context)
    return " ".join(subject.split()), _tidy(body)


def _write(
    convention: Convention,
    kind: str,
    recipients: Iterable[Recipient],
    context: dict,
    *,
    key=None,
) -> list[Notification]:
    """Writes one notice of ``kind`` per address and queues their sending once the transaction commits.

    ``key(recipient)`` gives each notice's deduplication key: a notice whose key exists already is
    not written again. Callers hold the convention's row lock, so nobody writes the same key between
    the check and the insert.
    """
    recipients = _unique(recipients)
    keys = {r.email: key(r) if key else None for r in recipients}
    taken = set(
        Notification.objects.filter(dedup_key__in=[k for k in keys.values() if k]).values_list("dedup_key", flat=True)
    )
    base = {"convention": convention, "url": convention_url(convention), **context}
    notices = []
    for recipient in recipients:
        if keys[recipient.email] in taken:
            continue
        subject, body = render(kind, {**base, "recipient": recipient})
        notices.append(
            Notification(
                convention=convention,
                kind=kind,
                recipient=recipient.user,
                email=recipient.email.strip(),
                subject=subject,
                body=body,
                dedup_key=keys[recipient.email],
            )
        )
    if not notices:
        return []
    created = Notification.objects.bulk_create(notices)
    for notice in created:
        # Should the broker be down, the action stands and the sweep queues the notice once it is back.
        enqueue_on_commit(_send_task(), (notice.pk,))
    return created


def _send_task():
    """The Celery task that sends one notice. Imported here, the one import inside a function of this
    app: the task module imports the services it calls (Celery's services ↔ tasks pair)."""
    from workflow.tasks import send_notification

    return send_notification


def _requeue(pks) -> int:
    """Queues these notices now, stopping at the first publish that fails (the broker is down)."""
    count = 0
    for pk in pks:
        if not enqueue(_send_task(), (pk,)):
            break
        count += 1
    return count


def _actor_name(change: StatusChange) -> str:
    return _user_name(change.actor) if change.actor_id else ""


# --- Events of the lifecycle --------------------------------------------------------------------


def _change_key(change: StatusChange):
    return lambda recipient: dedup_key("change", change.pk, recipient.email.lower())


def _on_submit(change: StatusChange) -> None:
    convention = change.convention
    _write(
        convention,
        NotificationKind.SUBMITTED,
        caf_officers(convention),
        {"actor_name": _actor_name(change), "comment": change.comment},
        key=_change_key(change),
    )


def _on_request_changes(change: StatusChange) -> None:
    convention = change.convention
    open_count = convention.review_comments.filter(parent__isnull=True, resolved_at__isnull=True).count()
    _write(
        convention,
        NotificationKind.CHANGES_REQUESTED,
        epci_staff(convention),
        {"actor_name": _actor_name(change), "comment": change.comment, "open_count": open_count},
        key=_change_key(change),
    )


def _on_approve(change: StatusChange) -> None:
    convention = change.convention
    _write(
        convention,
        NotificationKind.APPROVED,
        epci_staff(convention),
        {"actor_name": _actor_name(change), "comment": change.comment, "version": change.version},
        key=_change_key(change),
    )


def _on_open_signature(change: StatusChange) -> None:
    convention = change.convention
    version = change.version or convention.approved_version
    notify_signature_turns(convention, version, signing_states(convention=convention, version=version))


def _on_decline(change: StatusChange) -> None:
    convention = change.convention
    voided = (
        Signature.objects.filter(version=change.version, voided_at__isnull=False)
        .select_related("representative__user", "signer")
        .order_by("signed_at", "pk")
    )
    signed_before = []
    for signature in voided:
        recipient = Recipient(email="", name=signature.signer_name, had_signed=True)
        if signature.representative_id:
            recipient = _from_representative(signature.representative, had_signed=True)
        if not recipient.email and signature.signer_id:  # the account that signed, failing any other address
            recipient = Recipient(
                email=signature.signer.email, name=signature.signer_name, user=signature.signer, had_signed=True
            )
        signed_before.append(recipient)
    party = change.party
    _write(
        convention,
        NotificationKind.SIGNATURE_DECLINED,
        [*signed_before, *epci_staff(convention)],
        {
            "decliner_name": party.representative.full_name if party and party.representative_id else "",
            "decliner_organisation": party.organisation.name if party else "",
            "reason": change.comment,
            "version": change.version,
        },
        key=_change_key(change),
    )


def _on_complete_signature(change: StatusChange) -> None:
    convention = change.convention
    signatures = list(
        Signature.objects.filter(version=change.version, voided_at__isnull=True).order_by("signed_at", "pk")
    )
    _write(
        convention,
        NotificationKind.FULLY_SIGNED,
        [*epci_staff(convention), *caf_officers(convention), *signatories(convention)],
        {"signatures": signatures, "signed_on": timezone.localdate(change.occurred_at), "version": change.version},
        key=_change_key(change),
    )


def _on_terminate(change: StatusChange) -> None:
    convention = change.convention
    _write(
        convention,
        NotificationKind.TERMINATED,
        [*epci_staff(convention), *caf_officers(convention), *signatories(convention)],
        {
            "actor_name": _actor_name(change),
            "reason": change.comment,
            "terminated_on": timezone.localdate(change.occurred_at),
            "version": change.version,
        },
        key=_change_key(change),
    )


STATUS_CHANGE_HANDLERS = {
    LifecycleAction.SUBMIT: _on_submit,
    LifecycleAction.REQUEST_CHANGES: _on_request_changes,
    LifecycleAction.APPROVE: _on_approve,
    LifecycleAction.OPEN_SIGNATURE: _on_open_signature,
    LifecycleAction.DECLINE: _on_decline,
    LifecycleAction.COMPLETE_SIGNATURE: _on_complete_signature,
    LifecycleAction.TERMINATE: _on_terminate,
}


def on_status_change(change: StatusChange) -> None:
    """Called by the lifecycle inside its transaction, the convention's row locked, after each change."""
    handler = STATUS_CHANGE_HANDLERS.get(change.action)
    if handler is not None:
        handler(change)


def on_signature(signature: Signature, states) -> None:
    """Called after a signature that did not complete the convention: tell those whose turn began."""
    notify_signature_turns(signature.version.convention, signature.version, states)


def turn_key(version: ConventionVersion, party: Party) -> str:
    return dedup_key("turn", version.pk, party.pk)


def notify_signature_turns(convention: Convention, version: ConventionVersion, states) -> list[Notification]:
    """« À vous de signer », once per party and version, to each signatory whose turn it is."""
    notices = []
    for state in states:
        if not state.is_turn or state.party.representative is None:
            continue
        party = state.party
        notices += _write(
            convention,
            NotificationKind.SIGNATURE_TURN,
            [_from_representative(party.representative)],
            {"party": party, "version": version},
            key=lambda recipient, party=party: turn_key(version, party),
        )
    return notices


# --- Scheduled notices --------------------------------------------------------------------------


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later, or the month's last day when it has no such day (31 August + 6)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def _last_notice_dates(convention: Convention, version: ConventionVersion) -> dict[int, datetime.date]:
    """Per party, the day of the last « à vous de signer » or reminder sent for ``version``.

    A reminder's day is the one in its key (the run's ``today``), so a run for a given day counts
    even when it happens later than that day.
    """
    last: dict[int, datetime.date] = {}
    notices = Notification.objects.filter(
        Q(dedup_key__startswith=f"turn:{version.pk}:") | Q(dedup_key__startswith=f"reminder:{version.pk}:"),
        convention=convention,
        kind__in=[NotificationKind.SIGNATURE_TURN, NotificationKind.SIGNATURE_REMINDER],
    ).values_list("dedup_key", "created_at")
    for key, created_at in notices:
        parts = key.split(":")
        party_id = int(parts[2])
        day = datetime.date.fromisoformat(parts[3]) if parts[0] == "reminder" else timezone.localdate(created_at)
        if party_id not in last or day > last[party_id]:
            last[party_id] = day
    return last


def send_signature_reminders(*, today: datetime.date | None = None) -> int:
    """Reminds each signatory whose turn it is, once ``SIGNATURE_REMINDER_DAYS`` have passed since
    they were last told (or, never told, since the signature opened). Idempotent for a given day.
    Returns how many reminders were written."""
    today = today or timezone.localdate()
    every = datetime.timedelta(days=settings.SIGNATURE_REMINDER_DAYS)
    count = 0
    for pk in Convention.objects.filter(status=ConventionStatus.IN_SIGNATURE).values_list("pk", flat=True):
        with transaction.atomic():
            convention = Convention.objects.select_for_update().get(pk=pk)
            version = convention.approved_version
            if convention.status != ConventionStatus.IN_SIGNATURE or version is None:
                continue
            states = [s for s in signing_states(convention=convention, version=version) if s.is_turn]
            if not states:
                continue
            last = _last_notice_dates(convention, version)
            opened = convention.status_changes.filter(action=LifecycleAction.OPEN_SIGNATURE, version=version).aggregate(
                at=Max("occurred_at")
            )["at"]
            opened_on = timezone.localdate(opened) if opened else timezone.localdate(version.approved_at)
            for state in states:
                party = state.party
                told_on = last.get(party.pk, opened_on)
                if party.representative is None or today - told_on < every:
                    continue
                count += len(
                    _write(
                        convention,
                        NotificationKind.SIGNATURE_REMINDER,
                        [_from_representative(party.representative)],
                        {"party": party, "signature_opened_on": opened_on, "version": version},
                        key=lambda recipient, party=party, version=version: dedup_key(
                            "reminder", version.pk, party.pk, today.isoformat()
                        ),
                    )
                )
    return count


def send_renewal_alerts(*, today: datetime.date | None = None) -> int:
    """Warns the staff and copil members of every signed or in-force convention ending within
    ``RENEWAL_ALERT_MONTHS`` that a CTG must be renewed before it lapses: once per convention, end
    date and address. Returns how many alerts were written."""
    today = today or timezone.localdate()
    horizon = add_months(today, settings.RENEWAL_ALERT_MONTHS)
    due = Convention.objects.filter(
        status__in=sorted(SIGNED_STATUSES), period_end__gte=today, period_end__lte=horizon
    ).values_list("pk", flat=True)
    count = 0
    for pk in due:
        with transaction.atomic():
            convention = Convention.objects.select_for_update().get(pk=pk)
            if convention.status_on(today) not in SIGNED_STATUSES or not today <= convention.period_end <= horizon:
                continue
            end = convention.period_end
            count += len(
                _write(
                    convention,
                    NotificationKind.RENEWAL_ALERT,
                    [*epci_staff(convention), *copil_members(convention)],
                    {"days_left": (end - today).days},
                    key=lambda recipient, end=end, pk=pk: dedup_key(
                        "renewal", pk, end.isoformat(), recipient.email.lower()
                    ),
                )
            )
    return count


# --- Sending ------------------------------------------------------------------------------------

# A notice still unsent this long after it was written lost its task (a broker outage at the commit,
# retries exhausted): the hourly sweep queues it again, up to this many attempts in all.
UNSENT_GRACE = datetime.timedelta(minutes=15)
MAX_SEND_ATTEMPTS = 12


# A notice never tried this long after it was written lost its task (the broker was down at the
# commit): queued again by the five-minute sweep. One waiting behind a long queue may so be queued
# twice: harmless, ``notification_send`` sends once.
UNQUEUED_GRACE = datetime.timedelta(minutes=5)


def notifications_requeue_unsent(*, now: datetime.datetime | None = None) -> int:
    """Queues again the notices whose task was lost or gave up; returns how many were queued."""
    now = now or timezone.now()
    pending = Notification.objects.filter(
        sent_at__isnull=True, created_at__lte=now - UNSENT_GRACE, attempts__lt=MAX_SEND_ATTEMPTS
    ).values_list("pk", flat=True)
    return _requeue(list(pending))


def notifications_requeue_unqueued(*, now: datetime.datetime | None = None) -> int:
    """Queues again the notices never tried (their task lost to a broker outage); returns how many."""
    now = now or timezone.now()
    never_tried = Notification.objects.filter(
        sent_at__isnull=True, attempts=0, created_at__lte=now - UNQUEUED_GRACE
    ).values_list("pk", flat=True)
    return _requeue(list(never_tried))


def notification_send(*, notification_id: int) -> bool:
    """Sends one notice unless it went already; returns whether this call sent it.

    The row stays locked while the mail goes out, so a second delivery of the task waits, then finds
    ``sent_at`` set and sends nothing. A failure is recorded (``attempts``, ``last_error``) and
    committed, then raised again for the task to retry.
    """
    failure = None
    with transaction.atomic():
        notification = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if notification is None:
            logger.warning("Notification %s no longer exists: nothing to send.", notification_id)
            return False
        if notification.sent_at is not None:
            return False
        notification.attempts += 1
        try:
            send_mail(
                notification.subject,
                notification.body,
                settings.DEFAULT_FROM_EMAIL,
                [notification.email],
                fail_silently=False,
            )
        except Exception as error:  # recorded whatever it is; the task decides what deserves a retry
            failure = error
            notification.last_error = f"{type(error).__name__}: {error}"[:ERROR_MAX_LENGTH]
            notification.save(update_fields=["attempts", "last_error"])
        else:
            notification.sent_at = timezone.now()
            notification.last_error = ""
            notification.save(update_fields=["attempts", "last_error", "sent_at"])
    if failure is not None:
        raise failure
    return True
