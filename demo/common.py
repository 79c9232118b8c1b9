"""Demo accounts and indicator definitions shared by both demo conventions.

The accounts are fictional people, one per role of ``conventions.permissions`` and two signatories of
La Cali's convention; only the signatories of the Grand Cahors convention (see ``grand_cahors.py``) are
real, named by the published text.
"""

from django.utils.translation import gettext_lazy as _

from demo.schema import DemoAccount, IndicatorDefinitionRow
from diagnostics.choices import IndicatorSource

DEMO_ACCOUNTS = (
    DemoAccount("agent.cahors", "Sophie", "Lacombe", _("EPCI staff (Grand Cahors)"), staff_of="grand-cahors"),
    DemoAccount("agent.cali", "Julien", "Moreau", _("EPCI staff (La Cali)"), staff_of="la-cali"),
    DemoAccount("caf.lot", "Nathalie", "Roux", _("CAF officer (CAF du Lot)"), staff_of="caf-lot"),
    DemoAccount("caf.gironde", "Thomas", "Lefèvre", _("CAF officer (CAF de la Gironde)"), staff_of="caf-gironde"),
    # No membership at all: Grand Cahors' convention is visible only through the copil seat.
    DemoAccount("copil.cahors", "Hélène", "Delpech", _("Copil member (Grand Cahors)")),
    # No membership either: they see La Cali's convention as the signing representatives of its parties.
    DemoAccount("signataire.cali", "Pierre", "Exemple", _("Signatory (president of La Cali, fictional)")),
    DemoAccount("signataire.caf33", "Anne", "Exemple", _("Signatory (director of the CAF de la Gironde, fictional)")),
    DemoAccount("admin", "Claire", "Martin", _("Administrator"), is_superuser=True),
)

INDICATOR_DEFINITIONS = (
    IndicatorDefinitionRow("population", "Population municipale", "habitants", IndicatorSource.INSEE),
    IndicatorDefinitionRow(
        "nombre-communes",
        "Nombre de communes",
        "communes",
        IndicatorSource.EPCI,
        description="Communes du périmètre de l'intercommunalité à la date indiquée.",
    ),
    IndicatorDefinitionRow(
        "allocataires-caf",
        "Foyers allocataires de la CAF",
        "allocataires",
        IndicatorSource.CAF,
        domain="acces-aux-droits",
    ),
    IndicatorDefinitionRow(
        "enfants-moins-3-ans", "Enfants de moins de 3 ans", "enfants", IndicatorSource.INSEE, domain="petite-enfance"
    ),
    IndicatorDefinitionRow(
        "places-eaje",
        "Places en établissement d'accueil du jeune enfant (EAJE)",
        "places",
        IndicatorSource.CAF,
        domain="petite-enfance",
    ),
    IndicatorDefinitionRow(
        "taux-couverture-accueil-jeune-enfant",
        "Taux de couverture de l'accueil du jeune enfant",
        "%",
        IndicatorSource.CAF,
        domain="petite-enfance",
        description=(
            "Places d'accueil formel pour 100 enfants de moins de 3 ans. Calculé à partir des places "
            "et des enfants de moins de 3 ans, il n'est pas saisi."
        ),
    ),
    IndicatorDefinitionRow(
        "alsh-places",
        "Places en accueil de loisirs sans hébergement (ALSH)",
        "places",
        IndicatorSource.CAF,
        domain="enfance",
    ),
    IndicatorDefinitionRow(
        "jeunes-12-17-ans", "Jeunes de 12 à 17 ans", "jeunes", IndicatorSource.INSEE, domain="jeunesse"
    ),
    IndicatorDefinitionRow(
        "centres-sociaux",
        "Centres sociaux agréés par la CAF",
        "structures",
        IndicatorSource.CAF,
        domain="animation-vie-sociale",
    ),
    IndicatorDefinitionRow(
        "qpv-population",
        "Habitants du quartier prioritaire de la politique de la ville",
        "habitants",
        IndicatorSource.STATE,
        domain="politique-de-la-ville",
    ),
    IndicatorDefinitionRow(
        "qpv-revenu-fiscal-median",
        "Revenu fiscal médian du quartier prioritaire",
        "€",
        IndicatorSource.STATE,
        domain="politique-de-la-ville",
        description="Par unité de consommation ; le seuil d'entrée est 60 % du revenu médian de l'unité urbaine.",
    ),
)
