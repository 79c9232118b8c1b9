"""Organisations recorded from the browser (partners.services.organisations) and the rules they follow
(partners.permissions, « Organisations and territories »)."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.utils import translation

from ctg_portal.errors import NotAllowed
from partners import permissions
from partners.choices import MembershipRole, OrganisationKind
from partners.models import Organisation
from partners.services.organisations import (
    OrganisationRefused,
    create_organisation,
    ensure_caf,
    ensure_departement,
    import_epci,
    update_organisation,
)
from tests.partners.factories import MembershipFactory, OrganisationFactory, UserFactory, valid_siren

pytestmark = pytest.mark.django_db

FAUCIGNY_GLIERES = "200000172"
BONNEVILLE = "74042"


@pytest.fixture(autouse=True)
def _english_messages():
    with translation.override("en"):
        yield


@pytest.fixture
def caf_officer():
    return MembershipFactory(organisation=OrganisationFactory(caf=True)).user


@pytest.fixture
def epci_staff():
    return MembershipFactory(organisation=OrganisationFactory(intercommunality=True)).user


def messages_of(error: ValidationError, field: str) -> list[str]:
    return error.message_dict.get(field, [])


# --- Who may ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind,role,allowed",
    [
        ("caf", MembershipRole.STAFF, True),
        ("intercommunality", MembershipRole.STAFF, True),
        ("caf", MembershipRole.READER, False),
        ("intercommunality", MembershipRole.READER, False),
        ("commune", MembershipRole.STAFF, False),
        ("departement", MembershipRole.STAFF, False),
    ],
)
def test_caf_and_epci_staff_may_import_and_create(kind, role, allowed):
    user = MembershipFactory(organisation=OrganisationFactory(**{kind: True}), role=role).user

    assert permissions.may_import_territories(user) is allowed
    assert permissions.may_create_organisation(user) is allowed


def test_superusers_may_and_inactive_or_anonymous_users_may_not(caf_officer):
    caf_officer.is_active = False
    assert permissions.may_import_territories(UserFactory(is_superuser=True))
    assert not permissions.may_import_territories(caf_officer)
    assert not permissions.may_import_territories(AnonymousUser())
    assert not permissions.may_edit_organisation(AnonymousUser(), OrganisationFactory())


def test_who_may_edit_an_organisation_identity():
    epci = OrganisationFactory(intercommunality=True)
    commune = OrganisationFactory(commune=True, epci=epci)
    other_commune = MembershipFactory(organisation__commune=True).organisation
    commune_staff = MembershipFactory(organisation=commune).user
    epci_staff = MembershipFactory(organisation=epci).user
    epci_reader = MembershipFactory(organisation=epci, role=MembershipRole.READER).user
    caf_officer = MembershipFactory(organisation=OrganisationFactory(caf=True)).user
    without_member = OrganisationFactory()

    assert permissions.may_edit_organisation(commune_staff, commune)
    assert permissions.may_edit_organisation(epci_staff, commune)  # its member commune
    assert permissions.may_edit_organisation(epci_staff, epci)
    assert not permissions.may_edit_organisation(epci_reader, epci)
    assert not permissions.may_edit_organisation(caf_officer, commune)  # it has a member to look after it
    assert not permissions.may_edit_organisation(epci_staff, other_commune)
    assert permissions.may_edit_organisation(caf_officer, without_member)
    assert permissions.may_edit_organisation(epci_staff, without_member)
    assert not permissions.may_edit_organisation(commune_staff, without_member)
    assert permissions.may_edit_organisation(UserFactory(is_superuser=True), commune)


# --- import_epci -----------------------------------------------------------------------------------


def test_an_epci_outside_the_demo_is_imported_on_the_spot_with_its_communes(caf_officer):
    epci = import_epci(siren=FAUCIGNY_GLIERES, by=caf_officer)

    assert (epci.kind, epci.name, epci.legal_name) == (
        OrganisationKind.EPCI,
        "CC Faucigny - Glières",
        "Communauté de communes Faucigny - Glières",
    )
    assert epci.member_communes.count() == 7
    assert epci.member_communes.get(insee_code=BONNEVILLE).legal_name == "Commune de Bonneville"
    imported = Organisation.history.filter(kind__in=[OrganisationKind.EPCI, OrganisationKind.COMMUNE])
    assert set(imported.values_list("history_user", flat=True)) == {caf_officer.pk}


def test_importing_twice_changes_nothing(caf_officer):
    first = import_epci(siren=FAUCIGNY_GLIERES, by=caf_officer)
    history = Organisation.history.count()

    again = import_epci(siren=f" {FAUCIGNY_GLIERES[:3]} {FAUCIGNY_GLIERES[3:]} ", by=caf_officer)

    assert again == first
    assert Organisation.history.count() == history


def test_an_import_by_someone_not_allowed_is_refused_and_writes_nothing():
    reader = MembershipFactory(organisation=OrganisationFactory(intercommunality=True), reader=True).user

    with pytest.raises(NotAllowed):
        import_epci(siren=FAUCIGNY_GLIERES, by=reader)
    assert not Organisation.objects.filter(siren=FAUCIGNY_GLIERES).exists()


@pytest.mark.parametrize("siren", ["123456782", "abc", ""])
def test_an_unknown_siren_is_refused_with_a_clear_message(caf_officer, siren):
    with pytest.raises(OrganisationRefused, match="in the official list"):
        import_epci(siren=siren, by=caf_officer)


def test_a_conflict_with_an_organisation_recorded_by_hand_is_refused(caf_officer):
    OrganisationFactory(name="Amicale de Bonneville", siren="217400423")

    with pytest.raises(OrganisationRefused, match="already belongs to “Amicale de Bonneville”"):
        import_epci(siren=FAUCIGNY_GLIERES, by=caf_officer)
    assert not Organisation.objects.filter(siren=FAUCIGNY_GLIERES).exists()


# --- ensure_caf and ensure_departement -------------------------------------------------------------


def test_ensure_caf_creates_the_caf_of_a_departement_once(caf_officer):
    caf = ensure_caf(department_code="46", by=caf_officer)

    assert (caf.kind, caf.name, caf.legal_name, caf.department_code) == (
        OrganisationKind.CAF,
        "CAF du Lot",
        "Caisse d'allocations familiales du Lot",
        "46",
    )
    assert caf.legal_denomination_with_article == "la Caisse d'allocations familiales du Lot"
    assert caf.history.get().history_user == caf_officer
    assert ensure_caf(department_code="46", by=caf_officer) == caf
    assert Organisation.objects.filter(kind=OrganisationKind.CAF, department_code="46").count() == 1


def test_ensure_caf_finds_a_caf_recorded_otherwise(epci_staff):
    demo_caf = OrganisationFactory(
        caf=True, name="Caisse d'allocations familiales du Lot", short_name="CAF du Lot", department_code="46"
    )
    gironde = OrganisationFactory(caf=True, name="CAF de la Gironde")

    assert ensure_caf(department_code="46", by=epci_staff) == demo_caf
    assert ensure_caf(department_code="33", by=epci_staff) == gironde


@pytest.mark.parametrize(
    "code,name,legal_name",
    [
        ("01", "CAF de l'Ain", "Caisse d'allocations familiales de l'Ain"),
        ("33", "CAF de la Gironde", "Caisse d'allocations familiales de la Gironde"),
        ("40", "CAF des Landes", "Caisse d'allocations familiales des Landes"),
        ("75", "CAF de Paris", "Caisse d'allocations familiales de Paris"),
        ("974", "CAF de La Réunion", "Caisse d'allocations familiales de La Réunion"),
        ("976", "CSSM de Mayotte", "Caisse de sécurité sociale de Mayotte"),
    ],
)
def test_caf_names_follow_the_departement_grammar(caf_officer, code, name, legal_name):
    caf = ensure_caf(department_code=code, by=caf_officer)

    assert (caf.name, caf.legal_name) == (name, legal_name)


def test_the_pyrenees_atlantiques_have_two_cafs_and_the_form_creates_them(caf_officer):
    with pytest.raises(OrganisationRefused, match="two CAFs"):
        ensure_caf(department_code="64", by=caf_officer)
    assert not Organisation.objects.filter(kind=OrganisationKind.CAF, department_code="64").exists()


@pytest.mark.parametrize("code", ["99", "", "4", "988"])
def test_an_unknown_departement_is_refused(caf_officer, code):
    with pytest.raises(OrganisationRefused, match="Choose a département of the list."):
        ensure_caf(department_code=code, by=caf_officer)


def test_ensure_departement(caf_officer):
    departement = ensure_departement(department_code="33", by=caf_officer)

    assert (departement.kind, departement.name, departement.legal_name) == (
        OrganisationKind.DEPARTEMENT,
        "Département de la Gironde",
        "Département de la Gironde",
    )
    assert departement.of_legal_denomination == "du Département de la Gironde"
    assert ensure_departement(department_code="33", by=caf_officer) == departement


def test_ensure_by_someone_not_allowed_is_refused():
    with pytest.raises(NotAllowed):
        ensure_caf(department_code="46", by=UserFactory())
    with pytest.raises(NotAllowed):
        ensure_departement(department_code="46", by=UserFactory())
    assert not Organisation.objects.exists()


# --- create_organisation ---------------------------------------------------------------------------


def test_create_an_organisation_with_its_legal_identity(epci_staff):
    siren = valid_siren(42, prefix="77")

    organisation = create_organisation(
        kind=OrganisationKind.SOCIAL_CENTRE,
        name="  Centre social   Le Lien ",
        legal_name="Association Le Lien",
        short_name="Le Lien",
        siren=f"{siren[:3]} {siren[3:6]} {siren[6:]}",
        address="12 rue des Écoles",
        postal_code="46 000",
        city="Cahors",
        department_code="46",
        by=epci_staff,
    )

    organisation.refresh_from_db()
    assert (organisation.name, organisation.siren, organisation.postal_code) == (
        "Centre social Le Lien",
        siren,
        "46000",
    )
    assert organisation.legal_denomination_with_article == "l'Association Le Lien"
    history = organisation.history.get()
    assert (history.history_user, history.history_change_reason) == (epci_staff, "Created from the portal")


@pytest.mark.parametrize(
    "fields,field,message",
    [
        ({"siren": "123456789"}, "siren", "is not a valid SIREN number"),
        ({"siren": "12345"}, "siren", "is not a valid SIREN number"),
        ({"postal_code": "4600"}, "postal_code", "is not a valid postal code"),
        ({"department_code": "460"}, "department_code", "is not a département code"),
        ({"name": "   "}, "name", "Give the organisation's name."),
        ({"kind": OrganisationKind.EPCI}, "kind", "come from the official list"),
        ({"kind": OrganisationKind.COMMUNE}, "kind", "come from the official list"),
        ({"kind": "nonsense"}, "kind", "Choose the kind of organisation."),
        ({"definite_article": "der"}, "definite_article", "is not a valid choice"),
        ({"name": "x" * 201}, "name", "at most 200 characters"),
    ],
)
def test_create_refuses_bad_input_by_field(epci_staff, fields, field, message):
    values = {"kind": OrganisationKind.ASSOCIATION, "name": "Familles rurales", **fields}

    with pytest.raises(ValidationError) as error:
        create_organisation(by=epci_staff, **values)

    assert any(message in text for text in messages_of(error.value, field)), error.value.message_dict
    assert not Organisation.objects.filter(kind=OrganisationKind.ASSOCIATION).exists()


def test_a_siren_already_recorded_names_the_organisation_holding_it(epci_staff):
    caf = OrganisationFactory(
        caf=True, name="CAF du Lot", legal_name="Caisse d'allocations familiales du Lot", siren=valid_siren(7, "77")
    )

    with pytest.raises(ValidationError) as error:
        create_organisation(kind=OrganisationKind.CAF, name="CAF 46", siren=caf.siren, by=epci_staff)

    assert messages_of(error.value, "siren") == [
        "This organisation is already on the portal: “Caisse d'allocations familiales du Lot” "
        f"(Family allowance fund (CAF), SIREN {caf.siren})."
    ]


def test_the_same_name_for_the_same_kind_in_the_same_departement_is_refused(epci_staff):
    OrganisationFactory(name="Familles Rurales", department_code="46")

    with pytest.raises(ValidationError) as error:
        create_organisation(
            kind=OrganisationKind.ASSOCIATION, name="familles rurales", department_code="46", by=epci_staff
        )
    assert "already on the portal: “Familles Rurales”" in messages_of(error.value, "name")[0]

    elsewhere = create_organisation(
        kind=OrganisationKind.ASSOCIATION, name="Familles rurales", department_code="33", by=epci_staff
    )
    assert elsewhere.pk


def test_create_by_someone_not_allowed_is_refused():
    reader = MembershipFactory(organisation=OrganisationFactory(caf=True), reader=True).user

    with pytest.raises(NotAllowed):
        create_organisation(kind=OrganisationKind.ASSOCIATION, name="Familles rurales", by=reader)


# --- update_organisation ---------------------------------------------------------------------------


def test_the_staff_of_an_organisation_change_its_identity():
    caf = OrganisationFactory(caf=True, name="CAF du Lot")
    officer = MembershipFactory(organisation=caf).user

    update_organisation(
        caf,
        by=officer,
        legal_name="Caisse d'allocations familiales du Lot",
        definite_article="la",
        address="304 rue Victor Hugo",
        postal_code="46000",
        city="Cahors",
    )

    caf.refresh_from_db()
    assert (caf.legal_name, caf.address, caf.city) == (
        "Caisse d'allocations familiales du Lot",
        "304 rue Victor Hugo",
        "Cahors",
    )
    history = caf.history.first()
    assert (history.history_user, history.history_change_reason) == (officer, "Identity changed from the portal")


def test_the_epci_staff_change_a_member_commune_but_not_its_official_name(epci_staff):
    epci = epci_staff.memberships.get().organisation
    commune = OrganisationFactory(commune=True, epci=epci, name="Cahors")

    update_organisation(commune, by=epci_staff, legal_name="Ville de Cahors", name="Cahors", short_name="Cahors")
    with pytest.raises(OrganisationRefused, match="come from the official files"):
        update_organisation(commune, by=epci_staff, name="Cahors-sur-Lot")

    commune.refresh_from_db()
    assert (commune.name, commune.legal_name) == ("Cahors", "Ville de Cahors")


def test_an_organisation_with_members_is_changed_only_by_them(caf_officer):
    association = OrganisationFactory(name="Le Lien")
    MembershipFactory(organisation=association)

    with pytest.raises(NotAllowed):
        update_organisation(association, by=caf_officer, short_name="Lien")


def test_update_checks_like_create(caf_officer):
    association = OrganisationFactory(name="Le Lien")
    other = OrganisationFactory(name="Autre", siren=valid_siren(8, "77"))

    with pytest.raises(ValidationError) as error:
        update_organisation(association, by=caf_officer, siren=other.siren, postal_code="abc")

    assert "already on the portal: “Autre”" in messages_of(error.value, "siren")[0]
    assert messages_of(error.value, "postal_code")
    association.refresh_from_db()
    assert association.siren == ""


def test_update_refuses_an_unknown_field(caf_officer):
    with pytest.raises(TypeError):
        update_organisation(OrganisationFactory(), by=caf_officer, population=3)
