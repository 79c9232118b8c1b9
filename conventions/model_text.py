"""The model text of a CTG: the articles a new convention starts from, in French (legal data, never translated).

Written after the conventions territoriales globales the CAFs sign with intercommunalities (the
Grand Cahors' and La Cali's among them): a préambule (context, aims, the CTG taking over from the
contrat enfance jeunesse), the object, the fields of intervention, the shared diagnostic and the
action plan as annexes « faisant partie intégrante » of the convention, the commitments of each
signatory, the financial commitments « sous réserve des crédits disponibles », steering and
governance, follow-up and evaluation, communication, personal data, duration and start of effect,
amendments, termination, disputes and the closing « Fait à …, le …, en N exemplaires originaux ».

Bodies are Markdown (``conventions.markup``) with placeholders such as ``{{ epci }}``, filled from
the convention while it is drafted (``conventions.markup.PLACEHOLDERS`` lists them) and frozen into
the text at approval. ``[à compléter : …]`` marks what the drafters must write themselves.

An article may apply only in some conventions (``condition``): the State's commitments are part of the
text when a State service signs. A convention starts with the articles marked ``by_default``; the
others are offered on the articles page (``conventions.services.articles``).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class ModelArticle:
    key: str
    title: str
    body: str
    # Part of a new convention's text; otherwise offered on the articles page.
    by_default: bool = True
    # When the article applies (a key of ``CONDITIONS``); empty: in every convention.
    condition: str = ""


# The conditions under which an optional article applies, as the articles page explains them.
CONDITIONS = {
    "state_signatory": "lorsqu'un service de l'État est signataire",
}

PREAMBLE = """\
La convention territoriale globale (CTG) est une convention de partenariat qui vise à renforcer \
l'efficacité, la cohérence et la coordination des actions en direction des habitants d'un territoire. \
Elle s'appuie sur un diagnostic partagé avec les partenaires pour définir les priorités et les moyens \
de les atteindre, dans un plan d'actions adapté au territoire.

### Le contexte national

La branche Famille de la Sécurité sociale poursuit quatre missions : aider les familles à concilier \
vie familiale, vie professionnelle et vie sociale ; faciliter la relation parentale, favoriser le \
développement de l'enfant et soutenir les jeunes ; créer les conditions favorables à l'autonomie, à \
l'insertion sociale et professionnelle ; accompagner les familles pour améliorer leur cadre de vie et \
leurs conditions de logement.

Dans le cadre de la convention d'objectifs et de gestion conclue entre l'État et la Caisse nationale \
des allocations familiales, la convention territoriale globale devient le cadre unique du partenariat \
entre les caisses d'allocations familiales et les collectivités territoriales. Elle se substitue aux \
contrats enfance jeunesse (CEJ), qui ne sont pas renouvelés à leur échéance : leurs financements sont \
maintenus, sous la forme de « bonus territoire », pour les équipements et services que la convention \
territoriale globale soutient.

### Le contexte local

{{ epci }} regroupe {{ communes }} communes et compte {{ population }} habitants.

[à compléter : les caractéristiques du territoire et de sa population, les politiques déjà conduites \
par les partenaires et les enjeux qui ont conduit à la présente convention.]

La présente convention succède au dispositif contractuel antérieur : {{ contrat_precedent }}. Elle en \
reprend les engagements, qu'elle élargit à l'ensemble des champs d'intervention retenus par les \
partenaires.

### Les enjeux

Par la présente convention, les partenaires entendent :

- conforter le positionnement et le champ d'intervention de chacun, en clarifiant les priorités \
respectives et celles qu'ils partagent ;
- définir et mettre en œuvre un projet social de territoire découlant des besoins identifiés, dans le \
respect des compétences de chacun ;
- gagner en efficience et donner du sens à leur action en rationalisant leurs engagements \
contractuels et financiers.

C'est dans ce contexte que les parties conviennent de ce qui suit."""

OBJECT = """\
La présente convention territoriale globale a pour objet de définir le projet stratégique global du \
territoire {{ de_epci }} ainsi que ses modalités de mise en œuvre, pour la période du {{ date_debut }} \
au {{ date_fin }}.

Elle vise à :

- identifier les besoins prioritaires du territoire à partir du diagnostic partagé ;
- définir les champs d'intervention à privilégier au regard de l'action conduite par les partenaires ;
- pérenniser et optimiser l'offre de services existante, par une mobilisation des ressources et des \
financements de chacun ;
- développer des actions nouvelles répondant aux besoins identifiés.

Elle s'applique à l'ensemble du territoire {{ de_epci }}."""

FIELDS = """\
Au regard des besoins mis en évidence par le diagnostic partagé, les parties retiennent les champs \
d'intervention suivants :

{{ domaines }}

Pour chacun de ces champs, le plan d'actions précise les orientations retenues et les actions à \
conduire. Les parties peuvent, par avenant, étendre la convention à d'autres champs d'intervention."""

DIAGNOSTIC = """\
Les parties ont élaboré ensemble un diagnostic partagé du territoire. Fondé sur des données \
statistiques, notamment celles de la Caf, de l'Insee et des partenaires, et sur la concertation avec \
les acteurs locaux et les habitants, il recense l'offre existante, les forces et les faiblesses du \
territoire, ainsi que les besoins prioritaires des familles et des habitants.

Ce diagnostic figure en annexe 1 de la présente convention. Il est actualisé en tant que de besoin \
pendant la durée de la convention, sous l'égide du comité de pilotage."""

ACTION_PLAN = """\
À partir du diagnostic partagé, les parties ont défini des orientations stratégiques, déclinées en un \
plan d'actions. Chaque action fait l'objet d'une fiche qui précise ses objectifs, le public visé, son \
pilote et ses partenaires, son calendrier, son financement prévisionnel et les indicateurs permettant \
d'en évaluer les effets.

Les annexes suivantes, faisant partie intégrante de la présente convention, y sont jointes :

- annexe 1 : le diagnostic partagé ;
- annexe 2 : le plan d'actions et ses fiches actions ;
- annexe 3 : le tableau des financements prévisionnels.

Le plan d'actions peut être ajusté chaque année, après avis du comité de pilotage, dans le respect des \
orientations de la présente convention. Les ajustements qui modifient l'économie générale de la \
convention font l'objet d'un avenant."""

CAF_COMMITMENTS = """\
{{ caf }} s'engage à :

- mobiliser son offre de service (prestations, action sociale, accompagnement des familles) au \
bénéfice des habitants du territoire ;
- soutenir financièrement les équipements et services relevant de ses champs d'intervention, selon les \
règles de la branche Famille et dans les conditions prévues à l'article relatif aux engagements \
financiers ;
- mettre à la disposition des partenaires les données dont elle dispose, utiles au diagnostic, au \
suivi et à l'évaluation de la convention ;
- apporter son expertise et son appui en ingénierie aux porteurs de projets ;
- participer activement aux instances de pilotage et de suivi de la convention."""

EPCI_COMMITMENTS = """\
{{ epci }} s'engage, dans le cadre de ses compétences, à :

- assurer la coordination de la démarche sur son territoire, en lien avec la Caf et les communes ;
- mettre en œuvre les actions du plan dont l'intercommunalité assure le pilotage et mobiliser les \
moyens humains et financiers nécessaires ;
- maintenir l'offre de services existante aux familles relevant de ses compétences et associer la Caf \
à toute évolution de cette offre ;
- désigner un référent, chargé de coopération de la convention, qui anime la démarche et en assure le \
suivi ;
- participer aux instances de pilotage et de suivi et transmettre les informations nécessaires à \
l'évaluation."""

COMMUNE_COMMITMENTS = """\
Chaque commune signataire s'engage, dans le cadre de ses compétences, à :

- mettre en œuvre les actions du plan qui la concernent ;
- maintenir l'offre de services existante aux familles dont elle a la charge et informer ses \
partenaires de toute évolution envisagée ;
- contribuer au recueil des données nécessaires au suivi et à l'évaluation de la convention ;
- participer aux instances de pilotage de la convention."""

STATE_COMMITMENTS = """\
L'État, représenté par {{ etat }}, s'engage, dans le cadre des politiques publiques dont il a la \
charge, à :

- veiller à la cohérence de la présente convention avec les politiques et dispositifs de l'État sur le \
territoire (politique de la ville, prévention et protection de l'enfance, petite enfance, jeunesse, \
insertion) ;
- mobiliser, sous réserve des crédits disponibles, les dispositifs et financements de droit commun \
relevant de sa compétence au bénéfice des actions du plan ;
- participer aux instances de pilotage et de suivi de la convention."""

FINANCIAL_COMMITMENTS = """\
Les engagements financiers des parties sont retracés, à titre prévisionnel, dans le tableau des \
financements annexé à la présente convention. Ils sont pris sous réserve des crédits disponibles et \
du vote des budgets correspondants par les instances délibérantes de chacune des parties.

Les financements {{ de_caf }} sont attribués selon les règles en vigueur de la branche Famille \
(prestations de service, bonus « territoire », fonds locaux), dans la limite des crédits dont elle \
dispose, et font l'objet de conventions d'objectifs et de financement propres avec les gestionnaires \
des équipements et services concernés.

Le tableau des financements a une valeur prévisionnelle : chaque financement fait l'objet d'une \
décision propre de la partie qui l'accorde, selon ses règles et ses procédures."""

GOVERNANCE = """\
### Le comité de pilotage

Un comité de pilotage unique est institué. Il réunit les signataires de la convention ou leurs \
représentants, ainsi que les partenaires associés à la démarche. Il est coprésidé par le président ou \
la présidente {{ de_epci }} et par le directeur ou la directrice {{ de_caf }}.

Il se réunit au moins une fois par an. Il est chargé :

- de valider le diagnostic partagé, les orientations et le plan d'actions ;
- de suivre la mise en œuvre du plan d'actions et d'en examiner le bilan annuel ;
- de proposer les ajustements et les avenants nécessaires ;
- de conduire l'évaluation de la convention.

### Le comité technique

Un comité technique, composé des techniciens désignés par les signataires, prépare les travaux du \
comité de pilotage et suit la mise en œuvre opérationnelle des fiches actions. Il se réunit au moins \
deux fois par an.

La composition des comités est arrêtée par les signataires ; elle peut évoluer sans avenant."""

EVALUATION = """\
Chaque fiche action comporte des indicateurs d'évaluation, assortis d'une valeur de départ et d'une \
cible. Le comité technique en fait le point au moins une fois par an et présente au comité de \
pilotage un bilan annuel de la mise en œuvre du plan d'actions.

Au terme de la convention, une évaluation finale est conduite conjointement par les parties. Elle \
mesure l'atteinte des objectifs, les effets des actions sur les besoins identifiés et l'efficience des \
moyens mobilisés ; elle éclaire le renouvellement de la convention."""

COMMUNICATION = """\
Les parties s'engagent à faire connaître la présente convention et ses actions auprès des habitants et \
des acteurs du territoire. Toute action de communication relative à la convention ou aux actions \
qu'elle soutient mentionne l'ensemble des signataires et fait apparaître leur logo, dans le respect de \
leurs chartes graphiques respectives.

Les parties s'informent mutuellement, au préalable, de toute communication d'envergure relative à la \
convention."""

PERSONAL_DATA = """\
Les parties s'engagent à respecter la réglementation applicable aux données à caractère personnel, \
notamment le règlement (UE) 2016/679 du Parlement européen et du Conseil du 27 avril 2016 (règlement \
général sur la protection des données) et la loi n° 78-17 du 6 janvier 1978 relative à \
l'informatique, aux fichiers et aux libertés.

Les données échangées pour l'élaboration du diagnostic, le suivi et l'évaluation de la convention sont \
des données agrégées ou rendues anonymes : aucune donnée permettant d'identifier, directement ou \
indirectement, un allocataire ou un habitant n'est transmise au titre de la présente convention. Toute \
transmission de données à caractère personnel qui s'avérerait nécessaire fait l'objet d'une \
convention particulière précisant sa finalité, sa base légale, ses destinataires, la durée de \
conservation des données et les mesures de sécurité mises en œuvre.

Chaque partie demeure responsable des traitements qu'elle met en œuvre et informe les personnes \
concernées de leurs droits."""

DURATION = """\
La présente convention est conclue pour une durée de {{ duree }}, du {{ date_debut }} au \
{{ date_fin }}.

Elle prend effet le {{ date_debut }}, ou à la date de sa signature par la dernière des parties si \
celle-ci est postérieure.

Elle ne peut être renouvelée par tacite reconduction. Son renouvellement fait l'objet d'une nouvelle \
convention, préparée par le bilan et l'évaluation conduits au cours de sa dernière année."""

AMENDMENTS = """\
Toute modification des conditions ou des modalités d'exécution de la présente convention, définie d'un \
commun accord entre les parties, fait l'objet d'un avenant, après avis du comité de pilotage. \
L'avenant précise les éléments modifiés, sans que ceux-ci puissent remettre en cause les objectifs \
généraux de la convention.

L'adhésion d'un nouveau signataire, l'extension à un nouveau champ d'intervention ou la modification \
de la durée de la convention font l'objet d'un avenant."""

TERMINATION = """\
En cas de non-respect par l'une des parties de ses engagements au titre de la présente convention, \
celle-ci peut être résiliée par l'une ou l'autre des parties à l'expiration d'un délai de trois mois \
suivant l'envoi d'une lettre recommandée avec accusé de réception valant mise en demeure, restée sans \
effet.

La convention peut également être résiliée d'un commun accord entre les parties, ou par l'une d'elles \
pour un motif d'intérêt général, moyennant un préavis de trois mois notifié aux autres parties par \
lettre recommandée avec accusé de réception.

La résiliation à l'égard d'un signataire n'emporte pas, par elle-même, celle de la convention à l'égard \
des autres parties, qui conviennent au sein du comité de pilotage des suites à lui donner."""

DISPUTES = """\
En cas de difficulté dans l'interprétation ou l'exécution de la présente convention, les parties \
s'efforcent de la résoudre à l'amiable, notamment au sein du comité de pilotage.

À défaut d'accord dans un délai de deux mois à compter de la saisine de l'une des parties par une \
autre, tout litige relatif à la présente convention relève de la compétence du {{ tribunal }}. Le \
tribunal peut être saisi par l'application « Télérecours citoyens », accessible sur le site \
www.telerecours.fr."""

FINAL = """\
La présente convention et ses annexes forment un tout indissociable. En cas de contradiction, les \
stipulations de la convention prévalent sur celles de ses annexes.

Fait {{ lieu_signature }}, le …………………, en {{ nombre_exemplaires }} exemplaires originaux."""

MODEL_ARTICLES: tuple[ModelArticle, ...] = (
    ModelArticle("preambule", "Préambule", PREAMBLE),
    ModelArticle("objet", "Objet de la convention", OBJECT),
    ModelArticle("champs", "Champs d'intervention", FIELDS),
    ModelArticle("diagnostic", "Diagnostic partagé", DIAGNOSTIC),
    ModelArticle("plan", "Plan d'actions et annexes", ACTION_PLAN),
    ModelArticle("engagements-caf", "Engagements de la Caisse d'allocations familiales", CAF_COMMITMENTS),
    ModelArticle("engagements-epci", "Engagements de l'intercommunalité", EPCI_COMMITMENTS),
    ModelArticle("engagements-communes", "Engagements des communes signataires", COMMUNE_COMMITMENTS),
    ModelArticle(
        "engagements-etat",
        "Engagements de l'État",
        STATE_COMMITMENTS,
        by_default=False,
        condition="state_signatory",
    ),
    ModelArticle("engagements-financiers", "Engagements financiers", FINANCIAL_COMMITMENTS),
    ModelArticle("gouvernance", "Pilotage et gouvernance", GOVERNANCE),
    ModelArticle("evaluation", "Suivi et évaluation", EVALUATION),
    ModelArticle("communication", "Communication", COMMUNICATION),
    ModelArticle("donnees", "Protection des données personnelles", PERSONAL_DATA),
    ModelArticle("duree", "Durée et prise d'effet", DURATION),
    ModelArticle("avenants", "Modification de la convention", AMENDMENTS),
    ModelArticle("resiliation", "Résiliation", TERMINATION),
    ModelArticle("litiges", "Règlement des litiges", DISPUTES),
    ModelArticle("dispositions-finales", "Dispositions finales", FINAL),
)

MODEL_ARTICLES_BY_KEY: dict[str, ModelArticle] = {article.key: article for article in MODEL_ARTICLES}


def model_article(key: str) -> ModelArticle | None:
    return MODEL_ARTICLES_BY_KEY.get(key)


def default_articles() -> list[ModelArticle]:
    """The articles a new convention starts with, in their order."""
    return [article for article in MODEL_ARTICLES if article.by_default]


def model_article_for_title(title: str) -> ModelArticle | None:
    """The model article an article was made from, recognised by its title (the key is not stored)."""
    wanted = " ".join(title.split()).casefold()
    return next((article for article in MODEL_ARTICLES if article.title.casefold() == wanted), None)
