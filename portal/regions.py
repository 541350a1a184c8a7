"""The 18 regional health agencies (ARS), by code. Also used by the data migration that fills them."""

REGIONS = [
    ("ARA", "Auvergne-Rhône-Alpes"),
    ("BFC", "Bourgogne-Franche-Comté"),
    ("BRE", "Bretagne"),
    ("CVL", "Centre-Val de Loire"),
    ("COR", "Corse"),
    ("GE", "Grand Est"),
    ("GUA", "Guadeloupe"),
    ("GUY", "Guyane"),
    ("HDF", "Hauts-de-France"),
    ("IDF", "Île-de-France"),
    ("MAR", "Martinique"),
    ("MAY", "Mayotte"),
    ("NOR", "Normandie"),
    ("NAQ", "Nouvelle-Aquitaine"),
    ("OCC", "Occitanie"),
    ("REU", "La Réunion"),
    ("PDL", "Pays de la Loire"),
    ("PACA", "Provence-Alpes-Côte d'Azur"),
]


def agency_name(region_name: str) -> str:
    return f"Agence régionale de santé {region_name}"
