"""The editing pages: who reaches them, what a save does, bad input, conflicts, and query counts."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from action_plans.choices import ActionStatus, FundingStatus
from action_plans.models import Action, EvaluationIndicator, FundingLine, StrategicOrientation
from conventions.choices import ConventionStatus
from diagnostics.choices import FindingKind
from tests.action_plans.factories import (
    ActionFactory,
    EvaluationIndicatorFactory,
    FundingLineFactory,
    StrategicOrientationFactory,
    convention_ready_for_editing,
)
from tests.conventions.factories import ConventionFactory, PartyFactory, domain, force_status
from tests.diagnostics.factories import FindingFactory
from tests.partners.factories import MembershipFactory, OrganisationFactory
from tests.roles import EXPECTED, ROLES

pytestmark = pytest.mark.django_db

# Session, user, convention, abilities (memberships, parties, copil), the fiche and its relations, the
# choices (domains, parties, organisations, needs), the navigation bar; savepoints of ATOMIC_REQUESTS.
EDIT_PAGE_MAX_QUERIES = 18
CREATE_PAGE_MAX_QUERIES = 14


def url(name, convention, *args):
    return reverse(f"action_plans:{name}", args=[convention.pk, *args])


def staff_of(convention):
    return MembershipFactory(organisation=convention.epci).user


def caf_of(convention):
    return convention.parties.get(organisation__kind="caf").organisation


@pytest.fixture
def convention():
    return convention_ready_for_editing()


@pytest.fixture
def orientation(convention):
    return StrategicOrientationFactory(plan__convention=convention, position=1)


@pytest.fixture
def fiche(convention, orientation):
    action = ActionFactory(
        orientation=orientation,
        code="1.1",
        title="Ouvrir une micro-crèche",
        start_date=datetime.date(2024, 1, 1),
        end_date=datetime.date(2026, 12, 31),
    )
    action.partners.set([caf_of(convention)])
    FundingLineFactory(action=action, funder=caf_of(convention), year=2024, amount=Decimal("12500.50"))
    EvaluationIndicatorFactory(action=action)
    return action


@pytest.fixture
def staff_client(client, convention):
    client.force_login(staff_of(convention))
    return client


def value_of(bound_field):
    value = bound_field.value()
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return [str(getattr(item, "pk", item)) for item in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(getattr(value, "pk", value))


def form_data(response) -> dict:
    """What a browser would send back from the page, unchanged."""
    data = {}
    forms = [response.context["form"]]
    for prefix in ("funding", "indicators"):
        formset = response.context[prefix]
        forms += [formset.management_form, *formset.forms]
    for form in forms:
        for bound_field in form:
            value = value_of(bound_field)
            if bound_field.name == "DELETE" and value in ("False", ""):
                continue
            data[bound_field.html_name] = value
    return data


def new_fiche_data(convention, **overrides) -> dict:
    need = convention.diagnostic.findings.filter(kind=FindingKind.NEED).first()
    data = {
        "code": "2.1",
        "title": "Créer un accueil de loisirs",
        "domain": str(domain("jeunesse").pk),
        "priority": "1",
        "objectives": "Quarante places le mercredi.",
        "target_public": "Enfants de 6 à 11 ans",
        "answered_needs": [str(need.pk)],
        "pilot": str(convention.epci.pk),
        "partners": [str(caf_of(convention).pk)],
        "start_date": "2024-09-01",
        "end_date": "2027-06-30",
        "status": "upcoming",
        "progress": "0",
        "funding-TOTAL_FORMS": "2",
        "funding-INITIAL_FORMS": "0",
        "funding-MIN_NUM_FORMS": "0",
        "funding-MAX_NUM_FORMS": "1000",
        "funding-0-funder": str(caf_of(convention).pk),
        "funding-0-scheme": "Prestation de service",
        "funding-0-year": "2025",
        "funding-0-amount": "12 500,50",
        "funding-0-status": "planned",
        "funding-1-funder": str(convention.epci.pk),
        "funding-1-scheme": "",
        "funding-1-year": "2025",
        "funding-1-amount": "8000",
        "funding-1-status": "requested",
        "indicators-TOTAL_FORMS": "1",
        "indicators-INITIAL_FORMS": "0",
        "indicators-MIN_NUM_FORMS": "0",
        "indicators-MAX_NUM_FORMS": "1000",
        "indicators-0-label": "Enfants accueillis",
        "indicators-0-unit": "enfants",
        "indicators-0-baseline": "0",
        "indicators-0-target": "40",
        "indicators-0-current_value": "",
    }
    data.update(overrides)
    return data


# --- Who reaches the pages ------------------------------------------------------------------------


def pages(convention, orientation, action):
    return {
        "orientation_create": url("orientation_create", convention),
        "orientation_edit": url("orientation_edit", convention, orientation.pk),
        "orientation_delete": url("orientation_delete", convention, orientation.pk),
        "action_create": url("action_create", convention, orientation.pk),
        "action_edit": url("action_edit", convention, action.pk),
        "action_delete": url("action_delete", convention, action.pk),
    }


@pytest.fixture
def world_fiche(world):
    convention, users = world
    convention_ready_for_editing(convention)
    action = ActionFactory(orientation__plan__convention=convention)
    return convention, users, action.orientation, action


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "page_name",
    ["orientation_create", "orientation_edit", "orientation_delete", "action_create", "action_edit", "action_delete"],
)
def test_editing_pages_for_each_role(client, world_fiche, role, page_name):
    convention, users, orientation, action = world_fiche
    client.force_login(users[role])
    response = client.get(pages(convention, orientation, action)[page_name])
    can_view, can_edit, _ = EXPECTED[role]
    expected = 200 if can_edit else 403 if can_view else 404
    assert response.status_code == expected
    if expected == 403:
        assert "Vous pouvez consulter ce plan d’actions mais pas le modifier." in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page_name", ["orientation_move", "action_move"])
def test_moving_for_each_role(client, world_fiche, role, page_name):
    convention, users, orientation, action = world_fiche
    other_orientation = StrategicOrientationFactory(plan=orientation.plan, position=orientation.position + 1)
    other_action = ActionFactory(orientation=orientation, code="Z.1", position=action.position + 1)
    client.force_login(users[role])
    target, other = (orientation, other_orientation) if page_name == "orientation_move" else (action, other_action)
    response = client.post(url(page_name, convention, target.pk), {"direction": "down"})
    can_view, can_edit, _ = EXPECTED[role]
    assert response.status_code == (302 if can_edit else 403 if can_view else 404)
    target.refresh_from_db()
    other.refresh_from_db()
    assert (target.position > other.position) == can_edit


@pytest.mark.parametrize("page_name", ["orientation_create", "action_edit"])
def test_anonymous_users_are_sent_to_the_login_page(client, world_fiche, page_name):
    convention, _users, orientation, action = world_fiche
    target = pages(convention, orientation, action)[page_name]
    response = client.get(target)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={target}"


@pytest.mark.parametrize("role", ROLES)
def test_once_signed_only_the_intercommunality_staff_opens_the_follow_up_form(client, world_fiche, role):
    convention, users, orientation, action = world_fiche
    force_status(convention, ConventionStatus.SIGNED)
    client.force_login(users[role])
    response = client.get(url("action_edit", convention, action.pk))
    can_view = EXPECTED[role][0]
    assert response.status_code == (200 if role == "epci_staff" else 403 if can_view else 404)
    if role == "epci_staff":
        assert response.context["frozen"] is True


@pytest.mark.parametrize(
    "page_name", ["orientation_create", "orientation_edit", "orientation_delete", "action_create", "action_delete"]
)
def test_contractual_pages_are_refused_with_the_reason_once_signed(client, world_fiche, page_name):
    convention, users, orientation, action = world_fiche
    force_status(convention, ConventionStatus.IN_REVIEW)
    client.force_login(users["epci_staff"])
    response = client.get(pages(convention, orientation, action)[page_name])
    assert response.status_code == 403
    assert "En relecture" in response.content.decode()


def test_an_orientation_of_another_convention_answers_404(staff_client, convention):
    elsewhere = StrategicOrientationFactory()
    assert staff_client.get(url("orientation_edit", convention, elsewhere.pk)).status_code == 404
    assert staff_client.get(url("action_create", convention, elsewhere.pk)).status_code == 404


def test_a_fiche_of_another_convention_answers_404(staff_client, convention):
    elsewhere = ActionFactory()
    assert staff_client.get(url("action_edit", convention, elsewhere.pk)).status_code == 404
    assert staff_client.post(url("action_delete", convention, elsewhere.pk)).status_code == 404
    assert Action.objects.filter(pk=elsewhere.pk).exists()


# --- Orientations ---------------------------------------------------------------------------------


def test_creating_the_first_orientation(staff_client, convention):
    response = staff_client.post(
        url("orientation_create", convention), {"title": "Accueillir les tout-petits", "description": ""}
    )
    orientation = StrategicOrientation.objects.get()
    assert orientation.plan.convention == convention
    assert response.status_code == 302
    assert response["Location"] == f"{url('plan', convention)}#orientation-{orientation.pk}-title"


def test_an_orientation_without_title_is_refused_in_french(staff_client, convention):
    response = staff_client.post(url("orientation_create", convention), {"title": " ", "description": "Gardée"})
    content = response.content.decode()
    assert response.status_code == 200
    assert "Indiquez un intitulé." in content
    assert "Gardée" in content
    assert not StrategicOrientation.objects.exists()


def test_editing_an_orientation(staff_client, convention, orientation):
    staff_client.post(url("orientation_edit", convention, orientation.pk), {"title": "Nouveau", "description": "D"})
    orientation.refresh_from_db()
    assert (orientation.title, orientation.description) == ("Nouveau", "D")


def test_the_orientation_deletion_page_lists_its_fiches(staff_client, convention, orientation, fiche):
    content = staff_client.get(url("orientation_delete", convention, orientation.pk)).content.decode()
    assert "Ouvrir une micro-crèche" in content
    assert f'name="action" value="{fiche.pk}"' in content


def test_deleting_an_orientation_after_confirmation(staff_client, convention, orientation, fiche):
    response = staff_client.post(url("orientation_delete", convention, orientation.pk), {"action": [fiche.pk]})
    assert response.status_code == 302
    assert not StrategicOrientation.objects.exists()
    assert not Action.objects.exists()


def test_deleting_an_orientation_whose_fiches_changed_asks_again(staff_client, convention, orientation, fiche):
    response = staff_client.post(url("orientation_delete", convention, orientation.pk), {"action": []})
    assert response.status_code == 200
    assert "vérifiez à nouveau la liste" in response.content.decode()
    assert Action.objects.filter(pk=fiche.pk).exists()


def test_moving_orientations(staff_client, convention, orientation):
    second = StrategicOrientationFactory(plan=orientation.plan, position=2)
    response = staff_client.post(url("orientation_move", convention, second.pk), {"direction": "up"})
    assert response.status_code == 302
    orientation.refresh_from_db()
    second.refresh_from_db()
    assert (second.position, orientation.position) == (1, 2)


def test_moving_needs_post(staff_client, convention, orientation):
    assert staff_client.get(url("orientation_move", convention, orientation.pk)).status_code == 405


# --- Creating a fiche -----------------------------------------------------------------------------


def test_the_new_fiche_form_offers_the_conventions_choices(staff_client, convention, orientation):
    elsewhere_need = FindingFactory(title="Besoin d'un autre territoire")
    content = staff_client.get(url("action_create", convention, orientation.pk)).content.decode()
    assert "Manque de places d&#x27;accueil" in content
    assert "Un réseau associatif actif" not in content, "a strength is not a need"
    assert elsewhere_need.title not in content
    assert caf_of(convention).name in content
    assert "Accès aux droits" not in content, "a domain outside the convention"


def test_creating_a_fiche_with_two_funding_lines(staff_client, convention, orientation):
    response = staff_client.post(url("action_create", convention, orientation.pk), new_fiche_data(convention))
    action = Action.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("action_detail", convention, action.pk)
    assert (action.code, action.title, action.domain) == ("2.1", "Créer un accueil de loisirs", domain("jeunesse"))
    assert sorted(action.funding_lines.values_list("amount", "status")) == [
        (Decimal("8000.00"), FundingStatus.REQUESTED),
        (Decimal("12500.50"), FundingStatus.PLANNED),
    ]
    assert action.evaluation_indicators.get().target == Decimal(40)
    assert action.answered_needs.count() == 1
    assert action.history.earliest().history_user.memberships.get().organisation == convention.epci


def test_blank_extra_rows_are_ignored(staff_client, convention, orientation):
    data = new_fiche_data(
        convention,
        **{
            "funding-TOTAL_FORMS": "3",
            "funding-2-funder": "",
            "funding-2-scheme": "",
            "funding-2-year": "",
            "funding-2-amount": "",
            "funding-2-status": "planned",
            "indicators-TOTAL_FORMS": "2",
            "indicators-1-label": "",
        },
    )
    assert staff_client.post(url("action_create", convention, orientation.pk), data).status_code == 302
    assert FundingLine.objects.count() == 2


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": ""}, "Indiquez un intitulé."),
        ({"start_date": "2023-12-01"}, "Choisissez une date comprise dans la période de la convention"),
        ({"end_date": "2028-01-01"}, "Choisissez une date comprise dans la période de la convention"),
        ({"start_date": "2026-01-01", "end_date": "2025-01-01"}, "La date de fin ne peut pas précéder"),
        ({"start_date": "pas une date"}, "Saisissez une date valide."),
        ({"progress": "101"}, "L’avancement doit être compris entre 0 et 100"),
        ({"progress": "-5"}, "L’avancement doit être compris entre 0 et 100"),
        ({"progress": "beaucoup"}, "L’avancement doit être un nombre entier"),
        ({"funding-0-amount": "-10"}, "Un montant ne peut pas être négatif."),
        ({"funding-0-amount": "douze mille"}, "Saisissez un nombre, par exemple 12 500,50."),
        ({"funding-0-year": "2019"}, "Choisissez une année comprise dans la période de la convention (2024 – 2027)."),
        ({"funding-0-funder": "999999"}, "Choisissez un financeur parmi ceux proposés."),
        ({"domain": "acces-aux-droits"}, "Sélectionnez un choix valide"),
        ({"indicators-0-label": "", "indicators-0-target": "40"}, "Indiquez un libellé."),
    ],
)
def test_bad_input_is_refused_in_french_and_kept(staff_client, convention, orientation, overrides, message):
    if "domain" in overrides:
        overrides = {"domain": str(domain(overrides["domain"]).pk)}  # a domain outside the convention
    data = new_fiche_data(convention, **overrides)
    response = staff_client.post(url("action_create", convention, orientation.pk), data)
    content = response.content.decode()
    assert response.status_code == 200
    assert message in content.replace("&#x27;", "'")
    assert "Rien n’a été enregistré" in content
    assert 'value="Créer un accueil de loisirs"' in content or not data["title"], "what the user typed is kept"
    assert 'value="12 500,50"' in content or data["funding-0-amount"] != "12 500,50"
    assert not Action.objects.exists()
    assert not FundingLine.objects.exists()


def test_a_pilot_that_is_not_a_party_is_refused_even_posted_by_hand(staff_client, convention, orientation):
    outsider = OrganisationFactory(name="Association du coin")
    data = new_fiche_data(convention, pilot=str(outsider.pk))
    content = staff_client.post(url("action_create", convention, orientation.pk), data).content.decode()
    assert "Le pilote doit être une organisation partie à la convention." in content
    assert not Action.objects.exists()


def test_a_duplicate_code_is_refused(staff_client, convention, orientation, fiche):
    data = new_fiche_data(convention, code="1.1")
    content = staff_client.post(url("action_create", convention, orientation.pk), data).content.decode()
    assert "Une autre fiche action de cette orientation porte déjà ce code." in content
    assert Action.objects.count() == 1


def test_two_identical_funding_rows_are_refused(staff_client, convention, orientation):
    data = new_fiche_data(
        convention,
        **{"funding-1-funder": str(caf_of(convention).pk), "funding-1-scheme": "Prestation de service"},
    )
    content = staff_client.post(url("action_create", convention, orientation.pk), data).content.decode()
    assert "Ce financeur a déjà une ligne pour cette année et ce dispositif." in content
    assert not Action.objects.exists()


@pytest.mark.parametrize(
    "garbage",
    [
        {"funding-TOTAL_FORMS": "abc"},
        {"funding-TOTAL_FORMS": "5"},
        {"partners": ["x", "-1"]},
        {"answered_needs": ["99999"]},
        {"priority": "urgent"},
        {"status": "done-ish"},
        {"lock_version": "v2"},
        {"indicators-0-target": "1e400"},
        {"funding-0-amount": "NaN"},
        {"funding-0-amount": "1" * 30},
    ],
)
def test_garbage_never_makes_a_500(staff_client, convention, orientation, garbage):
    response = staff_client.post(
        url("action_create", convention, orientation.pk), new_fiche_data(convention, **garbage)
    )
    assert response.status_code == 200
    assert not Action.objects.exists()


# --- Editing a fiche ------------------------------------------------------------------------------


def test_the_edit_form_shows_the_fiche(staff_client, convention, fiche):
    response = staff_client.get(url("action_edit", convention, fiche.pk))
    content = response.content.decode()
    assert response.context["frozen"] is False
    assert 'value="Ouvrir une micro-crèche"' in content
    assert 'value="12\xa0500,5"' in content
    assert f'name="lock_version" value="{fiche.lock_version}"' in content


def test_saving_the_edit_form(staff_client, convention, fiche):
    data = form_data(staff_client.get(url("action_edit", convention, fiche.pk)))
    data.update({"title": "Ouvrir deux micro-crèches", "funding-0-amount": "13 000", "progress": "25"})
    response = staff_client.post(url("action_edit", convention, fiche.pk), data)
    assert response.status_code == 302
    assert response["Location"] == url("action_detail", convention, fiche.pk)
    fiche.refresh_from_db()
    assert (fiche.title, fiche.progress, fiche.lock_version) == ("Ouvrir deux micro-crèches", 25, 1)
    assert fiche.funding_lines.get().amount == Decimal(13000)


def test_deleting_a_funding_line_from_the_form(staff_client, convention, fiche):
    data = form_data(staff_client.get(url("action_edit", convention, fiche.pk)))
    data["funding-0-DELETE"] = "on"
    staff_client.post(url("action_edit", convention, fiche.pk), data)
    assert not fiche.funding_lines.exists()


def test_an_unchanged_form_saves_nothing(staff_client, convention, fiche):
    data = form_data(staff_client.get(url("action_edit", convention, fiche.pk)))
    assert staff_client.post(url("action_edit", convention, fiche.pk), data).status_code == 302
    fiche.refresh_from_db()
    assert fiche.lock_version == 0


def test_a_form_without_its_version_is_refused(staff_client, convention, fiche):
    data = form_data(staff_client.get(url("action_edit", convention, fiche.pk)))
    del data["lock_version"]
    data["title"] = "Sans version"
    response = staff_client.post(url("action_edit", convention, fiche.pk), data)
    assert response.status_code == 200
    assert "rechargez la page" in response.content.decode()
    fiche.refresh_from_db()
    assert fiche.title != "Sans version"


def test_the_second_save_shows_what_changed_and_keeps_the_input(client, convention, fiche):
    first = staff_of(convention)
    second = MembershipFactory(organisation=convention.epci, user__first_name="Paul", user__last_name="Marty").user
    client.force_login(second)
    seconds_form = form_data(client.get(url("action_edit", convention, fiche.pk)))
    client.force_login(first)
    firsts_form = form_data(client.get(url("action_edit", convention, fiche.pk)))
    firsts_form.update({"title": "Titre de Sophie", "funding-0-amount": "20 000"})
    assert client.post(url("action_edit", convention, fiche.pk), firsts_form).status_code == 302

    client.force_login(second)
    seconds_form.update({"objectives": "Objectif de Paul", "progress": "40"})
    response = client.post(url("action_edit", convention, fiche.pk), seconds_form)

    content = response.content.decode()
    assert response.status_code == 409
    assert "a enregistré cette fiche action pendant que vous la modifiiez" in content
    changes = content[content.index('class="table table-sm') : content.index("</table>")]
    assert "Ouvrir une micro-crèche" in changes and "Titre de Sophie" in changes
    assert "12\xa0500,50" in changes and "20\xa0000" in changes
    assert first.get_full_name() in changes
    assert "Enregistrer votre formulaire tel quel annulerait ce changement." in changes
    assert "Objectif de Paul" in content, "the second person's input is kept"
    assert 'name="progress" value="40"' in content
    assert 'name="lock_version" value="1"' in content, "a second submit is an explicit decision"
    fiche.refresh_from_db()
    assert (fiche.title, fiche.objectives, fiche.progress) == ("Titre de Sophie", "", 0)

    resubmitted = {**seconds_form, "lock_version": "1"}
    assert client.post(url("action_edit", convention, fiche.pk), resubmitted).status_code == 302
    fiche.refresh_from_db()
    assert (fiche.objectives, fiche.progress, fiche.lock_version) == ("Objectif de Paul", 40, 2)


# --- Frozen content: the follow-up form -----------------------------------------------------------


@pytest.fixture
def signed(convention):
    force_status(convention, ConventionStatus.SIGNED)
    return convention


def test_the_follow_up_form_shows_the_definition_without_inputs(staff_client, signed, fiche):
    response = staff_client.get(url("action_edit", signed, fiche.pk))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Ouvrir une micro-crèche" in content
    assert 'type="hidden" name="title"' in content
    assert 'type="text" name="title"' not in content
    assert 'name="progress"' in content and 'name="funding-0-status"' in content
    assert 'name="indicators-0-current_value"' in content
    assert "Ajouter une ligne de financement" not in content


def test_the_follow_up_form_saves_monitoring_data(staff_client, signed, fiche):
    data = form_data(staff_client.get(url("action_edit", signed, fiche.pk)))
    data.update(
        {
            "status": ActionStatus.IN_PROGRESS,
            "progress": "55",
            "funding-0-status": "paid",
            "indicators-0-current_value": "12",
        }
    )
    assert staff_client.post(url("action_edit", signed, fiche.pk), data).status_code == 302
    fiche.refresh_from_db()
    assert (fiche.status, fiche.progress) == (ActionStatus.IN_PROGRESS, 55)
    assert fiche.funding_lines.get().status == FundingStatus.PAID
    assert fiche.evaluation_indicators.get().current_value == Decimal(12)


def test_a_rejected_follow_up_form_keeps_showing_the_frozen_lines(staff_client, signed, fiche):
    data = form_data(staff_client.get(url("action_edit", signed, fiche.pk)))
    data.update({"progress": "cent", "indicators-0-current_value": "beaucoup"})
    response = staff_client.post(url("action_edit", signed, fiche.pk), data)
    content = response.content.decode()
    assert response.status_code == 200
    assert "L’avancement doit être un nombre entier" in content
    assert "Saisissez un nombre, par exemple 12 500,50." in content
    assert "12\xa0500,50 €" in content and "Nombre de familles accompagnées" in content
    assert 'value="beaucoup"' in content


@pytest.mark.parametrize(
    "tampering",
    [
        {"title": "Titre changé à la main"},
        {"funding-0-amount": "1"},
        {"indicators-0-target": "1000"},
        {"partners": []},
        {
            "funding-TOTAL_FORMS": "2",
            "funding-1-funder": "",
            "funding-1-scheme": "Ajout",
            "funding-1-year": "2025",
            "funding-1-amount": "5",
            "funding-1-status": "planned",
        },
    ],
)
def test_a_hand_made_post_changing_frozen_content_is_refused(staff_client, signed, fiche, tampering):
    data = form_data(staff_client.get(url("action_edit", signed, fiche.pk)))
    if "funding-1-scheme" in tampering:
        tampering["funding-1-funder"] = str(caf_of(signed).pk)
    data.update(tampering, progress="77")
    before = (
        list(Action.objects.filter(pk=fiche.pk).values()),
        list(FundingLine.objects.values()),
        list(EvaluationIndicator.objects.values()),
        list(fiche.partners.values_list("pk", flat=True)),
    )
    response = staff_client.post(url("action_edit", signed, fiche.pk), data)
    assert response.status_code == 403
    assert "En vigueur" in response.content.decode()
    after = (
        list(Action.objects.filter(pk=fiche.pk).values()),
        list(FundingLine.objects.values()),
        list(EvaluationIndicator.objects.values()),
        list(fiche.partners.values_list("pk", flat=True)),
    )
    assert after == before


# --- Deleting and moving fiches -------------------------------------------------------------------


def test_the_deletion_page_lists_what_goes_with_the_fiche(staff_client, convention, fiche):
    content = staff_client.get(url("action_delete", convention, fiche.pk)).content.decode()
    assert "1 ligne de financement" in content
    assert "12\xa0500,50 €" in content
    assert "1 indicateur d’évaluation" in content


def test_deleting_a_fiche(staff_client, convention, fiche):
    response = staff_client.post(url("action_delete", convention, fiche.pk), {"lock_version": "0"})
    assert response.status_code == 302
    assert not Action.objects.exists()
    assert not FundingLine.objects.exists()


def test_deleting_a_fiche_saved_meanwhile_asks_again(staff_client, convention, fiche):
    Action.objects.filter(pk=fiche.pk).update(lock_version=3)
    response = staff_client.post(url("action_delete", convention, fiche.pk), {"lock_version": "0"})
    assert response.status_code == 200
    assert "vérifiez-la à nouveau" in response.content.decode()
    assert Action.objects.filter(pk=fiche.pk).exists()


def test_moving_a_fiche(staff_client, convention, orientation, fiche):
    second = ActionFactory(orientation=orientation, code="1.2", position=2)
    fiche.position = 1
    fiche.save()
    staff_client.post(url("action_move", convention, second.pk), {"direction": "up"})
    assert list(orientation.actions.order_by("position").values_list("code", flat=True)) == ["1.2", "1.1"]


# --- Query counts ---------------------------------------------------------------------------------


def big_fiche(size: int):
    """A fiche with ``size`` funding lines, indicators, partners, needs and organisations to choose from."""
    convention = convention_ready_for_editing()
    for _ in range(size):
        PartyFactory(convention=convention, organisation=OrganisationFactory(), associate=True)
        OrganisationFactory(commune=True, epci=convention.epci)
        FindingFactory(diagnostic=convention.diagnostic)
    action = ActionFactory(orientation__plan__convention=convention)
    action.partners.set(list(convention.epci.member_communes.all())[:size])
    action.answered_needs.set(convention.diagnostic.findings.filter(kind=FindingKind.NEED)[:size])
    for number in range(size):
        FundingLineFactory(
            action=action, funder=caf_of(convention), year=2024 + number % 4, scheme=f"Dispositif {number}"
        )
        EvaluationIndicatorFactory(action=action, label=f"Indicateur {number}")
    return convention, action


@pytest.mark.parametrize("size", [1, 25])
def test_edit_page_query_count_is_bounded(client, django_assert_max_num_queries, size):
    convention, action = big_fiche(size)
    client.force_login(staff_of(convention))
    with django_assert_max_num_queries(EDIT_PAGE_MAX_QUERIES):
        response = client.get(url("action_edit", convention, action.pk))
    assert response.status_code == 200
    assert len(response.context["funding"].forms) == size + 1


def test_edit_page_query_count_does_not_grow_with_the_data(client):
    counts = []
    for size in (1, 25):
        convention, action = big_fiche(size)
        client.force_login(staff_of(convention))
        for frozen in (False, True):
            force_status(convention, ConventionStatus.SIGNED if frozen else ConventionStatus.DRAFT)
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url("action_edit", convention, action.pk)).status_code == 200
            counts.append(len(queries))
    assert counts[0] == counts[2] and counts[1] == counts[3]


def test_saving_costs_no_query_per_choice(client):
    """Validating the rows does not query the organisations once per row."""
    counts = []
    for size in (1, 25):
        convention, action = big_fiche(size)
        client.force_login(staff_of(convention))
        data = form_data(client.get(url("action_edit", convention, action.pk)))
        with CaptureQueriesContext(connection) as queries:
            assert client.post(url("action_edit", convention, action.pk), data).status_code == 302
        counts.append(len(queries))
    assert counts[0] == counts[1]


@pytest.mark.parametrize("size", [1, 25])
def test_create_page_query_count_is_bounded(client, django_assert_max_num_queries, size):
    convention, action = big_fiche(size)
    client.force_login(staff_of(convention))
    with django_assert_max_num_queries(CREATE_PAGE_MAX_QUERIES):
        assert client.get(url("action_create", convention, action.orientation_id)).status_code == 200


def test_a_draft_other_than_the_users_is_not_reachable(client):
    convention = ConventionFactory()
    client.force_login(MembershipFactory(organisation__intercommunality=True).user)
    assert client.get(url("orientation_create", convention)).status_code == 404
