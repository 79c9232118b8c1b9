"""Readiness before review: what the convention page lists, and what the submission refuses."""

import datetime
import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from conventions.choices import ConventionStatus, LifecycleAction
from documents.snapshot import as_stored, build_content
from tests.conventions.factories import ArticleFactory, ConventionFactory, PartyFactory, force_status
from tests.documents.legal_convention import schema_1_version
from tests.partners.factories import MembershipFactory, OrganisationFactory
from tests.roles import ROLES
from tests.workflow.factories import make_ready_for_review
from workflow.readiness import review_readiness
from workflow.services import lifecycle
from workflow.services.lifecycle import TransitionRefused

pytestmark = pytest.mark.django_db

FUTURE = {"period_start": datetime.date(2030, 1, 1), "period_end": datetime.date(2033, 12, 31)}


def codes(convention) -> list[str]:
    return [item.code for item in review_readiness(convention).items]


@pytest.fixture
def ready():
    """A convention the CAF can review, and its staff."""
    convention = make_ready_for_review(ConventionFactory(**FUTURE))
    convention.staff = MembershipFactory(organisation=convention.epci).user
    return convention


def submit(convention):
    return lifecycle.convention_transition(convention=convention, action=LifecycleAction.SUBMIT, by=convention.staff)


def test_an_empty_draft_lacks_everything():
    convention = ConventionFactory(**FUTURE)
    assert codes(convention) == ["no_article", "no_signatory", "no_diagnostic", "no_fiche"]
    assert not review_readiness(convention).is_ready


def test_a_complete_draft_is_ready(ready):
    assert review_readiness(ready).is_ready
    assert codes(ready) == []
    submit(ready)
    assert ready.status == ConventionStatus.IN_REVIEW


def test_a_period_already_ended_is_refused(ready):
    ready.period_start, ready.period_end = datetime.date(2020, 1, 1), datetime.date(2023, 12, 31)
    ready.save()
    assert codes(ready) == ["period_ended"]
    with pytest.raises(TransitionRefused, match="achevée le 31 décembre 2023"):
        submit(ready)
    ready.refresh_from_db()
    assert ready.status == ConventionStatus.DRAFT


def test_the_intercommunality_must_sign(ready):
    ready.parties.filter(organisation=ready.epci).delete()
    assert codes(ready) == ["epci_not_signatory"]
    with pytest.raises(TransitionRefused):
        submit(ready)


def test_a_caf_must_sign(ready):
    ready.parties.filter(organisation__kind="caf").delete()
    assert codes(ready) == ["caf_not_signatory"]


def test_every_signatory_needs_its_representative(ready):
    commune = OrganisationFactory(commune=True)
    party = PartyFactory(convention=ready, organisation=commune, representative=None, signing_order=2)
    assert codes(ready) == [f"no_representative_{party.pk}"]
    message = str(review_readiness(ready).items[0].message)
    assert commune.name in message
    PartyFactory(convention=ready, associate=True)  # an associate signs nothing: needs nobody
    assert codes(ready) == [f"no_representative_{party.pk}"]


def test_a_fiche_action_is_needed(ready):
    ready.action_plan.orientations.all().delete()
    assert codes(ready) == ["no_fiche"]


def test_the_diagnostic_summary_is_needed(ready):
    ready.diagnostic.summary = "  \n"
    ready.diagnostic.save()
    assert codes(ready) == ["no_diagnostic_summary"]


def test_text_left_to_complete_is_listed_but_does_not_block(ready):
    ArticleFactory(convention=ready, position=5, title="Préambule", body="[à compléter : le contexte local]")
    readiness = review_readiness(ready)
    assert codes(ready) == ["text_to_complete"]
    assert readiness.is_ready and "Préambule" in str(readiness.items[0].message)
    submit(ready)


def test_the_refusal_names_everything_missing_in_one_message():
    convention = ConventionFactory(**FUTURE)
    staff = MembershipFactory(organisation=convention.epci).user
    with pytest.raises(TransitionRefused) as refused:
        lifecycle.convention_transition(convention=convention, action=LifecycleAction.SUBMIT, by=staff)
    message = str(refused.value)
    for words in ("article", "signataires", "diagnostic", "fiche"):
        assert words in message


# --- Avenants ------------------------------------------------------------------------------------------------


@pytest.fixture
def avenant(ready):
    """``ready``, signed, then reopened as avenant no. 1 without any change yet."""
    force_status(ready, ConventionStatus.SIGNED)
    lifecycle.convention_transition(convention=ready, action=LifecycleAction.OPEN_AMENDMENT, by=ready.staff)
    return ready


def test_an_avenant_identical_to_the_signed_text_is_refused(avenant):
    assert codes(avenant) == ["unchanged_amendment"]
    with pytest.raises(TransitionRefused, match="version 1"):
        submit(avenant)
    avenant.refresh_from_db()
    assert avenant.status == ConventionStatus.DRAFT


def test_an_avenant_that_changes_the_text_may_be_submitted(avenant):
    avenant.articles.update(body="Les parties ajoutent un engagement par avenant.")
    assert codes(avenant) == []
    submit(avenant)
    assert avenant.status == ConventionStatus.IN_REVIEW


def test_an_avenant_over_a_text_signed_with_schema_1_is_compared_on_what_it_recorded():
    """A text frozen by the first portal, then an avenant that changes nothing it recorded."""
    convention = make_ready_for_review(ConventionFactory(**FUTURE))
    staff = MembershipFactory(organisation=convention.epci).user
    version = schema_1_version(convention, content=schema_1_of(convention))
    convention.signed_version = version
    convention.status = ConventionStatus.SIGNED
    convention.save()
    lifecycle.convention_transition(convention=convention, action=LifecycleAction.OPEN_AMENDMENT, by=staff)
    assert codes(convention) == ["unchanged_amendment"]
    convention.articles.update(title="Objet modifié")
    assert codes(convention) == []


def schema_1_of(convention) -> dict:
    """The convention's content as schema 1 wrote it: fewer keys, nothing more."""
    content = as_stored(build_content(convention))
    keep_org = ("name", "short_name", "kind", "siren", "insee_code")
    return {
        **{key: content[key] for key in ("reference", "title", "amendment_number", "period", "perimeter_note")},
        "schema": 1,
        "epci": {key: content["epci"][key] for key in keep_org},
        "replaces_contract": content["predecessor"]["kind"],
        "domains": [{"code": d["code"], "name": d["name"]} for d in content["domains"]],
        "articles": [{**article, "body": article["body"]} for article in content["articles"]],
        "parties": [
            {
                "party_id": party["party_id"],
                "role": party["role"],
                "signing_order": party["signing_order"],
                "organisation": {key: party["organisation"][key] for key in keep_org},
                "representative": {key: party["representative"][key] for key in ("full_name", "title")}
                if party["representative"]
                else None,
            }
            for party in content["parties"]
        ],
        "governance": content["governance"],
        "diagnostic": content["diagnostic"],
        "action_plan": content["action_plan"],
    }


# --- The convention page ----------------------------------------------------------------------------------


def detail(client, convention, user):
    client.force_login(user)
    return client.get(reverse("workflow:detail", args=[convention.pk])).content.decode()


def test_the_page_lists_what_is_missing_with_links_to_fix_it(client):
    convention = ConventionFactory(**FUTURE)
    page = detail(client, convention, MembershipFactory(organisation=convention.epci).user)
    assert 'id="readiness"' in page
    assert "Avant de pouvoir soumettre la convention à la CAF" in page
    for code in ("no_article", "no_signatory", "no_diagnostic", "no_fiche"):
        assert f'data-code="{code}"' in page
    assert reverse("action_plans:plan", args=[convention.pk]) in page
    assert reverse("diagnostics:detail", args=[convention.pk]) in page


def test_the_page_says_when_everything_is_there(client, ready):
    page = detail(client, ready, ready.staff)
    assert "elle peut lui être soumise" in page and "readiness-item" not in page
    assert 'data-action="submit"' in page and "submit-not-ready" not in page


def test_the_submit_button_waits_for_what_is_missing(client):
    """Not a button that leads to a refusal: disabled, pointing to the list of what is missing."""
    convention = ConventionFactory(**FUTURE)
    page = detail(client, convention, MembershipFactory(organisation=convention.epci).user)
    not_ready = re.search(r'<span class="[^"]*submit-not-ready">(.*?)</span>', page, re.S).group(1)
    assert re.search(r"<button[^>]*\bdisabled\b", not_ready)
    assert "Soumettre à la CAF pour relecture" in not_ready
    assert 'href="#readiness"' in not_ready and "Complétez d’abord ce qui manque" in not_ready
    assert 'data-action="submit"' not in page  # no modal, no form


def test_what_is_only_to_check_leaves_the_submit_button_active(client, ready):
    ArticleFactory(convention=ready, position=2, title="Durée", body="Du [à compléter : date] au 31 décembre.")
    page = detail(client, ready, ready.staff)
    assert 'data-code="text_to_complete"' in page
    assert 'data-action="submit"' in page and "submit-not-ready" not in page


def test_the_page_lists_what_the_submission_checks(client, ready):
    # The page answers from what its sections read already (parties, articles, the plan's fiche counts);
    # the submission queries them itself: both must find the same.
    PartyFactory(convention=ready, organisation=OrganisationFactory(commune=True), representative=None, signing_order=2)
    ArticleFactory(convention=ready, position=2, title="Durée", body="Du [à compléter : date] au 31 décembre.")
    ready.action_plan.orientations.get().actions.all().delete()
    page = detail(client, ready, ready.staff)
    listed = re.findall(r'data-code="([^"]+)"', page)
    assert listed == codes(ready)
    assert {"no_fiche", "text_to_complete"} <= set(listed)
    assert any(code.startswith("no_representative_") for code in listed)


@pytest.mark.parametrize("role", ROLES)
def test_only_the_staff_who_edit_see_the_list(client, world, role):
    convention, users = world
    if role in ("other_epci_staff", "other_caf_officer", "unrelated_user"):
        client.force_login(users[role])
        assert client.get(reverse("workflow:detail", args=[convention.pk])).status_code == 404
        return
    page = detail(client, convention, users[role])
    assert ('id="readiness"' in page) == (role == "epci_staff")


def test_no_list_once_submitted(client, ready):
    submit(ready)
    assert 'id="readiness"' not in detail(client, ready, ready.staff)


def test_a_refused_submission_is_a_french_message_not_an_error(client):
    convention = ConventionFactory(**FUTURE)
    staff = MembershipFactory(organisation=convention.epci).user
    client.force_login(staff)
    response = client.post(reverse("workflow:transition", args=[convention.pk, "submit"]), {"expected_status": "draft"})
    assert response.status_code == 302
    messages = " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert "La convention n’est pas encore prête pour la relecture" in messages
    assert "Ajoutez les signataires" in messages


def test_readiness_costs_a_fixed_number_of_queries(ready, django_assert_max_num_queries):
    for number in range(5):
        PartyFactory(convention=ready, organisation=OrganisationFactory(commune=True), signing_order=2)
        ArticleFactory(convention=ready, position=10 + number)
    ready.refresh_from_db()
    with django_assert_max_num_queries(4):
        review_readiness(ready)
