"""The administration's large lists write their rows in Python (``ctg_portal/admin_rows.py``): the same
page as Django's, byte for byte, for every list, whatever the values, the language and the filters
kept in the links; and the portal's admin site builds its list of models only where a page shows it."""

import datetime
import re

import pytest
from django.conf import settings
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from action_plans.models import Action, ProgressUpdate
from conventions.models import Signature
from ctg_portal.admin_lists import LargeListAdmin
from ctg_portal.admin_rows import row_writer
from ctg_portal.admin_site import PortalAdminSite
from tests.action_plans.factories import (
    ActionFactory,
    EvaluationIndicatorFactory,
    FundingLineFactory,
    ProgressUpdateFactory,
    StrategicOrientationFactory,
)
from tests.conventions.factories import GovernanceMemberFactory, MeetingFactory, PartyFactory
from tests.diagnostics.factories import ConsultationFactory, FindingFactory, IndicatorValueFactory
from tests.partners.factories import MembershipFactory, OrganisationFactory, RepresentativeFactory, UserFactory

LARGE_LISTS = sorted(
    (model._meta.app_label, model._meta.model_name)
    for model, model_admin in admin.site._registry.items()
    if isinstance(model_admin, LargeListAdmin)
)
TRICKY_TEXT = 'Accueil <b>"l\'été"</b> & après'


@pytest.fixture
def admin_client(client, db):
    """A superuser, and rows in most lists with text to escape, empty optional fields and dates."""
    orientation = StrategicOrientationFactory(title=TRICKY_TEXT)
    ActionFactory(orientation=orientation, code="1.1", title=TRICKY_TEXT, progress=40)
    ActionFactory(orientation=orientation, code="1.2", title="   ", end_date=datetime.date(2026, 7, 14))
    FundingLineFactory(action__orientation=orientation)
    EvaluationIndicatorFactory(action__orientation=orientation, label=TRICKY_TEXT)
    ProgressUpdateFactory(action__orientation=orientation)
    OrganisationFactory(name=TRICKY_TEXT, legal_name="")
    OrganisationFactory(commune=True)
    PartyFactory(representative=None)  # an empty foreign key
    for factory in (
        PartyFactory,
        GovernanceMemberFactory,
        MeetingFactory,
        RepresentativeFactory,
        MembershipFactory,
        FindingFactory,
        IndicatorValueFactory,
        ConsultationFactory,
    ):
        factory()
    client.force_login(UserFactory(is_superuser=True, is_staff=True, first_name=TRICKY_TEXT))
    return client


def _comparable(page: bytes) -> str:
    """The page without what changes at each display (the masked CSRF token) and with its whitespace
    collapsed (the overridden block is indented differently)."""
    text = re.sub(r'name="csrfmiddlewaretoken" value="\w+"', "", page.decode())
    return re.sub(r"\s+", " ", text)


def _rows(page: bytes) -> str:
    text = page.decode()
    return text[text.find('<div class="results">') : text.find("</table>")]


def test_every_large_list_is_django_s_own_page(admin_client, monkeypatch):
    """Every list, unfiltered and searched and sorted (the links then keep the filters): one test, so
    that the rows above are written once (the lists that differ are named in the failure)."""
    differing = []
    for app_label, model_name in LARGE_LISTS:
        for query in ("", "?q=e&o=-2.3"):
            url = reverse(f"admin:{app_label}_{model_name}_changelist") + query
            ours = admin_client.get(url)
            model_admin = admin.site._registry[ours.context["cl"].model]
            with monkeypatch.context() as patched:
                patched.setattr(model_admin, "change_list_template", None)
                django_s = admin_client.get(url)
            assert django_s.status_code == ours.status_code == 200, url
            assert "admin/large_change_list.html" in [t.name for t in ours.templates], url
            assert "admin/large_change_list.html" not in [t.name for t in django_s.templates], url
            if _rows(ours.content) != _rows(django_s.content) or _comparable(ours.content) != _comparable(
                django_s.content
            ):
                differing.append(url)
    assert differing == []
    # The rows were there to compare: the lists the fixture fills show them.
    filled = admin_client.get(reverse("admin:action_plans_action_changelist")).content.decode()
    assert _rows(filled.encode()).count("<tr>") == 1 + Action.objects.count()


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_fiches_rows_in_each_language(admin_client, monkeypatch, language):
    """Choices, dates, numbers and the empty value are translated and formatted as Django does."""
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    url = reverse("admin:action_plans_action_changelist") + "?o=2"
    ours = admin_client.get(url).content
    monkeypatch.setattr(admin.site._registry[Action], "change_list_template", None)
    django_s = admin_client.get(url).content
    assert _rows(ours) == _rows(django_s)
    rows = _rows(ours)
    assert rows.count('<input type="checkbox" name="_selected_action"') == Action.objects.count()
    assert "&lt;b&gt;&quot;l&#x27;été&quot;&lt;/b&gt; &amp; après" in rows
    assert ("14 juillet 2026" if language == "fr" else "July 14, 2026") in rows
    assert ("À venir" if language == "fr" else "Upcoming") in rows
    # The link keeps the list's ordering for the way back, its ampersands escaped.
    action = Action.objects.get(code="1.1")
    change_url = reverse("admin:action_plans_action_change", args=[action.pk])
    assert f'<th class="field-code"><a href="{change_url}?_changelist_filters=o%3D2">1.1</a></th>' in rows


def _changelist(model, query=""):
    request = RequestFactory().get("/" + query)
    request.user = UserFactory.build(is_superuser=True, is_staff=True)
    changelist = admin.site._registry[model].get_changelist_instance(request)
    changelist.formset = None
    return changelist


@pytest.mark.django_db
@pytest.mark.parametrize(
    "model_name",
    [
        "action_plans.action",
        "action_plans.fundingline",
        "action_plans.evaluationindicator",
        "action_plans.progressupdate",
        "diagnostics.indicatorvalue",
        "partners.organisation",
        "conventions.convention",
        "conventions.party",
        "auth.user",
    ],
)
def test_the_largest_lists_take_the_fast_path(model_name):
    from django.apps import apps

    assert row_writer(_changelist(apps.get_model(model_name))) is not None


@pytest.mark.django_db
def test_what_the_rows_writer_does_not_know_keeps_django_s_path():
    # A column that is a model property.
    assert row_writer(_changelist(Signature)) is None
    # The pop-up that picks an object for another form.
    assert row_writer(_changelist(ProgressUpdate, "?_popup=1&_to_field=id")) is None


# --- The admin site ---------------------------------------------------------------------------------


def test_the_portal_s_admin_site_is_django_s_admin():
    assert isinstance(admin.site, PortalAdminSite)
    assert not admin.site.enable_nav_sidebar


def test_pages_that_do_not_show_the_models_do_not_build_their_list(admin_client, monkeypatch):
    built = []
    original = PortalAdminSite._build_app_dict
    monkeypatch.setattr(
        PortalAdminSite, "_build_app_dict", lambda self, *args: built.append(args) or original(self, *args)
    )
    action = Action.objects.first()
    for url in (
        reverse("admin:action_plans_action_changelist"),
        reverse("admin:action_plans_action_change", args=[action.pk]),
    ):
        page = admin_client.get(url)
        assert page.status_code == 200
        assert 'id="nav-sidebar"' not in page.content.decode()
    assert built == []

    home = admin_client.get(reverse("admin:index"))
    assert built
    text = home.content.decode()
    assert "Administration du portail CTG" in text
    assert f'href="{reverse("admin:action_plans_action_changelist")}"' in text
    app_page = admin_client.get(reverse("admin:app_list", args=["action_plans"]))
    assert f'href="{reverse("admin:action_plans_fundingline_changelist")}"' in app_page.content.decode()
