"""The editor's services: articles and parameters, their rules, refused outside drafting, in the service."""

import datetime

import pytest
from django.utils.translation import gettext

from conventions.choices import ConventionStatus, DraftingPhase
from conventions.model_text import MODEL_ARTICLES, model_article
from conventions.models import Article, Convention, Domain
from conventions.permissions import convention_edit_refusal
from conventions.services import articles as services
from conventions.services.editor import ConventionRefused, convention_update
from ctg_portal.errors import NotAllowed
from partners.choices import MembershipRole
from tests.action_plans.factories import ActionFactory
from tests.conventions.factories import ArticleFactory, ConventionFactory, domain, force_status
from tests.diagnostics.factories import FindingFactory
from tests.partners.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 1)


@pytest.fixture
def convention():
    convention = ConventionFactory(period_start=datetime.date(2026, 1, 1), period_end=datetime.date(2029, 12, 31))
    for position, title in enumerate(("Préambule", "Objet de la convention", "Résiliation"), start=1):
        ArticleFactory(convention=convention, position=position, title=title, body=f"Texte {position}.")
    convention.staff = MembershipFactory(organisation=convention.epci).user
    return convention


def titles(convention) -> list[str]:
    return list(convention.articles.order_by("position").values_list("title", flat=True))


def positions(convention) -> list[int]:
    return list(convention.articles.order_by("position").values_list("position", flat=True))


# --- Articles -------------------------------------------------------------------------------------


def test_an_article_is_added_at_its_position_and_the_following_move_down(convention):
    article = services.article_create(
        convention=convention, by=convention.staff, title="  Nouveau   titre ", body="Un texte.", position=2
    )
    assert article.position == 2 and article.title == "Nouveau titre"
    assert titles(convention) == ["Préambule", "Nouveau titre", "Objet de la convention", "Résiliation"]
    assert positions(convention) == [1, 2, 3, 4]
    assert article.history.first().history_user == convention.staff


def test_a_model_article_goes_where_the_model_text_places_it(convention):
    article = services.article_add_from_model(convention=convention, by=convention.staff, key="engagements-caf")
    assert titles(convention) == [
        "Préambule",
        "Objet de la convention",
        "Engagements de la Caisse d'allocations familiales",
        "Résiliation",
    ]
    assert article.body == model_article("engagements-caf").body


def test_a_model_article_already_there_is_not_added_twice(convention):
    with pytest.raises(services.ArticleRefused, match="Préambule"):
        services.article_add_from_model(convention=convention, by=convention.staff, key="preambule")
    assert convention.articles.count() == 3


def test_moving_swaps_neighbours_and_keeps_positions_without_gaps(convention):
    last = convention.articles.get(position=3)
    services.article_move(article=last, by=convention.staff, direction="up")
    assert titles(convention) == ["Préambule", "Résiliation", "Objet de la convention"]
    services.article_move(article=last, by=convention.staff, direction="up")
    services.article_move(article=last, by=convention.staff, direction="up")  # already first: nothing
    assert titles(convention) == ["Résiliation", "Préambule", "Objet de la convention"]
    assert positions(convention) == [1, 2, 3]
    last.refresh_from_db()
    assert [record.position for record in last.history.order_by("history_date")] == [3, 2, 1]


def test_set_position_moves_an_article_anywhere(convention):
    first = convention.articles.get(position=1)
    services.article_set_position(article=first, by=convention.staff, position=99)
    assert titles(convention) == ["Objet de la convention", "Résiliation", "Préambule"]


def test_deleting_closes_the_gap(convention):
    services.article_delete(article=convention.articles.get(position=2), by=convention.staff)
    assert titles(convention) == ["Préambule", "Résiliation"]
    assert positions(convention) == [1, 2]
    assert Article.history.filter(history_type="-", title="Objet de la convention").exists()


def test_an_update_keeps_the_text_and_its_history(convention):
    article = convention.articles.get(position=1)
    digest = services.article_digest(article)
    services.article_update(
        article=article, by=convention.staff, title="Préambule", body="**Nouveau** texte", expected_digest=digest
    )
    article.refresh_from_db()
    assert article.body == "**Nouveau** texte"
    assert article.history.first().history_user == convention.staff
    assert article.history.last().body == "Texte 1."


def test_an_update_over_someone_elses_save_is_refused(convention):
    article = convention.articles.get(position=1)
    digest = services.article_digest(article)
    services.article_update(article=article, by=convention.staff, title="Préambule", body="Premier enregistrement")
    with pytest.raises(services.ArticleChanged) as error:
        services.article_update(
            article=article, by=convention.staff, title="Préambule", body="Second", expected_digest=digest
        )
    assert error.value.article.body == "Premier enregistrement"
    article.refresh_from_db()
    assert article.body == "Premier enregistrement"


@pytest.mark.parametrize(
    ("title", "body", "message"),
    [
        ("", "Texte", "Give the article a title."),
        ("Titre", "   ", "Write the text of the article."),
        ("Titre {{ epci }}", "Texte", "Placeholders are filled in the text of an article, not in its title."),
        ("Titre", "Avec {{ inconnu }}", "{{ inconnu }}"),
        ("T" * 256, "Texte", "255"),
        ("Titre", "x" * (services.BODY_LENGTH + 1), "30000"),
    ],
)
def test_bad_articles_are_refused_with_a_message(convention, title, body, message):
    with pytest.raises(services.ArticleRefused) as error:
        services.article_create(convention=convention, by=convention.staff, title=title, body=body)
    assert gettext(message) in str(error.value)
    assert convention.articles.count() == 3


def test_reset_puts_the_model_text_back(convention):
    article = convention.articles.get(position=3)
    services.article_reset_to_model(article=article, by=convention.staff, key="resiliation")
    article.refresh_from_db()
    assert article.body == model_article("resiliation").body


def test_missing_model_articles_are_those_not_there_by_title(convention):
    missing = services.missing_model_articles(list(convention.articles.all()))
    assert [m.key for m in missing] == [
        m.key for m in MODEL_ARTICLES if m.key not in {"preambule", "objet", "resiliation"}
    ]


# --- Refused outside drafting, in the service --------------------------------------------------------

WRITES = {
    "create": lambda c, a, by: services.article_create(convention=c, by=by, title="T", body="B"),
    "add_from_model": lambda c, a, by: services.article_add_from_model(convention=c, by=by, key="communication"),
    "update": lambda c, a, by: services.article_update(article=a, by=by, title="T", body="B"),
    "move": lambda c, a, by: services.article_move(article=a, by=by, direction="down"),
    "set_position": lambda c, a, by: services.article_set_position(article=a, by=by, position=3),
    "delete": lambda c, a, by: services.article_delete(article=a, by=by),
    "reset": lambda c, a, by: services.article_reset_to_model(article=a, by=by, key="objet"),
    "parameters": lambda c, a, by: convention_update(convention=c, by=by, fields={"title": "Nouveau"}),
}


@pytest.mark.parametrize("write", WRITES)
@pytest.mark.parametrize("status", [ConventionStatus.IN_REVIEW, ConventionStatus.APPROVED, ConventionStatus.SIGNED])
def test_writes_are_refused_once_the_convention_left_drafting(convention, write, status):
    article = convention.articles.get(position=1)
    force_status(convention, status)
    before = list(convention.articles.values_list("position", "title", "body"))
    with pytest.raises(NotAllowed):
        WRITES[write](convention, article, convention.staff)
    assert list(convention.articles.values_list("position", "title", "body")) == before


@pytest.mark.parametrize("write", WRITES)
def test_writes_are_refused_for_a_tab_left_open_while_the_convention_went_to_review(convention, write):
    stale = Convention.objects.get(pk=convention.pk)  # the page read it as a draft
    article = stale.articles.get(position=1)
    Convention.objects.filter(pk=convention.pk).update(status=ConventionStatus.IN_REVIEW)
    assert stale.status == ConventionStatus.DRAFT
    with pytest.raises(NotAllowed) as error:
        WRITES[write](stale, article, convention.staff)
    assert str(error.value) == convention_edit_refusal(
        Convention.objects.get(pk=convention.pk), {"edit": False, "follow_up": True}
    )
    assert list(convention.articles.values_list("title", flat=True)) == [
        "Préambule",
        "Objet de la convention",
        "Résiliation",
    ]


@pytest.mark.parametrize("write", WRITES)
def test_writes_are_allowed_when_changes_are_requested(convention, write):
    force_status(convention, ConventionStatus.CHANGES_REQUESTED)
    WRITES[write](convention, convention.articles.get(position=1), convention.staff)


@pytest.mark.parametrize("write", WRITES)
def test_writes_are_refused_to_whoever_may_not_edit(convention, write):
    reader = MembershipFactory(organisation=convention.epci, role=MembershipRole.READER).user
    for user in (reader, UserFactory(is_superuser=True)):
        with pytest.raises(NotAllowed):
            WRITES[write](convention, convention.articles.get(position=1), user)


# --- Parameters -------------------------------------------------------------------------------------


def test_parameters_are_saved_with_their_history(convention):
    convention_update(
        convention=convention,
        by=convention.staff,
        fields={
            "title": "  CTG   du territoire ",
            "replaces_contract": "Contrat enfance jeunesse (CEJ)",
            "predecessor_reference": "2019-046",
            "predecessor_start": datetime.date(2019, 1, 1),
            "predecessor_end": datetime.date(2022, 12, 31),
            "signing_place": "Libourne",
            "original_copies": 4,
            "competent_court": "Tribunal administratif de Bordeaux",
            "perimeter_note": "Ligne 1\r\nLigne 2",
            "drafting_phase": DraftingPhase.ACTION_PLAN,
        },
        today=TODAY,
    )
    convention.refresh_from_db()
    assert convention.title == "CTG du territoire"
    assert convention.perimeter_note == "Ligne 1\nLigne 2"
    assert convention.original_copies == 4
    assert convention.drafting_phase == DraftingPhase.ACTION_PLAN
    assert convention.history.first().history_user == convention.staff


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"period_start": datetime.date(2026, 1, 1), "period_end": datetime.date(2025, 1, 1)},
            "The end of the period must come after its start.",
        ),
        ({"period_start": datetime.date(2020, 1, 1), "period_end": datetime.date(2023, 12, 31)}, "31/12/2023"),
        (
            {"predecessor_start": datetime.date(2020, 1, 1), "predecessor_end": datetime.date(2019, 1, 1)},
            "The contract it replaces must end after it starts.",
        ),
        ({"title": "  "}, "Give the convention a title."),
        ({"original_copies": 0}, "50"),
        ({"drafting_phase": "nowhere"}, "Choose a drafting phase of the list."),
        ({"status": "signed"}, "Unknown parameters: %(names)s."),
    ],
)
def test_bad_parameters_are_refused(convention, fields, message):
    title = convention.title
    with pytest.raises(ConventionRefused) as error:
        convention_update(convention=convention, by=convention.staff, fields=fields, today=TODAY)
    assert gettext(message) % {"names": "status"} in str(error.value)
    convention.refresh_from_db()
    assert convention.title == title


def test_an_unchanged_period_already_over_does_not_block_other_changes():
    convention = ConventionFactory(period_start=datetime.date(2020, 1, 1), period_end=datetime.date(2023, 12, 31))
    staff = MembershipFactory(organisation=convention.epci).user
    convention_update(
        convention=convention,
        by=staff,
        fields={"title": "Autre", "period_start": convention.period_start, "period_end": convention.period_end},
        today=TODAY,
    )
    convention.refresh_from_db()
    assert convention.title == "Autre"


def test_domains_are_set_and_a_territory_gets_its_own(convention):
    convention_update(
        convention=convention,
        by=convention.staff,
        fields={},
        domains=[domain("jeunesse")],
        new_domain_names=["sport et loisirs", "Petite enfance"],
    )
    own = Domain.objects.get(territory=convention.epci)
    assert own.name == "Sport et loisirs"
    assert set(convention.domains.values_list("code", flat=True)) == {"jeunesse", "petite-enfance", own.code}
    assert convention.history.first().domains.count() == 3  # the domains are in the history too


def test_a_domain_of_another_territory_is_refused(convention):
    other = Domain.objects.create(code="autre", name="Autre", territory=ConventionFactory().epci)
    with pytest.raises(ConventionRefused):
        convention_update(convention=convention, by=convention.staff, fields={}, domains=[other])
    assert not convention.domains.exists()


def test_a_domain_used_by_the_diagnostic_or_the_plan_stays(convention):
    convention.domains.set([domain("jeunesse"), domain("enfance"), domain("habitat")])
    FindingFactory(diagnostic__convention=convention, domain=domain("jeunesse"))
    ActionFactory(orientation__plan__convention=convention, domain=domain("enfance"))
    with pytest.raises(ConventionRefused, match="Enfance, Jeunesse"):
        convention_update(convention=convention, by=convention.staff, fields={}, domains=[])
    convention_update(
        convention=convention, by=convention.staff, fields={}, domains=[domain("jeunesse"), domain("enfance")]
    )
    assert set(convention.domains.values_list("code", flat=True)) == {"jeunesse", "enfance"}
