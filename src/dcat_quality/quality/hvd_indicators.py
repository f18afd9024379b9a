"""The HVD indicator family: the checks of ``quality.hvd`` as registry entries.

Labels and fix hints in French and English; 0 points; level ``dataset``; measured on HVD
datasets only (a check answers None, "not measured", on any other). Their outcomes take
the bits after the MQA ones in the warehouse's score masks (``masks``), so they show in
``dataset_checks`` and in the history.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from dcat_quality.dcat.records import DatasetRecord, HvdFacts
from dcat_quality.quality.hvd import (
    HvdCheck,
    api_documented_ok,
    api_ok,
    bulk_download_ok,
    category_ok,
    contact_point_ok,
    legislation_ok,
    licence_ok,
)
from dcat_quality.quality.registry import CheckContext, Indicator, Outcome, Registry

FAMILY = "hvd"
DIMENSION = "hvd"

#: name → (check, DCAT property, French label, English label, rationale, French fix hint,
#: English fix hint), in the order the dictionary and the reports list them.
CHECKS: dict[str, tuple[HvdCheck, str, str, str, str, str, str]] = {
    "category": (
        category_ok,
        "dcatap:hvdCategory",
        "Catégorie HVD du vocabulaire européen",
        "HVD category from the EU vocabulary",
        "The HVD category says which part of the regulation's annex the dataset answers.",
        "Indiquer dcatap:hvdCategory avec l'IRI de la catégorie la plus précise du "
        "vocabulaire européen, par ex. http://data.europa.eu/bna/c_c3de25e4 (Adresses).",
        "Add dcatap:hvdCategory with the IRI of the most precise concept of the EU "
        "scheme, e.g. http://data.europa.eu/bna/c_c3de25e4 (Addresses).",
    ),
    "legislation": (
        legislation_ok,
        "dcatap:applicableLegislation",
        "Règlement HVD cité comme législation applicable",
        "HVD regulation as applicable legislation",
        "The ELI of Regulation (EU) 2023/138 is how DCAT-AP HVD marks a dataset in scope.",
        "Ajouter dcatap:applicableLegislation "
        "<http://data.europa.eu/eli/reg_impl/2023/138/oj> au jeu de données "
        "(et à ses distributions et services HVD).",
        "Add dcatap:applicableLegislation <http://data.europa.eu/eli/reg_impl/2023/138/oj> "
        "to the dataset (and to its HVD distributions and data services).",
    ),
    "licence": (
        licence_ok,
        "dct:license",
        "Licence compatible avec le règlement (CC BY 4.0 ou plus ouverte)",
        "Licence compatible with the regulation (CC BY 4.0 or more open)",
        "Article 4 of the regulation: CC BY 4.0, or an equivalent or less restrictive "
        "open licence.",
        "Publier au moins une distribution sous CC BY 4.0, CC0, ODC-PDDL ou Licence "
        "Ouverte 2.0 (dct:license, par ex. "
        "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0).",
        "Publish at least one distribution under CC BY 4.0, CC0, ODC-PDDL or Licence "
        "Ouverte 2.0 (dct:license, e.g. "
        "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0).",
    ),
    "api": (
        api_ok,
        "dcat:accessService / dcat:endpointURL",
        "Servi par une API (service avec URL d'accès)",
        "Served by an API (data service with an endpoint URL)",
        "The regulation makes HVD available through APIs (Article 3).",
        "Décrire l'API comme dcat:DataService avec dcat:endpointURL, reliée par "
        "dcat:accessService d'une distribution (ou dcat:servesDataset vers le jeu).",
        "Describe the API as a dcat:DataService with dcat:endpointURL, linked by "
        "dcat:accessService from a distribution (or dcat:servesDataset to the dataset).",
    ),
    "api_documented": (
        api_documented_ok,
        "dcat:endpointDescription / foaf:page",
        "API documentée",
        "API documented",
        "Article 3(3): API documentation in an open, human- and machine-readable format.",
        "Sur le dcat:DataService, donner dcat:endpointDescription (OpenAPI, WSDL, "
        "GetCapabilities…) ou une page de documentation foaf:page.",
        "On the dcat:DataService, give dcat:endpointDescription (OpenAPI, WSDL, "
        "GetCapabilities…) or a documentation page foaf:page.",
    ),
    "bulk_download": (
        bulk_download_ok,
        "dcat:distribution",
        "Téléchargement en masse (une distribution)",
        "Bulk download (a distribution)",
        "DCAT-AP HVD maps the regulation's bulk download to a Distribution.",
        "Ajouter une dcat:Distribution du jeu complet avec dcat:downloadURL.",
        "Add a dcat:Distribution of the whole dataset with dcat:downloadURL.",
    ),
    "contact_point": (
        contact_point_ok,
        "dcat:contactPoint",
        "Point de contact",
        "Contact point",
        "DCAT-AP HVD recommends a contact point (e-mail or contact form) for HVD.",
        "Ajouter un dcat:contactPoint (vcard:Kind) avec vcard:hasEmail ou vcard:hasURL "
        "(formulaire de contact).",
        "Add a dcat:contactPoint (vcard:Kind) with vcard:hasEmail or vcard:hasURL (contact form).",
    ),
}

#: English fix hints, by indicator id (the dictionary's column is French).
FIX_HINTS_EN: dict[str, str] = {f"{FAMILY}.{name}": spec[6] for name, spec in CHECKS.items()}


def _registered_check(check: HvdCheck) -> Callable[[DatasetRecord, CheckContext], Outcome]:
    def run(record: DatasetRecord, context: CheckContext) -> Outcome:
        facts = record.hvd
        return None if facts is None else check(record, facts)

    return run


def evaluate(record: DatasetRecord, facts: HvdFacts) -> dict[str, bool]:
    """Every HVD check on a record, with ``facts`` standing for its own (as if HVD)."""
    return {f"{FAMILY}.{name}": spec[0](record, facts) for name, spec in CHECKS.items()}


def masks(
    record: DatasetRecord, positions: Mapping[str, int], registry: Registry
) -> tuple[int, int]:
    """The measured and passed bits of the HVD checks, for the warehouse's score masks.

    Nothing is measured on a dataset that is not HVD.
    """
    if record.hvd is None:
        return 0, 0
    measured = passed = 0
    context = CheckContext()
    for entry in registry.family(FAMILY):
        position = positions.get(entry.indicator.id)
        if position is None:
            continue
        outcome = entry.check(record, context)
        if outcome is None:
            continue
        measured |= 1 << position
        if outcome:
            passed |= 1 << position
    return measured, passed


def register_hvd(registry: Registry) -> None:
    """Register the HVD indicators (informational, 0 MQA points)."""
    for name, (check, prop, label_fr, label_en, rationale, hint_fr, hint_en) in CHECKS.items():
        registry.register(
            Indicator(
                id=f"{FAMILY}.{name}",
                family=FAMILY,
                dimension=DIMENSION,
                points=0,
                level="dataset",
                label_fr=label_fr,
                label_en=label_en,
                rationale=rationale,
                fix_hint_fr=hint_fr,
                fix_hint_en=hint_en,
                dcat_property=prop,
            ),
            check=_registered_check(check),
        )
