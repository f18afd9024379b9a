"""The records the parsers produce: one ``DatasetRecord`` per ``dcat:Dataset`` node.

Both parsing paths (pyoxigraph and the orjson fast path) build these through the same
extraction code, so two records are equal exactly when the two paths agree. Multi-valued
fields are sorted tuples and single values are chosen by a fixed rule (see
``dcat.extract``), so a record never depends on the order of triples in the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class DistributionRecord:
    """One ``dcat:Distribution`` of a dataset."""

    distribution_id: str
    title: str | None = None
    access_url: str | None = None
    download_url: str | None = None
    format: str | None = None
    media_type: str | None = None
    license: str | None = None
    byte_size: int | None = None
    issued: str | None = None
    modified: str | None = None
    rights: str | None = None
    # Facts about the triples rather than values, left out of the repr and of a blank
    # distribution's id (``dcat.extract``): ids and reprs stay those of before them.
    #: Rank among the dataset's ``dcat:distribution`` values in the page (document order).
    position: int = field(default=0, repr=False)
    #: The properties the node has at least one value for, whatever its kind (an IRI, a
    #: blank node with or without a label, a literal, even an empty one).
    present: frozenset[str] = field(default=frozenset(), repr=False)
    #: Of ``dct:format``, ``dcat:mediaType`` and ``dct:license``, those whose kept value is
    #: not an IRI (a literal or a node's label): never on a vocabulary.
    not_iri: frozenset[str] = field(default=frozenset(), repr=False)


@dataclass(frozen=True, slots=True)
class DataServiceRecord:
    """A ``dcat:DataService`` giving access to a dataset: the API of the HVD rules.

    Reached from the dataset through ``dcat:distribution``/``dcat:accessService`` or
    pointing at it with ``dcat:servesDataset`` (DCAT-AP HVD 3.0.0, "Connecting Data
    Services with Datasets": both routes count).
    """

    service_id: str  # the IRI, or "" for a blank node
    endpoint_urls: tuple[str, ...] = ()
    endpoint_descriptions: tuple[str, ...] = ()
    documentation: tuple[str, ...] = ()  # foaf:page
    has_contact_point: bool = False


@dataclass(frozen=True, slots=True)
class HvdFacts:
    """What the high-value-dataset checks read, kept only for datasets that are HVD.

    ``licence_equivalents`` pairs a distribution's licence with a licence the page says
    it equals or is more permissive than (``skos:exactMatch``, ``owl:sameAs``,
    ``skos:narrowMatch``, or the other's ``skos:broadMatch``), the "assessment support
    for licences" of DCAT-AP HVD 3.0.0.
    """

    categories: tuple[str, ...] = ()
    legislation: tuple[str, ...] = ()
    services: tuple[DataServiceRecord, ...] = ()
    licence_equivalents: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class DatasetRecord:
    """One ``dcat:Dataset`` with the fields of the historical extract and more.

    Dates are kept as the lexical form found in the page; ``dcat.dates`` parses them.
    ``*_lang`` record the language of the literal kept (French when present).
    """

    dataset_id: str
    is_blank_node: bool = False
    is_series: bool = False
    identifier: str | None = None
    title: str | None = None
    title_lang: str | None = None
    description: str | None = None
    description_lang: str | None = None
    issued: str | None = None
    created: str | None = None
    modified: str | None = None
    access_rights: tuple[str, ...] = ()
    access_rights_iris: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    keywords_lang: str | None = None
    creator: str | None = None
    rights_holder: str | None = None
    publisher: str | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    status: str | None = None
    catalog: str | None = None
    spatial: tuple[str, ...] = ()
    bbox: str | None = None
    licenses: tuple[str, ...] = ()
    landing_page: str | None = None
    languages: tuple[str, ...] = ()
    temporal_start: str | None = None
    temporal_end: str | None = None
    accrual_periodicity: str | None = None
    distributions: tuple[DistributionRecord, ...] = field(default=())
    # Presence of a value whatever its shape (a node without name, a period without
    # dates): the MQA availability checks count the property, not what we can read of it.
    has_contact_point: bool = False
    has_publisher: bool = False
    has_spatial: bool = False
    has_temporal: bool = False
    # Last, and left out of a blank node's id when None: ids stay those of before it.
    hvd: HvdFacts | None = None
    #: The properties the node has at least one value for, whatever its kind (left out
    #: of the repr and of a blank node's id, like the distributions' ``present``).
    present: frozenset[str] = field(default=frozenset(), repr=False)


@dataclass(frozen=True, slots=True)
class HydraPage:
    """The Hydra paging block of a CKAN page, when it has one."""

    page_iri: str
    total_items: int | None = None
    items_per_page: int | None = None
    next_page: str | None = None
    last_page: str | None = None


@dataclass(frozen=True, slots=True)
class RdfFinding:
    """Something read leniently in a page, with where it is (``dcat.rdfxml_check``).

    ``iri`` is the (resolved) IRI the finding concerns, ``lang`` the language tag, and
    ``within`` the IRIs of the node elements it is written in (outermost first; blank
    nodes left out), so the finding can be attached to the datasets it touches.
    """

    code: str
    line: int
    column: int
    message: str
    iri: str | None = None
    lang: str | None = None
    within: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ParsedPage:
    """What one page yields: its datasets, its paging block, and which path parsed it.

    ``findings`` are the page's lenient readings (repairs); ``dataset_findings`` gives,
    for each dataset a repair touched, the codes of those repairs.
    """

    datasets: tuple[DatasetRecord, ...]
    hydra: HydraPage | None = None
    parser: str = "pyoxigraph"
    triples: int = 0
    findings: tuple[RdfFinding, ...] = ()
    dataset_findings: tuple[tuple[str, tuple[RdfFinding, ...]], ...] = ()
