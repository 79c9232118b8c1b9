"""The render cache: keys, and a version raised by every change of what a convention's pages show."""

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from conventions import render_cache
from conventions.models import Convention
from conventions.services.articles import article_update
from partners.signals import rows_written_in_bulk
from tests.action_plans.factories import ActionFactory, FundingLineFactory, ProgressUpdateFactory
from tests.conventions.factories import ArticleFactory, ConventionFactory, PartyFactory
from tests.diagnostics.factories import ConsultationFactory, FindingFactory, IndicatorValueFactory
from tests.partners.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

PORTAL_APPS = ("partners", "conventions", "diagnostics", "action_plans", "documents", "workflow", "demo")


def version(convention: Convention) -> int:
    return Convention.objects.values_list("content_version", flat=True).get(pk=convention.pk)


def new_request():
    """What a new request does: forget what this thread changed (its conventions are cached again)."""
    render_cache.forget_changes()


def is_history(model) -> bool:
    # django-simple-history's records: written by the post_save of the model they follow, which is watched.
    return hasattr(model, "instance_type")


def test_every_model_of_the_portal_is_watched_or_ignored_with_a_reason():
    forgotten = [
        model._meta.label
        for app in PORTAL_APPS
        for model in apps.get_app_config(app).get_models()
        if not is_history(model) and model not in render_cache.WATCHED and model not in render_cache.IGNORED
    ]
    assert forgotten == []
    assert all(reason.strip() for reason in render_cache.IGNORED.values())


def test_every_model_with_a_foreign_key_path_to_a_convention_is_watched():
    """A model leading to a convention through its foreign keys is never merely ignored, unless the
    reason says why none of its rows shows."""

    def leads_to_convention(model, seen=()):
        if model is Convention:
            return True
        return any(
            leads_to_convention(field.related_model, (*seen, model))
            for field in model._meta.get_fields()
            if field.is_relation and field.concrete and field.related_model and field.related_model not in seen
        )

    unwatched = [
        model._meta.label
        for app in PORTAL_APPS
        for model in apps.get_app_config(app).get_models()
        if not is_history(model) and leads_to_convention(model) and model not in render_cache.WATCHED
    ]
    assert sorted(unwatched) == sorted(
        model._meta.label for model in render_cache.IGNORED if leads_to_convention(model)
    )
    # the users, whose names the pages show
    assert get_user_model() in render_cache.WATCHED


def test_touch_raises_the_version_in_the_database():
    convention = ConventionFactory()
    before = version(convention)
    render_cache.touch(convention.pk)
    assert version(convention) == before + 1


def test_saving_an_instance_loaded_before_a_change_does_not_bring_its_version_back():
    convention = ConventionFactory()
    stale = Convention.objects.get(pk=convention.pk)
    ArticleFactory(convention=convention)
    raised = version(convention)
    stale.title = "Nouveau titre"
    stale.save()
    assert version(convention) > raised
    assert Convention.objects.get(pk=convention.pk).title == "Nouveau titre"


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda convention: ArticleFactory(convention=convention), id="article created"),
        pytest.param(lambda convention: PartyFactory(convention=convention), id="party created"),
        pytest.param(lambda convention: FindingFactory(diagnostic__convention=convention), id="finding created"),
        pytest.param(
            lambda convention: IndicatorValueFactory(diagnostic__convention=convention), id="indicator value created"
        ),
        pytest.param(
            lambda convention: ActionFactory(orientation__plan__convention=convention), id="fiche action created"
        ),
        pytest.param(
            lambda convention: FundingLineFactory(action__orientation__plan__convention=convention),
            id="funding line created",
        ),
        pytest.param(
            lambda convention: ProgressUpdateFactory(action__orientation__plan__convention=convention),
            id="progress update created",
        ),
    ],
)
def test_a_change_of_a_row_shown_raises_the_version(change):
    convention = ConventionFactory()
    before = version(convention)
    change(convention)
    assert version(convention) > before


def test_a_deletion_raises_the_version():
    action = ActionFactory()
    convention = action.orientation.plan.convention
    before = version(convention)
    action.delete()
    assert version(convention) > before


def test_many_to_many_changes_from_either_side_raise_the_version():
    action = ActionFactory()
    convention = action.orientation.plan.convention
    partner = OrganisationFactory()
    before = version(convention)
    action.partners.add(partner)
    assert version(convention) == before + 1
    partner.partner_actions.remove(action)
    assert version(convention) == before + 2
    action.partners.add(partner)
    partner.partner_actions.clear()
    assert version(convention) == before + 4


def test_a_consultation_attendee_added_raises_the_version():
    consultation = ConsultationFactory()
    convention = consultation.diagnostic.convention
    before = version(convention)
    consultation.organisations.add(OrganisationFactory())
    assert version(convention) > before


def test_renaming_an_organisation_raises_the_conventions_showing_it_only():
    party = PartyFactory()
    showing, other = party.convention, ConventionFactory()
    before_showing, before_other = version(showing), version(other)
    party.organisation.name = "Nouveau nom"
    party.organisation.save()
    assert version(showing) > before_showing
    assert version(other) == before_other


def test_a_commune_moved_to_another_intercommunality_raises_the_conventions_of_both():
    left, joined, elsewhere = ConventionFactory(), ConventionFactory(), ConventionFactory()
    commune = OrganisationFactory(commune=True, epci=left.epci)
    before = {convention.pk: version(convention) for convention in (left, joined, elsewhere)}
    commune.epci = joined.epci
    commune.save()
    assert version(left) > before[left.pk]  # its territory no longer lists the commune
    assert version(joined) > before[joined.pk]
    assert version(elsewhere) == before[elsewhere.pk]


def test_only_a_move_touches_the_conventions_of_where_the_row_was():
    def version_updates(organisation) -> int:
        with CaptureQueriesContext(connection) as queries:
            organisation.save()
        return sum(q["sql"].startswith('UPDATE "conventions_convention"') for q in queries.captured_queries)

    renamed = OrganisationFactory(commune=True, epci=ConventionFactory().epci)
    renamed.name = "Nouveau nom"
    moved = OrganisationFactory(commune=True, epci=ConventionFactory().epci)
    moved.epci = ConventionFactory().epci
    after_save = version_updates(renamed)
    assert after_save >= 1
    assert version_updates(moved) == 2 * after_save  # where it was, then where it is


def test_a_login_does_not_raise_the_version_but_a_new_name_does():
    progress = ProgressUpdateFactory()
    convention = progress.action.orientation.plan.convention
    before = version(convention)
    author = progress.author
    author.save(update_fields=["last_login"])
    assert version(convention) == before
    author.last_name = "Nouveau"
    author.save()
    assert version(convention) > before


def test_rows_written_in_bulk_by_partners_raise_the_version():
    convention = ConventionFactory()
    before = version(convention)
    rows_written_in_bulk.send(sender=type(convention.epci), pks=None)
    assert version(convention) > before


def test_cached_html_renders_once_then_reads_the_cache():
    convention = Convention.objects.get(pk=ConventionFactory().pk)
    new_request()
    renders = []

    def render():
        renders.append(1)
        return f"<p>{len(renders)}</p>"

    first = render_cache.cached_html(convention, "test-fragment", render=render)
    second = render_cache.cached_html(Convention.objects.get(pk=convention.pk), "test-fragment", render=render)
    assert first == second == "<p>1</p>"
    assert len(renders) == 1
    # another vary, another entry
    assert render_cache.cached_html(convention, "test-fragment", vary=("edit",), render=render) == "<p>2</p>"


def test_a_change_through_a_service_gives_the_new_fragment():
    article = ArticleFactory(title="Ancien titre")
    convention = article.convention
    editor = MembershipFactory(organisation=convention.epci).user
    new_request()

    def render():
        return ", ".join(convention.articles.values_list("title", flat=True))

    loaded = Convention.objects.get(pk=convention.pk)
    assert render_cache.cached_html(loaded, "titles", render=render) == "Ancien titre"
    article_update(article=article, by=editor, title="Nouveau titre", body=article.body)
    # in the request that wrote: rendered afresh even with the convention loaded before the write
    assert render_cache.cached_html(loaded, "titles", render=render) == "Nouveau titre"
    new_request()
    assert render_cache.cached_html(Convention.objects.get(pk=convention.pk), "titles", render=render) == (
        "Nouveau titre"
    )


def test_the_setting_turns_the_cache_off(settings):
    settings.RENDER_CACHE_ENABLED = False
    convention = ConventionFactory()
    new_request()
    renders = []
    for _ in range(2):
        render_cache.cached_html(convention, "off", render=lambda: renders.append(1) or "x")
    assert len(renders) == 2


def test_the_key_names_the_database_the_language_the_day_and_the_release(settings):
    convention = ConventionFactory()
    with translation.override("fr"):
        french = render_cache.cache_key(convention, "name")
    with translation.override("en"):
        english = render_cache.cache_key(convention, "name")
    assert french != english
    settings.RENDER_CACHE_RELEASE = "other"
    with translation.override("fr"):
        assert render_cache.cache_key(convention, "name") != french
    assert str(convention.created_at.year) not in french.split(":")[-1]
    # Two databases may share one Redis; the key's fields are separated by colons, so the name has none.
    assert f":{connection.settings_dict['NAME'].replace(':', '_')}:" in french


def test_watched_models_are_models():
    assert all(issubclass(model, models.Model) for model in render_cache.WATCHED)


def test_saving_a_convention_loaded_with_only_some_fields_writes_those_fields():
    convention = ConventionFactory()
    partial = Convention.objects.only("title").get(pk=convention.pk)
    partial.title = "Titre partiel"
    partial.save()
    saved = Convention.objects.get(pk=convention.pk)
    assert saved.title == "Titre partiel"
    assert saved.reference == convention.reference
