import factory
from django.contrib.auth import get_user_model
from stdnum import luhn

from partners.choices import MembershipRole, OrganisationKind
from partners.models import Membership, Organisation, Representative

DEFAULT_PASSWORD = "mot-de-passe-de-test"


def valid_siren(number: int, prefix: str = "2") -> str:
    """A SIREN with a valid checksum, distinct for each ``number``."""
    body = f"{prefix}{number:0{8 - len(prefix)}d}"
    return body + luhn.calc_check_digit(body)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"utilisateur{n}")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.django.Password(DEFAULT_PASSWORD)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Association {n}")
    kind = OrganisationKind.ASSOCIATION

    class Params:
        intercommunality = factory.Trait(
            kind=OrganisationKind.EPCI,
            name=factory.Sequence(lambda n: f"Communauté de communes n°{n}"),
            siren=factory.Sequence(lambda n: valid_siren(n, prefix="20")),
        )
        commune = factory.Trait(
            kind=OrganisationKind.COMMUNE,
            name=factory.Sequence(lambda n: f"Commune n°{n}"),
            siren=factory.Sequence(lambda n: valid_siren(n, prefix="21")),
            insee_code=factory.Sequence(lambda n: f"{n % 95 + 1:02d}{n % 1000:03d}"),
        )
        caf = factory.Trait(kind=OrganisationKind.CAF, name=factory.Sequence(lambda n: f"CAF n°{n}"))
        departement = factory.Trait(
            kind=OrganisationKind.DEPARTEMENT, name=factory.Sequence(lambda n: f"Département n°{n}")
        )
        state_service = factory.Trait(
            kind=OrganisationKind.STATE_SERVICE, name=factory.Sequence(lambda n: f"Service de l'État n°{n}")
        )


# Representatives' names: distinct for 20 × 20 successive people (a name is unique per organisation and
# title, and tests give one organisation up to a hundred parties: random names collided now and then).
FIRST_NAMES = (
    "Juliette", "Hélène", "Marc", "Sophie", "Benoît", "Élodie", "Karim", "Anne", "Jérôme", "Nadia",
    "Thierry", "Camille", "Loïc", "Fatima", "Pierre", "Agnès", "Yann", "Chloé", "Mathieu", "Inès",
)  # fmt: skip
LAST_NAMES = (
    "Grenier", "Lacombe", "Dupré", "Benali", "Marchand", "Lefèvre", "Roussel", "Nguyen", "Garnier", "Morel",
    "Faure", "Bérenger", "Caron", "Mercier", "Perrin", "Da Silva", "Lemoine", "Chevalier", "Boyer", "Étienne",
)  # fmt: skip


def distinct_full_name(n: int) -> str:
    return f"{FIRST_NAMES[n % len(FIRST_NAMES)]} {LAST_NAMES[n // len(FIRST_NAMES) % len(LAST_NAMES)]}"


class RepresentativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Representative

    organisation = factory.SubFactory(OrganisationFactory)
    full_name = factory.Sequence(distinct_full_name)
    title = "Président"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = MembershipRole.STAFF

    class Params:
        reader = factory.Trait(role=MembershipRole.READER)
