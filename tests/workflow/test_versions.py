"""Versions: the canonical serialisation, the hash, immutability, and the readable rendering of a version."""

import datetime
import hashlib
import json
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.template.loader import render_to_string
from django.utils import timezone

from conventions.choices import ConventionStatus, PartyRole
from conventions.models import ConventionVersion, ImmutableRecordError
from conventions.selectors import version_standing
from documents.version_content import readable_version_content as readable_content
from tests.action_plans.factories import (
    ActionFactory,
    EvaluationIndicatorFactory,
    FundingLineFactory,
    StrategicOrientationFactory,
)
from tests.conventions.factories import ArticleFactory, ConventionFactory, PartyFactory, domain
from tests.diagnostics.factories import FindingFactory
from tests.partners.factories import OrganisationFactory, UserFactory
from workflow.services.versions import build_content, canonical_json, sha256_of, take_version

# --- Canonical serialisation -----------------------------------------------------------------------


def test_the_same_content_gives_the_same_bytes_whatever_the_key_order():
    first = {"b": 1, "a": {"d": [1, 2], "c": "x"}}
    second = {"a": {"c": "x", "d": [1, 2]}, "b": 1}
    assert canonical_json(first) == canonical_json(second) == '{"a":{"c":"x","d":[1,2]},"b":1}'


def test_list_order_is_kept_since_it_carries_meaning():
    assert canonical_json({"articles": [2, 1]}) != canonical_json({"articles": [1, 2]})


def test_decimals_keep_their_exact_digits_as_text():
    text = canonical_json({"amount": Decimal("82000.00"), "target": Decimal("0.125"), "small": Decimal("1E-7")})
    assert text == '{"amount":"82000.00","small":"0.0000001","target":"0.125"}'


def test_a_float_would_lose_digits_so_decimals_never_become_floats():
    assert json.loads(canonical_json({"amount": Decimal("0.10")}))["amount"] == "0.10"


def test_dates_and_datetimes_are_iso_8601():
    moment = datetime.datetime(2020, 9, 21, 12, 0, tzinfo=datetime.UTC)
    text = canonical_json({"day": datetime.date(2020, 9, 21), "moment": moment})
    assert text == '{"day":"2020-09-21","moment":"2020-09-21T12:00:00+00:00"}'


def test_non_ascii_text_is_written_as_utf8_not_escaped():
    text = canonical_json({"title": "Accès aux droits — « Quartier du Centre »"})
    assert "\\u" not in text
    assert "Accès aux droits — « Quartier du Centre »" in text
    assert sha256_of(text) == hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_no_insignificant_whitespace():
    assert canonical_json({"a": [1, {"b": None}]}) == '{"a":[1,{"b":null}]}'


def test_an_unknown_type_is_refused_rather_than_serialised_loosely():
    with pytest.raises(TypeError):
        canonical_json({"value": object()})


# --- Taking a version ------------------------------------------------------------------------------


def rich_convention():
    """A convention whose content has every part a version freezes."""
    convention = ConventionFactory(
        reference="CTG-TEST-VERSIONS",
        title="Convention territoriale globale d'Aurillac",
        domains=[domain("petite-enfance"), domain("jeunesse")],
    )
    ArticleFactory(convention=convention, position=1, title="Objet", body="Les parties s'engagent.")
    PartyFactory(
        convention=convention,
        organisation=OrganisationFactory(caf=True, name="CAF du Cantal"),
        representative__full_name="Élise Mercier",
        signing_order=1,
    )
    PartyFactory(convention=convention, organisation__name="Centre social de Marmiers", associate=True)
    FindingFactory(diagnostic__convention=convention, title="Manque de places en crèche", detail="Liste d'attente.")
    orientation = StrategicOrientationFactory(plan__convention=convention, title="Petite enfance", position=1)
    action = ActionFactory(orientation=orientation, code="1.1", title="Créer un multi-accueil")
    caf = convention.parties.get(role=PartyRole.SIGNATORY).organisation
    FundingLineFactory(action=action, funder=caf, year=2024, amount=Decimal("82000.00"), scheme="Bonus territoire")
    FundingLineFactory(action=action, funder=caf, year=2025, amount=Decimal("84500.50"), scheme="Bonus territoire")
    FundingLineFactory(action=action, funder=convention.epci, year=2025, amount=Decimal("45000.00"))
    EvaluationIndicatorFactory(action=action, label="Places créées", unit="places", baseline=0, target=Decimal("24"))
    return convention


@pytest.mark.django_db
def test_a_version_stores_the_canonical_text_and_its_hash():
    convention = rich_convention()
    version = take_version(convention=convention, by=UserFactory())
    assert version.number == 1
    assert version.content_json == canonical_json(build_content(convention))
    assert version.content_sha256 == hashlib.sha256(version.content_json.encode("utf-8")).hexdigest()
    assert version.is_intact


@pytest.mark.django_db
def test_the_hash_recomputes_from_the_stored_row_alone():
    version = take_version(convention=rich_convention(), by=UserFactory())
    stored = ConventionVersion.objects.get(pk=version.pk)
    assert hashlib.sha256(stored.content_json.encode("utf-8")).hexdigest() == stored.content_sha256


@pytest.mark.django_db
def test_the_same_content_taken_twice_gives_the_same_hash_and_a_new_number():
    convention = rich_convention()
    first = take_version(convention=convention, by=UserFactory())
    second = take_version(convention=convention, by=UserFactory())
    assert (first.number, second.number) == (1, 2)
    assert first.content_sha256 == second.content_sha256


@pytest.mark.django_db
def test_a_content_change_changes_the_hash_and_leaves_the_earlier_version_intact():
    convention = rich_convention()
    first = take_version(convention=convention, by=UserFactory())
    convention.articles.update(body="Les parties s'engagent à tout.")
    second = take_version(convention=convention, by=UserFactory())
    first.refresh_from_db()
    assert second.content_sha256 != first.content_sha256
    assert first.content["articles"][0]["body"] == "Les parties s'engagent."
    assert first.is_intact


@pytest.mark.django_db
def test_the_content_holds_decimals_dates_and_accents_as_canonical_text():
    version = take_version(convention=rich_convention(), by=UserFactory())
    assert '"amount":"84500.50"' in version.content_json
    assert '"start":"2024-01-01"' in version.content_json
    assert "Élise Mercier" in version.content_json


# --- Nothing changes a version -------------------------------------------------------------------


@pytest.fixture
def version(db):
    return take_version(convention=rich_convention(), by=UserFactory())


def test_saving_a_version_again_is_refused(version):
    version.content_json = version.content_json.replace("Objet", "Objet modifié")
    with pytest.raises(ImmutableRecordError):
        version.save()
    assert "Objet modifié" not in ConventionVersion.objects.get(pk=version.pk).content_json


def test_deleting_a_version_is_refused(version):
    with pytest.raises(ImmutableRecordError):
        version.delete()
    assert ConventionVersion.objects.filter(pk=version.pk).exists()


def test_a_queryset_delete_of_a_signed_version_is_refused(db):
    convention = ConventionFactory(status=ConventionStatus.SIGNED)
    with pytest.raises(ProtectedError):
        ConventionVersion.objects.filter(pk=convention.signed_version_id).delete()
    assert ConventionVersion.objects.filter(pk=convention.signed_version_id).exists()


def test_a_convention_with_versions_cannot_be_deleted(version):
    with pytest.raises(ProtectedError):
        version.convention.delete()
    assert ConventionVersion.objects.filter(pk=version.pk).exists()


def test_the_database_refuses_a_queryset_update(version):
    with pytest.raises(IntegrityError), transaction.atomic():
        ConventionVersion.objects.filter(pk=version.pk).update(content_sha256="0" * 64)
    assert ConventionVersion.objects.get(pk=version.pk).content_sha256 == version.content_sha256


def test_the_database_refuses_a_raw_sql_update(version):
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE conventions_conventionversion SET content_json = %s WHERE id = %s", ["{}", version.pk])
    assert ConventionVersion.objects.get(pk=version.pk).is_intact


# --- Reading a version's content back -----------------------------------------------------------


def test_readable_content_parses_dates_and_decimals_and_names_domains(version):
    document = readable_content(version.content)
    assert document["period_start"] == datetime.date(2024, 1, 1)
    assert [d["name"] for d in document["domains"]] == ["Petite enfance", "Jeunesse"]
    action = document["action_plan"]["orientations"][0]["actions"][0]
    assert action["domain"] == "Petite enfance"
    assert action["evaluation_indicators"][0]["target"] == Decimal("24")
    assert document["diagnostic"]["findings_by_domain"][0]["domain"] == "Petite enfance"


def test_readable_content_totals_planned_funding_by_funder_and_year(version):
    action = readable_content(version.content)["action_plan"]["orientations"][0]["actions"][0]
    funding = action["funding"]
    assert funding["years"] == [2024, 2025]
    rows = {row["funder"]: row for row in funding["rows"]}
    assert rows["CAF du Cantal"]["amounts"] == [Decimal("82000.00"), Decimal("84500.50")]
    assert rows["CAF du Cantal"]["schemes"] == ["Bonus territoire"]
    assert rows["CAF du Cantal"]["total"] == Decimal("166500.50")
    epci_row = next(row for name, row in rows.items() if name != "CAF du Cantal")
    assert epci_row["amounts"] == [None, Decimal("45000.00")]
    assert funding["year_totals"] == [Decimal("82000.00"), Decimal("129500.50")]
    assert funding["total"] == Decimal("211500.50")


def test_readable_content_puts_signatories_in_rounds_and_associates_apart():
    content = {
        "reference": "R",
        "title": "T",
        "epci": {"name": "CA", "short_name": "", "kind": "epci", "siren": "", "insee_code": ""},
        "period": {"start": "2024-01-01", "end": "2027-12-31"},
        "parties": [
            {"role": "signatory", "signing_order": 2, "organisation": {"name": "B", "kind": "commune"}},
            {"role": "associate", "signing_order": None, "organisation": {"name": "Asso", "kind": "association"}},
            {"role": "signatory", "signing_order": 1, "organisation": {"name": "A", "kind": "caf"}},
            {"role": "signatory", "signing_order": 2, "organisation": {"name": "C", "kind": "commune"}},
        ],
        "diagnostic": None,
        "action_plan": None,
    }
    document = readable_content(content)
    rounds = [(r["order"], [p["organisation"]["name"] for p in r["parties"]]) for r in document["signing_rounds"]]
    assert rounds == [(1, ["A"]), (2, ["B", "C"])]
    assert [p["organisation"]["name"] for p in document["associates"]] == ["Asso"]
    assert document["diagnostic"] is None and document["action_plan"] is None


def test_the_content_partial_renders_from_the_dictionary_without_any_query(version, django_assert_num_queries):
    content = version.content
    with django_assert_num_queries(0):
        html = render_to_string("workflow/versions/_content.html", {"content": content, "version": version})
    assert "Convention territoriale globale d&#x27;Aurillac" in html
    assert "Article 1 — Objet" in html
    assert "Élise Mercier" in html and "CAF du Cantal" in html
    assert "Centre social de Marmiers" in html
    assert "Manque de places en crèche" in html
    assert "Créer un multi-accueil" in html
    assert "84\u00a0500,50&nbsp;€" in html  # French thousands and decimal separators
    assert "211\u00a0500,50&nbsp;€" in html  # the grand total
    assert "Places créées" in html and "24 places" in html


# --- A version's standing -------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "today", "expected"),
    [
        (ConventionStatus.SIGNED, datetime.date(2023, 6, 1), "signed"),
        (ConventionStatus.SIGNED, datetime.date(2025, 6, 1), "in_force"),
        (ConventionStatus.IN_FORCE, datetime.date(2028, 1, 1), "expired"),
        (ConventionStatus.TERMINATED, datetime.date(2025, 6, 1), "terminated"),
        # An avenant in preparation: the signed text still runs by the calendar.
        (ConventionStatus.DRAFT, datetime.date(2025, 6, 1), "in_force"),
        (ConventionStatus.DRAFT, datetime.date(2028, 1, 1), "expired"),
    ],
)
def test_the_signed_version_s_standing_follows_the_calendar(status, today, expected):
    convention = ConventionFactory(status=ConventionStatus.SIGNED)
    convention.status = status
    version = convention.signed_version
    version.is_current, version.is_being_signed, version.is_signed = True, False, True
    assert version_standing(version, convention, today) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "is_signed", "expected"),
    [
        (ConventionStatus.IN_SIGNATURE, False, "being_signed"),
        (ConventionStatus.APPROVED, False, "approved"),
    ],
)
def test_the_version_being_signed_says_so(status, is_signed, expected):
    convention = ConventionFactory(status=status)
    version = convention.approved_version
    version.is_current, version.is_being_signed, version.is_signed = False, True, is_signed
    assert version_standing(version, convention, timezone.localdate()) == expected


@pytest.mark.django_db
def test_an_earlier_version_is_superseded_if_signed_and_void_if_declined():
    convention = ConventionFactory(status=ConventionStatus.SIGNED)
    earlier = take_version(convention=convention, by=UserFactory())
    earlier.is_current = earlier.is_being_signed = False
    earlier.is_signed = True
    assert version_standing(earlier, convention) == "superseded"
    earlier.is_signed = False
    assert version_standing(earlier, convention) == "void"
