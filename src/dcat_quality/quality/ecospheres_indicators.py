"""The built-in Ecosphères indicators: the historical dashboard's fields, 0 MQA points.

Registered by ``quality.builtin`` through ``Registry.register`` like any custom family.
The rules themselves (fill rate, open access) live once, in ``quality.ecospheres``; the
checks here only read them.
"""

from __future__ import annotations

from dcat_quality.dcat.records import DatasetRecord
from dcat_quality.quality.ecospheres import (
    FILL_RATE_FIELDS,
    compute,
    fill_rate_values,
    is_filled,
    is_open_access,
)
from dcat_quality.quality.registry import Check, CheckContext, Indicator, Outcome, Registry

#: field → (French label, English label, DCAT property, French fix hint)
_ECOSPHERES_FIELDS: dict[str, tuple[str, str, str, str]] = {
    "catalog": (
        "Catalogue renseigné",
        "Catalog filled",
        "dcat:inCatalog",
        "Rattacher la fiche à son catalogue source (dcat:CatalogRecord → "
        "dcat:inCatalog avec un dct:title).",
    ),
    "contact_point": (
        "Adresse de contact renseignée",
        "Contact e-mail filled",
        "dcat:contactPoint",
        "Ajouter un dcat:contactPoint (vcard:Kind) avec "
        "vcard:hasEmail « mailto:adresse@exemple.fr ».",
    ),
    "licenses": (
        "Licence renseignée",
        "Licence filled",
        "dct:license",
        "Indiquer dct:license sur chaque distribution, par ex. "
        "https://spdx.org/licenses/etalab-2.0 (Licence Ouverte 2.0).",
    ),
    "modification": (
        "Date de modification renseignée",
        "Modification date filled",
        "dct:modified",
        "Renseigner dct:modified du jeu de données (xsd:date, AAAA-MM-JJ) à chaque mise à jour.",
    ),
    "rights_holder": (
        "Détenteur des droits renseigné",
        "Rights holder filled",
        "dct:rightsHolder",
        "Indiquer dct:rightsHolder (foaf:Organization "
        "avec foaf:name) ; attention, « dct:rights_holder » n'est pas une "
        "propriété DCAT.",
    ),
    "right_statement": (
        "Conditions d'accès renseignées",
        "Access rights filled",
        "dct:accessRights",
        "Renseigner dct:accessRights, idéalement "
        "http://publications.europa.eu/resource/authority/access-right/PUBLIC.",
    ),
    "spatial": (
        "Territoire INSEE renseigné",
        "INSEE territory filled",
        "dct:spatial",
        "Indiquer dct:spatial avec l'IRI INSEE du territoire, par ex. "
        "http://id.insee.fr/geo/departement/74.",
    ),
    "status": (
        "Statut renseigné",
        "Status filled",
        "adms:status",
        "Indiquer adms:status, par ex. http://publications.europa.eu/resource/"
        "authority/dataset-status/COMPLETED.",
    ),
    "title": (
        "Titre renseigné",
        "Title filled",
        "dct:title",
        "Donner un dct:title explicite en français (@fr).",
    ),
}


def _field_check(name: str) -> Check:
    """The fill-rate rule on one of the nine fields (``ecospheres.is_filled``)."""
    index = FILL_RATE_FIELDS.index(name)

    def check(record: DatasetRecord, context: CheckContext) -> Outcome:
        return is_filled(fill_rate_values(record)[index])

    return check


def register_ecospheres(registry: Registry) -> None:
    """Register the historical Ecosphères indicators (informational, 0 MQA points)."""
    registry.register(
        Indicator(
            id="ecospheres.fill_rate",
            family="ecospheres",
            dimension="completeness",
            points=0,
            level="dataset",
            kind="measure",
            label_fr="Taux de remplissage",
            label_en="Fill rate",
            rationale="Share of the nine fields the historical Ecosphères dashboard tracks.",
            fix_hint_fr="Compléter les champs signalés « non renseignés » ci-dessous.",
            dcat_property="(9 propriétés)",
        ),
        check=lambda record, context: compute(record).fill_rate,
    )
    for name in FILL_RATE_FIELDS:
        label_fr, label_en, prop, hint = _ECOSPHERES_FIELDS[name]
        registry.register(
            Indicator(
                id=f"ecospheres.filled_{name}",
                family="ecospheres",
                dimension="completeness",
                points=0,
                level="dataset",
                label_fr=label_fr,
                label_en=label_en,
                rationale=f"One of the nine fields of the Ecosphères fill rate ({name}).",
                fix_hint_fr=hint,
                dcat_property=prop,
            ),
            check=_field_check(name),
        )
    registry.register(
        Indicator(
            id="ecospheres.open_access",
            family="ecospheres",
            dimension="access",
            points=0,
            level="dataset",
            label_fr="Accès public sans restriction",
            label_en="Open public access",
            rationale="The access rights say public access is unrestricted: the EU "
            "access-right PUBLIC or INSPIRE's noLimitations IRI, or (the historical rule) a "
            "label saying « pas de restriction d'accès public selon INSPIRE », « licence "
            "ouverte » or « open licence ».",
            fix_hint_fr="Si l'accès est libre, l'indiquer dans dct:accessRights par l'IRI "
            "http://publications.europa.eu/resource/authority/access-right/PUBLIC (ou, dans "
            "une fiche ISO 19139, l'ancre INSPIRE …/LimitationsOnPublicAccess/noLimitations).",
            dcat_property="dct:accessRights",
            fix_hint_en="If access is open, say so in dct:accessRights with the IRI "
            "http://publications.europa.eu/resource/authority/access-right/PUBLIC (or, in an "
            "ISO 19139 record, INSPIRE's …/LimitationsOnPublicAccess/noLimitations anchor).",
        ),
        check=lambda record, context: is_open_access(
            record.access_rights, record.access_rights_iris
        ),
    )
    registry.register(
        Indicator(
            id="ecospheres.well_formed_rdf",
            family="ecospheres",
            dimension="syntax",
            points=0,
            level="dataset",
            label_fr="RDF bien formé",
            label_en="Well-formed RDF",
            rationale="The dataset's RDF was read without any lenient repair (text beside "
            "rdf:resource, relative IRI, ISO 639-2 language tag); fix: publish the IRI alone "
            "and its label on the concept, absolute IRIs, BCP 47 tags (fr, not fre).",
            fix_hint_fr="Corriger l'export RDF du catalogue : une propriété avec rdf:resource "
            "reste vide (le libellé va sur le concept), les IRI sont absolues (renseigner "
            'l\'URL du site dans GeoNetwork), les langues sont en BCP 47 (xml:lang="fr", '
            'pas "fre"). Voir les réparations RDF listées pour la fiche.',
            fix_hint_en="Fix the catalogue's RDF export: a property with rdf:resource stays "
            "empty (the label goes on the concept), IRIs are absolute (set the site URL in "
            'GeoNetwork), languages are BCP 47 tags (xml:lang="fr", not "fre"). See the RDF '
            "repairs listed for the dataset.",
            dcat_property="(syntaxe RDF/XML)",
        ),
        check=_well_formed,
    )


def _well_formed(record: DatasetRecord, context: CheckContext) -> Outcome:
    """No repair touched the dataset; not measured for a page that was not RDF."""
    return None if context.rdf_repairs is None else not context.rdf_repairs
