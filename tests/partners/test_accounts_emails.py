"""The invitation e-mail and its task: what it says, a link that works once, a token never stored,
sending once however often the task runs, retries, and the sweep of what was never sent."""

import datetime
import hashlib
import smtplib

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import formats, timezone, translation

from ctg_portal.queueing import reset_broker_pause
from partners.models import Invitation
from partners.services import accounts
from partners.tasks import requeue_unsent_invitations, send_invitation, send_password_reset
from tests.partners.account_factories import InvitationFactory, expire, send_link, token_from
from tests.partners.factories import MembershipFactory, OrganisationFactory, RepresentativeFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Une-phrase-de-passe-solide-2026"


@pytest.fixture
def retries_in_process():
    """Eager retries run at once, in-process; errors come back in the result as from a worker."""
    from ctg_portal.celery import app

    saved = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = saved


@pytest.fixture
def invitation():
    epci = OrganisationFactory(intercommunality=True, name="Communauté d'agglomération du Grand Cahors")
    referent = MembershipFactory(
        organisation=epci, is_referent=True, user__first_name="Hélène", user__last_name="Garric"
    ).user
    return accounts.invite_person(
        email="camille@example.org", full_name="Camille Martin", organisation=epci, is_referent=True, by=referent
    )


def test_the_e_mail_says_who_invites_to_what_with_the_link_and_its_expiry(invitation, settings):
    settings.PORTAL_BASE_URL = "https://ctg.example.fr/"

    token = send_link(invitation)

    message = mail.outbox[-1]
    invitation.refresh_from_db()
    assert message.to == ["camille@example.org"]
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    assert "Grand Cahors" in message.subject and "\n" not in message.subject
    url = "https://ctg.example.fr" + reverse("partners:invitation_accept", args=[token])
    assert url in message.body
    with translation.override("fr"):
        expiry = formats.date_format(timezone.localtime(invitation.expires_at), "j F Y")
    for fact in ("Camille Martin", "Hélène Garric", "Communauté d'agglomération du Grand Cahors", expiry):
        assert fact in message.body
    assert invitation.invited_by.email in message.body  # whom to ask when the invitation is unexpected


def test_the_e_mail_of_a_signatory_names_the_representative(db):
    caf = OrganisationFactory(caf=True)
    director = RepresentativeFactory(organisation=caf, full_name="Anne Exemple", title="Directrice")
    invitation = accounts.invite_person(
        email="anne@caf.example.fr",
        organisation=caf,
        representative=director,
        by=MembershipFactory(organisation__intercommunality=True).user,
    )

    send_link(invitation)

    assert "Anne Exemple, Directrice" in mail.outbox[-1].body


def test_only_the_hash_of_the_token_is_stored(invitation):
    token = send_link(invitation)

    invitation.refresh_from_db()
    assert invitation.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
    assert len(token) >= 40
    stored = [str(value) for row in Invitation.objects.values() for value in row.values()]
    stored += [str(value) for row in Invitation.history.values() for value in row.values()]
    assert not any(token in value for value in stored)


def test_the_link_of_the_e_mail_works_once(client, invitation):
    path = reverse("partners:invitation_accept", args=[send_link(invitation)])

    assert client.get(path).status_code == 200
    response = client.post(
        path, {"first_name": "Camille", "last_name": "Martin", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse(settings.LOGIN_REDIRECT_URL)
    client.logout()

    assert client.get(path).status_code == 410


def test_the_task_sends_once_however_often_it_is_delivered(invitation):
    first = send_invitation.apply(args=[invitation.pk]).get()
    again = send_invitation.apply(args=[invitation.pk]).get()

    assert (first, again) == (True, False)
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("state", ["accepted", "revoked", "expired", "deleted"])
def test_nothing_is_sent_for_an_invitation_that_no_longer_waits(invitation, state):
    if state == "accepted":
        Invitation.objects.filter(pk=invitation.pk).update(accepted_at=timezone.now())
    elif state == "revoked":
        Invitation.objects.filter(pk=invitation.pk).update(revoked_at=timezone.now())
    elif state == "expired":
        expire(invitation)
    else:
        Invitation.objects.filter(pk=invitation.pk).delete()

    assert accounts.invitation_send(invitation_pk=invitation.pk) is False
    assert mail.outbox == []


def test_an_smtp_failure_keeps_nothing_and_is_raised_for_the_retry(invitation, flaky_smtp):
    flaky_smtp.failures_left = 1

    with pytest.raises(smtplib.SMTPServerDisconnected):
        accounts.invitation_send(invitation_pk=invitation.pk)

    invitation.refresh_from_db()
    assert (invitation.sent_at, invitation.token_sha256) == (None, "")


def test_the_task_retries_after_smtp_failures(invitation, flaky_smtp, retries_in_process):
    flaky_smtp.failures_left = 2

    assert send_invitation.apply(args=[invitation.pk]).get() is True

    invitation.refresh_from_db()
    assert invitation.sent_at is not None
    assert len(mail.outbox) == 1
    assert token_from(mail.outbox[0])


def test_the_e_mail_tasks_are_acknowledged_late_and_retried_on_network_errors():
    for task in (send_invitation, send_password_reset):
        assert task.acks_late is True
        assert task.max_retries == 5
        assert smtplib.SMTPException in task.autoretry_for


def test_a_broker_outage_keeps_the_invitation_and_notes_it(
    db, django_capture_on_commit_callbacks, monkeypatch, invitation, eager_celery
):
    from ctg_portal.celery import app

    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("Error 111 connecting to 127.0.0.1:6379")

    monkeypatch.setattr("partners.tasks.send_invitation.apply_async", broker_down)
    eager, app.conf.task_always_eager = app.conf.task_always_eager, False
    try:
        with django_capture_on_commit_callbacks(execute=True):
            accounts.resend_invitation(invitation=invitation, by=invitation.invited_by)
    finally:
        app.conf.task_always_eager = eager

    invitation.refresh_from_db()
    assert invitation.sent_at is None and invitation.enqueue_failed_at is not None
    monkeypatch.undo()
    reset_broker_pause()  # the broker is back

    assert accounts.invitations_requeue_unsent() == 1  # at the next sweep, without waiting

    invitation.refresh_from_db()
    assert invitation.sent_at is not None and invitation.enqueue_failed_at is None
    assert [message.to for message in mail.outbox] == [["camille@example.org"]]


def test_the_sweep_queues_the_invitations_never_sent(db, eager_celery):
    organisation = OrganisationFactory(intercommunality=True)
    lost = InvitationFactory(organisation=organisation)
    recent = InvitationFactory(organisation=organisation)
    sent = InvitationFactory(organisation=organisation, sent_at=timezone.now())
    expired = InvitationFactory(organisation=organisation)
    expire(expired)
    old = timezone.now() - datetime.timedelta(minutes=30)
    Invitation.objects.filter(pk__in=[lost.pk, sent.pk]).update(created_at=old)

    assert requeue_unsent_invitations.apply().get() == 1

    assert [message.to for message in mail.outbox] == [[lost.email]]
    assert {recent.pk, expired.pk}.isdisjoint({i.pk for i in Invitation.objects.exclude(sent_at=None)})


def test_the_sweep_is_in_the_beat_schedule():
    entries = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "partners.tasks.requeue_unsent_invitations" in entries


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)  # the worker thread only sees committed rows
def test_an_invitation_is_delivered_by_a_real_worker(celery_worker_on_redis):
    import time

    epci = OrganisationFactory(intercommunality=True)
    referent = MembershipFactory(organisation=epci, is_referent=True).user

    invitation = accounts.invite_person(email="reelle@example.org", organisation=epci, by=referent)

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        invitation.refresh_from_db()
        if invitation.sent_at is not None:
            break
        time.sleep(0.2)
    assert invitation.sent_at is not None
    assert [message.to for message in mail.outbox] == [["reelle@example.org"]]
    assert invitation.token_sha256 == hashlib.sha256(token_from(mail.outbox[0]).encode()).hexdigest()
