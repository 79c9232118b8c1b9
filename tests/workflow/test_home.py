"""The home page at national scale: who sees what, the summary, filters, pagination, counts per
status, and query counts that do not grow with the number of conventions."""

import datetime
import re

import pytest
from django.db import connection
from django.http import QueryDict
from django.template import engines
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from conventions.choices import ConventionStatus, SignatureMethod
from conventions.models import (
    Convention,
    Party,
    Signature,
    current_status_condition,
    current_status_expression,
    forget_visible_conventions,
    visible_convention_ids,
)
from partners.choices import MembershipRole, OrganisationKind
from partners.models import Organisation
from tests.conventions.factories import (
    ConventionFactory,
    GovernanceBodyFactory,
    GovernanceMemberFactory,
    PartyFactory,
    domain,
)
from tests.partners.factories import MembershipFactory, OrganisationFactory, RepresentativeFactory, UserFactory
from tests.roles import EXPECTED, ROLES, world  # noqa: F401 — the fixture
from workflow.filters import ConventionFilter
from workflow.selectors_home import FILTERS_FROM, HOME_PAGE_SIZE, SUMMARY_FROM, _query, status_counts

pytestmark = pytest.mark.django_db

HOME_URL = reverse("workflow:home")
# Session, user, savepoints, the visible ids, the counts per status, a page of rows and its domains, the
# filter form's CAFs and départements, the « start a CTG » scope, the navigation's organisations.
HOME_LIST_MAX_QUERIES = 12
HOME_SUMMARY_MAX_QUERIES = 11


def bulk_conventions(count: int, *, epci=None, department_code: str = "46", status=ConventionStatus.DRAFT, **fields):
    """``count`` draft conventions of one intercommunality, in one INSERT (factories would take
    seconds for sixty)."""
    epci = epci or OrganisationFactory(intercommunality=True, department_code=department_code)
    first = Convention.objects.count()
    conventions = Convention.objects.bulk_create(
        Convention(
            reference=f"CTG-BULK-{first + number:05d}",
            title=f"Convention en nombre {first + number}",
            epci=epci,
            period_start=fields.get("period_start", datetime.date(2024, 1, 1)),
            period_end=fields.get("period_end", datetime.date(2027, 12, 31)),
            status=status,
        )
        for number in range(count)
    )
    return epci, conventions


def superuser():
    return UserFactory(is_superuser=True, is_staff=True)


def html_between(content: str, start: str, end: str) -> str:
    begin = content.index(start)
    return content[begin : content.index(end, begin)]


# --- Who sees what --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_exactly_its_conventions_on_the_home_page(client, world, role):  # noqa: F811
    convention, users = world
    other = ConventionFactory(title="Convention d'un autre territoire")
    client.force_login(users[role])

    response = client.get(HOME_URL, {"page": 1})

    may_view = EXPECTED[role][0]
    listed = set(response.context["conventions"])
    if role == "superuser":
        assert listed == {convention, other}
    else:
        assert listed == ({convention} if may_view else set())
        assert "Convention d'un autre territoire" not in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_a_convention_page_answers_404_to_whoever_may_not_see_it(client, world, role):  # noqa: F811
    convention, users = world
    client.force_login(users[role])
    status = client.get(reverse("workflow:detail", args=[convention.pk])).status_code
    assert status == (200 if EXPECTED[role][0] else 404)


def test_visible_ids_follow_every_path_to_a_convention(db):
    as_epci = ConventionFactory()
    as_party_member = PartyFactory().convention
    as_representative = PartyFactory().convention
    as_committee_member = GovernanceBodyFactory().convention
    ConventionFactory()  # nobody's
    user = UserFactory()
    MembershipFactory(user=user, organisation=as_epci.epci, role=MembershipRole.READER)
    MembershipFactory(user=user, organisation=as_party_member.parties.get().organisation)
    RepresentativeFactory(user=user).parties.create(
        convention=as_representative, organisation=as_representative.parties.get().organisation, signing_order=2
    )
    GovernanceMemberFactory(
        body=as_committee_member.governance_bodies.get(), representative=RepresentativeFactory(user=user)
    )

    assert visible_convention_ids(user) == {
        as_epci.pk,
        as_party_member.pk,
        as_representative.pk,
        as_committee_member.pk,
    }
    assert visible_convention_ids(superuser()) is None
    inactive = UserFactory(is_active=False)
    MembershipFactory(user=inactive, organisation=as_epci.epci)
    assert visible_convention_ids(inactive) == frozenset()


def test_visible_ids_are_read_once_per_user_object_and_can_be_forgotten(db):
    convention = ConventionFactory()
    user = MembershipFactory(organisation=convention.epci).user
    with CaptureQueriesContext(connection) as queries:
        assert Convention.objects.visible_to(user).get() == convention
        assert convention.get_abilities(user)["view"]
        assert Convention.objects.visible_to(user).count() == 1
    assert sum("UNION" in query["sql"] for query in queries) == 1
    second = ConventionFactory(epci=convention.epci)
    assert second.pk not in visible_convention_ids(user)
    forget_visible_conventions(user)
    assert second.pk in visible_convention_ids(user)


def test_the_visibility_query_is_a_union_of_indexed_subqueries_without_or(client):
    convention = PartyFactory().convention
    officer = MembershipFactory(organisation=convention.parties.get().organisation).user
    client.force_login(officer)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("workflow:detail", args=[convention.pk])).status_code == 200
    visibility = [q["sql"] for q in queries if "UNION" in q["sql"]]
    assert len(visibility) == 1, "the visibility filter runs once per convention page"
    assert " OR " not in visibility[0]
    # Nothing else on the page reads every party or membership of the country again.
    assert not any(
        '"partners_membership"' in q["sql"] and '"conventions_party"' in q["sql"] and " OR " in q["sql"]
        for q in queries
    )


# --- The current status in SQL agrees with the calendar -------------------------------------------


@pytest.mark.parametrize(
    ("recorded", "start", "end", "expected"),
    [
        (ConventionStatus.SIGNED, 10, 400, ConventionStatus.SIGNED),
        (ConventionStatus.SIGNED, 0, 400, ConventionStatus.IN_FORCE),
        (ConventionStatus.SIGNED, -400, 0, ConventionStatus.IN_FORCE),
        (ConventionStatus.SIGNED, -400, -1, ConventionStatus.EXPIRED),
        (ConventionStatus.IN_FORCE, -400, -1, ConventionStatus.EXPIRED),
        (ConventionStatus.IN_FORCE, 5, 400, ConventionStatus.SIGNED),
        (ConventionStatus.EXPIRED, -400, -1, ConventionStatus.EXPIRED),
        (ConventionStatus.TERMINATED, -400, 400, ConventionStatus.TERMINATED),
        (ConventionStatus.IN_REVIEW, -400, -1, ConventionStatus.IN_REVIEW),
    ],
)
def test_current_status_in_sql_is_the_status_the_badge_shows(db, recorded, start, end, expected):
    today = timezone.localdate()
    convention = ConventionFactory(
        status=recorded,
        period_start=today + datetime.timedelta(days=start),
        period_end=today + datetime.timedelta(days=end),
    )
    assert convention.current_status == expected
    annotated = Convention.objects.annotate(current=current_status_expression(today)).get(pk=convention.pk)
    assert annotated.current == expected
    for status in ConventionStatus.values:
        matches = Convention.objects.filter(current_status_condition(status, today), pk=convention.pk).exists()
        assert matches == (status == expected), status


# --- Summary --------------------------------------------------------------------------------------


@pytest.fixture
def national(db):
    """Conventions in several statuses, two of them ending within six months, one being signed with
    two signatures awaited out of three."""
    today = timezone.localdate()
    bulk_conventions(3)
    bulk_conventions(2, status=ConventionStatus.IN_REVIEW)
    ConventionFactory(
        signed=True, period_start=today - datetime.timedelta(days=1000), period_end=today + datetime.timedelta(days=90)
    )
    ConventionFactory(period_end=today + datetime.timedelta(days=150))
    ConventionFactory(status=ConventionStatus.TERMINATED, period_end=today + datetime.timedelta(days=30))
    being_signed = ConventionFactory(status=ConventionStatus.IN_SIGNATURE)
    parties = [PartyFactory(convention=being_signed, signing_order=order) for order in (1, 2, 3)]
    PartyFactory(convention=being_signed, associate=True)
    Signature.objects.create(
        version=being_signed.approved_version,
        party=parties[0],
        method=SignatureMethod.ELECTRONIC,
        version_sha256=being_signed.approved_version.content_sha256,
        signer_name="Valérie Guillon",
        signer_title="Directrice",
        organisation_name=parties[0].organisation.name,
        signed_at=timezone.now(),
        signer=UserFactory(),
    )
    return being_signed


def test_an_administrator_lands_on_a_summary_not_on_every_convention(client, national):
    client.force_login(superuser())
    response = client.get(HOME_URL)
    home = response.context["home"]
    content = response.content.decode()

    assert home.is_summary and home.page is None
    assert "<table" not in content
    counts = {item.status: item.count for item in home.status_counts}
    assert counts == {
        ConventionStatus.DRAFT: 4,
        ConventionStatus.IN_REVIEW: 2,
        ConventionStatus.IN_FORCE: 1,
        ConventionStatus.IN_SIGNATURE: 1,
        ConventionStatus.TERMINATED: 1,
    }
    assert home.total == 9
    assert home.ending_soon == 2, "the terminated one has ended already"
    assert (home.signatures_waiting.signatures, home.signatures_waiting.conventions) == (2, 1)
    summary = html_between(content, 'class="home-summary"', "</main>")
    assert 'href="?statut=in_review"' in summary and "En relecture" in summary
    assert 'href="?echeance=6"' in summary and "dans les 6 mois" in summary
    assert 'href="?statut=in_signature"' in summary and "signatures attendues" in summary


def test_the_summary_links_lead_to_lists_that_agree_with_it(client, national):
    client.force_login(superuser())
    ending = client.get(HOME_URL, {"echeance": "6"}).context["home"]
    assert ending.page.paginator.count == 2
    signing = client.get(HOME_URL, {"statut": "in_signature"}).context["home"]
    assert [c.pk for c in signing.conventions] == [national.pk]


def test_a_user_who_sees_many_conventions_lands_on_the_summary(client):
    user = UserFactory()
    epci, _conventions = bulk_conventions(SUMMARY_FROM + 1)
    MembershipFactory(user=user, organisation=epci)
    client.force_login(user)
    assert client.get(HOME_URL).context["home"].is_summary
    assert not client.get(HOME_URL, {"page": 1}).context["home"].is_summary


def test_a_user_who_sees_few_conventions_lands_on_their_list_without_filters(client):
    epci, _conventions = bulk_conventions(FILTERS_FROM)
    client.force_login(MembershipFactory(organisation=epci).user)
    response = client.get(HOME_URL)
    home = response.context["home"]
    assert not home.is_summary and not home.show_filters
    assert len(home.conventions) == FILTERS_FROM
    assert 'role="search"' not in response.content.decode()


# --- Filters --------------------------------------------------------------------------------------


@pytest.fixture
def caf_officer_world(db):
    """A CAF party to two conventions of the Lot and one of the Gironde, and a convention without it."""
    caf = OrganisationFactory(caf=True, name="CAF du Lot")
    lot = OrganisationFactory(intercommunality=True, name="Grand Cahors", department_code="46")
    figeac = OrganisationFactory(intercommunality=True, name="Grand-Figeac", department_code="46")
    gironde = OrganisationFactory(intercommunality=True, name="Bordeaux Métropole", department_code="33")
    today = timezone.localdate()
    conventions = {
        "cahors": ConventionFactory(epci=lot, reference="CTG-46-CAHORS", domains=[domain("jeunesse")]),
        "figeac": ConventionFactory(
            epci=figeac,
            signed=True,
            period_start=today - datetime.timedelta(days=900),
            period_end=today + datetime.timedelta(days=100),
        ),
        "bordeaux": ConventionFactory(epci=gironde, status=ConventionStatus.IN_REVIEW),
    }
    for convention in conventions.values():
        PartyFactory(convention=convention, organisation=caf)
    other_caf = PartyFactory(convention__epci=OrganisationFactory(intercommunality=True, department_code="33"))
    officer = MembershipFactory(organisation=caf).user
    # Enough conventions for the filters to show (the user sees more than FILTERS_FROM).
    for _ in range(FILTERS_FROM):
        PartyFactory(convention=bulk_conventions(1, department_code="12")[1][0], organisation=caf)
    return officer, conventions, other_caf.convention


def listed(client, **params) -> set[str]:
    response = client.get(HOME_URL, params)
    assert response.status_code == 200
    return {convention.reference for convention in response.context["conventions"]}


def test_filters_by_status_caf_departement_ending_and_text(client, caf_officer_world):
    officer, conventions, _elsewhere = caf_officer_world
    client.force_login(officer)
    refs = {name: convention.reference for name, convention in conventions.items()}

    assert listed(client, statut="in_force") == {refs["figeac"]}
    assert listed(client, statut="in_review") == {refs["bordeaux"]}
    assert listed(client, departement="33") == {refs["bordeaux"]}
    assert listed(client, departement="46") == {refs["cahors"], refs["figeac"]}
    assert listed(client, echeance="6") == {refs["figeac"]}
    assert listed(client, q="cahors") == {refs["cahors"]}, "by reference"
    assert listed(client, q="BORDEAUX métropole") == {refs["bordeaux"]}, "by intercommunality"
    assert listed(client, departement="46", statut="draft") == {refs["cahors"]}


def test_the_search_ignores_accents_and_case(client, caf_officer_world):
    officer, conventions, _elsewhere = caf_officer_world
    client.force_login(officer)
    caf = conventions["cahors"].parties.get().organisation
    genevois = ConventionFactory(
        epci=OrganisationFactory(intercommunality=True, name="Communauté de communes du Génevois", short_name="")
    )
    cote = ConventionFactory(title="CTG de la Côte-d’Or et du Cœur de France")
    for convention in (genevois, cote):
        PartyFactory(convention=convention, organisation=caf)

    for term in ("Genevois", "génevois", "GÉNEVOIS", "  genevois "):
        assert listed(client, q=term) == {genevois.reference}, term
    for term in ("cote", "CÔTE", "côte-d'or", "cote d’or", "coeur de france", "CŒUR"):
        assert listed(client, q=term) == {cote.reference}, term
    assert listed(client, q="genevoise") == set()
    assert listed(client, q="%") == set(), "LIKE's wildcards are searched as text"
    assert listed(client, q="ctg-46-CAHORS") == {conventions["cahors"].reference}


def test_the_caf_filter_offers_only_cafs_of_the_users_conventions(client, caf_officer_world):
    officer, conventions, elsewhere = caf_officer_world
    client.force_login(officer)
    response = client.get(HOME_URL, {"page": 1})
    caf_choices = {str(label) for _value, label in response.context["filter"].form.fields["caf"].choices}
    assert "CAF du Lot" in caf_choices
    assert elsewhere.parties.get().organisation.name not in caf_choices
    caf = conventions["cahors"].parties.get().organisation
    assert len(listed(client, caf=caf.pk)) == 3 + FILTERS_FROM


def test_a_filter_never_shows_a_convention_the_user_may_not_see(client, caf_officer_world):
    officer, _conventions, elsewhere = caf_officer_world
    client.force_login(officer)
    assert elsewhere.reference not in listed(client, departement="33")
    # Another CAF's id is refused as a choice, in French, without a 500.
    response = client.get(HOME_URL, {"caf": elsewhere.parties.get().organisation.pk})
    assert response.status_code == 200
    assert "Sélectionnez une option de la liste." in response.content.decode()


def test_invalid_filters_say_so_in_french_and_no_match_says_so_too(client, caf_officer_world):
    officer, _conventions, _elsewhere = caf_officer_world
    client.force_login(officer)
    content = client.get(HOME_URL, {"statut": "nope", "echeance": "7", "page": "abc"}).content.decode()
    assert content.count("Sélectionnez une option de la liste.") == 2
    content = client.get(HOME_URL, {"q": "aucune convention ne porte ce nom"}).content.decode()
    assert "Aucune convention ne correspond à ces critères." in content
    assert "<table" not in content


def test_counts_per_status_on_top_follow_the_other_filters_and_link_to_their_list(client, caf_officer_world):
    officer, _conventions, _elsewhere = caf_officer_world
    client.force_login(officer)
    home = client.get(HOME_URL, {"departement": "46", "statut": "draft"}).context["home"]
    counts = {item.status: (item.count, item.url, item.is_selected) for item in home.status_counts}
    assert counts == {
        "draft": (1, "?departement=46&statut=draft", True),
        "in_force": (1, "?departement=46&statut=in_force", False),
    }
    assert home.total == 2 and home.all_url == "?departement=46"
    content = client.get(HOME_URL, {"departement": "46"}).content.decode()
    pills = html_between(content, 'class="home-status-counts', "</nav>")
    assert "Brouillon" in pills and "En vigueur" in pills and "En relecture" not in pills


def test_the_filter_form_works_without_javascript_and_htmx_gets_only_the_results(client, caf_officer_world):
    officer, _conventions, _elsewhere = caf_officer_world
    client.force_login(officer)
    content = client.get(HOME_URL, {"page": 1}).content.decode()
    form = html_between(content, '<form method="get"', "</form>")
    assert f'action="{HOME_URL}"' in form and 'type="submit"' in form
    for name in ("q", "statut", "caf", "departement", "echeance"):
        assert f'name="{name}"' in form
    assert "Statut" in form and "Département" in form and "Échéance de la période" in form
    partial = client.get(HOME_URL, {"statut": "draft"}, headers={"HX-Request": "true"}).content.decode()
    assert partial.lstrip().startswith('<div id="home-results">')
    assert "<html" not in partial and "<form" not in partial


# --- Pagination -----------------------------------------------------------------------------------


def test_the_list_is_paginated_by_25_with_the_filters_kept_in_the_links(client):
    client.force_login(superuser())
    bulk_conventions(3 * HOME_PAGE_SIZE - 15, status=ConventionStatus.IN_REVIEW)
    bulk_conventions(2)

    first = client.get(HOME_URL, {"statut": "in_review"})
    assert len(first.context["conventions"]) == HOME_PAGE_SIZE
    content = first.content.decode()
    assert "Page 1 sur 3" in content
    assert 'href="?statut=in_review&amp;page=2"' in content

    last = client.get(HOME_URL, {"statut": "in_review", "page": 3})
    assert len(last.context["conventions"]) == HOME_PAGE_SIZE - 15
    assert "Page 3 sur 3" in last.content.decode()
    # A page past the end or not a number: the last or the first page, never an error.
    assert client.get(HOME_URL, {"statut": "in_review", "page": 99}).context["home"].page.number == 3
    assert client.get(HOME_URL, {"page": "x"}).context["home"].page.number == 1


def test_pages_do_not_overlap_and_cover_every_convention(client):
    client.force_login(superuser())
    _epci, conventions = bulk_conventions(HOME_PAGE_SIZE + 3)
    seen = []
    for page in (1, 2):
        seen += [c.pk for c in client.get(HOME_URL, {"page": page}).context["conventions"]]
    assert sorted(seen) == sorted(c.pk for c in conventions)


# --- Query counts do not grow with the data -------------------------------------------------------


def _queries(client, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(HOME_URL, params).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    ("params", "max_queries"),
    [
        ({}, HOME_SUMMARY_MAX_QUERIES),
        ({"page": 2}, HOME_LIST_MAX_QUERIES),
        ({"q": "Convention"}, HOME_LIST_MAX_QUERIES),
    ],
)
def test_administrator_home_query_count_does_not_grow_with_conventions(client, params, max_queries):
    client.force_login(superuser())
    counts = []
    for added in (30, 30):  # 30 then 60: two pages or more either way
        epci, conventions = bulk_conventions(added)
        for convention in conventions[:5]:
            PartyFactory(convention=convention)
            convention.domains.set([domain("jeunesse"), domain("enfance")])
        counts.append(_queries(client, params))
    assert counts[0] == counts[1] <= max_queries


def test_caf_officer_home_query_count_does_not_grow_with_conventions(client):
    caf = OrganisationFactory(caf=True)
    officer = MembershipFactory(organisation=caf).user
    client.force_login(officer)
    counts = []
    # 30, then 60 conventions: more than a page, so the counts per status and the choices are read by
    # queries of their own (one page or less reads fewer: test_a_list_of_one_page_counts_from_its_rows).
    for added in (30, 30):
        _epci, conventions = bulk_conventions(added)
        for convention in conventions:
            PartyFactory(convention=convention, organisation=caf)
        counts.append((_queries(client, {"page": 1}), _queries(client, {"statut": "draft", "departement": "46"})))
    assert counts[0] == counts[1]
    assert max(max(pair) for pair in counts) <= HOME_LIST_MAX_QUERIES


def test_summary_query_count_for_a_user_who_sees_many(client):
    caf = OrganisationFactory(caf=True)
    officer = MembershipFactory(organisation=caf).user
    client.force_login(officer)
    counts = []
    for added in (SUMMARY_FROM + 1, 40):
        _epci, conventions = bulk_conventions(added)
        for convention in conventions:
            PartyFactory(convention=convention, organisation=caf)
        counts.append(_queries(client, {}))
    assert counts[0] == counts[1] <= HOME_SUMMARY_MAX_QUERIES


def test_rows_render_without_a_query_per_row(client):
    caf = OrganisationFactory(caf=True)
    officer = MembershipFactory(organisation=caf).user
    client.force_login(officer)
    _epci, conventions = bulk_conventions(FILTERS_FROM + 1)
    for convention in conventions:
        PartyFactory(convention=convention, organisation=caf)
        convention.domains.set([domain("jeunesse")])
    content = client.get(HOME_URL, {"page": 1}).content.decode()
    table = html_between(content, "<tbody>", "</tbody>")
    assert table.count("<tr>") == FILTERS_FROM + 1
    assert len(re.findall(r'<td[^>]* class="text-end">\s*1\s*</td>', table)) == FILTERS_FROM + 1, "one signatory each"
    assert table.count("Jeunesse") == FILTERS_FROM + 1


def test_a_list_of_one_page_counts_from_its_rows(client, caf_officer_world):
    """Whoever sees at most a page of conventions gets the same counts per status and the same
    départements from the page's rows as the queries would give, with fewer queries."""
    officer, conventions, _elsewhere = caf_officer_world
    client.force_login(officer)
    visible = Convention.objects.visible_to(officer)
    assert FILTERS_FROM < visible.count() <= HOME_PAGE_SIZE
    response = client.get(HOME_URL)
    home = response.context["home"]
    expected, _ending = status_counts(visible, today=timezone.localdate())
    assert len(expected) == 3, "drafts, one in force, one in review"
    assert {item.status: item.count for item in home.status_counts} == expected
    assert home.total == sum(expected.values()) == visible.count()
    departements = [value for value, _label in response.context["filter"].form.fields["departement"].choices]
    assert departements == ["", "12", "33", "46"], "the empty choice once, then the départements seen"
    one_page = _queries(client, {})
    caf = conventions["cahors"].parties.get().organisation
    for convention in bulk_conventions(HOME_PAGE_SIZE, department_code="12")[1]:
        PartyFactory(convention=convention, organisation=caf)
    assert one_page < _queries(client, {}) <= HOME_LIST_MAX_QUERIES


# The loop ``_home_filters.html`` ran over the form before ``ConventionFilter.fields_html`` wrote it: the
# reference the Python writer must match (the same HTML, whitespace aside).
FIELDS_TEMPLATE = """
{% for field in filter.form %}
  <div class="{% if field.name == 'q' %}col-12 col-lg-3{% elif field.name == 'caf' %}col-sm-6 col-lg-3{% else %}col-sm-6 col-lg-2{% endif %}">
    <label class="form-label small mb-0" for="{{ field.id_for_label }}">{{ field.label }}</label>
    {{ field }}
    {% if field.errors %}
      <div class="invalid-feedback d-block" id="{{ field.id_for_label }}-error">{{ field.errors|join:" " }}</div>
    {% endif %}
  </div>
{% endfor %}
"""  # noqa: E501


def _without_whitespace_between_tags(html: str) -> str:
    return re.sub(r">\s+<", "><", html.strip())


@pytest.mark.parametrize(
    "params",
    [
        None,
        {"q": 'Cahors <"&>', "statut": ConventionStatus.IN_REVIEW, "departement": "46", "echeance": "6"},
        {"statut": "nope", "echeance": "7", "caf": "0", "q": "x"},
    ],
    ids=["unbound", "bound", "errors"],
)
def test_the_filter_fields_written_in_python_match_the_template_they_replace(caf_officer_world, params):
    officer, conventions, _elsewhere = caf_officer_world
    caf = conventions["cahors"].parties.get().organisation
    data = QueryDict(mutable=True)
    for key, value in (params or {}).items():
        data[key] = value
    if params and "caf" not in params:
        data["caf"] = str(caf.pk)
    conventions_filter = ConventionFilter(
        data if params else None,
        queryset=Convention.objects.visible_to(officer),
        visible_ids=visible_convention_ids(officer),
    )
    with translation.override("fr"):
        expected = engines["django"].from_string(FIELDS_TEMPLATE).render({"filter": conventions_filter})
        written = str(conventions_filter.fields_html())
    assert _without_whitespace_between_tags(written) == _without_whitespace_between_tags(expected)
    assert "CAF du Lot" in written and 'id="id_q"' in written
    if params and "nope" in params.values():
        assert written.count("Sélectionnez une option de la liste.") == 3
        assert 'aria-invalid="true"' in written
    elif params:
        assert 'value="Cahors &lt;&quot;&amp;&gt;"' in written
        assert f'<option value="{caf.pk}" selected>' in written


@pytest.mark.parametrize("administrator", [False, True], ids=["caf-officer", "administrator"])
def test_the_caf_choices_are_those_the_orm_query_gives(caf_officer_world, administrator):
    officer, _conventions, _elsewhere = caf_officer_world
    OrganisationFactory(caf=True, name="CAF sans convention")
    user = UserFactory(is_superuser=True) if administrator else officer
    visible_ids = visible_convention_ids(user)
    cafs = Organisation.objects.filter(kind=OrganisationKind.CAF)
    if visible_ids is not None:
        cafs = cafs.filter(pk__in=Party.objects.filter(convention_id__in=visible_ids).values("organisation_id"))
    expected = [
        (str(pk), short or name) for pk, name, short in cafs.order_by("name").values_list("pk", "name", "short_name")
    ]
    choices = ConventionFilter(None, queryset=Convention.objects.all(), visible_ids=visible_ids)._caf_choices()
    assert choices == expected
    assert "CAF sans convention" in {label for _pk, label in choices} if administrator else len(choices) == 1


def _query_through_a_copy(params: QueryDict, **changes) -> str:
    """What ``selectors_home._query`` wrote through ``QueryDict.copy()``: the reference it must match."""
    query = params.copy()
    query.pop("page", None)
    for key, value in changes.items():
        query.pop(key, None)
        if value is not None:
            query[key] = value
    return query.urlencode()


@pytest.mark.parametrize(
    "querystring",
    ["", "page=2", "statut=draft&page=3&q=%C3%A9t%C3%A9+x%26y", "q=a&q=b&caf=3&statut=in_force", "echeance=6&zz=%2F"],
)
@pytest.mark.parametrize("changes", [{}, {"statut": "draft"}, {"statut": None}, {"echeance": "6", "q": None}])
def test_the_links_keep_the_filters_as_a_copy_of_the_query_would(querystring, changes):
    params = QueryDict(querystring)
    assert _query(params, **changes) == _query_through_a_copy(params, **changes)
