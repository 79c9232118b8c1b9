"""What the workflow's tests add to a convention so that it may be submitted for review
(``workflow.readiness``): the intercommunality and a CAF signing, each signatory's representative, an
article, the diagnostic's summary and a fiche action."""

from action_plans.models import Action, ActionPlan, StrategicOrientation
from conventions.choices import PartyRole
from conventions.models import Domain
from diagnostics.models import Diagnostic
from partners.choices import OrganisationKind
from tests.action_plans.factories import ActionFactory, StrategicOrientationFactory
from tests.conventions.factories import ArticleFactory, PartyFactory
from tests.partners.factories import OrganisationFactory, RepresentativeFactory


def make_ready_for_review(convention, *, epci_signing_order: int = 1):
    """Adds to ``convention`` only what it lacks for the CAF's review; returns it.

    The intercommunality signs in ``epci_signing_order`` when it was not a signatory yet; a new CAF
    signs first when none did.
    """
    signatories = list(convention.parties.filter(role=PartyRole.SIGNATORY).select_related("organisation"))
    if not any(party.organisation_id == convention.epci_id for party in signatories):
        PartyFactory(
            convention=convention,
            organisation=convention.epci,
            representative__title="Président",
            signing_order=epci_signing_order,
        )
    if not any(party.organisation.kind == OrganisationKind.CAF for party in signatories):
        PartyFactory(convention=convention, organisation=OrganisationFactory(caf=True), signing_order=1)
    for party in signatories:
        if party.representative_id is None:
            party.representative = RepresentativeFactory(organisation=party.organisation)
            party.save(update_fields=["representative"])
    if not convention.articles.exists():
        ArticleFactory(convention=convention, position=1, title="Objet")
    diagnostic, _created = Diagnostic.objects.get_or_create(convention=convention)
    if not diagnostic.summary.strip():
        diagnostic.summary = "Un territoire rural où l'offre d'accueil du jeune enfant manque."
        diagnostic.save(update_fields=["summary"])
    if not Action.objects.filter(orientation__plan__convention=convention).exists():
        plan, _created = ActionPlan.objects.get_or_create(convention=convention)
        orientation = StrategicOrientation.objects.filter(plan=plan).first() or StrategicOrientationFactory(plan=plan)
        # get_or_create: a transactional test may run after another one emptied the seeded domains.
        domain, _created = Domain.objects.get_or_create(code="petite-enfance", defaults={"name": "Petite enfance"})
        ActionFactory(orientation=orientation, domain=domain)
    return convention
