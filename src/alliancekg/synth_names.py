"""Vocabulary and names for the synthetic data: the ontology terms it uses, and generated names.

Every class, property and concept the generator writes is one the ontology and vocabularies in
``ontology/`` define (the build's quality checks reject any other). Names of places, institutions,
alliances and programmes are made of syllables, unique within a run, so they read like names
without being those of real institutions; their IRIs all carry a ``synth-`` slug.

>>> import numpy as np
>>> namer = Namer(np.random.default_rng(1))
>>> name = namer.place()
>>> name[0].isupper() and name not in {namer.place() for _ in range(50)}
True
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "ALLIANCE_KINDS", "COUNTRIES", "EUROPE", "INSTITUTION_KINDS", "PARTNERSHIP_KINDS", "PROGRAMME_KINDS",
    "THEMES", "UNIT_KINDS", "Namer", "institution_label",
]

#: ISO 3166-1 codes of ``ontology/vocab/places.ttl``, most institutions first, with their names.
COUNTRIES = (("FR", "France"), ("DE", "Germany"), ("US", "United States"), ("GB", "United Kingdom"),
             ("IT", "Italy"), ("ES", "Spain"), ("CN", "China"), ("JP", "Japan"), ("PL", "Poland"),
             ("BE", "Belgium"), ("CA", "Canada"), ("AT", "Austria"), ("BR", "Brazil"), ("AU", "Australia"),
             ("DK", "Denmark"), ("NO", "Norway"), ("HU", "Hungary"), ("RU", "Russia"), ("MA", "Morocco"),
             ("RS", "Serbia"), ("SI", "Slovenia"), ("VN", "Viet Nam"), ("HK", "Hong Kong"))
EUROPE = frozenset({"FR", "DE", "GB", "IT", "ES", "PL", "BE", "AT", "DK", "NO", "HU", "RS", "SI"})

#: Top-level institution kinds: (class, words in the text, share).
INSTITUTION_KINDS = (("University", "university", 0.56), ("School", "school", 0.16),
                     ("ResearchInstitute", "research institute", 0.16),
                     ("NationalLaboratory", "national laboratory", 0.05),
                     ("GraduateSchool", "graduate school", 0.07))
#: Sub-organisations: (class, linking property, name pattern).
UNIT_KINDS = (("Faculty", "org:subOrganizationOf", "Faculty of {}"),
              ("School", "org:subOrganizationOf", "School of {}"),
              ("GraduateSchool", "org:subOrganizationOf", "Graduate School of {}"),
              ("DoctoralSchool", "org:subOrganizationOf", "Doctoral School of {}"),
              ("OrganisationalUnit", "org:unitOf", "{} Laboratory"))
DISCIPLINES = ("Medicine", "Engineering", "Law", "Economics", "Humanities", "Natural Sciences", "Social Sciences",
               "Computer Science", "Earth Sciences", "Chemistry", "Physics", "Mathematics", "Education",
               "Architecture", "Agronomy", "Life Sciences")
#: Alliance kinds: (class, words in the text, name pattern, share).
ALLIANCE_KINDS = (("EuropeanUniversityAlliance", "European University alliance", "{} European University", 0.2),
                  ("UniversityNetwork", "university network", "{} University Network", 0.24),
                  ("UniversityAssociation", "university association", "Association of {} Universities", 0.14),
                  ("ThematicConsortium", "thematic consortium", "{} Consortium", 0.2),
                  ("InternationalCampusAlliance", "international campus alliance", "{} International Campus", 0.06),
                  ("MonitoringNetwork", "monitoring network", "{} Observatory Network", 0.06),
                  ("NationalNetwork", "national network", "{} National Network", 0.1))
#: Partnership and agreement kinds: (class, concept slug, words, share).
PARTNERSHIP_KINDS = (("Partnership", "bilateral-partnership", "bilateral partnership", 0.34),
                     ("Partnership", "strategic-partnership", "strategic partnership", 0.08),
                     ("Partnership", "cooperation", "cooperation", 0.06),
                     ("Agreement", "student-mobility-agreement", "student mobility agreement", 0.32),
                     ("Agreement", "exchange-programme-agreement", "exchange programme agreement", 0.12),
                     ("Agreement", "joint-strategic-plan", "joint strategic plan", 0.05),
                     ("Agreement", "monitoring-agreement", "monitoring agreement", 0.03))
#: Joint programme kinds: (class, words, name pattern, share).
PROGRAMME_KINDS = (("JointDegreeProgramme", "joint degree programme", "Joint Master in {}", 0.3),
                   ("DualDegreeProgramme", "dual degree programme", "Dual Degree in {}", 0.2),
                   ("ErasmusMundusMaster", "Erasmus Mundus master", "Erasmus Mundus Master in {}", 0.15),
                   ("MobilityProgramme", "mobility programme", "Mobility Programme in {}", 0.2),
                   ("TrainingProgramme", "training programme", "Training Programme in {}", 0.15))
#: Themes (concepts of ``id:scheme/theme``, slug ``theme/synth-...``).
THEMES = ("energy", "health", "climate", "smart cities", "digital transformation", "sustainable development",
          "artificial intelligence", "water", "food security", "democracy", "cultural heritage", "mobility",
          "materials", "oceans", "space", "public governance", "risk and resilience", "biodiversity")
INITIATIVE_KINDS = (("KnowledgeHub", "{} Knowledge Hub on {}"), ("OpenSchool", "{} Open School of {}"),
                    ("ThinkTank", "{} Think Tank on {}"))

_SYLLABLES = ("al", "ber", "ca", "dor", "el", "fen", "gra", "hal", "is", "jo", "ka", "lem", "mar", "nor", "os",
              "pra", "quen", "ros", "sal", "tor", "ul", "ven", "wes", "ya", "zen", "bru", "cel", "dan", "est",
              "fal", "gor", "li", "mon", "na", "or", "pel", "ri", "sun", "tal", "vi")
_UNIVERSITY = {
    "DE": ("Universität {}", "Technische Universität {}", "Hochschule {}"),
    "AT": ("Universität {}", "Technische Universität {}", "Hochschule {}"),
    "FR": ("Université de {}", "Université {}", "Institut polytechnique de {}"),
    "BE": ("Université de {}", "Universiteit {}", "Vrije Universiteit {}", "Université libre de {}"),
    "IT": ("Università di {}", "Politecnico di {}", "Università degli Studi di {}"),
    "ES": ("Universidad de {}", "Universidad Politécnica de {}"),
    "PL": ("Uniwersytet {}", "Politechnika {}"),
}
_ENGLISH = ("University of {}", "{} University", "{} University of Technology", "{} State University")
_OTHER_KINDS = {
    "School": ("{} School of Engineering", "{} Business School", "{} School of Management", "{} Polytechnic School"),
    "ResearchInstitute": ("{} Research Institute", "{} Institute for Advanced Study", "{} Centre for Research",
                          "{} Institute of Science"),
    "NationalLaboratory": ("{} National Laboratory", "{} National Research Laboratory"),
    "GraduateSchool": ("{} Graduate School", "{} Graduate Institute"),
}
_FRENCH_SCHOOL = ("École supérieure de {}", "École nationale d'ingénieurs de {}")
_NOUNS = {"University": "University of", "School": "School of", "ResearchInstitute": "Institute of",
          "NationalLaboratory": "National Laboratory for", "GraduateSchool": "Graduate School of"}


class Namer:
    """Unique generated names, drawn from ``rng``: places, alliance and programme stems."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self._used: set[str] = set()

    def place(self) -> str:
        """A new name of two to four syllables, never returned before by this namer."""
        while True:
            count = 2 + int(self.rng.random() < 0.45) + int(self.rng.random() < 0.15)
            picks = self.rng.integers(len(_SYLLABLES), size=count)
            name = "".join(_SYLLABLES[int(p)] for p in picks).capitalize()
            if name not in self._used:
                self._used.add(name)
                return name


def institution_label(kind: str, country: str, city: str, choice: int, used: set[str]) -> str:
    """A label for an institution of ``kind`` in ``city``, unique in ``used`` (which it extends).

    Tries the kind's name patterns from pattern ``choice`` on, then names a discipline ("Kalemos
    University of Medicine"), then adds a number.

    >>> used = set()
    >>> institution_label("University", "DE", "Kalemos", 0, used), institution_label("University", "DE", "Kalemos", 0, used)
    ('Universität Kalemos', 'Technische Universität Kalemos')
    """
    if kind == "University":
        patterns = _UNIVERSITY.get(country, _ENGLISH)
    elif kind == "School" and country in ("FR", "BE"):
        patterns = _FRENCH_SCHOOL + _OTHER_KINDS["School"]
    else:
        patterns = _OTHER_KINDS[kind]
    ordered = [patterns[(choice + k) % len(patterns)] for k in range(len(patterns))]
    candidates = [p.format(city) for p in ordered]
    candidates += [f"{city} {_NOUNS[kind]} {d}" for d in DISCIPLINES[choice:] + DISCIPLINES[:choice]]
    for label in candidates:
        if label not in used:
            used.add(label)
            return label
    number = 2
    while f"{candidates[0]} {number}" in used:
        number += 1
    used.add(f"{candidates[0]} {number}")
    return f"{candidates[0]} {number}"
