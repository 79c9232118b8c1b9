"""Forgotten password: Django's views with French pages, the e-mail queued to a Celery task that makes
the token, the same answer for any address, and a limit per IP address and per e-mail."""

import datetime
import re
import smtplib

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from partners.models import PasswordResetEmail
from partners.services import accounts
from partners.tasks import send_password_reset
from tests.concurrency import require_postgresql, run_together
from tests.partners.factories import UserFactory

pytestmark = pytest.mark.django_db

RESET_URL = reverse("password_reset")
NEW_PASSWORD = "Une-autre-phrase-solide-2026"
LINK = re.compile(r"https?://[^/\s]+(?P<path>/mot-de-passe/nouveau/[^\s]+/)")


@pytest.fixture
def account():
    return UserFactory(username="agent.cahors", email="agent@cahors.example.fr", first_name="Jeanne")


def ask(client, email, django_capture_on_commit_callbacks, **extra):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(RESET_URL, {"email": email}, **extra)


def test_the_login_page_links_to_the_forgotten_password_page(client):
    content = client.get(reverse("login")).content.decode()
    assert f'href="{RESET_URL}"' in content


def test_the_forgotten_password_pages_are_open_without_logging_in(client):
    assert client.get(RESET_URL).status_code == 200
    assert client.get(reverse("password_reset_done")).status_code == 200
    assert client.get(reverse("password_reset_complete")).status_code == 200


def test_a_reset_end_to_end(client, account, django_capture_on_commit_callbacks, eager_celery, settings):
    settings.PORTAL_BASE_URL = "https://ctg.example.fr"

    response = ask(client, "AGENT@cahors.example.fr", django_capture_on_commit_callbacks)

    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    (message,) = mail.outbox
    assert message.to == ["agent@cahors.example.fr"]
    assert "agent.cahors" in message.body and "Jeanne" in message.body
    link = LINK.search(message.body)
    assert link and link.group(0).startswith("https://ctg.example.fr/")

    # Django moves the token into the session, then shows the form.
    form_page = client.get(link["path"], follow=True)
    assert form_page.context["validlink"] is True
    done = client.post(form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done["Location"] == reverse("password_reset_complete")
    account.refresh_from_db()
    assert account.check_password(NEW_PASSWORD)

    # The link worked once.
    assert client.get(link["path"], follow=True).context["validlink"] is False
    # And the new password opens the portal.
    login = client.post(reverse("login"), {"username": "agent.cahors", "password": NEW_PASSWORD})
    assert login.status_code == 302


def test_the_request_only_queues_the_account_s_id(client, account, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(RESET_URL, {"email": account.email})

    assert len(callbacks) == 1
    assert mail.outbox == []  # nothing is sent inside the web request


@pytest.mark.parametrize("email", ["inconnue@example.org", "inactive@example.org", "sans-mot-de-passe@example.org"])
def test_the_answer_is_the_same_whether_the_address_has_an_account_or_not(
    client, account, django_capture_on_commit_callbacks, eager_celery, email
):
    UserFactory(email="inactive@example.org", is_active=False)
    without_password = UserFactory(email="sans-mot-de-passe@example.org")
    without_password.set_unusable_password()
    without_password.save()
    known = ask(client, account.email, django_capture_on_commit_callbacks)
    mail.outbox.clear()

    unknown = ask(client, email, django_capture_on_commit_callbacks)

    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert mail.outbox == []


def test_the_task_sends_nothing_to_an_account_deactivated_since(account, eager_celery):
    account.is_active = False
    account.save()

    assert send_password_reset.apply(args=[account.pk]).get() is False
    assert mail.outbox == []


def test_too_many_requests_for_one_address_are_refused(
    client, account, settings, django_capture_on_commit_callbacks, eager_celery
):
    settings.PASSWORD_RESET_RATE_LIMIT = 3
    for number in range(3):
        response = ask(client, account.email, django_capture_on_commit_callbacks, REMOTE_ADDR=f"192.0.2.{number}")
        assert response.status_code == 302

    refused = ask(client, account.email, django_capture_on_commit_callbacks, REMOTE_ADDR="192.0.2.99")

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert len(mail.outbox) == 3
    assert refused.context["form"].non_field_errors()


def test_too_many_requests_from_one_address_are_refused_whatever_the_e_mail(
    client, settings, django_capture_on_commit_callbacks
):
    settings.PASSWORD_RESET_RATE_LIMIT = 3
    for number in range(3):
        assert ask(client, f"personne{number}@example.org", django_capture_on_commit_callbacks).status_code == 302

    refused = ask(client, "encore@example.org", django_capture_on_commit_callbacks)

    assert refused.status_code == 429
    minutes = -(-int(refused["Retry-After"]) // 60)
    message = ngettext(
        "Too many requests for a new password. Try again in %(minutes)s minute.",
        "Too many requests for a new password. Try again in %(minutes)s minutes.",
        minutes,
    )
    assert refused.context["form"].non_field_errors() == [message % {"minutes": minutes}]


def test_an_invalid_address_is_answered_on_the_form(client):
    response = client.post(RESET_URL, {"email": "pas-une-adresse"})
    assert response.status_code == 200
    assert response.context["form"].errors["email"]


# --- Once per task, however often it is delivered ------------------------------------------------------


def test_the_task_sends_once_however_often_its_message_is_delivered(account, eager_celery):

    first = send_password_reset.apply(args=[account.pk], task_id="delivered-twice").get()
    again = send_password_reset.apply(args=[account.pk], task_id="delivered-twice").get()
    another_request = send_password_reset.apply(args=[account.pk], task_id="asked-again").get()

    assert (first, again, another_request) == (True, False, True)
    assert len(mail.outbox) == 2
    assert [(e.delivery_id, e.user) for e in PasswordResetEmail.objects.order_by("pk")] == [
        ("delivered-twice", account),
        ("asked-again", account),
    ]


def test_an_smtp_failure_keeps_no_record_so_the_retry_sends(account, flaky_smtp):

    flaky_smtp.failures_left = 1
    with pytest.raises(smtplib.SMTPServerDisconnected):
        accounts.password_reset_send(user_pk=account.pk, delivery_id="flaky")
    assert not PasswordResetEmail.objects.exists()

    assert accounts.password_reset_send(user_pk=account.pk, delivery_id="flaky") is True
    assert len(mail.outbox) == 1
    assert PasswordResetEmail.objects.get().delivery_id == "flaky"


def test_records_older_than_thirty_days_go_at_the_next_sending(account):

    now = timezone.now()
    PasswordResetEmail.objects.create(delivery_id="old", user=account, sent_at=now - datetime.timedelta(days=31))
    PasswordResetEmail.objects.create(delivery_id="recent", user=account, sent_at=now - datetime.timedelta(days=29))

    assert accounts.password_reset_send(user_pk=account.pk, delivery_id="today") is True
    assert set(PasswordResetEmail.objects.values_list("delivery_id", flat=True)) == {"recent", "today"}


def test_a_record_is_named_by_its_account_and_local_time(account):
    sent_at = datetime.datetime(2026, 12, 7, 12, 5, tzinfo=datetime.UTC)
    record = PasswordResetEmail.objects.create(delivery_id="x", user=account, sent_at=sent_at)
    assert str(record) == "agent.cahors (2026-12-07 13:05)"  # Paris, winter time


def test_the_administration_lists_the_e_mails_sent_without_their_link(client, account, eager_celery):

    send_password_reset.apply(args=[account.pk]).get()
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    page = client.get(reverse("admin:partners_passwordresetemail_changelist"))

    assert page.status_code == 200
    text = page.content.decode()
    assert "agent.cahors" in text
    assert LINK.search(mail.outbox[0].body).group("path") not in text
    assert client.get(reverse("admin:partners_passwordresetemail_add")).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_two_deliveries_at_once_send_one_e_mail():
    """The second delivery waits for the first one's transaction, then finds its record."""
    require_postgresql()
    account = UserFactory(username="agent.cahors", email="agent@cahors.example.fr")

    outcomes = run_together(lambda: accounts.password_reset_send(user_pk=account.pk, delivery_id="twice"), 2)

    assert sorted(outcome.get("result") for outcome in outcomes) == [False, True], outcomes
    assert len(mail.outbox) == 1
    assert PasswordResetEmail.objects.filter(delivery_id="twice").count() == 1
