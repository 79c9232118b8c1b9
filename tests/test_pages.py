"""Every page × every role: who gets the page, who is sent to the login page, who gets a 404."""

import pytest
from django.conf import settings
from django.urls import reverse

from tests.conventions.factories import ConventionFactory, PartyFactory
from tests.partners.factories import MembershipFactory, OrganisationFactory
from tests.roles import EXPECTED, ROLES


def _pages(convention):
    return {
        "home": reverse("workflow:home"),
        "convention_detail": reverse("workflow:detail", args=[convention.pk]),
    }


@pytest.mark.parametrize("page_name", ["home", "convention_detail"])
def test_anonymous_users_are_sent_to_the_login_page(client, world, page_name):
    convention, _ = world
    url = _pages(convention)[page_name]
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


def test_the_login_page_is_the_only_page_open_to_anonymous_users(client, db):
    assert client.get(reverse("login")).status_code == 200
    assert client.get(reverse("admin:index")).status_code == 302


@pytest.mark.parametrize("role", ROLES)
def test_home_page_for_each_role(client, world, role):
    convention, users = world
    client.force_login(users[role])
    # The list (an administrator lands on a summary of counts: tests/workflow/test_home.py).
    response = client.get(_pages(convention)["home"], {"page": 1})
    assert response.status_code == 200
    assert (convention.reference in response.content.decode()) == EXPECTED[role][0]


@pytest.mark.parametrize("role", ROLES)
def test_convention_page_for_each_role(client, world, role):
    convention, users = world
    client.force_login(users[role])
    response = client.get(_pages(convention)["convention_detail"])
    assert response.status_code == (200 if EXPECTED[role][0] else 404)


@pytest.mark.parametrize("role", ROLES)
def test_admin_is_for_superusers_only(client, world, role):
    _, users = world
    client.force_login(users[role])
    response = client.get(reverse("admin:index"))
    assert response.status_code == (200 if role == "superuser" else 302)


def test_logout_ends_the_session(client, world):
    convention, users = world
    client.force_login(users["epci_staff"])
    client.post(reverse("logout"))
    assert client.get(_pages(convention)["home"]).status_code == 302


def test_private_files_have_no_public_url(client, world, settings, tmp_path):
    _, users = world
    client.force_login(users["superuser"])
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "signature.pdf").write_bytes(b"%PDF-1.7")
    assert client.get("/media/signature.pdf").status_code == 404


def test_signed_out_visitors_switch_language_on_the_public_pages(client, db):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/verification/"})
    assert response.status_code == 302
    assert response["Location"] == "/verification/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_identifiers_in_pages_are_never_written_with_a_thousands_separator(client, db):
    """French formatting writes « 12 345 » for 12345: an id or a URL built from a primary key must not."""
    convention = ConventionFactory(pk=12345)
    PartyFactory(pk=23456, convention=convention, organisation=OrganisationFactory(caf=True))
    staff = MembershipFactory(organisation=convention.epci).user
    client.force_login(staff)
    for url in (reverse("workflow:detail", args=[12345]), reverse("conventions:parties", args=[12345])):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
        for separator in (" ", "\u00a0", "\u202f"):
            assert f"12{separator}345" not in page and f"23{separator}456" not in page
        assert 'id="party-23456"' in page or "parties/23456/" in page or "12345" in page
