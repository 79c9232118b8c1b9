"""A convention whose parties carry their whole legal identity (schema 2), shared by the documents' tests,
and a version frozen the way the first portal froze them (schema 1)."""

import datetime

from conventions.choices import SignatureMethod
from conventions.models import ConventionVersion
from documents.snapshot import canonical_json, sha256_of
from partners.choices import Civility, OrganisationKind
from tests.action_plans.factories import ActionFactory
from tests.conventions.factories import ArticleFactory, ConventionFactory, PartyFactory
from tests.partners.factories import OrganisationFactory, RepresentativeFactory, UserFactory, valid_siren


def legal_convention():
    """« Convention territoriale globale du Grand Essai »: the CAF du Lot (Mme Prunet, sa Directrice), the
    EPCI (M. Dupont, son Président, deliberation no. 2024-15), the Préfecture (by delegation), a commune."""
    epci = OrganisationFactory(
        intercommunality=True,
        name="Grand Essai",
        legal_name="Communauté d'agglomération du Grand Essai",
        address="72 rue Wilson",
        postal_code="46000",
        city="Cahors",
    )
    convention = ConventionFactory(
        title="Convention territoriale globale du Grand Essai",
        epci=epci,
        period_start=datetime.date(2030, 1, 1),
        period_end=datetime.date(2033, 12, 31),
        replaces_contract="Contrat enfance jeunesse (CEJ)",
        predecessor_reference="2019-046",
        predecessor_start=datetime.date(2019, 1, 1),
        predecessor_end=datetime.date(2029, 12, 31),
        original_copies=4,
    )
    caf = OrganisationFactory(
        kind=OrganisationKind.CAF,
        name="CAF du Lot",
        legal_name="Caisse d'allocations familiales du Lot",
        address="304 rue Victor Hugo",
        postal_code="46000",
        city="Cahors",
    )
    PartyFactory(
        convention=convention,
        organisation=caf,
        representative=RepresentativeFactory(
            organisation=caf, civility=Civility.MADAME, full_name="Catherine Prunet", title="Directrice"
        ),
        signing_order=1,
    )
    PartyFactory(
        convention=convention,
        organisation=epci,
        representative=RepresentativeFactory(
            organisation=epci, civility=Civility.MONSIEUR, full_name="Jean Dupont", title="Président"
        ),
        signing_order=1,
        deliberation_number="2024-15",
        deliberation_date=datetime.date(2029, 11, 12),
    )
    prefecture = OrganisationFactory(
        kind=OrganisationKind.STATE_SERVICE, name="Préfecture", legal_name="Préfecture du Lot"
    )
    PartyFactory(
        convention=convention,
        organisation=prefecture,
        representative=RepresentativeFactory(
            organisation=prefecture,
            civility=Civility.MONSIEUR,
            full_name="Paul Martin",
            title="Secrétaire général",
            delegation="pour le préfet et par délégation",
        ),
        signing_order=2,
        signature_method=SignatureMethod.PAPER,
    )
    commune = OrganisationFactory(
        commune=True, name="Le Vigan", legal_name="Commune du Vigan", siren=valid_siren(4600, prefix="21")
    )
    PartyFactory(
        convention=convention,
        organisation=commune,
        representative=RepresentativeFactory(
            organisation=commune, civility=Civility.MADAME, full_name="Lucie Roques", title="Maire"
        ),
        signing_order=2,
    )
    ArticleFactory(
        convention=convention,
        position=1,
        title="Objet de la convention",
        body="La présente convention lie {{ caf }} et {{ epci }}.\n\n- premier engagement ;\n- **second** engagement.",
    )
    ArticleFactory(convention=convention, position=2, title="Durée", body="Du {{ date_debut }} au {{ date_fin }}.")
    ActionFactory(orientation__plan__convention=convention, code="1.1", title="Ouvrir une crèche")
    return convention


SCHEMA_1_CONTENT = {
    "schema": 1,
    "reference": "CTG-ANCIENNE-2020",
    "title": "Convention territoriale globale du Causse",
    "amendment_number": 0,
    "epci": {"name": "CC du Causse", "short_name": "", "kind": "epci", "siren": "200000172", "insee_code": ""},
    "period": {"start": "2020-01-01", "end": "2023-12-31"},
    "replaces_contract": "Contrat enfance jeunesse (CEJ)",
    "perimeter_note": "",
    "domains": [{"code": "petite-enfance", "name": "Petite enfance"}],
    "articles": [{"position": 1, "title": "Objet", "body": "Les parties s'engagent.\n- à tout faire ;"}],
    "parties": [
        {
            "party_id": 1,
            "role": "signatory",
            "signing_order": 1,
            "organisation": {"name": "CAF du Causse", "short_name": "", "kind": "caf", "siren": "", "insee_code": ""},
            "representative": {"full_name": "Valérie Guillon", "title": "Directrice"},
        },
        {
            "party_id": 2,
            "role": "signatory",
            "signing_order": 1,
            "organisation": {
                "name": "CC du Causse",
                "short_name": "",
                "kind": "epci",
                "siren": "200000172",
                "insee_code": "",
            },
            "representative": {"full_name": "Jean-Marc Vayssouze", "title": "Président"},
        },
        {
            "party_id": 3,
            "role": "associate",
            "signing_order": None,
            "organisation": {
                "name": "Centre social",
                "short_name": "",
                "kind": "social_centre",
                "siren": "",
                "insee_code": "",
            },
            "representative": None,
        },
    ],
    "governance": [],
    "diagnostic": {
        "indicators": [],
        "summary": "Un diagnostic ancien.",
        "started_on": None,
        "completed_on": None,
        "findings": [],
    },
    "action_plan": {"summary": "", "orientations": []},
}


def schema_1_version(convention, content: dict | None = None) -> ConventionVersion:
    """A version of ``convention`` frozen by the first portal (schema 1), stored as it was then."""
    text = canonical_json(content or {**SCHEMA_1_CONTENT, "reference": convention.reference})
    number = (convention.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    return ConventionVersion.objects.create(
        convention=convention,
        number=number,
        content_json=text,
        content_sha256=sha256_of(text),
        approved_by=UserFactory(),
        approved_at=datetime.datetime(2020, 9, 1, 10, tzinfo=datetime.UTC),
    )
