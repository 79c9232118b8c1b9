"""The contractual content, schema 2: the legal identity frozen, canonical and stable; schema 1 still read."""

import json

import pytest
from django.urls import reverse

from conventions.choices import ConventionStatus
from documents.snapshot import SNAPSHOT_SCHEMA, as_stored, build_content, canonical_json, same_text, sha256_of
from documents.version_content import readable_version_content
from partners.models import Representative
from tests.conventions.factories import force_status
from tests.documents.legal_convention import SCHEMA_1_CONTENT, legal_convention, schema_1_version
from tests.partners.factories import MembershipFactory, UserFactory
from workflow.services.versions import take_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def convention():
    return legal_convention()


def signatory(content: dict, name: str) -> dict:
    return next(party for party in content["parties"] if party["organisation"]["name"] == name)


def test_schema_2_freezes_the_legal_identity_of_each_party(convention):
    content = build_content(convention)
    assert content["schema"] == SNAPSHOT_SCHEMA == 2
    caf = signatory(content, "CAF du Lot")
    assert caf["organisation"]["legal_denomination"] == "Caisse d'allocations familiales du Lot"
    assert caf["organisation"]["legal_denomination_with_article"] == "la Caisse d'allocations familiales du Lot"
    assert caf["organisation"]["address"] == {"street": "304 rue Victor Hugo", "postal_code": "46000", "city": "Cahors"}
    assert caf["representative"] == {
        "full_name": "Catherine Prunet",
        "civility": "mme",
        "name_with_civility": "Mme Catherine Prunet",
        "title": "Directrice",
        "title_with_article": "la Directrice",
        "delegation": "",
    }
    state = signatory(content, "Préfecture")
    assert state["representative"]["delegation"] == "pour le préfet et par délégation"
    assert state["signature_method"] == "paper"
    epci = signatory(content, "Grand Essai")
    assert (epci["deliberation_number"], epci["deliberation_date"].isoformat()) == ("2024-15", "2029-11-12")


def test_schema_2_freezes_the_closing_facts_the_predecessor_and_the_domains_origin(convention):
    content = build_content(convention)
    assert content["signing_place"] == "Cahors"  # the intercommunality's seat: the convention names none
    assert content["original_copies"] == 4
    assert content["competent_court"] == ""  # the test EPCI has no département: nothing invented
    assert content["predecessor"]["kind"] == "Contrat enfance jeunesse (CEJ)"
    assert content["predecessor"]["reference"] == "2019-046"
    assert all(domain["territorial"] is False for domain in content["domains"])


def test_copies_default_to_one_per_signatory(convention):
    convention.original_copies = None
    convention.save()
    assert build_content(convention)["original_copies"] == 4


def test_article_bodies_are_frozen_with_their_placeholders_filled_in(convention):
    articles = build_content(convention)["articles"]
    assert articles[0]["body"].startswith(
        "La présente convention lie la Caisse d'allocations familiales du Lot et la Communauté d'agglomération"
    )
    assert "{{" not in articles[0]["body"]
    assert articles[1]["body"] == "Du 1er janvier 2030 au 31 décembre 2033."


def test_the_hash_is_stable_and_the_serialisation_canonical(convention):
    first = canonical_json(build_content(convention))
    second = canonical_json(build_content(convention))
    assert first == second
    assert json.loads(first) == json.loads(canonical_json(json.loads(first)))  # a fixed point
    assert canonical_json(json.loads(first)) == first
    version = take_version(convention=convention, by=UserFactory())
    assert version.content_json == first and version.content_sha256 == sha256_of(first) and version.is_intact


def test_a_change_of_legal_identity_changes_the_hash(convention):
    before = sha256_of(canonical_json(build_content(convention)))
    Representative.objects.filter(full_name="Catherine Prunet").update(delegation="par intérim")
    assert sha256_of(canonical_json(build_content(convention))) != before


def test_build_content_takes_a_fixed_number_of_queries(convention, django_assert_max_num_queries):
    with django_assert_max_num_queries(20):
        build_content(convention)


# --- Comparing texts (an avenant identical to the signed text) ----------------------------------------


def test_the_same_text_ignores_the_amendment_number_and_row_ids(convention):
    signed = as_stored(build_content(convention))
    convention.amendment_number = 1
    draft = as_stored(build_content(convention))
    draft["parties"][0]["party_id"] = 999_999
    assert same_text(draft, signed)
    draft["articles"][0]["body"] += " Modifié."
    assert not same_text(draft, signed)


def test_a_schema_2_draft_compares_with_a_schema_1_text_on_what_both_record():
    old = json.loads(canonical_json(SCHEMA_1_CONTENT))
    new = {
        **old,
        "schema": 2,
        "amendment_number": 1,
        "signing_place": "Cahors",  # unknown to schema 1: cannot differ from it
        "parties": [{**party, "signature_method": "electronic"} for party in old["parties"]],
    }
    assert same_text(new, old)
    new["articles"] = [{**old["articles"][0], "body": "Autre texte."}]
    assert not same_text(new, old)


# --- Schema 1 stays readable ----------------------------------------------------------------------------


def test_a_schema_1_content_reads_with_defaults():
    document = readable_version_content(json.loads(canonical_json(SCHEMA_1_CONTENT)))
    assert document["schema"] == 1
    caf = document["signing_rounds"][0]["parties"][0]
    assert caf["organisation"]["legal_denomination"] == "CAF du Causse"  # its name: nothing else was frozen
    assert caf["organisation"]["address_line"] == ""
    assert caf["representative"]["name_with_civility"] == "Valérie Guillon"
    assert caf["representative"]["delegation"] == ""
    assert document["replaces_contract"] == document["predecessor"]["kind"] == "Contrat enfance jeunesse (CEJ)"
    assert document["original_copies"] is None and document["signing_place"] == ""
    # Schema 1 bodies were plain text: their line breaks are kept, nothing becomes a list.
    html = str(document["articles"][0]["body_html"])
    assert html == '<p class="preserve-lines">Les parties s&#x27;engagent.\n- à tout faire ;</p>'


def test_a_schema_2_article_is_markdown_rendered_and_sanitised(convention):
    content = as_stored(build_content(convention))
    content["articles"][1]["body"] = "Texte <script>alert(1)</script> **gras**"
    html = str(readable_version_content(content)["articles"][1]["body_html"])
    assert "<strong>gras</strong>" in html
    assert "<script>" not in html
    assert "<li>" in str(readable_version_content(content)["articles"][0]["body_html"])


def test_the_version_page_reads_a_schema_1_version(client, convention):
    version = schema_1_version(convention)
    force_status(convention, ConventionStatus.IN_REVIEW)
    client.force_login(MembershipFactory(organisation=convention.epci).user)
    page = client.get(reverse("workflow:version", args=[convention.pk, version.number])).content.decode()
    assert "Valérie Guillon" in page and "CAF du Causse" in page
    assert "Les parties s&#x27;engagent." in page


def test_the_version_page_shows_a_schema_2_version_with_legal_names_and_markdown(client, convention):
    version = take_version(convention=convention, by=UserFactory())
    client.force_login(MembershipFactory(organisation=convention.epci).user)
    page = client.get(reverse("workflow:version", args=[convention.pk, version.number])).content.decode()
    assert "Caisse d&#x27;allocations familiales du Lot" in page
    assert "Mme Catherine Prunet" in page
    assert "pour le préfet et par délégation" in page
    assert "<strong>second</strong>" in page
    assert "Délibération n° 2024-15" in page
