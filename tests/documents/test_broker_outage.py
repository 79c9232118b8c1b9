"""A broker outage costs nobody an error for a recorded action.

With the broker at an address where nothing listens, asking for a document, forcing a new rendering
of a ready one, the last paper signature and an e-mail all answer at once with a success, the data
committed and the rows left pending (a forced document keeps its file downloadable). Then, with the
real Redis back and a real worker, the sweepers send the tasks again: the document is rendered, the
e-mail sent. The sweepers' choices and the staff's « Relancer » on a stuck document are tested in
process (eager mode), without Redis.
"""

import datetime
import hashlib
import time
from contextlib import contextmanager

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from conventions.choices import ConventionStatus, DocumentKind, DocumentStatus, LifecycleAction
from conventions.models import GeneratedDocument, Notification
from ctg_portal import queueing
from ctg_portal.celery import app
from documents import selectors as documents_selectors
from documents.rendering import DocumentRenderError
from documents.services import queue, render
from tests.conventions.factories import ConventionFactory, PartyFactory
from tests.documents.test_services import stored_files
from tests.partners.factories import MembershipFactory
from tests.workflow.factories import make_ready_for_review
from tests.workflow.test_signing_services import Signing, pdf_upload
from workflow.services import lifecycle, notifications
from workflow.tasks import send_notification

NOWHERE = "redis://127.0.0.1:1/0"  # nothing listens on port 1: every publish is refused
QUICK = 5  # seconds: what a request may cost while the broker is down (it cost 19 to 30)


def _point_celery(**conf) -> None:
    """Changes the broker and forgets the connections and producers made for the previous one."""
    app.conf.update(conf)
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def broker_unreachable():
    """Celery publishes to an address where nothing listens (not eager), until the block ends."""
    saved = {"broker_url": app.conf.broker_url, "task_always_eager": app.conf.task_always_eager}
    _point_celery(broker_url=NOWHERE, task_always_eager=False)
    try:
        yield
    finally:
        _point_celery(**saved)
        queueing.reset_broker_pause()  # the broker is back


@pytest.fixture
def broker_down():
    with broker_unreachable():
        yield


def a_convention(status=ConventionStatus.SIGNED):
    convention = ConventionFactory(status=status)
    PartyFactory(convention=convention)
    convention.staff = MembershipFactory(organisation=convention.epci).user
    return convention


def a_ready_document(convention) -> GeneratedDocument:
    document = GeneratedDocument.objects.create(
        convention=convention, kind=DocumentKind.CONVENTION, version=convention.signed_version
    )
    return render.document_render(document_id=document.pk)


def generate(client, convention, **data):
    return client.post(reverse("documents:document_generate", args=[convention.pk]), data)


def centre(client, convention) -> str:
    return client.get(reverse("documents:documents", args=[convention.pk])).content.decode()


def wait_for(predicate, timeout=20) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.05)
    return predicate()


# --- Publishing: quick, never raising -------------------------------------------------------------------


def test_a_publish_with_nothing_listening_fails_in_a_second_without_raising(broker_down):
    started = time.monotonic()
    sent = queueing.enqueue(send_notification, (1,))
    first = time.monotonic() - started

    started = time.monotonic()
    sent_again = queueing.enqueue(send_notification, (2,))
    second = time.monotonic() - started

    assert (sent, sent_again) == (False, False)
    assert first < 2, f"a refused publish took {first:.1f} s"
    assert second < 0.1, "after a failure the process does not try again at once"
    assert queueing.broker_paused()


def test_the_pause_after_a_failure_ends(broker_down, monkeypatch):
    monkeypatch.setattr(queueing, "PAUSE_AFTER_FAILURE", 0.05)
    assert not queueing.enqueue(send_notification, (1,))
    assert queueing.broker_paused()
    time.sleep(0.06)
    assert not queueing.broker_paused()


@pytest.mark.django_db
def test_a_failed_publish_reports_to_its_callback_after_the_commit(broker_down, django_capture_on_commit_callbacks):
    reported = []
    with django_capture_on_commit_callbacks(execute=True):
        queueing.enqueue_on_commit(send_notification, (1,), on_failure=lambda: reported.append("unsent"))
        assert reported == []
    assert reported == ["unsent"]


# --- Each recorded action answers with a success, its rows pending ------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_document_request_is_a_success_and_the_document_waits_for_the_broker(client, broker_down, renderers, media):
    convention = a_convention()
    client.force_login(convention.staff)

    started = time.monotonic()
    response = generate(client, convention, kind="convention", version=convention.signed_version_id)
    elapsed = time.monotonic() - started

    assert response.status_code == 302 and elapsed < QUICK
    document = GeneratedDocument.objects.get()
    assert document.status == DocumentStatus.PENDING
    assert document.enqueue_failed_at is not None and document.awaits_broker
    assert renderers.calls == []
    assert "Le service de génération est momentanément indisponible" in centre(client, convention)


@pytest.mark.django_db(transaction=True)
def test_forcing_a_new_rendering_keeps_the_ready_file_downloadable(client, broker_down, renderers, media):
    convention = a_convention()
    document = a_ready_document(convention)
    old_digest, old_name = document.sha256, document.file.name
    client.force_login(convention.staff)

    started = time.monotonic()
    response = client.post(
        reverse("documents:document_generate", args=[convention.pk]),
        {"kind": "convention", "version": convention.signed_version_id, "force": "1"},
        follow=True,
    )
    elapsed = time.monotonic() - started

    assert response.status_code == 200 and elapsed < QUICK
    text = response.content.decode()
    assert "dès que le service de génération sera disponible" in text
    assert "Le fichier actuel reste téléchargeable" in text
    assert "Nouvelle génération en cours" in text
    download_url = reverse("documents:document_download", args=[convention.pk, document.pk])
    assert download_url in text
    document.refresh_from_db()
    assert document.status == DocumentStatus.READY and document.is_refreshing and document.awaits_broker
    assert (document.sha256, document.file.name) == (old_digest, old_name)
    download = client.get(download_url)
    assert download.status_code == 200
    assert hashlib.sha256(b"".join(download.streaming_content)).hexdigest() == old_digest


@pytest.mark.django_db(transaction=True)
def test_the_last_paper_signature_is_a_success_that_says_the_pdf_will_follow(client, broker_down, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    story = Signing(orders=(1,))
    client.force_login(story.staff)
    data = {
        "version_id": story.version.pk,
        "signed_on": timezone.localdate().isoformat(),
        "place": "Cahors",
        "scan": pdf_upload(),
        "signer_name": story.parties[0].representative.full_name,
        "signer_title": "Directrice",
    }

    started = time.monotonic()
    response = client.post(
        reverse("workflow:paper_signature", args=[story.convention.pk, story.parties[0].pk]), data, follow=True
    )
    elapsed = time.monotonic() - started

    assert response.status_code == 200 and elapsed < QUICK
    text = " ".join(response.content.decode().split())
    assert "la convention est signée" in text
    assert "Le PDF signé sera généré dès que le service de génération sera disponible." in text
    story.convention.refresh_from_db()
    assert story.convention.status == ConventionStatus.SIGNED
    signed_pdf = GeneratedDocument.objects.get(kind=DocumentKind.SIGNED_CONVENTION)
    assert signed_pdf.status == DocumentStatus.PENDING and signed_pdf.awaits_broker
    assert Notification.objects.exists()
    assert not Notification.objects.filter(sent_at__isnull=False).exists()


@pytest.mark.django_db(transaction=True)
def test_a_notified_action_is_committed_and_its_emails_wait(broker_down):
    convention = a_convention(status=ConventionStatus.DRAFT)
    caf = convention.parties.get().organisation
    MembershipFactory(organisation=caf, user__email="relectrice@caf.example.fr")
    make_ready_for_review(convention)
    mail.outbox.clear()

    started = time.monotonic()
    lifecycle.convention_transition(convention=convention, action=LifecycleAction.SUBMIT, by=convention.staff)
    elapsed = time.monotonic() - started

    assert elapsed < QUICK
    convention.refresh_from_db()
    assert convention.status == ConventionStatus.IN_REVIEW
    notice = Notification.objects.get()
    assert notice.sent_at is None and notice.attempts == 0
    assert mail.outbox == []


# --- The sweepers and « Relancer » (in process) ---------------------------------------------------------------


def a_document(**fields) -> GeneratedDocument:
    """A convention PDF of a convention of its own (one document per version and kind)."""
    convention = a_convention()
    return GeneratedDocument.objects.create(
        convention=convention, kind=DocumentKind.CONVENTION, version=convention.signed_version, **fields
    )


@pytest.mark.django_db
def test_the_sweeper_picks_the_documents_no_task_will_render():
    now = timezone.now()
    hour = datetime.timedelta(hours=1)
    unsent = a_document(enqueue_failed_at=now)
    lost = a_document(requested_at=now - documents_selectors.LOST_TASK_AFTER - datetime.timedelta(minutes=1))
    waiting = a_document(requested_at=now - datetime.timedelta(minutes=10))  # sent: behind a long queue maybe
    dead = a_document(status=DocumentStatus.RUNNING, started_at=now - hour)  # past the hard time limit
    busy = a_document(status=DocumentStatus.RUNNING, started_at=now - datetime.timedelta(minutes=1))
    refresh_unsent = a_document(enqueue_failed_at=now)
    GeneratedDocument.objects.filter(pk=refresh_unsent.pk).update(
        status=DocumentStatus.READY, file="documents/x.pdf", sha256="a" * 64, size_bytes=1, refresh_requested_at=now
    )
    ready = a_document()
    GeneratedDocument.objects.filter(pk=ready.pk).update(
        status=DocumentStatus.READY, file="documents/y.pdf", sha256="b" * 64, size_bytes=1, requested_at=now - hour * 2
    )

    picked = set(documents_selectors.stalled_documents(now=now).values_list("pk", flat=True))

    assert picked == {unsent.pk, lost.pk, dead.pk, refresh_unsent.pk}
    assert not picked & {waiting.pk, busy.pk, ready.pk}


@pytest.mark.django_db
def test_the_sweeper_stops_at_the_first_refused_publish_and_leaves_the_rows_pending(broker_down):
    convention = a_convention()
    document = GeneratedDocument.objects.create(
        convention=convention,
        kind=DocumentKind.CONVENTION,
        version=convention.signed_version,
        enqueue_failed_at=timezone.now(),
    )

    count = queue.documents_requeue_stalled()

    assert count == 0
    document.refresh_from_db()
    assert document.status == DocumentStatus.PENDING and document.enqueue_failed_at is not None


@pytest.mark.django_db
def test_the_sweeper_renders_what_the_outage_left_once_and_only_once(renderers, media, eager_celery):
    convention = a_convention()
    document = GeneratedDocument.objects.create(
        convention=convention,
        kind=DocumentKind.CONVENTION,
        version=convention.signed_version,
        task_id="lost-task",
        enqueue_failed_at=timezone.now(),
    )

    first = queue.documents_requeue_stalled()
    second = queue.documents_requeue_stalled()

    assert (first, second) == (1, 0)
    document.refresh_from_db()
    assert document.status == DocumentStatus.READY and document.enqueue_failed_at is None
    assert document.task_id != "lost-task"  # a late delivery of the old task returns at once
    assert len(renderers.calls) == 1


@pytest.mark.django_db
def test_a_failed_new_rendering_keeps_the_previous_file_and_says_why(renderers, media, eager_celery):
    convention = a_convention()
    document = a_ready_document(convention)
    old_digest = document.sha256
    renderers.error = DocumentRenderError("LayoutError: a table too wide")

    render.document_generate_now(
        convention=convention, kind=DocumentKind.CONVENTION, version=convention.signed_version, force=True
    )

    document.refresh_from_db()
    assert document.status == DocumentStatus.READY and document.sha256 == old_digest
    assert not document.is_refreshing and document.error == "LayoutError: a table too wide"
    assert len(stored_files(media)) == 1


@pytest.mark.django_db
def test_staff_may_retry_a_document_stuck_pending_for_a_few_minutes(
    renderers, media, eager_celery, django_capture_on_commit_callbacks
):
    convention = a_convention()
    document = GeneratedDocument.objects.create(
        convention=convention,
        kind=DocumentKind.CONVENTION,
        version=convention.signed_version,
        requested_at=timezone.now() - GeneratedDocument.STALLED_AFTER - datetime.timedelta(seconds=1),
    )
    document.convention = convention
    assert document.is_stalled

    with django_capture_on_commit_callbacks(execute=True):
        queue.document_retry(document=document, by=convention.staff)

    document.refresh_from_db()
    assert document.status == DocumentStatus.READY


@pytest.mark.django_db
def test_the_unqueued_emails_are_sent_again_after_five_minutes(eager_celery, django_capture_on_commit_callbacks):
    convention = a_convention(status=ConventionStatus.DRAFT)
    MembershipFactory(organisation=convention.parties.get().organisation, user__email="relectrice@caf.example.fr")
    make_ready_for_review(convention)
    with django_capture_on_commit_callbacks(execute=False):
        lifecycle.convention_transition(
            convention=convention, action=LifecycleAction.SUBMIT, by=convention.staff
        )  # its task lost
    mail.outbox.clear()

    too_early = notifications.notifications_requeue_unqueued()
    later = notifications.notifications_requeue_unqueued(now=timezone.now() + datetime.timedelta(minutes=6))

    assert (too_early, later) == (0, 1)
    assert [m.to for m in mail.outbox] == [["relectrice@caf.example.fr"]]
    assert notifications.notifications_requeue_unqueued(now=timezone.now() + datetime.timedelta(minutes=6)) == 0


# --- Then the broker comes back: a real worker through Redis --------------------------------------------------


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_after_the_outage_the_sweeper_gets_the_forced_document_rendered(
    celery_worker_on_redis, client, renderers, media
):
    convention = a_convention()
    document = a_ready_document(convention)
    old_digest = document.sha256
    client.force_login(convention.staff)
    with broker_unreachable():
        response = generate(client, convention, kind="convention", version=convention.signed_version_id, force="1")
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.is_refreshing and document.awaits_broker and document.sha256 == old_digest

    assert queue.documents_requeue_stalled() == 1

    def renewed():
        document.refresh_from_db()
        return not document.is_refreshing

    assert wait_for(renewed)
    assert document.status == DocumentStatus.READY and document.sha256 != old_digest
    assert document.enqueue_failed_at is None
    assert [p.name for p in stored_files(media)] == [document.file.name.rsplit("/", 1)[-1]]


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_after_the_outage_the_last_paper_signature_gets_its_pdf_and_its_emails(
    celery_worker_on_redis, client, renderers, media, settings
):
    story = Signing(orders=(1,))
    client.force_login(story.staff)
    data = {
        "version_id": story.version.pk,
        "signed_on": timezone.localdate().isoformat(),
        "place": "Cahors",
        "scan": pdf_upload(),
        "signer_name": story.parties[0].representative.full_name,
        "signer_title": "Directrice",
    }
    mail.outbox.clear()
    with broker_unreachable():
        started = time.monotonic()
        response = client.post(
            reverse("workflow:paper_signature", args=[story.convention.pk, story.parties[0].pk]), data
        )
        assert response.status_code == 302 and time.monotonic() - started < QUICK
    signed_pdf = GeneratedDocument.objects.get(kind=DocumentKind.SIGNED_CONVENTION)
    unsent = Notification.objects.filter(sent_at__isnull=True).count()
    assert signed_pdf.awaits_broker and unsent > 0

    assert queue.documents_requeue_stalled() == 1
    later = timezone.now() + notifications.UNQUEUED_GRACE + datetime.timedelta(seconds=1)
    assert notifications.notifications_requeue_unqueued(now=later) == unsent

    def delivered():
        signed_pdf.refresh_from_db()
        return signed_pdf.is_ready and not Notification.objects.filter(sent_at__isnull=True).exists()

    assert wait_for(delivered)
    assert len(mail.outbox) == unsent
