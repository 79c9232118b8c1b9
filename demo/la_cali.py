"""La Cali's CTG (Communauté d'agglomération du Libournais), being prepared, in its diagnostic phase.

From the published text: the domains, the Contrat Enfance Jeunesse, the projet socio-éducatif for the
gens du voyage, the contrat de ville (Coutras' « Quartier du Centre »), the convention-cadre on housing,
the perimeter of 46 communes and 88 000 inhabitants on 1 January 2017, and the convention d'objectifs
with the centre socio-culturel « Portraits de famille ». There is no action plan yet. The signing
representatives are fictional (the text names nobody), so that the review and signature can be played.
"""

from datetime import date

from conventions.choices import DraftingPhase, GovernanceBodyKind, PartyRole
from demo.schema import (
    ArticleRow,
    ConventionRow,
    DiagnosticRow,
    FindingRow,
    GovernanceBodyRow,
    IndicatorValueRow,
    OrganisationRow,
    PartyRow,
    RepresentativeRow,
    Territory,
    TerritoryDemo,
)
from diagnostics.choices import FindingKind, Priority
from partners.choices import OrganisationKind

STRENGTH, WEAKNESS, NEED = FindingKind.STRENGTH, FindingKind.WEAKNESS, FindingKind.NEED

TERRITORIES = (
    Territory("la-cali", siren="200070092", short_name="La Cali"),
    Territory("coutras", insee_code="33138"),
)

ORGANISATIONS = (
    OrganisationRow(
        "caf-gironde",
        "Caisse d'allocations familiales de la Gironde",
        OrganisationKind.CAF,
        "CAF de la Gironde",
        department_code="33",
    ),
    OrganisationRow(
        "portraits-de-famille",
        "Centre socio-culturel « Portraits de famille »",
        OrganisationKind.SOCIAL_CENTRE,
        "Portraits de famille",
        department_code="33",
    ),
)

# The text names nobody who will sign. So that the signature can be played in the demo, the signing
# representatives are fictional people (all named « Exemple »; the convention's pages say they are
# fictional, their titles do not: a title is printed in the text they sign): the president of La Cali and the
# director of the CAF de la Gironde, each with a demo account, sign first; the mayor of Coutras, whose
# commune holds the « Quartier du Centre », has no account and signs on paper in round 2.
REPRESENTATIVES = (
    RepresentativeRow(
        "cali-president",
        "la-cali",
        "Pierre Exemple",
        "Président de La Cali",
        user="signataire.cali",
        civility="m",
    ),
    RepresentativeRow(
        "caf-gironde-director",
        "caf-gironde",
        "Anne Exemple",
        "Directrice de la CAF de la Gironde",
        user="signataire.caf33",
        civility="mme",
    ),
    RepresentativeRow("coutras-mayor", "coutras", "Louis Exemple", "Maire de Coutras", civility="m"),
)

# « Portraits de famille » is an associate: La Cali funds it through a convention d'objectifs and it
# carries the social side of the contrat de ville, so it takes part in the CTG; but a CTG is signed by
# the CAF, the intercommunality and its communes, not by the associations they fund.
PARTIES = (
    PartyRow("la-cali", PartyRole.SIGNATORY, "cali-president", signing_order=1),
    PartyRow("caf-gironde", PartyRole.SIGNATORY, "caf-gironde-director", signing_order=1),
    PartyRow("coutras", PartyRole.SIGNATORY, "coutras-mayor", signing_order=2),
    PartyRow("portraits-de-famille", PartyRole.ASSOCIATE),
)

PERIMETER_2017 = "46 communes et 88 000 habitants (périmètre au 1er janvier 2017, loi NOTRe)"
SOURCE_2017 = "La Cali, 2017 : périmètre au 1er janvier 2017 (loi NOTRe), tel que le décrit la collectivité."
SOURCE_QPV = "Contrat de ville de La Cali : quartier prioritaire défini en 2014 (loi du 21 février 2014)."

ARTICLES = (
    ArticleRow(
        "Objet de la convention",
        "La convention territoriale globale améliore la lisibilité, la complémentarité et l'efficacité des "
        "actions conduites par la Caf de la Gironde et La Cali : politique petite enfance, enfance et jeunesse "
        "(avec le Contrat Enfance Jeunesse), politique d'accueil des gens du voyage (avec le projet "
        "socio-éducatif), politique de la ville (avec le centre socio-culturel, la formation, l'insertion "
        "professionnelle et le CISPD) et politique de l'habitat (avec la convention-cadre pour la transition "
        "énergétique et l'amélioration de l'habitat privé). Une seule convention, un seul comité de pilotage.",
    ),
    ArticleRow(
        "Périmètre et durée",
        "La convention s'applique au territoire de La Cali. Projet : la durée sera fixée à l'issue du diagnostic.",
    ),
)

FINDINGS = (
    FindingRow(
        "jeunesse",
        STRENGTH,
        "Un Contrat Enfance Jeunesse en cours avec la Caf",
        "La politique petite enfance, enfance et jeunesse s'appuie sur le Contrat Enfance Jeunesse, que la "
        "convention territoriale globale prendra en relais.",
    ),
    FindingRow(
        "enfance",
        NEED,
        "Penser l'offre aux familles à l'échelle du nouveau périmètre",
        f"Réflexion engagée à l'échelle du périmètre au 1er janvier 2017 : {PERIMETER_2017}.",
        priority=Priority.HIGH,
    ),
    FindingRow(
        "gens-du-voyage",
        STRENGTH,
        "Un projet socio-éducatif (PSE) pour l'accueil des gens du voyage",
    ),
    FindingRow(
        "politique-de-la-ville",
        WEAKNESS,
        "Un quartier prioritaire à Coutras : le « Quartier du Centre »",
        "Le quartier comprend le centre-bourg et compte 1 150 habitants dont le revenu fiscal médian est de "
        "10 400 euros, sous le seuil de 11 000 euros (60 % du revenu médian de l'unité urbaine). La ville de "
        "Coutras a été inscrite en « territoire entrant » de la politique de la ville en juin 2014.",
        priority=Priority.HIGH,
    ),
    FindingRow(
        "politique-de-la-ville",
        STRENGTH,
        "Un contrat de ville signé le 10 juillet 2015",
        "Contrat unique, piloté à l'échelle de l'intercommunalité, mobilisant prioritairement le droit commun "
        "des signataires.",
    ),
    FindingRow(
        "politique-de-la-ville",
        STRENGTH,
        "Un conseil citoyen associant les habitants",
        "Le contrat de ville s'inscrit dans un processus de co-construction avec les habitants.",
    ),
    FindingRow(
        "politique-de-la-ville",
        STRENGTH,
        "Une convention d'objectifs avec le centre socio-culturel « Portraits de famille »",
        "Équipement de proximité ouvert à tous, outil de solidarité et de citoyenneté au service des habitants "
        "de la commune et des environs.",
    ),
    FindingRow(
        "insertion",
        STRENGTH,
        "La formation et l'insertion professionnelle portées par la politique de la ville",
    ),
    FindingRow(
        "habitat",
        STRENGTH,
        "Une convention-cadre pour la transition énergétique et l'amélioration de l'habitat privé",
    ),
)

INDICATOR_VALUES = (
    IndicatorValueRow("nombre-communes", "la-cali", 2017, 46, SOURCE_2017),
    IndicatorValueRow("population", "la-cali", 2017, 88_000, SOURCE_2017),
    IndicatorValueRow("qpv-population", "coutras", 2014, 1_150, SOURCE_QPV),
    IndicatorValueRow(
        "qpv-revenu-fiscal-median",
        "coutras",
        2014,
        10_400,
        SOURCE_QPV + " Seuil : 11 000 € (60 % du revenu médian de l'unité urbaine).",
    ),
)

PAGE_NOTICE = (
    "Convention de démonstration, en préparation. Viennent du texte publié : les domaines, le Contrat "
    "Enfance Jeunesse, le projet socio-éducatif, le contrat de ville et le « Quartier du Centre » de "
    "Coutras, le périmètre de 2017 et la convention d'objectifs avec « Portraits de famille ». Les "
    "signataires (« Exemple ») sont des personnes fictives ; la période et les articles sont illustratifs."
)

DEMO = TerritoryDemo(
    territories=TERRITORIES,
    organisations=ORGANISATIONS,
    representatives=REPRESENTATIVES,
    convention=ConventionRow(
        reference="CTG-LA-CALI-2024",
        title="Convention territoriale globale de La Cali",
        epci="la-cali",
        # The text gives no dates (only a diagnostic "planned for the autumn"): an illustrative period.
        period_start=date(2024, 1, 1),
        period_end=date(2027, 12, 31),
        domains=(
            "petite-enfance",
            "enfance",
            "jeunesse",
            "gens-du-voyage",
            "politique-de-la-ville",
            "habitat",
            # The text cites insertion professionnelle within the politique de la ville.
            "insertion",
        ),
        drafting_phase=DraftingPhase.DIAGNOSTIC,
        replaces_contract="Contrat Enfance Jeunesse (CEJ)",
        # The perimeter as the text describes it; today's official member communes (45) come from the
        # imported territory data and are not repeated here.
        perimeter_note=PERIMETER_2017,
        articles=ARTICLES,
        parties=PARTIES,
        governance=(
            GovernanceBodyRow(
                GovernanceBodyKind.STEERING_COMMITTEE,
                "Comité de pilotage de la CTG de La Cali",
                "Un seul comité de pilotage pour une seule convention : il suivra le diagnostic puis validera le "
                "plan d'actions. Ses membres seront désignés par les signataires.",
                members=(),
            ),
        ),
        diagnostic=DiagnosticRow(
            summary=(
                "Diagnostic en cours, prévu à l'automne, mené à l'échelle du nouveau périmètre au 1er janvier "
                f"2017 ({PERIMETER_2017}). La convention territoriale globale territorialise l'offre de service "
                "de la branche Famille de la Caf en cohérence avec les politiques locales de La Cali : petite "
                "enfance, enfance et jeunesse, accueil des gens du voyage, politique de la ville et habitat."
            ),
            indicator_values=INDICATOR_VALUES,
            findings=FINDINGS,
        ),
        # In diagnostic: no action plan yet.
        action_plan=None,
        page_notice=PAGE_NOTICE,
    ),
)
