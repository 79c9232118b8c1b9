"""The diagnostic pages: who reaches them, what htmx gets back, and how many queries they cost."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from action_plans.models import ActionPlan
from conventions.choices import ConventionStatus
from diagnostics.choices import FindingKind
from diagnostics.csv_import import MAX_BYTES
from diagnostics.models import Consultation, Diagnostic, Finding, IndicatorValue
from tests.action_plans.factories import ActionFactory, StrategicOrientationFactory
from tests.conventions.factories import domain, force_status
from tests.diagnostics.factories import (
    ConsultationFactory,
    DiagnosticFactory,
    FindingFactory,
    IndicatorDefinitionFactory,
    IndicatorValueFactory,
)
from tests.partners.factories import OrganisationFactory
from tests.roles import EXPECTED, ROLES

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
# Counted on SQLite and PostgreSQL, session, user, abilities and ATOMIC_REQUESTS savepoints included.
DETAIL_MAX_QUERIES = 17


def fr(message: str) -> str:
    """A message as the French pages show it."""
    with translation.override("fr"):
        return translation.gettext(message)


def url(name: str, convention, **kwargs) -> str:
    return reverse(f"diagnostics:{name}", kwargs={"convention_pk": convention.pk, **kwargs})


# --- Permission matrix ------------------------------------------------------------------------------


@pytest.fixture
def world_diagnostic(world):
    convention, users = world
    convention.domains.set([domain("petite-enfance")])
    diagnostic = DiagnosticFactory(convention=convention)
    places = IndicatorDefinitionFactory(code="places-eaje")
    IndicatorValueFactory(diagnostic=diagnostic, indicator=places)
    finding = FindingFactory(diagnostic=diagnostic)
    consultation = ConsultationFactory(diagnostic=diagnostic)
    return convention, users, finding, consultation


def get_pages(convention, finding, consultation):
    """Every page reached by GET: (url, htmx?, is it an editing page?)."""
    need = {"domain_pk": finding.domain_id, "kind_slug": "besoins"}
    return {
        "detail": (url("detail", convention), False, False),
        "import_template": (url("import_template", convention), False, False),
        "finding_list": (url("finding_list", convention, **need), True, False),
        "indicator_card": (url("indicator_card", convention, code="places-eaje"), True, False),
        "import_upload": (url("import_upload", convention), False, True),
        "indicator_edit": (url("indicator_edit", convention, code="places-eaje"), False, True),
        "indicator_edit_htmx": (url("indicator_edit", convention, code="places-eaje"), True, True),
        "finding_add": (url("finding_add", convention, **need), False, True),
        "finding_add_htmx": (url("finding_add", convention, **need), True, True),
        "finding_edit": (url("finding_edit", convention, pk=finding.pk), False, True),
        "consultation_add": (url("consultation_add", convention), False, True),
        "consultation_edit": (url("consultation_edit", convention, pk=consultation.pk), False, True),
        "consultation_delete": (url("consultation_delete", convention, pk=consultation.pk), False, True),
        "settings": (url("settings", convention), False, True),
    }


GET_PAGES = [
    "detail",
    "import_template",
    "finding_list",
    "indicator_card",
    "import_upload",
    "indicator_edit",
    "indicator_edit_htmx",
    "finding_add",
    "finding_add_htmx",
    "finding_edit",
    "consultation_add",
    "consultation_edit",
    "consultation_delete",
    "settings",
]


def expected_status(role: str, editing: bool, htmx: bool) -> int:
    can_view, can_edit, _review = EXPECTED[role]
    if not can_view:
        return 404
    if editing and not can_edit:
        return 200 if htmx else 403  # htmx is told to reload the page, which is read-only
    return 200


# Not named "page": pytest-playwright would parametrize the test with a browser and reorder it.
@pytest.mark.parametrize("page_name", GET_PAGES)
@pytest.mark.parametrize("role", ROLES)
def test_every_page_for_every_role(client, world_diagnostic, role, page_name):
    convention, users, finding, consultation = world_diagnostic
    address, htmx, editing = get_pages(convention, finding, consultation)[page_name]
    client.force_login(users[role])
    response = client.get(address, **(HTMX if htmx else {}))
    assert response.status_code == expected_status(role, editing, htmx)
    if response.status_code == 200 and htmx and editing and not EXPECTED[role][1]:
        assert response["HX-Refresh"] == "true"


@pytest.mark.parametrize("page_name", ["detail", "import_upload", "finding_list"])
def test_anonymous_users_are_sent_to_the_login_page(client, world_diagnostic, page_name):
    convention, _users, finding, consultation = world_diagnostic
    address, _htmx, _editing = get_pages(convention, finding, consultation)[page_name]
    response = client.get(address)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def post_requests(convention, finding, consultation):
    need = {"domain_pk": finding.domain_id, "kind_slug": "besoins"}
    return {
        "start": (url("start", convention), {}),
        "finding_add": (url("finding_add", convention, **need), {"title": "Nouveau", "priority": 2}),
        "finding_edit": (url("finding_edit", convention, pk=finding.pk), {"title": "Changé", "priority": 2}),
        "finding_move": (url("finding_move", convention, pk=finding.pk), {"direction": "up"}),
        "finding_delete": (url("finding_delete", convention, pk=finding.pk), {}),
        "indicator_edit": (
            url("indicator_edit", convention, code="places-eaje"),
            {f"v_{convention.epci_id}_2023": "", "new_year": ""},
        ),
        "consultation_add": (url("consultation_add", convention), {"title": "Réunion", "held_on": "2024-01-02"}),
        "consultation_delete": (url("consultation_delete", convention, pk=consultation.pk), {}),
        "settings": (url("settings", convention), {"summary": "Changé", "started_on": "2024-01-02"}),
        "import_upload": (
            url("import_upload", convention),
            {"file": SimpleUploadedFile("v.csv", b"indicateur;territoire;annee;valeur\na;b;c;d\n")},
        ),
    }


def snapshot():
    return (
        list(Diagnostic.objects.values_list("pk", "summary", "started_on", "completed_on")),
        list(Finding.objects.values_list("pk", "title", "position")),
        list(Consultation.objects.values_list("pk", "title")),
        list(IndicatorValue.objects.values_list("pk", "value")),
    )


POST_ACTIONS = [
    "start",
    "finding_add",
    "finding_edit",
    "finding_move",
    "finding_delete",
    "indicator_edit",
    "consultation_add",
    "consultation_delete",
    "settings",
    "import_upload",
]


@pytest.mark.parametrize("action", POST_ACTIONS)
@pytest.mark.parametrize("role", [role for role in ROLES if not EXPECTED[role][1]])
def test_whoever_may_not_edit_changes_nothing(client, world_diagnostic, role, action):
    convention, users, finding, consultation = world_diagnostic
    address, data = post_requests(convention, finding, consultation)[action]
    client.force_login(users[role])
    before = snapshot()
    response = client.post(address, data)
    assert response.status_code == (403 if EXPECTED[role][0] else 404)
    assert snapshot() == before


def test_a_reader_posting_with_htmx_gets_the_page_reloaded_with_the_reason(client, world_diagnostic):
    convention, users, finding, consultation = world_diagnostic
    address, data = post_requests(convention, finding, consultation)["finding_add"]
    client.force_login(users["caf_officer"])
    response = client.post(address, data, **HTMX)
    assert response["HX-Refresh"] == "true"
    assert Finding.objects.count() == 1
    page = client.get(url("detail", convention)).content.decode()
    assert fr("Only the intercommunality's staff can change the diagnostic.").replace("'", "&#x27;") in page


# --- The page ---------------------------------------------------------------------------------------


def test_the_page_shows_values_formula_charts_findings_and_consultations(client, territory):
    cahors, pradines = territory.communes
    for commune, children, places in ((cahors, 540, 214), (pradines, 98, 42), (territory.epci, 1050, 330)):
        IndicatorValueFactory(
            diagnostic=territory.diagnostic, indicator=territory.children, territory=commune, value=children
        )
        IndicatorValueFactory(
            diagnostic=territory.diagnostic, indicator=territory.places, territory=commune, value=places
        )
    IndicatorValueFactory(diagnostic=territory.diagnostic, indicator=territory.places, year=2022, value=300)
    FindingFactory(diagnostic=territory.diagnostic, title="Peu de places en milieu rural")
    ConsultationFactory(diagnostic=territory.diagnostic, title="Rencontre des crèches")
    client.force_login(territory.staff)
    page = client.get(url("detail", territory.convention)).content.decode()
    assert "1\u202f050" in page or "1\xa0050" in page  # French thousands separator
    assert "31,4" in page  # 330 / 1 050 × 100, computed
    assert "Places en EAJE ÷ Enfants de moins de 3 ans × 100" in page
    assert page.count("<svg") == 4  # communes compared for 3 indicators; years for places (2022, 2023)
    assert "<title" in page and "Cahors : 214" in page
    assert "Peu de places en milieu rural" in page
    assert "Rencontre des crèches" in page
    assert fr("No action") in page


def test_each_consultation_names_the_organisations_present_by_name(client, territory):
    consultation = ConsultationFactory(diagnostic=territory.diagnostic, title="Rencontre des crèches")
    consultation.organisations.set(
        [
            OrganisationFactory(name="Mairie de Zonza", short_name="Zonza"),
            OrganisationFactory(name="Association des parents", short_name=""),
            OrganisationFactory(name="Caisse d'allocations familiales du Lot", short_name="CAF 46"),
        ]
    )
    ConsultationFactory(diagnostic=territory.diagnostic, title="Sans organisme")
    client.force_login(territory.reader)
    page = client.get(url("detail", territory.convention)).content.decode()
    # Short names shown, in the order of the full names; a consultation without organisation says none.
    assert "Association des parents, CAF 46, Zonza</dd>" in page
    assert page.count(fr("Organisations present")) == 1


def test_each_need_links_the_actions_that_answer_it(client, territory):
    need = FindingFactory(diagnostic=territory.diagnostic, title="Accueil des enfants handicapés")
    orientation = StrategicOrientationFactory(plan__convention=territory.convention)
    action = ActionFactory(orientation=orientation, code="2.1", title="ALSH inclusifs")
    action.answered_needs.add(need)
    FindingFactory(diagnostic=territory.diagnostic, title="Besoin orphelin")
    client.force_login(territory.reader)
    page = client.get(url("detail", territory.convention)).content.decode()
    assert "ALSH inclusifs" in page
    assert page.count('class="badge no-action-badge"') == 2  # the orphan need, and the section summary
    detail = reverse("action_plans:action_detail", kwargs={"convention_pk": territory.convention.pk, "pk": action.pk})
    assert f'href="{detail}"' in page


def test_a_convention_without_diagnostic_offers_to_start_it(client, territory):
    territory.diagnostic.delete()
    client.force_login(territory.staff)
    page = client.get(url("detail", territory.convention)).content.decode()
    assert url("start", territory.convention) in page
    response = client.post(url("start", territory.convention))
    assert response.status_code == 302
    territory.convention.refresh_from_db()
    assert territory.convention.diagnostic


def test_editing_pages_of_a_convention_without_diagnostic_answer_404(client, territory):
    territory.diagnostic.delete()
    client.force_login(territory.staff)
    assert client.get(url("import_upload", territory.convention)).status_code == 404


def test_a_frozen_convention_is_read_only_for_its_staff(client, territory):
    FindingFactory(diagnostic=territory.diagnostic)
    force_status(territory.convention, ConventionStatus.IN_REVIEW)
    client.force_login(territory.staff)
    page = client.get(url("detail", territory.convention)).content.decode()
    assert url("import_upload", territory.convention) not in page
    assert "finding-tools" not in page
    assert fr("Read only") in page
    need = {"domain_pk": domain("petite-enfance").pk, "kind_slug": "besoins"}
    response = client.post(url("finding_add", territory.convention, **need), {"title": "x", "priority": 2})
    assert response.status_code == 403
    assert Finding.objects.count() == 1


def populate(territory, size: int):
    """``size`` communes, each with values for two years; ``size`` findings answered; consultations."""
    for number in range(size):
        commune = OrganisationFactory(commune=True, epci=territory.epci)
        for year in (2022, 2023):
            for indicator in (territory.children, territory.places):
                IndicatorValueFactory(
                    diagnostic=territory.diagnostic, indicator=indicator, territory=commune, year=year, value=number + 1
                )
    plan, _created = ActionPlan.objects.get_or_create(convention=territory.convention)
    orientation = StrategicOrientationFactory(plan=plan)
    for kind in FindingKind.values:
        for _ in range(size):
            finding = FindingFactory(diagnostic=territory.diagnostic, kind=kind, domain=domain("jeunesse"))
            if kind == FindingKind.NEED:
                ActionFactory(orientation=orientation).answered_needs.add(finding)
    for _ in range(size):
        ConsultationFactory(diagnostic=territory.diagnostic).organisations.set(territory.communes)


@pytest.mark.parametrize("size", [1, 25])
def test_the_page_query_count_does_not_grow_with_the_data(client, territory, django_assert_max_num_queries, size):
    populate(territory, size)
    client.force_login(territory.staff)
    with django_assert_max_num_queries(DETAIL_MAX_QUERIES):
        response = client.get(url("detail", territory.convention))
    assert response.status_code == 200


def test_small_and_large_pages_cost_the_same_number_of_queries(client, territory):
    client.force_login(territory.staff)
    counts = []
    for size in (1, 20):
        populate(territory, size)
        with CaptureQueriesContext(connection) as queries:
            client.get(url("detail", territory.convention))
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- Findings in place (htmx) -----------------------------------------------------------------------


def need_url(territory, name="finding_add"):
    return url(name, territory.convention, domain_pk=domain("petite-enfance").pk, kind_slug="besoins")


def test_htmx_add_returns_only_the_list_with_the_new_need(client, territory):
    client.force_login(territory.staff)
    response = client.post(need_url(territory), {"title": "Horaires atypiques", "detail": "", "priority": 1}, **HTMX)
    content = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in content
    assert content.lstrip().startswith(f'<div id="findings-{domain("petite-enfance").pk}-besoins"')
    assert "Horaires atypiques" in content
    finding = Finding.objects.get()
    assert (finding.kind, finding.priority) == (FindingKind.NEED, 1)


def test_htmx_add_without_title_keeps_what_was_typed_and_says_why_in_french(client, territory):
    client.force_login(territory.staff)
    response = client.post(
        need_url(territory), {"title": "  ", "detail": "Des familles en attente", "priority": 2}, **HTMX
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert fr("Give the finding a title.") in content
    assert "Des familles en attente" in content
    assert 'aria-invalid="true"' in content
    assert not Finding.objects.exists()


def test_htmx_get_of_the_add_form_opens_it_in_the_list(client, territory):
    client.force_login(territory.staff)
    content = client.get(need_url(territory), **HTMX).content.decode()
    assert "<form" in content and 'name="title"' in content and "<html" not in content


def test_without_htmx_the_add_form_is_a_page_and_success_goes_back_to_the_page(client, territory):
    client.force_login(territory.staff)
    assert "<html" in client.get(need_url(territory)).content.decode()
    response = client.post(need_url(territory), {"title": "Sans JavaScript", "priority": 2})
    assert response.status_code == 302
    assert response["Location"].endswith(f"#findings-{domain('petite-enfance').pk}-besoins")


def test_htmx_edit_move_and_delete_answer_with_the_list(client, territory):
    first = FindingFactory(diagnostic=territory.diagnostic, title="Premier", position=1)
    second = FindingFactory(diagnostic=territory.diagnostic, title="Second", position=2)
    client.force_login(territory.staff)

    form = client.get(url("finding_edit", territory.convention, pk=first.pk), **HTMX).content.decode()
    assert 'value="Premier"' in form
    invalid = client.post(url("finding_edit", territory.convention, pk=first.pk), {"title": "", "priority": 2}, **HTMX)
    assert fr("Give the finding a title.") in invalid.content.decode()
    first.refresh_from_db()
    assert first.title == "Premier"

    client.post(url("finding_edit", territory.convention, pk=first.pk), {"title": "Renommé", "priority": 3}, **HTMX)
    content = client.post(url("finding_move", territory.convention, pk=second.pk), {"direction": "up"}, **HTMX)
    content = content.content.decode()
    assert content.index("Second") < content.index("Renommé")

    content = client.post(url("finding_delete", territory.convention, pk=second.pk), **HTMX).content.decode()
    assert "Second" not in content and "Renommé" in content
    assert list(Finding.objects.values_list("title", flat=True)) == ["Renommé"]


def test_a_finding_of_another_diagnostic_answers_404(client, territory):
    stranger = FindingFactory()
    client.force_login(territory.staff)
    assert client.post(url("finding_delete", territory.convention, pk=stranger.pk), **HTMX).status_code == 404
    assert Finding.objects.filter(pk=stranger.pk).exists()


def test_an_unknown_kind_or_a_domain_outside_the_convention_answers_404(client, territory):
    client.force_login(territory.staff)
    petite_enfance = domain("petite-enfance").pk
    assert (
        client.get(url("finding_add", territory.convention, domain_pk=petite_enfance, kind_slug="x")).status_code == 404
    )
    habitat = domain("habitat").pk
    assert (
        client.get(url("finding_add", territory.convention, domain_pk=habitat, kind_slug="besoins")).status_code == 404
    )


def test_the_findings_query_count_does_not_grow(client, territory, django_assert_max_num_queries):
    populate(territory, 20)
    client.force_login(territory.staff)
    address = url("finding_list", territory.convention, domain_pk=domain("jeunesse").pk, kind_slug="besoins")
    with django_assert_max_num_queries(12):
        assert client.get(address, **HTMX).status_code == 200


# --- Indicator values in place ----------------------------------------------------------------------


def test_htmx_edit_saves_the_grid_and_refreshes_the_computed_rate(client, territory):
    cahors, pradines = territory.communes
    IndicatorValueFactory(diagnostic=territory.diagnostic, indicator=territory.children, territory=cahors, value=500)
    IndicatorValueFactory(diagnostic=territory.diagnostic, indicator=territory.places, territory=cahors, value=100)
    IndicatorValueFactory(diagnostic=territory.diagnostic, indicator=territory.places, territory=pradines, value=7)
    client.force_login(territory.staff)
    address = url("indicator_edit", territory.convention, code="places-eaje")
    form = client.get(address, **HTMX).content.decode()
    assert f'name="v_{cahors.pk}_2023"' in form and 'name="new_year"' in form
    response = client.post(
        address,
        {
            f"v_{territory.epci.pk}_2023": "",
            f"v_{cahors.pk}_2023": "1 250,5",
            f"v_{pradines.pk}_2023": "",  # emptied: deleted
            "new_year": "2024",
            f"v_{cahors.pk}_new": "260",
        },
        **HTMX,
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert 'hx-swap-oob="true"' in content  # the coverage rate, refreshed out of band
    assert "250,1" in content  # 1 250,5 / 500 × 100
    assert IndicatorValue.objects.get(indicator=territory.places, year=2023).value == Decimal("1250.5")
    assert IndicatorValue.objects.get(indicator=territory.places, year=2024).value == Decimal(260)
    assert not IndicatorValue.objects.filter(territory=pradines).exists()


def test_an_invalid_cell_keeps_every_typed_value_and_saves_nothing(client, territory):
    cahors, _pradines = territory.communes
    IndicatorValueFactory(diagnostic=territory.diagnostic, indicator=territory.places, territory=cahors, value=100)
    client.force_login(territory.staff)
    address = url("indicator_edit", territory.convention, code="places-eaje")
    data = {f"v_{cahors.pk}_2023": "cent", f"v_{territory.epci.pk}_2023": "999", "new_year": ""}
    content = client.post(address, data, **HTMX).content.decode()
    assert 'value="cent"' in content and 'value="999"' in content
    assert "is-invalid" in content
    with translation.override("fr"):
        assert (
            translation.gettext("“%(text)s” is not a number (write for example 1 234,5).") % {"text": "cent"} in content
        )
    assert IndicatorValue.objects.get().value == Decimal(100)


def test_a_new_column_needs_its_year(client, territory):
    client.force_login(territory.staff)
    address = url("indicator_edit", territory.convention, code="places-eaje")
    content = client.post(address, {f"v_{territory.epci.pk}_new": "12", "new_year": ""}, **HTMX).content.decode()
    assert fr("Give the year of the new column.") in content
    assert not IndicatorValue.objects.exists()


def test_a_computed_indicator_has_no_edit_form(client, territory):
    client.force_login(territory.staff)
    assert client.get(url("indicator_edit", territory.convention, code=territory.rate.code)).status_code == 404


def test_the_indicator_picker_opens_the_chosen_indicator(client, territory):
    client.force_login(territory.staff)
    response = client.get(url("indicator_choose", territory.convention), {"indicator": "places-eaje"})
    assert response["Location"] == url("indicator_edit", territory.convention, code="places-eaje")
    response = client.get(url("indicator_choose", territory.convention), {"indicator": "nope"})
    assert response["Location"].endswith("#indicators")


def test_the_grid_query_count_does_not_grow_with_communes(client, territory, django_assert_max_num_queries):
    populate(territory, 30)
    client.force_login(territory.staff)
    with django_assert_max_num_queries(13):
        client.get(url("indicator_edit", territory.convention, code="places-eaje"), **HTMX)


# --- Consultations ----------------------------------------------------------------------------------


def test_a_consultation_is_added_edited_and_deleted(client, territory):
    client.force_login(territory.staff)
    data = {
        "held_on": "2024-02-10",
        "title": "Rencontre des assistantes maternelles",
        "domain": domain("petite-enfance").pk,
        "participants": "RPE",
        "organisations": [territory.communes[0].pk],
        "notes": "",
    }
    response = client.post(url("consultation_add", territory.convention), data)
    assert response.status_code == 302
    consultation = Consultation.objects.get()
    assert list(consultation.organisations.all()) == [territory.communes[0]]
    client.post(url("consultation_edit", territory.convention, pk=consultation.pk), {**data, "title": "Autre"})
    consultation.refresh_from_db()
    assert consultation.title == "Autre"
    client.post(url("consultation_delete", territory.convention, pk=consultation.pk))
    assert not Consultation.objects.exists()


def test_a_rejected_consultation_keeps_what_was_typed(client, territory):
    client.force_login(territory.staff)
    content = client.post(
        url("consultation_add", territory.convention), {"held_on": "", "title": "", "notes": "Mes notes"}
    ).content.decode()
    assert fr("Give the consultation a title.") in content
    assert fr("Give the date of the consultation.") in content
    assert "Mes notes" in content
    assert not Consultation.objects.exists()


def test_a_consultation_cannot_name_an_organisation_outside_the_territory(client, territory):
    client.force_login(territory.staff)
    stranger = OrganisationFactory()
    data = {"held_on": "2024-02-10", "title": "Réunion", "organisations": [stranger.pk]}
    response = client.post(url("consultation_add", territory.convention), data)
    assert response.status_code == 200
    assert not Consultation.objects.exists()


# --- CSV import -------------------------------------------------------------------------------------


def csv_file(content: str, name="valeurs.csv", encoding="utf-8"):
    return SimpleUploadedFile(name, content.encode(encoding), content_type="text/csv")


def upload(client, territory, content: str, **kwargs):
    return client.post(url("import_upload", territory.convention), {"file": csv_file(content, **kwargs)})


def test_upload_preview_confirm_imports_every_row(client, territory):
    IndicatorValueFactory(diagnostic=territory.diagnostic, indicator=territory.children, year=2023, value=1)
    client.force_login(territory.staff)
    content = (
        "indicateur;territoire;annee;valeur\n"
        f"enfants-moins-3-ans;{territory.epci.siren};2023;1 050\n"
        "places-eaje;46042;2023;214,5\n"
    )
    response = upload(client, territory, content)
    assert response.status_code == 302
    preview_url = response["Location"]
    preview = client.get(preview_url).content.decode()
    assert "import-row-update" in preview and "import-row-create" in preview
    assert not IndicatorValue.objects.filter(indicator=territory.places).exists()  # nothing before confirming

    response = client.post(preview_url)
    assert response.status_code == 302
    assert response["Location"].endswith("#indicators")
    assert IndicatorValue.objects.get(indicator=territory.places).value == Decimal("214.5")
    assert IndicatorValue.objects.get(indicator=territory.children).value == Decimal(1050)
    used_up = client.get(preview_url, follow=True)  # applied once: the preview now says so
    assert fr("This import has already been applied.") in used_up.content.decode()


def test_a_preview_with_errors_offers_no_confirmation_and_lists_them(client, territory):
    client.force_login(territory.staff)
    content = "indicateur;territoire;annee;valeur\nplaces-eaje;46042;2023;12\nplaces-eaje;99999;2023;12\n"
    preview_url = upload(client, territory, content)["Location"]
    preview = client.get(preview_url).content.decode()
    assert "import-row-error" in preview
    assert "99999" in preview
    assert '<form method="post">' not in preview  # no confirmation form
    assert client.post(preview_url).status_code == 200  # refused, shown again
    assert not IndicatorValue.objects.exists()


def test_confirmation_checks_the_rows_again(client, territory):
    client.force_login(territory.staff)
    preview_url = upload(client, territory, "indicateur;territoire;annee;valeur\nplaces-eaje;46042;2023;12\n")[
        "Location"
    ]
    # Between preview and confirmation, the indicator became a computed one.
    territory.places.formula = "{enfants-moins-3-ans} * 2"
    territory.places.save()
    response = client.post(preview_url)
    assert response.status_code == 200
    assert "import-row-error" in response.content.decode()
    assert not IndicatorValue.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "The file is empty."),
        ("indicateur;valeur\npopulation;12\n", "Missing columns: territoire, annee."),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_on_the_upload_page(client, territory, content, message):
    client.force_login(territory.staff)
    response = client.post(url("import_upload", territory.convention), {"file": csv_file(content)} if content else {})
    assert response.status_code == 200
    assert not IndicatorValue.objects.exists()


def test_an_empty_upload_and_a_workbook_get_a_french_message(client, territory):
    client.force_login(territory.staff)
    empty = client.post(url("import_upload", territory.convention), {"file": SimpleUploadedFile("v.csv", b"")})
    assert fr("The file is empty.") in empty.content.decode()
    workbook = client.post(
        url("import_upload", territory.convention), {"file": SimpleUploadedFile("v.xlsx", b"PK\x03\x04 zip")}
    )
    assert "CSV UTF-8" in workbook.content.decode()


def test_a_latin1_file_is_read_and_the_preview_says_so(client, territory):
    client.force_login(territory.staff)
    content = "indicateur;territoire;année;valeur;commentaire\nplaces-eaje;46042;2023;12;Données CAF\n"
    preview = client.get(upload(client, territory, content, encoding="cp1252")["Location"]).content.decode()
    assert "import-row-create" in preview
    assert "Windows-1252" in preview


def test_an_oversized_upload_is_stopped(client, territory):
    client.force_login(territory.staff)
    big = SimpleUploadedFile("big.csv", b"indicateur;territoire;annee;valeur\n" + b"x" * (MAX_BYTES + 10))
    response = client.post(url("import_upload", territory.convention), {"file": big})
    assert response.status_code == 200
    with translation.override("fr"):
        expected = translation.gettext("The file is too large: at most %(size)s MB. Split it into several files.")
    assert expected % {"size": 2} in response.content.decode()


def test_another_user_cannot_open_someone_else_s_preview(client, territory):
    client.force_login(territory.staff)
    preview_url = upload(client, territory, "indicateur;territoire;annee;valeur\nplaces-eaje;46042;2023;12\n")[
        "Location"
    ]
    client.logout()
    client.force_login(territory.reader)
    assert client.get(preview_url).status_code == 403  # may not import at all
    from tests.partners.factories import MembershipFactory

    client.force_login(MembershipFactory(organisation=territory.epci).user)  # staff, another session
    assert client.get(preview_url).status_code == 404
    assert client.post(preview_url).status_code == 404
    assert client.get(url("import_preview", territory.convention, token="not-a-token")).status_code == 404


def test_the_example_file_is_a_french_excel_csv(client, territory):
    client.force_login(territory.reader)
    response = client.get(url("import_template", territory.convention))
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeffindicateur;territoire;annee;valeur;commentaire\r\n")
    assert territory.epci.siren in text


def test_the_upload_page_documents_the_columns_and_codes(client, territory):
    client.force_login(territory.staff)
    page = client.get(url("import_upload", territory.convention)).content.decode()
    for column in ("indicateur", "territoire", "annee", "valeur", "commentaire"):
        assert f"<code>{column}</code>" in page
    assert "places-eaje" in page and "46042" in page
    assert "taux-couverture-accueil-jeune-enfant" not in page  # computed, not importable


def test_the_convention_page_links_to_the_diagnostic(client, territory):
    client.force_login(territory.reader)
    page = client.get(reverse("workflow:detail", args=[territory.convention.pk])).content.decode()
    assert url("detail", territory.convention) in page


def test_dates_are_shown_the_french_way(client, territory):
    ConsultationFactory(diagnostic=territory.diagnostic, held_on=datetime.date(2024, 2, 10))
    client.force_login(territory.staff)
    assert "10 février 2024" in client.get(url("detail", territory.convention)).content.decode()


# --- Introduction and dates ---------------------------------------------------------------------------


def test_the_staff_write_the_introduction_and_dates_and_the_page_shows_them(
    client, world_diagnostic, django_assert_max_num_queries
):
    convention, users, _finding, _consultation = world_diagnostic
    client.force_login(users["epci_staff"])
    with django_assert_max_num_queries(12):
        assert client.get(url("settings", convention)).status_code == 200
    response = client.post(
        url("settings", convention),
        {"summary": "Diagnostic mené avec les communes.", "started_on": "2024-09-02", "completed_on": "2025-03-31"},
    )
    assert response.status_code == 302
    diagnostic = Diagnostic.objects.get(convention=convention)
    assert (diagnostic.summary, diagnostic.started_on, diagnostic.completed_on) == (
        "Diagnostic mené avec les communes.",
        datetime.date(2024, 9, 2),
        datetime.date(2025, 3, 31),
    )
    assert diagnostic.history.first().history_user == users["epci_staff"]
    with translation.override("fr"):
        page = client.get(url("detail", convention), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Diagnostic mené avec les communes." in page
    assert "2 septembre 2024" in page


def test_a_completion_before_the_start_is_refused_and_nothing_changes(client, world_diagnostic):
    convention, users, _finding, _consultation = world_diagnostic
    client.force_login(users["epci_staff"])
    before = snapshot()
    response = client.post(
        url("settings", convention), {"summary": "X", "started_on": "2025-03-01", "completed_on": "2025-01-01"}
    )
    assert response.status_code == 200
    assert fr("A diagnostic cannot be completed before it started.") in response.content.decode()
    assert snapshot() == before


def test_a_diagnostic_opened_in_the_browser_starts_today(client, world):
    convention, users = world
    client.force_login(users["epci_staff"])
    client.post(url("start", convention))
    assert Diagnostic.objects.get(convention=convention).started_on is not None


def test_the_introduction_cannot_change_once_the_convention_is_under_review(client, world_diagnostic):
    convention, users, _finding, _consultation = world_diagnostic
    force_status(convention, ConventionStatus.IN_REVIEW)
    client.force_login(users["epci_staff"])
    before = snapshot()
    response = client.post(url("settings", convention), {"summary": "Trop tard", "started_on": "2024-01-02"})
    assert response.status_code == 403
    assert snapshot() == before
