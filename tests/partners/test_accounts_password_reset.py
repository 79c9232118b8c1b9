"""Forgotten password: Django's views with French pages, the e-mail queued to a Celery task that makes
the token, the same answer for any address, and a limit per IP address and per e-mail."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils.translation import ngettext

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
    from partners.tasks import send_password_reset

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
