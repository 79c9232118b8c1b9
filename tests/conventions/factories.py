import datetime

import factory

from conventions.choices import ConventionStatus, GovernanceBodyKind, PartyRole
from conventions.models import Article, Convention, Domain, GovernanceBody, GovernanceMember, Meeting, Party
from tests.partners.factories import OrganisationFactory, RepresentativeFactory


def domain(code: str) -> Domain:
    """One of the domains seeded by the data migration."""
    return Domain.objects.get(code=code)


NEEDS_APPROVED_VERSION = {ConventionStatus.APPROVED, ConventionStatus.IN_SIGNATURE}
NEEDS_SIGNED_VERSION = {
    ConventionStatus.SIGNED,
    ConventionStatus.IN_FORCE,
    ConventionStatus.EXPIRED,
    ConventionStatus.TERMINATED,
}


def force_status(convention: Convention, status: str) -> Convention:
    """Put a convention in ``status`` directly, for tests about what a status allows (not about how
    it is reached: the lifecycle services have their own tests). Statuses after an approval get the
    version the database requires, frozen from the convention's current content."""
    from tests.partners.factories import UserFactory
    from workflow.services.versions import take_version

    if status in NEEDS_APPROVED_VERSION and convention.approved_version_id is None:
        convention.approved_version = take_version(convention=convention, by=UserFactory())
    if status in NEEDS_SIGNED_VERSION and convention.signed_version_id is None:
        convention.signed_version = take_version(convention=convention, by=UserFactory())
    convention.status = status
    convention.save()
    return convention


class ConventionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Convention
        skip_postgeneration_save = True

    reference = factory.Sequence(lambda n: f"CTG-TEST-{n:04d}")
    title = factory.LazyAttribute(lambda c: f"Convention territoriale globale — {c.epci.name}")
    epci = factory.SubFactory(OrganisationFactory, intercommunality=True)
    period_start = datetime.date(2024, 1, 1)
    period_end = datetime.date(2027, 12, 31)
    status = ConventionStatus.DRAFT

    class Params:
        in_review = factory.Trait(status=ConventionStatus.IN_REVIEW)
        signed = factory.Trait(status=ConventionStatus.SIGNED)

    @classmethod
    def _create(cls, model_class, *args, status=ConventionStatus.DRAFT, **kwargs):
        convention = super()._create(model_class, *args, status=ConventionStatus.DRAFT, **kwargs)
        return force_status(convention, status) if status != ConventionStatus.DRAFT else convention

    @factory.post_generation
    def domains(self, create, extracted, **kwargs):
        if create and extracted:
            self.domains.set(extracted)


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article

    convention = factory.SubFactory(ConventionFactory)
    position = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Article {n + 1}")
    body = "Les parties s'engagent à mettre en œuvre le plan d'actions."


class PartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Party

    convention = factory.SubFactory(ConventionFactory)
    organisation = factory.SubFactory(OrganisationFactory, caf=True)
    role = PartyRole.SIGNATORY
    representative = factory.SubFactory(
        RepresentativeFactory, organisation=factory.SelfAttribute("..organisation"), title="Directrice"
    )
    signing_order = 1

    class Params:
        associate = factory.Trait(role=PartyRole.ASSOCIATE, signing_order=None, representative=None)


class GovernanceBodyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GovernanceBody

    convention = factory.SubFactory(ConventionFactory)
    kind = GovernanceBodyKind.STEERING_COMMITTEE
    name = "Comité de pilotage"

    class Params:
        technical = factory.Trait(kind=GovernanceBodyKind.TECHNICAL_COMMITTEE, name="Comité technique")


class GovernanceMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GovernanceMember

    body = factory.SubFactory(GovernanceBodyFactory)
    representative = factory.SubFactory(RepresentativeFactory)


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    body = factory.SubFactory(GovernanceBodyFactory)
    held_on = datetime.date(2024, 3, 15)
    agenda = "Lancement de la démarche"
