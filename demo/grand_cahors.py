"""Grand Cahors' CTG (2020–2023), as published when it was signed on 21 September 2020.

From the published text: the period, the seven domains, the Contrat Enfance Jeunesse it replaces, the
seven signatories and their titles, the communes of Cahors, Pradines and Mercuès as signatories, the
State and the Département as associates, the method (a shared diagnostic, actors met separately then
together) and the priorities. Everything else (articles, meetings, figures, the detail of findings,
the fiches actions and their follow-up) is plausible but illustrative, and says so where a reader of
the portal would see it: on the convention's pages (``page_notice``), never inside its text, which is
signed and printed as a document of record.

The follow-up is dated when it happened (``ActionPlanRow.validated_on`` and ``demo.dating``): the plan
validated by the copil of 7 July 2020, its progress updates, grants, payments and indicator values on
their days, a copil every year as Article 6 promises (2020 to 2023) and a cotech every year, each
meeting's decisions agreeing with the plan's state on its day, so that the report of any meeting,
printed today, shows that day's figures.
"""

from datetime import date, datetime

from action_plans.choices import ActionStatus, FundingStatus
from conventions.choices import DraftingPhase, GovernanceBodyKind, GovernanceMemberRole, MeetingKind, PartyRole
from demo.schema import (
    ActionPlanRow,
    ActionRow,
    ArticleRow,
    ConsultationRow,
    ConventionRow,
    DiagnosticRow,
    EvaluationRow,
    FindingRow,
    FundingRow,
    GovernanceBodyRow,
    IndicatorValueRow,
    MeetingRow,
    OrganisationRow,
    OrientationRow,
    PartyRow,
    ProgressRow,
    RepresentativeRow,
    SignedHistoryRow,
    Territory,
    TerritoryDemo,
)
from diagnostics.choices import FindingKind, Priority
from partners.choices import OrganisationKind

SIGNATORY, ASSOCIATE = PartyRole.SIGNATORY, PartyRole.ASSOCIATE
STRENGTH, WEAKNESS, NEED = FindingKind.STRENGTH, FindingKind.WEAKNESS, FindingKind.NEED
DONE, SUSPENDED, ABANDONED = ActionStatus.DONE, ActionStatus.SUSPENDED, ActionStatus.ABANDONED
PAID, GRANTED = FundingStatus.PAID, FundingStatus.GRANTED
CHAIR, CO_CHAIR, MEMBER = GovernanceMemberRole.CHAIR, GovernanceMemberRole.CO_CHAIR, GovernanceMemberRole.MEMBER

TERRITORIES = (
    Territory("grand-cahors", siren="200023737", short_name="Grand Cahors"),
    Territory("cahors", insee_code="46042"),
    Territory("douelle", insee_code="46088"),
    Territory("mercues", insee_code="46191"),
    Territory("pradines", insee_code="46224"),
)

# No SIREN for these: the text gives none, and an approximate one would be worse than a blank.
ORGANISATIONS = (
    OrganisationRow(
        "caf-lot", "Caisse d'allocations familiales du Lot", OrganisationKind.CAF, "CAF du Lot", department_code="46"
    ),
    OrganisationRow(
        "ddcspp-lot",
        "Direction départementale de la cohésion sociale et de la protection des populations du Lot",
        OrganisationKind.STATE_SERVICE,
        "DDCSPP du Lot",
        department_code="46",
    ),
    OrganisationRow(
        "prefecture-lot",
        "État — Préfecture du Lot",
        OrganisationKind.STATE_SERVICE,
        "Préfecture du Lot",
        department_code="46",
    ),
    OrganisationRow("departement-lot", "Département du Lot", OrganisationKind.DEPARTEMENT, department_code="46"),
)

REPRESENTATIVES = (
    # The signatories, named and titled as the published text names them.
    RepresentativeRow(
        "vayssouze-epci", "grand-cahors", "Jean-Marc Vayssouze", "Président du Grand Cahors", civility="m"
    ),
    # The same person again, for the commune he signs for as its mayor: a representative is one
    # person speaking for one organisation, so one person holding two mandates is two rows.
    RepresentativeRow("vayssouze-cahors", "cahors", "Jean-Marc Vayssouze", "Maire de Cahors", civility="m"),
    RepresentativeRow("guillon", "caf-lot", "Valérie Guillon", "Directrice de la CAF du Lot", civility="mme"),
    # She signs for the intercommunality, as its vice-présidente: Douelle is not among the communes the
    # text lists as signatories (Cahors, Pradines and Mercuès, bound by the CEJ). The text names both
    # offices; the one she signs in comes first.
    RepresentativeRow(
        "lanes",
        "grand-cahors",
        "Bénédicte Lanes",
        "Vice-présidente du Grand Cahors, maire de Douelle",
        civility="mme",
    ),
    RepresentativeRow("marre", "pradines", "Denis Marre", "Maire de Pradines", civility="m"),
    RepresentativeRow("dizengremel", "mercues", "Ludovic Dizengremel", "Maire de Mercuès", civility="m"),
    RepresentativeRow("marousseau", "ddcspp-lot", "Eric Marousseau", "Directeur adjoint de la DDCSPP", civility="m"),
    # The text's own words ("adjointe à la mairie de Pradines").
    RepresentativeRow("hilt", "pradines", "Martine Hilt", "Adjointe à la mairie de Pradines", civility="mme"),
    # Fictional people behind the demo accounts (see common.DEMO_ACCOUNTS).
    RepresentativeRow(
        "delpech",
        "departement-lot",
        "Hélène Delpech",
        "Conseillère départementale déléguée à l'enfance et aux familles",
        user="copil.cahors",
        civility="mme",
    ),
    RepresentativeRow(
        "lacombe",
        "grand-cahors",
        "Sophie Lacombe",
        "Coordinatrice de la convention territoriale globale",
        user="agent.cahors",
        civility="mme",
    ),
    RepresentativeRow("roux", "caf-lot", "Nathalie Roux", "Conseillère territoriale", user="caf.lot", civility="mme"),
)

# Eight signing rows for seven people, as the text has them sign: Jean-Marc Vayssouze twice, for the
# EPCI as its president and for the commune of Cahors (which the text lists among the CEJ signatories)
# as its mayor; the Grand Cahors also through its vice-présidente Bénédicte Lanes (mayor of Douelle,
# a commune the text does not list as a signatory); Pradines through its mayor and a deputy
# (« adjointe à la mairie de Pradines », the text's words); Mercuès through its mayor; the State's
# departmental service, the DDCSPP, through its deputy director, who signed. The State as such (the
# préfet) and the Département are associated (« associés à la démarche »): parties that do not sign.
# Signing order (our choice, the text gives none): the two contracting parties, the EPCI and the CAF,
# sign first; the communes and the State service then sign in parallel.
PARTIES = (
    PartyRow("grand-cahors", SIGNATORY, "vayssouze-epci", 1),
    PartyRow("grand-cahors", SIGNATORY, "lanes", 1),
    PartyRow("caf-lot", SIGNATORY, "guillon", 1),
    PartyRow("cahors", SIGNATORY, "vayssouze-cahors", 2),
    PartyRow("pradines", SIGNATORY, "marre", 2),
    PartyRow("pradines", SIGNATORY, "hilt", 2),
    PartyRow("mercues", SIGNATORY, "dizengremel", 2),
    PartyRow("ddcspp-lot", SIGNATORY, "marousseau", 2),
    PartyRow("prefecture-lot", ASSOCIATE),
    PartyRow("departement-lot", ASSOCIATE),
)

ARTICLES = (
    ArticleRow(
        "Objet de la convention",
        "La présente convention territoriale globale (CTG) formalise le projet social de territoire partagé "
        "par la Caisse d'allocations familiales du Lot, la communauté d'agglomération du Grand Cahors et les "
        "communes signataires. Elle vise à renforcer l'efficacité, la cohérence et la coordination des "
        "actions existantes en direction des habitants du territoire dans les domaines de la petite enfance, "
        "de l'enfance, de la jeunesse, du soutien à la parentalité, du logement et du cadre de vie, de "
        "l'animation de la vie sociale et de l'accès aux droits. Elle prend le relais du Contrat Enfance "
        "Jeunesse (CEJ).",
    ),
    ArticleRow(
        "Périmètre et durée",
        "La convention s'applique au territoire de la communauté d'agglomération du Grand Cahors. Elle est "
        "conclue pour la période du 1er janvier 2020 au 31 décembre 2023.",
    ),
    ArticleRow(
        "Engagements de la Caf du Lot",
        "La Caf du Lot s'engage à mobiliser son offre de service et ses financements (prestations de "
        "service, bonus territoire, fonds publics et territoires) au profit des actions du plan, à mettre à "
        "disposition du territoire ses données et son expertise, et à accompagner les signataires dans le "
        "suivi de la convention.",
    ),
    ArticleRow(
        "Engagements du Grand Cahors et des communes signataires",
        "Le Grand Cahors et les communes signataires s'engagent, chacun dans le respect de ses compétences, à "
        "mettre en œuvre les fiches actions dont ils sont pilotes, à maintenir l'offre de services existante "
        "aux familles et à associer la Caf à toute évolution de cette offre.",
    ),
    ArticleRow(
        "Gouvernance",
        "Un comité de pilotage unique, coprésidé par le président du Grand Cahors et la directrice de la Caf "
        "du Lot, valide les orientations, le plan d'actions et son bilan annuel. Un comité technique prépare "
        "ses travaux et suit la mise en œuvre des fiches actions. L'État et le Département sont associés à la "
        "démarche.",
    ),
    ArticleRow(
        "Suivi et évaluation",
        "Chaque fiche action comporte des indicateurs d'évaluation assortis d'une valeur de départ et d'une "
        "cible. Le comité technique en fait le point au moins une fois par an ; le comité de pilotage "
        "examine le bilan annuel et, au terme de la convention, son évaluation finale.",
    ),
    ArticleRow(
        "Révision et avenant",
        "La convention peut être modifiée par avenant, à la demande de l'une des parties, après avis du "
        "comité de pilotage, notamment pour intégrer une nouvelle fiche action ou un nouveau signataire.",
    ),
    ArticleRow(
        "Résiliation",
        "En cas de non-respect de ses engagements par l'une des parties, la convention peut être résiliée "
        "par lettre recommandée avec accusé de réception, à l'expiration d'un délai de trois mois suivant "
        "une mise en demeure restée sans effet.",
    ),
)

GOVERNANCE = (
    GovernanceBodyRow(
        GovernanceBodyKind.STEERING_COMMITTEE,
        "Comité de pilotage de la CTG du Grand Cahors",
        "Valider les orientations, le plan d'actions et le bilan annuel de la convention.",
        members=(
            # The signatories, each person once: Jean-Marc Vayssouze sits as the EPCI's president.
            ("vayssouze-epci", CHAIR),
            ("guillon", CO_CHAIR),
            ("lanes", MEMBER),
            ("marre", MEMBER),
            ("hilt", MEMBER),
            ("dizengremel", MEMBER),
            ("marousseau", MEMBER),
            ("delpech", MEMBER),
        ),
        meetings=(
            MeetingRow(
                date(2020, 7, 7),
                MeetingKind.ACTION_PLAN,
                "Siège du Grand Cahors, Cahors",
                "1. Restitution du diagnostic partagé.\n"
                "2. Présentation des orientations et des fiches actions.\n"
                "3. Calendrier de signature.",
                "Le diagnostic partagé est validé.\n"
                "Le plan d'actions (5 orientations, 10 fiches actions) est validé.\n"
                "La signature de la convention est fixée au 21 septembre 2020.",
                "Le comité rappelle que la CTG prend le relais du Contrat Enfance Jeunesse et couvre la période "
                "du 1er janvier 2020 au 31 décembre 2023. Les partenaires saluent la méthode retenue : des "
                "rencontres séparées avec les acteurs pendant le diagnostic, puis des ateliers collectifs pour "
                "construire le plan d'actions.",
                attendees=("vayssouze-epci", "guillon", "lanes", "marre", "dizengremel", "marousseau", "delpech"),
                approved_on=date(2021, 12, 14),
                approved_by="agent.cahors",
            ),
            MeetingRow(
                date(2021, 12, 14),
                MeetingKind.ANNUAL_REVIEW,
                "Siège du Grand Cahors, Cahors",
                "1. Bilan annuel 2021 des fiches actions.\n"
                "2. Point sur les financements accordés.\n"
                "3. Perspectives 2022.",
                "Le bilan annuel 2021 est validé : les dix fiches actions sont engagées, aucune n'est en retard.\n"
                "Le recrutement du point information jeunesse itinérant (fiche 2.3) est reporté à 2022.\n"
                "Les permanences de la Caf en mairie (fiche 4.2), peu fréquentées, seront réexaminées en 2022.",
                "Le comité technique du 12 octobre 2021 a préparé ce bilan. Le conseil local de la jeunesse a tenu "
                "sa première séance ; un deuxième espace France Services est labellisé ; le guide des ressources "
                "pour les parents est publié.",
                attendees=("vayssouze-epci", "guillon", "lanes", "marre", "dizengremel", "marousseau", "delpech"),
                approved_on=date(2022, 11, 29),
                approved_by="agent.cahors",
            ),
            MeetingRow(
                date(2022, 11, 29),
                MeetingKind.ANNUAL_REVIEW,
                "Caf du Lot, Cahors",
                "1. Bilan annuel 2022 des fiches actions.\n"
                "2. Propositions du comité technique sur les fiches 2.3 et 4.2.\n"
                "3. Calendrier de l'évaluation finale.",
                "Le bilan annuel 2022 est validé.\n"
                "La fiche 2.3 (point information jeunesse itinérant) est abandonnée : le conseil local de la "
                "jeunesse a fait remonter d'autres priorités ; les crédits accordés ne seront pas consommés.\n"
                "La fiche 4.2 (permanences de la Caf dans les communes rurales) est suspendue : les rendez-vous "
                "des droits se tiennent désormais dans les espaces France Services (fiche 4.1).\n"
                "L'évaluation finale sera présentée au comité de pilotage de novembre 2023.",
                "Une troisième structure est agréée « centre social ». L'extension de douze places d'accueil du "
                "jeune enfant a ouvert à la rentrée 2022.",
                attendees=("vayssouze-epci", "guillon", "lanes", "marre", "hilt", "marousseau", "delpech"),
                approved_on=date(2023, 11, 28),
                approved_by="agent.cahors",
            ),
            MeetingRow(
                date(2023, 11, 28),
                MeetingKind.ANNUAL_REVIEW,
                "Caf du Lot, Cahors",
                "1. Bilan des fiches actions 2020-2023.\n"
                "2. Évaluation finale de la convention.\n"
                "3. Préparation de la convention suivante.",
                "Six fiches actions sont réalisées ; les fiches 1.1 et 5.1 s'achèveront d'ici au 31 décembre "
                "2023 ; une fiche est suspendue (4.2), une est abandonnée (2.3).\n"
                "L'élaboration d'une nouvelle convention pour 2024-2028 est engagée.",
                "Le conseil local de la jeunesse et l'accueil inclusif dans les ALSH sont cités comme les "
                "réussites de la période. Les permanences de la Caf en mairie, suspendues, sont reprises par les "
                "espaces France Services.",
                attendees=("vayssouze-epci", "guillon", "lanes", "marre", "hilt", "delpech"),
                approved_on=date(2023, 12, 12),
                approved_by="agent.cahors",
            ),
        ),
    ),
    GovernanceBodyRow(
        GovernanceBodyKind.TECHNICAL_COMMITTEE,
        "Comité technique de la CTG du Grand Cahors",
        "Préparer le comité de pilotage et suivre la mise en œuvre des fiches actions.",
        members=(("lacombe", CHAIR), ("roux", CO_CHAIR)),
        # Article 6: the cotech takes stock at least once a year, ahead of the copil's annual review.
        meetings=(
            MeetingRow(
                date(2020, 12, 15),
                MeetingKind.LAUNCH,
                "Visioconférence",
                "1. Lancement du suivi des fiches actions.\n2. Calendrier des comités 2021.",
                "Le tableau de suivi des fiches actions est adopté ; le comité technique se réunira chaque "
                "automne, avant le bilan annuel du comité de pilotage.\n"
                "Le démarrage des permanences de la Caf en mairie (fiche 4.2) est retardé par le confinement de "
                "l'automne 2020.",
                "Les fiches 1.1 et 3.1 ont démarré au 1er janvier 2020 ; les fiches de la rentrée 2020 sont "
                "engagées ; les fiches 2.2, 2.3 et 5.1 démarreront le 1er janvier 2021.",
                attendees=("lacombe", "roux"),
                approved_on=date(2020, 12, 15),
                approved_by="caf.lot",
            ),
            MeetingRow(
                date(2021, 10, 12),
                MeetingKind.FOLLOW_UP,
                "Visioconférence",
                "1. Point d'étape des fiches actions.\n2. Préparation du bilan annuel 2021.",
                "Le recrutement du point information jeunesse itinérant (fiche 2.3) est reporté à 2022.\n"
                "Le bilan annuel 2021 sera présenté au comité de pilotage du 14 décembre 2021.",
                "Les fiches de l'orientation 1 et la fiche 3.1 avancent conformément au calendrier. Le conseil "
                "local de la jeunesse a tenu sa première séance. Les permanences de la Caf en mairie ont "
                "démarré avec retard.",
                attendees=("lacombe", "roux"),
                approved_on=date(2021, 10, 12),
                approved_by="caf.lot",
            ),
            MeetingRow(
                date(2022, 10, 18),
                MeetingKind.FOLLOW_UP,
                "Visioconférence",
                "1. Point d'étape des fiches actions.\n2. Préparation du bilan annuel 2022.",
                "Le comité technique proposera au comité de pilotage d'abandonner la fiche 2.3 et de suspendre "
                "la fiche 4.2.\n"
                "Le bilan annuel 2022 sera présenté au comité de pilotage du 29 novembre 2022.",
                "L'extension de douze places d'accueil du jeune enfant (fiche 1.1) a ouvert à la rentrée. Les "
                "rendez-vous des droits des espaces France Services remplacent peu à peu les permanences en "
                "mairie.",
                attendees=("lacombe", "roux"),
                approved_on=date(2022, 10, 18),
                approved_by="caf.lot",
            ),
            MeetingRow(
                date(2023, 10, 17),
                MeetingKind.FOLLOW_UP,
                "Visioconférence",
                "1. Bilan des fiches actions 2020-2023.\n2. Préparation de l'évaluation finale.",
                "L'évaluation finale sera présentée au comité de pilotage du 28 novembre 2023.\n"
                "Les fiches 1.1 et 5.1 s'achèveront en décembre 2023.",
                "Les fiches 2.1 et 2.2 sont réalisées ; les indicateurs des autres fiches sont mis à jour pour "
                "le comité de pilotage.",
                attendees=("lacombe", "roux"),
                approved_on=date(2023, 10, 17),
                approved_by="caf.lot",
            ),
        ),
    ),
)

ILLUSTRATIVE = ""

# Illustrative figures for 2018 and 2019, per indicator and territory.
_FIGURES = {
    "population": {
        "grand-cahors": (42_150, 42_250),
        "cahors": (19_950, 20_000),
        "pradines": (3_580, 3_600),
        "mercues": (1_130, 1_125),
        "douelle": (840, 835),
    },
    "allocataires-caf": {
        "grand-cahors": (8_950, 9_020),
        "cahors": (5_420, 5_450),
        "pradines": (690, 700),
        "mercues": (215, 220),
        "douelle": (170, 175),
    },
    "enfants-moins-3-ans": {
        "grand-cahors": (1_080, 1_050),
        "cahors": (540, 525),
        "pradines": (95, 98),
        "mercues": (33, 31),
        "douelle": (26, 25),
    },
    "places-eaje": {
        "grand-cahors": (318, 330),
        "cahors": (214, 214),
        "pradines": (42, 42),
        "mercues": (0, 0),
        "douelle": (0, 0),
    },
    "alsh-places": {
        "grand-cahors": (640, 650),
        "cahors": (310, 310),
        "pradines": (80, 85),
        "mercues": (40, 40),
        "douelle": (30, 32),
    },
    "jeunes-12-17-ans": {
        "grand-cahors": (2_480, 2_510),
        "cahors": (1_020, 1_030),
        "pradines": (240, 245),
        "mercues": (88, 90),
        "douelle": (64, 66),
    },
    "centres-sociaux": {"grand-cahors": (2, 2), "cahors": (2, 2)},
}

INDICATOR_VALUES = tuple(
    IndicatorValueRow(code, territory, year, value, ILLUSTRATIVE)
    for code, by_territory in _FIGURES.items()
    for territory, values in by_territory.items()
    for year, value in zip((2018, 2019), values, strict=True)
)

FINDINGS = (
    FindingRow(
        "petite-enfance",
        STRENGTH,
        "Une offre d'accueil collectif structurée dans la ville-centre et sa première couronne",
        "Les établissements d'accueil du jeune enfant se concentrent à Cahors et à Pradines.",
    ),
    FindingRow(
        "petite-enfance",
        WEAKNESS,
        "Une offre plus rare dans les communes rurales",
        "Les familles des communes rurales dépendent de l'accueil individuel, dont l'offre recule.",
    ),
    FindingRow(
        "petite-enfance",
        NEED,
        "Conforter et développer l'existant en termes d'accueil des 0/3 ans",
        priority=Priority.HIGH,
        key="need-0-3",
    ),
    FindingRow(
        "enfance",
        STRENGTH,
        "Un maillage d'accueils de loisirs (ALSH) sur tout le territoire",
    ),
    FindingRow(
        "enfance",
        WEAKNESS,
        "Peu d'enfants en situation de handicap accueillis en ALSH",
        "Les équipes d'animation se disent peu formées et les familles renoncent souvent à inscrire leur enfant.",
    ),
    FindingRow("enfance", NEED, "Accueil inclusif dans les ALSH", priority=Priority.HIGH, key="need-alsh"),
    FindingRow(
        "jeunesse",
        WEAKNESS,
        "Une parole des jeunes peu entendue dans les politiques locales",
    ),
    FindingRow("jeunesse", NEED, "Créer un conseil local de la jeunesse", priority=Priority.HIGH, key="need-clj"),
    FindingRow(
        "parentalite",
        STRENGTH,
        "Des actions de soutien à la parentalité portées par de nombreux acteurs",
    ),
    FindingRow(
        "parentalite",
        WEAKNESS,
        "Une offre dispersée et peu lisible pour les familles",
    ),
    FindingRow(
        "parentalite",
        NEED,
        "Coordonner et rendre lisible l'offre de soutien à la parentalité",
        key="need-parentalite",
    ),
    FindingRow(
        "logement-cadre-de-vie",
        WEAKNESS,
        "Un accès au logement difficile pour les jeunes et les familles monoparentales",
    ),
    FindingRow(
        "logement-cadre-de-vie",
        NEED,
        "Accompagner l'accès au logement des jeunes et des familles",
        priority=Priority.LOW,
        key="need-logement",
    ),
    FindingRow(
        "animation-vie-sociale",
        STRENGTH,
        "Des centres sociaux reconnus et ancrés dans leurs quartiers",
    ),
    FindingRow(
        "animation-vie-sociale",
        WEAKNESS,
        "Une action des centres sociaux encore peu connue des partenaires",
    ),
    FindingRow(
        "animation-vie-sociale",
        NEED,
        "Renforcer et valoriser l'action des centres sociaux",
        priority=Priority.HIGH,
        key="need-centres-sociaux",
    ),
    FindingRow(
        "acces-aux-droits",
        STRENGTH,
        "Des services publics bien présents dans la ville-centre",
    ),
    FindingRow(
        "acces-aux-droits",
        WEAKNESS,
        "Des habitants des communes rurales éloignés des services",
    ),
    FindingRow(
        "acces-aux-droits",
        NEED,
        "Conforter les services publics en proximité",
        priority=Priority.HIGH,
        key="need-proximite",
    ),
)

CONSULTATIONS = (
    ConsultationRow(
        date(2019, 10, 8),
        "Rencontre des acteurs de la petite enfance et de l'enfance",
        "Directrices des établissements d'accueil du jeune enfant, animatrice du relais assistants maternels, "
        "directeurs d'ALSH, "
        "service de PMI du Département.",
        "Rencontre séparée, pendant l'élaboration du diagnostic partagé.",
        organisations=("grand-cahors", "caf-lot", "departement-lot", "cahors", "pradines"),
        domain="petite-enfance",
    ),
    ConsultationRow(
        date(2019, 11, 14),
        "Rencontre des centres sociaux et des acteurs de la jeunesse",
        "Directions et bénévoles des centres sociaux, animateurs jeunesse, délégué de la DDCSPP.",
        "Rencontre séparée, pendant l'élaboration du diagnostic partagé.",
        organisations=("grand-cahors", "caf-lot", "ddcspp-lot", "cahors"),
        domain="animation-vie-sociale",
    ),
    ConsultationRow(
        date(2020, 2, 4),
        "Atelier collectif de construction du plan d'actions",
        "Élus et techniciens des signataires, représentants de l'État et du Département.",
        "Rencontre collective : les besoins du diagnostic sont traduits en orientations et en fiches actions.",
        organisations=(
            "grand-cahors",
            "caf-lot",
            "cahors",
            "pradines",
            "mercues",
            "douelle",
            "ddcspp-lot",
            "prefecture-lot",
            "departement-lot",
        ),
    ),
)

DIAGNOSTIC = DiagnosticRow(
    summary=(
        "Diagnostic partagé conduit avec la Caisse d'allocations familiales du Lot et les partenaires du "
        "territoire. Les acteurs ont été rencontrés séparément pendant l'élaboration du diagnostic, puis "
        "réunis collectivement pour construire le plan d'actions.\n\n"
        "Priorités retenues : renforcer et valoriser l'action des centres sociaux ; créer un conseil local de "
        "la jeunesse ; conforter et développer l'existant en termes d'accueil des 0/3 ans ; accueil inclusif "
        "dans les ALSH ; conforter les services publics en proximité."
    ),
    started_on=date(2019, 9, 2),
    completed_on=date(2020, 1, 31),
    indicator_values=INDICATOR_VALUES,
    findings=FINDINGS,
    consultations=CONSULTATIONS,
)

ORIENTATIONS = (
    OrientationRow(
        "Conforter et développer l'accueil des 0-3 ans",
        "Maintenir l'offre d'accueil collectif et soutenir l'accueil individuel, notamment dans les communes rurales.",
        actions=(
            ActionRow(
                code="1.1",
                title="Maintenir et optimiser l'offre d'accueil collectif du jeune enfant",
                domain="petite-enfance",
                objectives="Préserver les places existantes, améliorer leur taux d'occupation, créer des places "
                "là où la demande n'est pas satisfaite.",
                target_public="Familles avec enfants de moins de 3 ans.",
                pilot="grand-cahors",
                partners=("caf-lot", "cahors", "pradines"),
                start_date=date(2020, 1, 1),
                end_date=date(2023, 12, 31),
                status=DONE,
                progress=100,
                priority=Priority.HIGH,
                answered_needs=("need-0-3",),
                funding=(
                    FundingRow("caf-lot", "Bonus territoire CTG", 2020, 82_000, PAID),
                    FundingRow("caf-lot", "Bonus territoire CTG", 2021, 84_500, PAID),
                    FundingRow("caf-lot", "Bonus territoire CTG", 2022, 86_000, PAID),
                    FundingRow("caf-lot", "Bonus territoire CTG", 2023, 88_000, GRANTED),
                    FundingRow("cahors", "Participation communale", 2022, 45_000, PAID),
                ),
                evaluation=(
                    EvaluationRow(
                        "Places en établissement d'accueil du jeune enfant",
                        "places",
                        330,
                        342,
                        342,
                        measured=((date(2022, 9, 30), 342),),
                    ),
                    EvaluationRow(
                        "Taux d'occupation des multi-accueils", "%", 68, 75, 74, measured=((date(2022, 12, 31), 71),)
                    ),
                ),
                updates=(
                    ProgressRow(
                        date(2021, 6, 30),
                        35,
                        "Taux d'occupation analysés ; harmonisation des règlements de fonctionnement engagée.",
                    ),
                    ProgressRow(date(2022, 9, 30), 75, "Extension de douze places ouverte à la rentrée."),
                    ProgressRow(date(2023, 12, 15), 100, "Objectifs atteints ; le taux d'occupation reste à suivre."),
                ),
            ),
            ActionRow(
                code="1.2",
                # The relais' name of the time: « relais petite enfance » only from 2021 (ordonnance of 19 May 2021).
                title="Développer l'accueil individuel avec le relais assistants maternels (RAM)",
                domain="petite-enfance",
                objectives="Rapprocher le RAM des familles et des assistantes maternelles des communes rurales.",
                target_public="Assistantes maternelles, parents employeurs.",
                pilot="grand-cahors",
                partners=("caf-lot", "departement-lot"),
                start_date=date(2020, 9, 1),
                end_date=date(2023, 12, 31),
                status=DONE,
                progress=100,
                priority=Priority.MEDIUM,
                answered_needs=("need-0-3",),
                funding=(
                    FundingRow("caf-lot", "Prestation de service relais assistants maternels", 2021, 22_000, PAID),
                    FundingRow("caf-lot", "Prestation de service relais assistants maternels", 2022, 23_000, PAID),
                    FundingRow("caf-lot", "Prestation de service relais assistants maternels", 2023, 23_500, GRANTED),
                ),
                evaluation=(
                    EvaluationRow("Permanences du RAM dans les communes rurales", "par mois", 2, 6, 6),
                    EvaluationRow("Assistantes maternelles agréées en activité", "personnes", 262, 270, 258),
                ),
                updates=(
                    ProgressRow(date(2021, 10, 12), 50, "Trois nouvelles permanences itinérantes ouvertes."),
                    ProgressRow(
                        date(2023, 11, 28),
                        100,
                        "Six permanences mensuelles ; le nombre d'assistantes maternelles continue de baisser.",
                    ),
                ),
            ),
        ),
    ),
    OrientationRow(
        "Accompagner les enfants et les jeunes : inclusion et citoyenneté",
        "Ouvrir les accueils de loisirs à tous les enfants et donner la parole aux jeunes.",
        actions=(
            ActionRow(
                code="2.1",
                title="Rendre les accueils de loisirs (ALSH) inclusifs",
                domain="enfance",
                objectives="Former les équipes d'animation et adapter l'accueil pour recevoir les enfants en "
                "situation de handicap.",
                target_public="Enfants de 3 à 11 ans en situation de handicap et leurs familles.",
                pilot="grand-cahors",
                partners=("caf-lot", "departement-lot", "cahors", "pradines"),
                start_date=date(2020, 9, 1),
                end_date=date(2023, 8, 31),
                status=DONE,
                progress=100,
                priority=Priority.HIGH,
                answered_needs=("need-alsh",),
                funding=(
                    FundingRow("caf-lot", "Fonds publics et territoires — accueil inclusif", 2021, 18_000, PAID),
                    FundingRow("caf-lot", "Fonds publics et territoires — accueil inclusif", 2022, 20_000, PAID),
                    FundingRow("caf-lot", "Fonds publics et territoires — accueil inclusif", 2023, 22_000, PAID),
                    FundingRow("pradines", "Participation communale", 2022, 15_000, PAID),
                ),
                evaluation=(
                    EvaluationRow("Enfants en situation de handicap accueillis en ALSH", "enfants", 6, 20, 23),
                    EvaluationRow("Animateurs formés à l'accueil inclusif", "animateurs", 0, 30, 34),
                ),
                updates=(
                    ProgressRow(date(2021, 6, 30), 30, "Première session de formation des animateurs."),
                    ProgressRow(date(2022, 6, 30), 70, "Référent inclusion désigné dans chaque accueil de loisirs."),
                    ProgressRow(date(2023, 8, 31), 100, "Vingt-trois enfants accueillis sur l'été 2023."),
                ),
            ),
            ActionRow(
                code="2.2",
                title="Créer un conseil local de la jeunesse",
                domain="jeunesse",
                objectives="Associer les jeunes aux décisions qui les concernent et soutenir leurs projets.",
                target_public="Jeunes de 12 à 25 ans du territoire.",
                pilot="grand-cahors",
                partners=("cahors", "caf-lot", "ddcspp-lot"),
                start_date=date(2021, 1, 1),
                end_date=date(2023, 6, 30),
                status=DONE,
                progress=100,
                priority=Priority.HIGH,
                answered_needs=("need-clj",),
                funding=(
                    FundingRow("caf-lot", "Fonds publics et territoires — jeunesse", 2021, 15_000, PAID),
                    FundingRow("caf-lot", "Fonds publics et territoires — jeunesse", 2022, 15_000, PAID),
                    FundingRow("grand-cahors", "Budget jeunesse intercommunal", 2021, 20_000, PAID),
                ),
                evaluation=(
                    EvaluationRow("Jeunes membres du conseil local de la jeunesse", "jeunes", 0, 25, 21),
                    EvaluationRow("Projets portés par le conseil", "projets", 0, 4, 5),
                ),
                updates=(
                    ProgressRow(date(2021, 10, 12), 40, "Première séance du conseil local de la jeunesse."),
                    ProgressRow(date(2023, 6, 30), 100, "Cinq projets menés par le conseil depuis sa création."),
                ),
            ),
            ActionRow(
                code="2.3",
                title="Ouvrir un point information jeunesse itinérant",
                domain="jeunesse",
                objectives="Informer les jeunes des communes rurales sur la formation, l'emploi et la santé.",
                target_public="Jeunes de 15 à 25 ans des communes rurales.",
                pilot="grand-cahors",
                partners=("ddcspp-lot", "caf-lot"),
                start_date=date(2021, 1, 1),
                end_date=date(2022, 12, 31),
                status=ABANDONED,
                progress=20,
                priority=Priority.LOW,
                answered_needs=("need-clj",),
                funding=(FundingRow("caf-lot", "Fonds publics et territoires — jeunesse", 2021, 25_000, GRANTED),),
                evaluation=(EvaluationRow("Communes desservies", "communes", 0, 10, 0),),
                updates=(
                    ProgressRow(date(2021, 10, 12), 20, "Étude d'opportunité menée ; le recrutement est reporté."),
                    ProgressRow(
                        date(2022, 11, 29),
                        20,
                        "Fiche abandonnée : le conseil local de la jeunesse a fait remonter d'autres priorités ; "
                        "les crédits accordés n'ont pas été consommés.",
                    ),
                ),
            ),
        ),
    ),
    OrientationRow(
        "Renforcer l'animation de la vie sociale et le soutien aux parents",
        "Valoriser les centres sociaux et rendre lisible l'offre de soutien à la parentalité.",
        actions=(
            ActionRow(
                code="3.1",
                title="Renforcer et valoriser l'action des centres sociaux",
                domain="animation-vie-sociale",
                objectives="Accompagner le renouvellement des projets sociaux et faire connaître l'action des "
                "centres sociaux aux partenaires et aux habitants.",
                target_public="Habitants des quartiers et des communes couverts par les centres sociaux.",
                pilot="grand-cahors",
                partners=("caf-lot", "cahors"),
                start_date=date(2020, 1, 1),
                end_date=date(2023, 12, 31),
                status=DONE,
                progress=100,
                priority=Priority.HIGH,
                answered_needs=("need-centres-sociaux",),
                funding=(
                    FundingRow("caf-lot", "Prestation de service animation globale", 2020, 68_000, PAID),
                    FundingRow("caf-lot", "Prestation de service animation globale", 2021, 70_000, PAID),
                    FundingRow("caf-lot", "Prestation de service animation globale", 2022, 72_000, PAID),
                    FundingRow("caf-lot", "Prestation de service animation globale", 2023, 74_000, GRANTED),
                    FundingRow("cahors", "Participation communale", 2021, 40_000, PAID),
                ),
                evaluation=(
                    EvaluationRow("Centres sociaux agréés par la Caf", "structures", 2, 3, 3),
                    EvaluationRow("Habitants bénévoles impliqués", "bénévoles", 80, 120, 131),
                ),
                updates=(
                    ProgressRow(date(2021, 6, 30), 40, "Projets sociaux renouvelés et agréés par la Caf."),
                    ProgressRow(date(2022, 11, 29), 80, "Troisième structure agréée « centre social »."),
                    ProgressRow(date(2023, 11, 28), 100, "Journée de valorisation des centres sociaux organisée."),
                ),
            ),
            ActionRow(
                code="3.2",
                title="Coordonner et faire connaître l'offre de soutien à la parentalité",
                domain="parentalite",
                objectives="Recenser les actions, publier un guide des ressources pour les parents et coordonner "
                "les porteurs de projets.",
                target_public="Parents d'enfants de 0 à 18 ans.",
                pilot="caf-lot",
                partners=("departement-lot", "grand-cahors"),
                start_date=date(2020, 9, 1),
                end_date=date(2023, 12, 31),
                status=DONE,
                progress=100,
                priority=Priority.MEDIUM,
                answered_needs=("need-parentalite",),
                funding=(
                    FundingRow(
                        "caf-lot", "Réseau d'écoute, d'appui et d'accompagnement des parents", 2021, 16_000, PAID
                    ),
                    FundingRow(
                        "caf-lot", "Réseau d'écoute, d'appui et d'accompagnement des parents", 2022, 17_000, PAID
                    ),
                    FundingRow(
                        "caf-lot", "Réseau d'écoute, d'appui et d'accompagnement des parents", 2023, 18_000, GRANTED
                    ),
                ),
                evaluation=(
                    EvaluationRow("Actions recensées dans le guide des parents", "actions", 0, 40, 46),
                    EvaluationRow("Familles participant aux actions", "familles", 300, 450, 412),
                ),
                updates=(
                    ProgressRow(date(2021, 12, 14), 50, "Guide des ressources pour les parents publié."),
                    ProgressRow(date(2023, 11, 28), 100, "Réseau des porteurs réuni deux fois par an."),
                ),
            ),
        ),
    ),
    OrientationRow(
        "Garantir l'accès aux droits et des services publics de proximité",
        "Conforter les lieux d'accueil existants et aller vers les habitants des communes rurales.",
        actions=(
            ActionRow(
                code="4.1",
                title="Conforter les services publics en proximité",
                domain="acces-aux-droits",
                objectives="Consolider les espaces France Services et y organiser des rendez-vous des droits.",
                target_public="Tous les habitants, en priorité ceux des communes rurales.",
                pilot="grand-cahors",
                partners=("prefecture-lot", "caf-lot", "ddcspp-lot"),
                start_date=date(2020, 9, 1),
                end_date=date(2023, 12, 31),
                status=DONE,
                progress=100,
                priority=Priority.HIGH,
                answered_needs=("need-proximite",),
                funding=(
                    FundingRow("grand-cahors", "Fonctionnement des espaces France Services", 2021, 30_000, PAID),
                    FundingRow("grand-cahors", "Fonctionnement des espaces France Services", 2022, 32_000, PAID),
                    FundingRow("grand-cahors", "Fonctionnement des espaces France Services", 2023, 32_000, GRANTED),
                    FundingRow("caf-lot", "Accompagnement partenarial", 2021, 20_000, PAID),
                ),
                evaluation=(
                    EvaluationRow("Espaces France Services labellisés", "espaces", 1, 3, 3),
                    EvaluationRow("Demandes traitées par an", "demandes", 4_000, 8_000, 8_650),
                ),
                updates=(
                    ProgressRow(date(2021, 12, 14), 45, "Deuxième espace labellisé."),
                    ProgressRow(date(2023, 11, 28), 100, "Trois espaces en service ; rendez-vous des droits mensuels."),
                ),
            ),
            ActionRow(
                code="4.2",
                title="Tenir des permanences de la Caf dans les communes rurales",
                domain="acces-aux-droits",
                objectives="Recevoir les allocataires sur rendez-vous dans les mairies des communes rurales.",
                target_public="Allocataires des communes rurales.",
                pilot="caf-lot",
                partners=("douelle", "mercues"),
                start_date=date(2020, 9, 1),
                end_date=date(2023, 12, 31),
                status=SUSPENDED,
                progress=40,
                priority=Priority.MEDIUM,
                answered_needs=("need-proximite",),
                funding=(FundingRow("caf-lot", "Accompagnement partenarial", 2021, 15_000, GRANTED),),
                evaluation=(EvaluationRow("Permanences tenues par an", "permanences", 0, 24, 9),),
                updates=(
                    ProgressRow(date(2020, 12, 15), 10, "Démarrage retardé par le confinement de l'automne 2020."),
                    ProgressRow(date(2021, 12, 14), 40, "Neuf permanences tenues en 2021, peu fréquentées."),
                    ProgressRow(
                        date(2022, 11, 29),
                        40,
                        "Suspendue : les rendez-vous des droits se tiennent désormais dans les espaces France "
                        "Services (fiche 4.1).",
                    ),
                ),
            ),
        ),
    ),
    OrientationRow(
        "Améliorer le logement et le cadre de vie des familles",
        "Faciliter l'accès au logement des jeunes et des familles fragiles.",
        actions=(
            ActionRow(
                code="5.1",
                title="Accompagner l'accès au logement des jeunes et des familles",
                domain="logement-cadre-de-vie",
                objectives="Informer sur les aides au logement et orienter vers une offre adaptée.",
                target_public="Jeunes de 18 à 30 ans, familles monoparentales.",
                pilot="grand-cahors",
                partners=("caf-lot", "ddcspp-lot", "departement-lot"),
                start_date=date(2021, 1, 1),
                end_date=date(2023, 12, 31),
                status=DONE,
                progress=100,
                priority=Priority.LOW,
                answered_needs=("need-logement",),
                funding=(
                    FundingRow("grand-cahors", "Programme local de l'habitat", 2022, 25_000, PAID),
                    FundingRow("caf-lot", "Fonds publics et territoires", 2022, 20_000, PAID),
                ),
                evaluation=(
                    EvaluationRow(
                        "Jeunes accompagnés vers un logement", "jeunes", 0, 60, 67, measured=((date(2023, 6, 30), 48),)
                    ),
                ),
                updates=(
                    ProgressRow(date(2022, 6, 30), 50, "Permanence logement jeunes ouverte."),
                    ProgressRow(date(2023, 12, 15), 100, "Soixante-sept jeunes accompagnés depuis l'ouverture."),
                ),
            ),
        ),
    ),
)

# The signature of 21 September 2020 at Cahors is public; the steps before it (dates, comments, who
# pressed which button) are illustrative, consistent with the copil of 7 July 2020 that set that date.
SIGNED_HISTORY = SignedHistoryRow(
    submitted_by="agent.cahors",
    submitted_at=datetime(2020, 8, 24, 10, 0),
    submission_comment="Texte issu du comité de pilotage du 7 juillet 2020 (diagnostic et plan d'actions validés).",
    approved_by="caf.lot",
    approved_at=datetime(2020, 9, 7, 15, 30),
    approval_comment="Relu et approuvé par la CAF du Lot. Signature prévue le 21 septembre 2020 à Cahors.",
    signature_opened_by="agent.cahors",
    signature_opened_at=datetime(2020, 9, 14, 9, 0),
    signature_opening_comment="Signature sur papier par les huit signataires, le 21 septembre 2020 à Cahors.",
    signed_on=date(2020, 9, 21),
    place="Cahors",
    recorded_by="agent.cahors",
    recorded_at=datetime(2020, 9, 22, 9, 30),
)

PAGE_NOTICE = (
    "Convention de démonstration. Viennent du texte publié : la signature du 21 septembre 2020, les "
    "signataires et leurs qualités, la période 2020-2023, les sept domaines, les communes signataires, "
    "l'association de l'État et du Département, la méthode et les priorités. Le reste est illustratif : "
    "le texte des articles, les réunions, les chiffres du diagnostic, les fiches actions et leur suivi."
)

DEMO = TerritoryDemo(
    territories=TERRITORIES,
    organisations=ORGANISATIONS,
    representatives=REPRESENTATIVES,
    convention=ConventionRow(
        reference="CTG-GRAND-CAHORS-2020",
        title="Convention territoriale globale du Grand Cahors",
        epci="grand-cahors",
        period_start=date(2020, 1, 1),
        period_end=date(2023, 12, 31),
        domains=(
            "petite-enfance",
            "enfance",
            "jeunesse",
            "parentalite",
            "logement-cadre-de-vie",
            "animation-vie-sociale",
            "acces-aux-droits",
        ),
        # Signed on 21 September 2020: the status is never set here, the lifecycle services record the
        # review and the paper signatures (``signed_history``), then the calendar makes it expired.
        drafting_phase=DraftingPhase.FINALISATION,
        replaces_contract="Contrat Enfance Jeunesse (CEJ)",
        signing_place="Cahors",  # where the paper originals were signed (``SIGNED_HISTORY``)
        articles=ARTICLES,
        parties=PARTIES,
        governance=GOVERNANCE,
        diagnostic=DIAGNOSTIC,
        action_plan=ActionPlanRow(
            summary="Cinq orientations et dix fiches actions, validées par le comité de pilotage du 7 juillet 2020.",
            orientations=ORIENTATIONS,
            updates_author="agent.cahors",
            validated_on=date(2020, 7, 7),
        ),
        signed_history=SIGNED_HISTORY,
        page_notice=PAGE_NOTICE,
    ),
)
