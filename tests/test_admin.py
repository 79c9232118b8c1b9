"""Every model has a working admin page, and the change history shows in it."""

import html

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.action_plans.factories import FundingLineFactory
from tests.partners.factories import UserFactory

MODEL_ADMINS = sorted(
    (model._meta.app_label, model._meta.model_name)
    for model in admin.site._registry
    if model._meta.app_label in {"partners", "conventions", "diagnostics", "action_plans"}
)


@pytest.fixture
def admin_client_with_data(client, db):
    FundingLineFactory()
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    return client


def test_every_domain_model_is_in_the_admin():
    from django.apps import apps

    domain_models = {
        (model._meta.app_label, model._meta.model_name)
        for app in ("partners", "conventions", "diagnostics", "action_plans")
        for model in apps.get_app_config(app).get_models()
        if not model._meta.model_name.startswith("historical")
    }
    assert domain_models == set(MODEL_ADMINS)


# What the lifecycle records is written by its services only: the administration reads it.
READ_ONLY_MODELS = {
    ("conventions", "conventionversion"),
    ("conventions", "statuschange"),
    ("conventions", "signature"),
    ("conventions", "reviewcomment"),
    ("conventions", "notification"),
    ("conventions", "generateddocument"),
    ("diagnostics", "stagedimport"),  # staged and applied by the CSV import's services
    ("partners", "invitation"),  # sent from the Équipe page, which e-mails them; revoked or sent again here
    ("partners", "passwordresetemail"),  # written by the task that sends the e-mail
}


@pytest.mark.parametrize(("app_label", "model_name"), MODEL_ADMINS)
def test_admin_changelist_and_add_pages_load(admin_client_with_data, app_label, model_name):
    client = admin_client_with_data
    assert client.get(reverse(f"admin:{app_label}_{model_name}_changelist")).status_code == 200
    expected = 403 if (app_label, model_name) in READ_ONLY_MODELS else 200
    assert client.get(reverse(f"admin:{app_label}_{model_name}_add")).status_code == expected


def test_history_of_a_funding_line_is_visible_in_the_admin(admin_client_with_data):
    from action_plans.models import FundingLine

    line = FundingLine.objects.get()
    line.amount = 999
    line.save()
    response = admin_client_with_data.get(reverse("admin:action_plans_fundingline_history", args=[line.pk]))
    assert response.status_code == 200
    records = list(response.context["page_obj"].object_list)
    assert [record.history_type for record in records] == ["~", "+"]
    assert records[0].amount == 999


# --- The lifecycle's records are read-only ---------------------------------------------------------


@pytest.fixture
def lifecycle_records(db):
    """One row of each record the lifecycle keeps: a version, a status change, a void and a valid
    signature, a review comment and a notification."""
    from django.utils import timezone

    from conventions.choices import ConventionStatus, LifecycleAction, NotificationKind, SignatureMethod
    from conventions.models import Notification, ReviewComment, Signature, StatusChange
    from tests.conventions.factories import ConventionFactory, PartyFactory

    convention = ConventionFactory(status=ConventionStatus.SIGNED, reference="CTG-ADMIN-2024")
    version = convention.signed_version
    party = PartyFactory(convention=convention, representative__full_name="Valérie Guillon")
    author = UserFactory()
    now = timezone.now()
    common = {
        "version": version,
        "party": party,
        "method": SignatureMethod.ELECTRONIC,
        "version_sha256": version.content_sha256,
        "signer_title": "Directrice",
        "organisation_name": party.organisation.name,
        "signed_at": now,
        "signer": author,
    }
    return {
        "conventionversion": version,
        "statuschange": StatusChange.objects.create(
            convention=convention,
            action=LifecycleAction.TERMINATE,
            from_status=ConventionStatus.SIGNED,
            to_status=ConventionStatus.TERMINATED,
            actor=author,
            comment="Résiliation d'un commun accord",
            occurred_at=now,
        ),
        "signature": Signature.objects.create(signer_name="Valérie Guillon", **common),
        "void_signature": Signature.objects.create(
            signer_name="Jean Dupont", voided_at=now, void_reason="Signature refusée", **common
        ),
        "reviewcomment": ReviewComment.objects.create(
            convention=convention, author=author, body="Préciser le budget de la fiche 1.2"
        ),
        "notification": Notification.objects.create(
            convention=convention,
            kind=NotificationKind.APPROVED,
            email="agent@example.org",
            subject="La convention CTG-ADMIN-2024 est approuvée",
            body="Bonjour",
        ),
    }


@pytest.fixture
def superuser_client(client, db):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    return client


@pytest.mark.parametrize(
    "model_name", ["conventionversion", "statuschange", "signature", "reviewcomment", "notification"]
)
def test_lifecycle_records_are_shown_but_cannot_be_changed_or_deleted(superuser_client, lifecycle_records, model_name):
    record = lifecycle_records[model_name]
    change_url = reverse(f"admin:conventions_{model_name}_change", args=[record.pk])
    delete_url = reverse(f"admin:conventions_{model_name}_delete", args=[record.pk])
    page = superuser_client.get(change_url)
    assert page.status_code == 200
    content = page.content.decode()
    assert 'name="_save"' not in content and 'name="_continue"' not in content
    assert delete_url not in content
    assert superuser_client.post(change_url, {}).status_code == 403
    assert superuser_client.get(delete_url).status_code == 403
    assert superuser_client.post(delete_url, {"post": "yes"}).status_code == 403
    type(record).objects.get(pk=record.pk)  # still there


def test_the_delete_action_is_not_offered_on_the_lifecycle_records(superuser_client, lifecycle_records):
    for model_name in ("conventionversion", "statuschange", "signature", "reviewcomment", "notification"):
        content = superuser_client.get(reverse(f"admin:conventions_{model_name}_changelist")).content.decode()
        assert "delete_selected" not in content, model_name


def test_a_version_shows_its_full_hash_integrity_and_content_read_only(superuser_client, lifecycle_records):
    version = lifecycle_records["conventionversion"]
    response = superuser_client.get(reverse("admin:conventions_conventionversion_change", args=[version.pk]))
    content = html.unescape(response.content.decode())
    assert version.content_sha256 in content
    assert "icon-yes.svg" in content  # integrity checked
    assert '"reference": "CTG-ADMIN-2024"' in content  # the content, indented for reading
    assert "<textarea" not in content
    assert 'name="content_json"' not in content and 'name="content_sha256"' not in content


def test_the_version_list_shows_the_short_hash_and_searches_by_hash(superuser_client, lifecycle_records):
    version = lifecycle_records["conventionversion"]
    url = reverse("admin:conventions_conventionversion_changelist")
    assert version.short_hash in superuser_client.get(url).content.decode()
    found = superuser_client.get(url, {"q": version.content_sha256[:20]})
    assert found.context["cl"].result_count == 1
    assert superuser_client.get(url, {"q": "0" * 20}).context["cl"].result_count == 0


@pytest.mark.parametrize(
    ("model_name", "query", "expected"),
    [
        ("signature", "Guillon", 1),
        ("reviewcomment", "budget de la fiche", 1),
        ("notification", "agent@example.org", 1),
        ("statuschange", "commun accord", 1),
        ("notification", "introuvable", 0),
    ],
)
def test_lifecycle_records_are_searchable(superuser_client, lifecycle_records, model_name, query, expected):
    url = reverse(f"admin:conventions_{model_name}_changelist")
    assert superuser_client.get(url, {"q": query}).context["cl"].result_count == expected


def test_signatures_filter_by_validity(superuser_client, lifecycle_records):
    url = reverse("admin:conventions_signature_changelist")
    valid = superuser_client.get(url, {"validity": "unset"}).context["cl"].result_list
    void = superuser_client.get(url, {"validity": "set"}).context["cl"].result_list
    assert [s.signer_name for s in valid] == ["Valérie Guillon"]
    assert [s.signer_name for s in void] == ["Jean Dupont"]
