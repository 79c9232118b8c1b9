"""French départements and the administrative court of each, as data.

``DEPARTMENTS`` maps an INSEE département code to its name and INSEE's *type de nom en clair* (TNCC,
``partners.grammar``), copied from Etalab's ``departements.json`` (découpage administratif 6.0.0):
« du Lot », « de la Gironde », « de l'Ain » follow from it.

``ADMINISTRATIVE_COURTS`` is article R221-3 of the Code de justice administrative (version in force
since the décret n° 2015-1444 du 6 novembre 2015): the seat of each tribunal administratif and the
départements of its jurisdiction. A convention's disputes go to the court of the intercommunality's
département unless the convention names another (``Convention.competent_court``).
"""

from partners import grammar

DEPARTMENTS: dict[str, tuple[str, int]] = {
    "01": ("Ain", 5),
    "02": ("Aisne", 5),
    "03": ("Allier", 5),
    "04": ("Alpes-de-Haute-Provence", 4),
    "05": ("Hautes-Alpes", 4),
    "06": ("Alpes-Maritimes", 4),
    "07": ("Ardèche", 5),
    "08": ("Ardennes", 4),
    "09": ("Ariège", 5),
    "10": ("Aube", 5),
    "11": ("Aude", 5),
    "12": ("Aveyron", 5),
    "13": ("Bouches-du-Rhône", 4),
    "14": ("Calvados", 2),
    "15": ("Cantal", 2),
    "16": ("Charente", 3),
    "17": ("Charente-Maritime", 3),
    "18": ("Cher", 2),
    "19": ("Corrèze", 3),
    "21": ("Côte-d'Or", 3),
    "22": ("Côtes-d'Armor", 4),
    "23": ("Creuse", 3),
    "24": ("Dordogne", 3),
    "25": ("Doubs", 2),
    "26": ("Drôme", 3),
    "27": ("Eure", 5),
    "28": ("Eure-et-Loir", 1),
    "29": ("Finistère", 2),
    "2A": ("Corse-du-Sud", 3),
    "2B": ("Haute-Corse", 3),
    "30": ("Gard", 2),
    "31": ("Haute-Garonne", 3),
    "32": ("Gers", 2),
    "33": ("Gironde", 3),
    "34": ("Hérault", 5),
    "35": ("Ille-et-Vilaine", 1),
    "36": ("Indre", 5),
    "37": ("Indre-et-Loire", 1),
    "38": ("Isère", 5),
    "39": ("Jura", 2),
    "40": ("Landes", 4),
    "41": ("Loir-et-Cher", 2),
    "42": ("Loire", 3),
    "43": ("Haute-Loire", 3),
    "44": ("Loire-Atlantique", 3),
    "45": ("Loiret", 2),
    "46": ("Lot", 2),
    "47": ("Lot-et-Garonne", 2),
    "48": ("Lozère", 3),
    "49": ("Maine-et-Loire", 0),
    "50": ("Manche", 3),
    "51": ("Marne", 3),
    "52": ("Haute-Marne", 3),
    "53": ("Mayenne", 3),
    "54": ("Meurthe-et-Moselle", 0),
    "55": ("Meuse", 3),
    "56": ("Morbihan", 2),
    "57": ("Moselle", 3),
    "58": ("Nièvre", 3),
    "59": ("Nord", 2),
    "60": ("Oise", 5),
    "61": ("Orne", 5),
    "62": ("Pas-de-Calais", 2),
    "63": ("Puy-de-Dôme", 2),
    "64": ("Pyrénées-Atlantiques", 4),
    "65": ("Hautes-Pyrénées", 4),
    "66": ("Pyrénées-Orientales", 4),
    "67": ("Bas-Rhin", 2),
    "68": ("Haut-Rhin", 2),
    "69": ("Rhône", 2),
    "70": ("Haute-Saône", 3),
    "71": ("Saône-et-Loire", 0),
    "72": ("Sarthe", 3),
    "73": ("Savoie", 3),
    "74": ("Haute-Savoie", 3),
    "75": ("Paris", 0),
    "76": ("Seine-Maritime", 3),
    "77": ("Seine-et-Marne", 0),
    "78": ("Yvelines", 4),
    "79": ("Deux-Sèvres", 4),
    "80": ("Somme", 3),
    "81": ("Tarn", 2),
    "82": ("Tarn-et-Garonne", 2),
    "83": ("Var", 2),
    "84": ("Vaucluse", 2),
    "85": ("Vendée", 3),
    "86": ("Vienne", 3),
    "87": ("Haute-Vienne", 3),
    "88": ("Vosges", 4),
    "89": ("Yonne", 5),
    "90": ("Territoire de Belfort", 2),
    "91": ("Essonne", 5),
    "92": ("Hauts-de-Seine", 4),
    "93": ("Seine-Saint-Denis", 3),
    "94": ("Val-de-Marne", 2),
    "95": ("Val-d'Oise", 2),
    "971": ("Guadeloupe", 3),
    "972": ("Martinique", 3),
    "973": ("Guyane", 3),
    "974": ("La Réunion", 0),
    "976": ("Mayotte", 0),
    "975": ("Saint-Pierre-et-Miquelon", 0),
    "977": ("Saint-Barthélemy", 0),
    "978": ("Saint-Martin", 0),
    "984": ("Terres australes et antarctiques françaises", 0),
    "986": ("Wallis et Futuna", 0),
    "987": ("Polynésie française", 0),
    "988": ("Nouvelle-Calédonie", 0),
    "989": ("Île de Clipperton", 0),
}

ADMINISTRATIVE_COURTS: dict[str, tuple[str, ...]] = {
    "Amiens": ("02", "60", "80"),  # Aisne, Oise, Somme
    "Bastia": ("2A", "2B"),  # Corse-du-Sud, Haute-Corse
    "Besançon": ("25", "39", "70", "90"),  # Doubs, Jura, Haute-Saône, Territoire de Belfort
    "Bordeaux": ("24", "33", "47"),  # Dordogne, Gironde, Lot-et-Garonne
    "Caen": ("14", "50", "61"),  # Calvados, Manche, Orne
    "Cergy-Pontoise": ("92", "95"),  # Hauts-de-Seine, Val-d'Oise
    "Châlons-en-Champagne": ("08", "10", "51", "52"),  # Ardennes, Aube, Marne, Haute-Marne
    "Clermont-Ferrand": ("03", "15", "43", "63"),  # Allier, Cantal, Haute-Loire, Puy-de-Dôme
    "Dijon": ("21", "58", "71", "89"),  # Côte-d'Or, Nièvre, Saône-et-Loire, Yonne
    "Grenoble": ("26", "38", "73", "74"),  # Drôme, Isère, Savoie, Haute-Savoie
    "Lille": ("59", "62"),  # Nord, Pas-de-Calais
    "Limoges": ("19", "23", "36", "87"),  # Corrèze, Creuse, Indre, Haute-Vienne
    "Lyon": ("01", "07", "42", "69"),  # Ain, Ardèche, Loire, Rhône
    "Marseille": ("04", "05", "13"),  # Alpes-de-Haute-Provence, Hautes-Alpes, Bouches-du-Rhône
    "Melun": ("77", "94"),  # Seine-et-Marne, Val-de-Marne
    "Montpellier": ("11", "34", "66"),  # Aude, Hérault, Pyrénées-Orientales
    "Montreuil": ("93",),  # Seine-Saint-Denis
    "Nancy": ("54", "55", "88"),  # Meurthe-et-Moselle, Meuse, Vosges
    "Nantes": ("44", "49", "53", "72", "85"),  # Loire-Atlantique, Maine-et-Loire, Mayenne, Sarthe, Vendée
    "Nice": ("06",),  # Alpes-Maritimes
    "Nîmes": ("30", "48", "84"),  # Gard, Lozère, Vaucluse
    "Orléans": ("18", "28", "37", "41", "45"),  # Cher, Eure-et-Loir, Indre-et-Loire, Loir-et-Cher, Loiret
    "Paris": ("75",),  # ville de Paris
    "Pau": ("32", "40", "64", "65"),  # Gers, Landes, Pyrénées-Atlantiques, Hautes-Pyrénées
    "Poitiers": ("16", "17", "79", "86"),  # Charente, Charente-Maritime, Deux-Sèvres, Vienne
    "Rennes": ("22", "29", "35", "56"),  # Côtes-d'Armor, Finistère, Ille-et-Vilaine, Morbihan
    "Rouen": ("27", "76"),  # Eure, Seine-Maritime
    "Strasbourg": ("57", "67", "68"),  # Moselle, Bas-Rhin, Haut-Rhin
    "Toulon": ("83",),  # Var
    "Toulouse": ("09", "12", "31", "46", "81", "82"),  # Ariège, Aveyron, Haute-Garonne, Lot, Tarn, Tarn-et-Garonne
    "Versailles": ("78", "91"),  # Yvelines, Essonne
    "Basse-Terre": ("971",),  # Guadeloupe
    "Cayenne": ("973",),  # Guyane
    "Fort-de-France": ("972",),  # Martinique
    "Mamoudzou": ("976",),  # Mayotte
    "Mata-Utu": ("986",),  # îles Wallis et Futuna
    "Nouméa": ("988",),  # Nouvelle-Calédonie
    "Papeete": ("987", "989"),  # Polynésie française, Clipperton
    "Saint-Denis": ("974", "984"),  # La Réunion, Terres australes et antarctiques françaises
    "Saint-Barthélemy": ("977",),
    "Saint-Martin": ("978",),
    "Saint-Pierre": ("975",),  # Saint-Pierre-et-Miquelon
}

COURT_OF_DEPARTMENT: dict[str, str] = {code: seat for seat, codes in ADMINISTRATIVE_COURTS.items() for code in codes}


def department_name(code: str) -> str:
    """« Lot » for ``"46"``; an empty string for an unknown code."""
    entry = DEPARTMENTS.get(code)
    return entry[0] if entry else ""


def of_department(code: str) -> str:
    """« du Lot », « de la Gironde », « de l'Ain »; an empty string for an unknown code."""
    entry = DEPARTMENTS.get(code)
    return grammar.of_department(*entry) if entry else ""


def administrative_court(code: str) -> str:
    """« Tribunal administratif de Toulouse » for the Lot (``"46"``); empty for an unknown code."""
    seat = COURT_OF_DEPARTMENT.get(code)
    return f"Tribunal administratif {grammar.of_place(seat)}" if seat else ""
