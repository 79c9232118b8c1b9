"""The territories and organisations pages: who may open them (role × page), what they do, what they cost."""

import pytest
from django.urls import reverse
from django.utils import translation

from partners.choices import OrganisationKind
from partners.models import Organisation
from tests.partners.factories import MembershipFactory, OrganisationFactory, UserFactory, valid_siren
from tests.roles import ROLES

pytestmark = pytest.mark.django_db

FAUCIGNY_GLIERES = "200000172"
# CAF and intercommunality staff (of this convention or another), and the administrators.
SETTING_UP_ROLES = {"epci_staff", "caf_officer", "other_epci_staff", "other_caf_officer", "superuser"}
# For the commune party of ``world``: its own staff, its intercommunality's staff, the administrators.
COMMUNE_EDITORS = {"commune_staff", "epci_staff", "superuser"}


@pytest.fixture(autouse=True)
def _english(client, settings):
    # The pages in English (the language switcher's cookie), so that the tests read the msgids
    # whatever the French catalogue holds.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def commune_of(convention) -> Organisation:
    return convention.parties.get(organisation__kind=OrganisationKind.COMMUNE).organisation


def login_url(url: str) -> str:
    return f"{reverse('login')}?next={url}"


# --- Role × page ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_territories_page_by_role(client, world, role):
    _convention, users = world
    client.force_login(users[role])

    response = client.get(reverse("partners:territories"))

    assert response.status_code == (200 if role in SETTING_UP_ROLES else 403)
    nav_link = f'href="{reverse("partners:territories")}"'
    home = client.get(reverse("workflow:home"))
    assert (nav_link in home.content.decode()) == (role in SETTING_UP_ROLES)


@pytest.mark.parametrize("role", ROLES)
def test_import_by_role(client, world, role):
    _convention, users = world
    client.force_login(users[role])

    response = client.post(reverse("partners:territory_import", args=[FAUCIGNY_GLIERES]))

    imported = Organisation.objects.filter(siren=FAUCIGNY_GLIERES).first()
    if role in SETTING_UP_ROLES:
        assert response.status_code == 302
        assert response["Location"] == reverse("partners:organisation", args=[imported.pk])
    else:
        assert response.status_code == 403
        assert imported is None


@pytest.mark.parametrize("role", ROLES)
def test_organisation_page_by_role(client, world, role):
    convention, users = world
    commune = commune_of(convention)
    client.force_login(users[role])

    response = client.get(reverse("partners:organisation", args=[commune.pk]))

    assert response.status_code == 200
    edit_link = reverse("partners:organisation_update", args=[commune.pk])
    assert (edit_link in response.content.decode()) == (role in COMMUNE_EDITORS)


@pytest.mark.parametrize("role", ROLES)
def test_organisation_update_by_role(client, world, role):
    convention, users = world
    commune = commune_of(convention)
    client.force_login(users[role])
    url = reverse("partners:organisation_update", args=[commune.pk])

    get = client.get(url)
    post = client.post(url, {"legal_name": "Ville de Test", "postal_code": "46000", "city": "Test"})

    commune.refresh_from_db()
    if role in COMMUNE_EDITORS:
        assert get.status_code == 200
        assert post.status_code == 302
        assert commune.legal_name == "Ville de Test"
    else:
        assert (get.status_code, post.status_code) == (403, 403)
        assert commune.legal_name != "Ville de Test"


@pytest.mark.parametrize("role", ROLES)
def test_an_organisation_without_member_is_edited_by_caf_and_epci_staff(client, world, role):
    _convention, users = world
    association = OrganisationFactory(name="Le Lien")
    client.force_login(users[role])

    response = client.post(
        reverse("partners:organisation_update", args=[association.pk]),
        {"kind": OrganisationKind.ASSOCIATION, "name": "Le Lien", "short_name": "Lien"},
    )

    assert response.status_code == (302 if role in SETTING_UP_ROLES else 403)


@pytest.mark.parametrize("role", ROLES)
def test_organisation_create_by_role(client, world, role):
    _convention, users = world
    client.force_login(users[role])
    url = reverse("partners:organisation_create")

    get = client.get(url)
    post = client.post(url, {"kind": OrganisationKind.STATE_SERVICE, "name": "Préfecture du Lot"})
    one_click = client.post(reverse("partners:department_organisation"), {"kind": "caf", "department_code": "46"})

    created = Organisation.objects.filter(name__in=["Préfecture du Lot", "CAF du Lot"]).count()
    if role in SETTING_UP_ROLES:
        assert (get.status_code, post.status_code, one_click.status_code) == (200, 302, 302)
        assert created == 2
    else:
        assert (get.status_code, post.status_code, one_click.status_code) == (403, 403, 403)
        assert created == 0


@pytest.mark.parametrize(
    "name,args",
    [
        ("partners:territories", []),
        ("partners:organisation_create", []),
        ("partners:organisation", [1]),
        ("partners:organisation_update", [1]),
    ],
)
def test_anonymous_visitors_are_sent_to_the_login_page(client, name, args):
    url = reverse(name, args=args)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == login_url(url)


def test_an_unknown_organisation_answers_404(client):
    client.force_login(UserFactory())

    assert client.get(reverse("partners:organisation", args=[999_999])).status_code == 404


# --- The territories page ---------------------------------------------------------------------------


@pytest.fixture
def caf_officer():
    return MembershipFactory(organisation=OrganisationFactory(caf=True)).user


def test_search_without_javascript_renders_the_whole_page(client, caf_officer):
    client.force_login(caf_officer)

    response = client.get(reverse("partners:territories"), {"q": "faucigny", "departement": "74"})

    html = response.content.decode()
    assert "<html" in html
    assert "CC Faucigny - Glières" in html
    assert "Communauté de communes Faucigny - Glières" in html
    assert "Add to the portal" in html
    assert "3 intercommunalities found." in html  # two through a commune of theirs


def test_search_with_htmx_answers_the_results_only_with_the_count_out_of_band(client, caf_officer):
    client.force_login(caf_officer)

    response = client.get(reverse("partners:territories"), {"q": "bonneville"}, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert "<html" not in html
    assert "Found through: Bonneville" in html
    assert 'id="territory-count" hx-swap-oob="innerHTML"' in html


def test_htmx_history_restoration_gets_the_whole_page(client, caf_officer):
    client.force_login(caf_officer)

    response = client.get(
        reverse("partners:territories"), headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )

    assert "<html" in response.content.decode()


def test_results_are_paginated(client, caf_officer):
    client.force_login(caf_officer)

    response = client.get(reverse("partners:territories"), {"page": "2"})

    html = response.content.decode()
    assert "1,255 intercommunalities found. Page 2 of 63." in html
    assert html.count("Add to the portal") == 20


def test_an_invalid_search_shows_the_error(client, caf_officer):
    client.force_login(caf_officer)

    response = client.get(reverse("partners:territories"), {"departement": "99"}, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert "Choose a département of the list." in response.content.decode()


def test_an_epci_on_the_portal_is_offered_a_refresh(client, caf_officer):
    epci = OrganisationFactory(intercommunality=True, siren=FAUCIGNY_GLIERES, name="CC Faucigny - Glières")
    client.force_login(caf_officer)

    html = client.get(reverse("partners:territories"), {"q": FAUCIGNY_GLIERES}).content.decode()

    assert "Refresh" in html
    assert reverse("partners:organisation", args=[epci.pk]) in html


def test_import_lands_on_the_organisation_page_with_a_message(client, caf_officer):
    client.force_login(caf_officer)

    response = client.post(reverse("partners:territory_import", args=[FAUCIGNY_GLIERES]), follow=True)

    html = response.content.decode()
    assert "CC Faucigny - Glières and its 7 communes are up to date on the portal." in html
    assert "Communauté de communes Faucigny - Glières" in html
    assert "Bonneville" in html


def test_import_of_an_unknown_siren_comes_back_with_a_message(client, caf_officer):
    client.force_login(caf_officer)

    response = client.post(reverse("partners:territory_import", args=["123456782"]), follow=True)

    assert response.redirect_chain == [(reverse("partners:territories"), 302)]
    assert "No intercommunality has the SIREN “123456782” in the official list." in response.content.decode()


def test_import_needs_a_post(client, caf_officer):
    client.force_login(caf_officer)

    assert client.get(reverse("partners:territory_import", args=[FAUCIGNY_GLIERES])).status_code == 405


# --- Creating an organisation -----------------------------------------------------------------------


def test_create_returns_to_a_safe_next_address_with_the_new_organisation(client, caf_officer):
    client.force_login(caf_officer)
    next_url = "/conventions/1/parties/?onglet=signataires"

    response = client.post(
        f"{reverse('partners:organisation_create')}?next={next_url}",
        {"kind": OrganisationKind.ASSOCIATION, "name": "Familles rurales du Lot", "next": next_url},
    )

    created = Organisation.objects.get(name="Familles rurales du Lot")
    assert response["Location"] == f"{next_url}&organisation={created.pk}"


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_an_outside_next_address_is_ignored(client, caf_officer, next_url):
    client.force_login(caf_officer)

    response = client.post(
        reverse("partners:organisation_create"),
        {"kind": OrganisationKind.ASSOCIATION, "name": "Familles rurales du Lot", "next": next_url},
    )

    created = Organisation.objects.get(name="Familles rurales du Lot")
    assert response["Location"] == reverse("partners:organisation", args=[created.pk])


def test_the_create_form_shows_the_services_errors_on_their_fields(client, caf_officer):
    holder = OrganisationFactory(name="Préfecture du Lot", siren=valid_siren(3, "77"))
    client.force_login(caf_officer)

    response = client.post(
        reverse("partners:organisation_create"),
        {"kind": OrganisationKind.STATE_SERVICE, "name": "Préfecture", "siren": holder.siren, "postal_code": "46"},
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert "already on the portal: “Préfecture du Lot”" in form.errors["siren"][0]
    assert Organisation.objects.filter(kind=OrganisationKind.STATE_SERVICE).count() == 0


def test_the_create_form_refuses_a_bad_siren_without_losing_the_input(client, caf_officer):
    client.force_login(caf_officer)

    response = client.post(
        reverse("partners:organisation_create"),
        {"kind": OrganisationKind.ASSOCIATION, "name": "Le Lien", "siren": "123456789", "city": "Cahors"},
    )

    html = response.content.decode()
    assert "is not a valid SIREN number" in html
    assert 'value="Cahors"' in html


def test_a_caf_in_one_click_returns_to_next(client, caf_officer):
    client.force_login(caf_officer)

    response = client.post(
        reverse("partners:department_organisation"),
        {"kind": "caf", "department_code": "33", "next": "/conventions/1/parties/"},
    )

    caf = Organisation.objects.get(kind=OrganisationKind.CAF, department_code="33")
    assert caf.legal_name == "Caisse d'allocations familiales de la Gironde"
    assert response["Location"] == f"/conventions/1/parties/?organisation={caf.pk}"


def test_a_departement_in_one_click(client, caf_officer):
    client.force_login(caf_officer)

    client.post(reverse("partners:department_organisation"), {"kind": "departement", "department_code": "01"})

    assert Organisation.objects.get(kind=OrganisationKind.DEPARTEMENT).name == "Département de l'Ain"


def test_one_click_refusals_come_back_to_the_form_with_a_message(client, caf_officer):
    client.force_login(caf_officer)

    pyrenees = client.post(
        reverse("partners:department_organisation"), {"kind": "caf", "department_code": "64"}, follow=True
    )
    nonsense = client.post(
        reverse("partners:department_organisation"), {"kind": "caf", "department_code": "99"}, follow=True
    )

    assert "have two CAFs" in pyrenees.content.decode()
    assert "Choose a département of the list." in nonsense.content.decode()
    assert not Organisation.objects.filter(kind=OrganisationKind.CAF).exclude(memberships__isnull=False).exists()


# --- Editing ----------------------------------------------------------------------------------------


def test_the_identity_form_of_a_commune_has_no_official_fields(client, world):
    convention, users = world
    commune = commune_of(convention)
    client.force_login(users["epci_staff"])

    form = client.get(reverse("partners:organisation_update", args=[commune.pk])).context["form"]

    assert set(form.fields) == {"legal_name", "definite_article", "short_name", "address", "postal_code", "city"}


def test_editing_an_association_keeps_the_input_on_error(client, caf_officer):
    association = OrganisationFactory(name="Le Lien")
    client.force_login(caf_officer)

    response = client.post(
        reverse("partners:organisation_update", args=[association.pk]),
        {"kind": OrganisationKind.ASSOCIATION, "name": "Le Lien", "postal_code": "abc", "city": "Figeac"},
    )

    assert response.status_code == 200
    assert "is not a valid postal code" in response.content.decode()
    assert 'value="Figeac"' in response.content.decode()


# --- What the pages cost ----------------------------------------------------------------------------


def test_territories_page_queries_do_not_grow_with_the_results(client, caf_officer, django_assert_max_num_queries):
    client.force_login(caf_officer)
    client.get(reverse("partners:territories"))  # the files are read once per process

    # Session, user, savepoint and its release, the user's staff memberships, this page's organisations,
    # the navigation's organisations.
    with django_assert_max_num_queries(7):
        client.get(reverse("partners:territories"), {"page": "3"})


def test_organisation_page_queries_do_not_grow_with_the_communes(client, caf_officer, django_assert_max_num_queries):
    client.force_login(caf_officer)
    client.post(reverse("partners:territory_import", args=["200054781"]))  # Métropole du Grand Paris
    epci = Organisation.objects.get(siren="200054781")
    assert epci.member_communes.count() == 130

    with django_assert_max_num_queries(9):
        response = client.get(reverse("partners:organisation", args=[epci.pk]))
    assert "Paris" in response.content.decode()


def test_form_pages_cost_a_handful_of_queries(client, caf_officer, django_assert_max_num_queries):
    association = OrganisationFactory(name="Le Lien")
    client.force_login(caf_officer)

    with django_assert_max_num_queries(6):
        client.get(reverse("partners:organisation_create"))
    with django_assert_max_num_queries(8):
        client.get(reverse("partners:organisation_update", args=[association.pk]))


def test_an_epci_page_leads_to_its_team_and_to_starting_its_ctg(client, world):
    convention, users = world
    page_url = reverse("partners:organisation", args=[convention.epci.pk])
    start_link = f'href="{reverse("workflow:start")}?epci={convention.epci.pk}"'
    team_link = f'href="{reverse("partners:people", args=[convention.epci.pk])}"'

    client.force_login(users["epci_staff"])  # a member of its team, who may set up CTGs
    page = client.get(page_url).content.decode()
    assert start_link in page and team_link in page

    client.force_login(users["commune_staff"])  # neither a member of its team nor allowed to start its CTG
    page = client.get(page_url).content.decode()
    assert team_link not in page
    assert start_link not in page
