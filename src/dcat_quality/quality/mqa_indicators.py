"""The 23 data.europa.eu MQA indicators: what each is, and the check computing it.

Declared as keyword ``Indicator(...)`` calls in the methodology's order and registered by
``quality.builtin`` through ``Registry.register``, like any custom family. Points come
from piveau's ``piveau-dqv-vocabulary.ttl`` (commit 7b29f2a4); how the checks become a
score (best distribution, dates counted once, variants) is ``quality.mqa``.
"""

from __future__ import annotations

from dcat_quality.dcat.records import DatasetRecord, DistributionRecord
from dcat_quality.quality.registry import CheckContext, Indicator, Outcome, Registry
from dcat_quality.quality.vocabularies import FormatList

PV = "https://piveau.eu/ns/voc#"
DCT = "http://purl.org/dc/terms/"
DCAT = "http://www.w3.org/ns/dcat#"
_FORMAT, _MEDIA_TYPE, _LICENSE = DCT + "format", DCAT + "mediaType", DCT + "license"


# -- presence ----------------------------------------------------------------------------
# An availability metric asks whether the property is there, whatever its value: an IRI,
# a blank node with or without a label, a literal (the Norwegian implementation of the
# methodology tests exactly this, ``has_property``: Informasjonsforvaltning/
# fdk-mqa-property-checker @ a5d919e6, src/metrics.rs). ``present`` holds the properties
# the extraction saw; a record built by hand (tests, tabular files of older versions) has
# none, and then a filled field counts.


def _text(value: str | None) -> bool:
    return value is not None and bool(value.strip())


def _has(record: DatasetRecord | DistributionRecord, prop: str, filled: bool) -> bool:
    return filled or prop in record.present


def _iri(d: DistributionRecord, prop: str, value: str | None) -> str | None:
    """The value when it is an IRI (a literal or a label is never on a vocabulary)."""
    return value if value is not None and prop not in d.not_iri else None


def _status(url: str | None, context: CheckContext) -> bool | None:
    if url is None or not url.strip():
        return False  # nothing to check: the check fails whether or not links are checked
    if context.link_status is None or url not in context.link_status:
        return None
    return 200 <= context.link_status[url] <= 299


def _on_list(formats: FormatList, d: DistributionRecord) -> bool:
    """Format or media type IRI on the list (through the vocabularies' memos)."""
    return _iri(d, _FORMAT, d.format) in formats.file_types or (
        _iri(d, _MEDIA_TYPE, d.media_type) in formats.media_types
    )


def _keyword_availability(r: DatasetRecord, c: CheckContext) -> Outcome:
    return _has(r, DCAT + "keyword", bool(r.keywords))


def _category_availability(r: DatasetRecord, c: CheckContext) -> Outcome:
    return _has(r, DCAT + "theme", bool(r.themes))


def _spatial(r: DatasetRecord, c: CheckContext) -> Outcome:
    return _has(r, DCT + "spatial", r.has_spatial or bool(r.spatial) or _text(r.bbox))


def _temporal(r: DatasetRecord, c: CheckContext) -> Outcome:
    filled = r.has_temporal or _text(r.temporal_start) or _text(r.temporal_end)
    return _has(r, DCT + "temporal", filled)


def _contact(r: DatasetRecord, c: CheckContext) -> Outcome:
    filled = r.has_contact_point or _text(r.contact_name) or _text(r.contact_email)
    return _has(r, DCAT + "contactPoint", filled)


def _publisher(r: DatasetRecord, c: CheckContext) -> Outcome:
    return _has(r, DCT + "publisher", r.has_publisher or _text(r.publisher))


def _access_rights(r: DatasetRecord, c: CheckContext) -> Outcome:
    return _has(r, DCT + "accessRights", bool(r.access_rights) or bool(r.access_rights_iris))


def _access_rights_vocab(r: DatasetRecord, c: CheckContext) -> Outcome:
    vocabulary = c.vocabularies.access_rights
    return any(iri in vocabulary for iri in r.access_rights_iris)


def _format_vocab(d: DistributionRecord, c: CheckContext) -> Outcome:
    v = c.vocabularies
    return _iri(d, _FORMAT, d.format) in v.file_types and (
        _iri(d, _MEDIA_TYPE, d.media_type) in v.media_types
    )


def _non_proprietary(d: DistributionRecord, c: CheckContext) -> Outcome:
    return _on_list(c.vocabularies.non_proprietary, d)


def _machine_readable(d: DistributionRecord, c: CheckContext) -> Outcome:
    return _on_list(c.vocabularies.machine_readable, d)


def _access_url_status_code(d: DistributionRecord, c: CheckContext) -> Outcome:
    return _status(d.access_url, c)


def _download_url_availability(d: DistributionRecord, c: CheckContext) -> Outcome:
    return _has(d, DCAT + "downloadURL", _text(d.download_url))


def _download_url_status_code(d: DistributionRecord, c: CheckContext) -> Outcome:
    return _status(d.download_url, c)


def _format_availability(d: DistributionRecord, c: CheckContext) -> Outcome:
    return _has(d, _FORMAT, _text(d.format))


def _media_type_availability(d: DistributionRecord, c: CheckContext) -> Outcome:
    return _has(d, _MEDIA_TYPE, _text(d.media_type))


def _dcat_ap_compliance(r: DatasetRecord, c: CheckContext) -> Outcome:
    return c.dcat_ap_compliant


def _licence_availability(d: DistributionRecord, c: CheckContext) -> Outcome:
    return _has(d, _LICENSE, _text(d.license))


def _known_licence(d: DistributionRecord, c: CheckContext) -> Outcome:
    return _iri(d, _LICENSE, d.license) in c.vocabularies.licences


def _rights_availability(d: DistributionRecord, c: CheckContext) -> Outcome:
    return _has(d, DCT + "rights", _text(d.rights))


def _byte_size_availability(d: DistributionRecord, c: CheckContext) -> Outcome:
    return _has(d, DCAT + "byteSize", d.byte_size is not None)


def _date_issued_availability(r: DatasetRecord | DistributionRecord, c: CheckContext) -> Outcome:
    return _has(r, DCT + "issued", _text(r.issued))


def _date_modified_availability(r: DatasetRecord | DistributionRecord, c: CheckContext) -> Outcome:
    return _has(r, DCT + "modified", _text(r.modified))


_LABEL_HINT = (
    ' Seule une IRI compte : un texte (« CSV », "text/csv") ou un libellé (« ESRI '
    "Shapefile (SHP) ») n'est pas une valeur de vocabulaire, écrire <…/file-type/CSV> ou "
    "<https://www.iana.org/assignments/media-types/text/csv> à la place."
)
_FORMAT_IRI = "http://publications.europa.eu/resource/authority/file-type/CSV"
_MEDIA_IRI = "https://www.iana.org/assignments/media-types/text/csv"


def register_mqa(registry: Registry) -> None:
    """Register the 23 MQA indicators, in the order of the methodology table."""
    registry.register(
        Indicator(
            id="mqa.keyword_availability",
            family="mqa",
            dimension="findability",
            points=30,
            level="dataset",
            label_fr="Mots-clés",
            label_en="Keyword usage",
            rationale="Keywords let users find the dataset by search terms.",
            fix_hint_fr="Ajouter au moins un dcat:keyword (littéral @fr) au jeu de données.",
            dcat_property="dcat:keyword",
            metric_iri=PV + "keywordAvailability",
        ),
        check=_keyword_availability,
    )

    registry.register(
        Indicator(
            id="mqa.category_availability",
            family="mqa",
            dimension="findability",
            points=30,
            level="dataset",
            label_fr="Thèmes",
            label_en="Categories",
            rationale="A theme places the dataset in the portal's browsing categories.",
            fix_hint_fr="Ajouter au moins un dcat:theme, de préférence une IRI de "
            "http://publications.europa.eu/"
            "resource/authority/data-theme/ (par ex. …/data-theme/ENVI).",
            dcat_property="dcat:theme",
            metric_iri=PV + "categoryAvailability",
        ),
        check=_category_availability,
    )

    registry.register(
        Indicator(
            id="mqa.spatial_availability",
            family="mqa",
            dimension="findability",
            points=20,
            level="dataset",
            label_fr="Couverture géographique",
            label_en="Geo search",
            rationale="A spatial coverage lets users find data by place.",
            fix_hint_fr="Renseigner dct:spatial (IRI INSEE ou dct:Location avec dcat:bbox).",
            dcat_property="dct:spatial",
            metric_iri=PV + "spatialAvailability",
        ),
        check=_spatial,
    )

    registry.register(
        Indicator(
            id="mqa.temporal_availability",
            family="mqa",
            dimension="findability",
            points=20,
            level="dataset",
            label_fr="Couverture temporelle",
            label_en="Time-based search",
            rationale="A temporal coverage lets users find data by period.",
            fix_hint_fr="Renseigner dct:temporal : un dct:PeriodOfTime avec dcat:startDate et "
            "dcat:endDate.",
            dcat_property="dct:temporal",
            metric_iri=PV + "temporalAvailability",
        ),
        check=_temporal,
    )

    registry.register(
        Indicator(
            id="mqa.access_url_status_code",
            family="mqa",
            dimension="accessibility",
            points=50,
            level="distribution",
            label_fr="URL d'accès joignable",
            label_en="AccessURL accessibility",
            rationale="The access URL must answer (HTTP 2xx) for the data to be reachable.",
            fix_hint_fr="Corriger dcat:accessURL de la distribution pour qu'elle réponde en "
            "HTTP 2xx "
            "(lien mort, redirection en boucle ou hôte injoignable).",
            dcat_property="dcat:accessURL",
            metric_iri=PV + "accessUrlStatusCode",
        ),
        check=_access_url_status_code,
    )

    registry.register(
        Indicator(
            id="mqa.download_url_availability",
            family="mqa",
            dimension="accessibility",
            points=20,
            level="distribution",
            label_fr="URL de téléchargement",
            label_en="DownloadURL",
            rationale="A direct download URL lets users and machines fetch the file.",
            fix_hint_fr="Ajouter dcat:downloadURL avec le lien direct vers le fichier.",
            dcat_property="dcat:downloadURL",
            metric_iri=PV + "downloadUrlAvailability",
        ),
        check=_download_url_availability,
    )

    registry.register(
        Indicator(
            id="mqa.download_url_status_code",
            family="mqa",
            dimension="accessibility",
            points=30,
            level="distribution",
            label_fr="URL de téléchargement joignable",
            label_en="DownloadURL accessibility",
            rationale="The download URL must answer (HTTP 2xx) for the file to be fetched.",
            fix_hint_fr="Ajouter ou corriger dcat:downloadURL pour qu'elle réponde en HTTP 2xx.",
            dcat_property="dcat:downloadURL",
            metric_iri=PV + "downloadUrlStatusCode",
        ),
        check=_download_url_status_code,
    )

    registry.register(
        Indicator(
            id="mqa.format_availability",
            family="mqa",
            dimension="interoperability",
            points=20,
            level="distribution",
            label_fr="Format",
            label_en="Format",
            rationale="The format tells users which tools open the file.",
            fix_hint_fr=f"Renseigner dct:format de la distribution, par ex. <{_FORMAT_IRI}>.",
            dcat_property="dct:format",
            metric_iri=PV + "formatAvailability",
        ),
        check=_format_availability,
    )

    registry.register(
        Indicator(
            id="mqa.media_type_availability",
            family="mqa",
            dimension="interoperability",
            points=10,
            level="distribution",
            label_fr="Type de média",
            label_en="Media type",
            rationale="The media type tells machines how to read the file.",
            fix_hint_fr=f"Renseigner dcat:mediaType avec le type IANA, par ex. <{_MEDIA_IRI}>.",
            dcat_property="dcat:mediaType",
            metric_iri=PV + "mediaTypeAvailability",
        ),
        check=_media_type_availability,
    )

    registry.register(
        Indicator(
            id="mqa.format_media_type_vocabulary_alignment",
            family="mqa",
            dimension="interoperability",
            points=10,
            level="distribution",
            label_fr="Format et type de média issus des vocabulaires",
            label_en="Format / media type from vocabulary",
            rationale="Controlled values make formats comparable across catalogs.",
            fix_hint_fr="Utiliser pour dct:format une IRI du vocabulaire européen des types de "
            "fichiers "
            f"(<{_FORMAT_IRI}>) et pour dcat:mediaType une IRI IANA (<{_MEDIA_IRI}>) : les "
            "deux sont exigés." + _LABEL_HINT,
            dcat_property="dct:format, dcat:mediaType",
            metric_iri=PV + "formatMediaTypeVocabularyAlignment",
        ),
        check=_format_vocab,
    )

    registry.register(
        Indicator(
            id="mqa.format_media_type_non_proprietary",
            family="mqa",
            dimension="interoperability",
            points=20,
            level="distribution",
            label_fr="Format non propriétaire",
            label_en="Non-proprietary",
            rationale="Open formats can be read without licensed software.",
            fix_hint_fr="Publier aussi une distribution dans un format ouvert (CSV, GeoJSON, "
            "GeoPackage…) "
            "et la décrire par dct:format (IRI de type de fichier) ou dcat:mediaType (type "
            "IANA)." + _LABEL_HINT,
            dcat_property="dct:format, dcat:mediaType",
            metric_iri=PV + "formatMediaTypeNonProprietary",
        ),
        check=_non_proprietary,
    )

    registry.register(
        Indicator(
            id="mqa.format_media_type_machine_readable",
            family="mqa",
            dimension="interoperability",
            points=20,
            level="distribution",
            label_fr="Format lisible par machine",
            label_en="Machine readable",
            rationale="Structured formats can be processed automatically.",
            fix_hint_fr="Publier une distribution structurée (CSV, JSON, GeoJSON, SHP, GPKG…) "
            "décrite par "
            "dct:format (IRI de type de fichier) ou dcat:mediaType (type IANA)." + _LABEL_HINT,
            dcat_property="dct:format, dcat:mediaType",
            metric_iri=PV + "formatMediaTypeMachineInterpretable",
        ),
        check=_machine_readable,
    )

    registry.register(
        Indicator(
            id="mqa.dcat_ap_compliance",
            family="mqa",
            dimension="interoperability",
            points=30,
            level="dataset",
            label_fr="Conformité DCAT-AP",
            label_en="DCAT-AP compliance",
            rationale="A record valid against the DCAT-AP shapes is harvested without loss.",
            fix_hint_fr="Corriger les violations SHACL DCAT-AP listées pour ce jeu de données.",
            dcat_property="(fiche entière)",
            metric_iri=PV + "dcatApCompliance",
        ),
        check=_dcat_ap_compliance,
    )

    registry.register(
        Indicator(
            id="mqa.licence_availability",
            family="mqa",
            dimension="reusability",
            points=20,
            level="distribution",
            label_fr="Licence",
            label_en="Licence information",
            rationale="Without a licence, reuse is legally uncertain.",
            fix_hint_fr="Indiquer dct:license sur chaque distribution, par ex. "
            "<https://spdx.org/licenses/etalab-2.0>.",
            dcat_property="dct:license",
            metric_iri=PV + "licenceAvailability",
        ),
        check=_licence_availability,
    )

    registry.register(
        Indicator(
            id="mqa.known_licence",
            family="mqa",
            dimension="reusability",
            points=10,
            level="distribution",
            label_fr="Licence connue",
            label_en="Licence vocabulary",
            rationale="A licence from a known list can be interpreted automatically.",
            fix_hint_fr="Donner à dct:license l'IRI d'une licence connue : "
            "<http://publications.europa.eu/resource/"
            "authority/licence/ETALAB_2_0> ou <https://spdx.org/licenses/etalab-2.0> ; un "
            "libellé ou une URL de PDF locale ne compte pas.",
            dcat_property="dct:license",
            metric_iri=PV + "knownLicence",
        ),
        check=_known_licence,
    )

    registry.register(
        Indicator(
            id="mqa.access_rights_availability",
            family="mqa",
            dimension="reusability",
            points=10,
            level="dataset",
            label_fr="Conditions d'accès",
            label_en="Access restrictions",
            rationale="Users must know whether they may access the data.",
            fix_hint_fr="Renseigner dct:accessRights du jeu de données.",
            dcat_property="dct:accessRights",
            metric_iri=PV + "accessRightsAvailability",
        ),
        check=_access_rights,
    )

    registry.register(
        Indicator(
            id="mqa.access_rights_vocabulary_alignment",
            family="mqa",
            dimension="reusability",
            points=5,
            level="dataset",
            label_fr="Conditions d'accès issues du vocabulaire",
            label_en="Access restrictions vocabulary",
            rationale="The EU access-right values are understood by every DCAT-AP portal.",
            fix_hint_fr="Donner à dct:accessRights l'IRI "
            "<http://publications.europa.eu/resource/authority/"
            "access-right/PUBLIC> (ou RESTRICTED, NON_PUBLIC) ; un texte libre, même juste, "
            "ne compte pas.",
            dcat_property="dct:accessRights",
            metric_iri=PV + "accessRightsVocabularyAlignment",
        ),
        check=_access_rights_vocab,
    )

    registry.register(
        Indicator(
            id="mqa.contact_point_availability",
            family="mqa",
            dimension="reusability",
            points=20,
            level="dataset",
            label_fr="Point de contact",
            label_en="Contact point",
            rationale="Users need someone to ask about the data.",
            fix_hint_fr="Ajouter dcat:contactPoint (vcard:Kind avec vcard:fn et vcard:hasEmail).",
            dcat_property="dcat:contactPoint",
            metric_iri=PV + "contactPointAvailability",
        ),
        check=_contact,
    )

    registry.register(
        Indicator(
            id="mqa.publisher_availability",
            family="mqa",
            dimension="reusability",
            points=10,
            level="dataset",
            label_fr="Éditeur",
            label_en="Publisher",
            rationale="The publisher is accountable for the data.",
            fix_hint_fr="Ajouter dct:publisher (foaf:Organization avec foaf:name) ; "
            "dct:rightsHolder ne le "
            "remplace pas.",
            dcat_property="dct:publisher",
            metric_iri=PV + "publisherAvailability",
        ),
        check=_publisher,
    )

    registry.register(
        Indicator(
            id="mqa.rights_availability",
            family="mqa",
            dimension="contextuality",
            points=5,
            level="distribution",
            label_fr="Droits",
            label_en="Rights",
            rationale="A rights statement explains reuse conditions beyond the licence.",
            fix_hint_fr="Ajouter dct:rights (dct:RightsStatement avec rdfs:label) à la "
            "distribution.",
            dcat_property="dct:rights",
            metric_iri=PV + "rightsAvailability",
        ),
        check=_rights_availability,
    )

    registry.register(
        Indicator(
            id="mqa.byte_size_availability",
            family="mqa",
            dimension="contextuality",
            points=5,
            level="distribution",
            label_fr="Taille du fichier",
            label_en="File size",
            rationale="The size tells users what a download costs.",
            fix_hint_fr="Renseigner dcat:byteSize (entier, en octets) sur la distribution.",
            dcat_property="dcat:byteSize",
            metric_iri=PV + "byteSizeAvailability",
        ),
        check=_byte_size_availability,
    )

    registry.register(
        Indicator(
            id="mqa.date_issued_availability",
            family="mqa",
            dimension="contextuality",
            points=5,
            level="dataset+distribution",
            label_fr="Date de publication",
            label_en="Date of issue",
            rationale="The issue date tells users how old the data is.",
            fix_hint_fr="Renseigner dct:issued (xsd:date) sur le jeu de données ou sa "
            "distribution.",
            dcat_property="dct:issued",
            metric_iri=PV + "dateIssuedAvailability",
        ),
        check=_date_issued_availability,
    )

    registry.register(
        Indicator(
            id="mqa.date_modified_availability",
            family="mqa",
            dimension="contextuality",
            points=5,
            level="dataset+distribution",
            label_fr="Date de modification",
            label_en="Modification date",
            rationale="The modification date tells users whether the data is current.",
            fix_hint_fr="Renseigner dct:modified (xsd:date) à chaque mise à jour, sur le jeu "
            "de données ou "
            "sa distribution.",
            dcat_property="dct:modified",
            metric_iri=PV + "dateModifiedAvailability",
        ),
        check=_date_modified_availability,
    )
