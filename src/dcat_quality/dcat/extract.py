"""Graph → dataset records: the one place that decides what each field means.

Both parsing paths feed a ``Graph`` to ``extract_datasets``, so they agree by
construction on everything but the triples themselves (which the differential tests
compare). Rules that make a record independent of triple order:

* a multi-valued field is a sorted tuple without duplicates;
* a text field keeps one literal: French when present, else an untagged one, else
  English, else the smallest language tag; among equals the smallest value. French is
  ``fr``, ``fr-*`` and the ISO 639-2 codes ``fre``/``fra`` (not BCP 47, but written by
  ISO 19139 exports and GeoNetwork) — the tag itself is recorded as published;
* a single-valued IRI field keeps the smallest IRI;
* empty or blank literals count as absent.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import TypeVar

from dcat_quality.dcat import vocab as v
from dcat_quality.dcat.graph import Graph, Literal, Term, is_blank, is_iri
from dcat_quality.dcat.records import (
    DataServiceRecord,
    DatasetRecord,
    DistributionRecord,
    HvdFacts,
    HydraPage,
)

BLANK_DATASET_PREFIX = "urn:dcat-quality:blank-dataset:"

T = TypeVar("T")

_FRENCH = ("fr", "fre", "fra")


def _lang_rank(lang: str | None) -> tuple[int, str]:
    if lang is None:
        return (1, "")
    if lang.partition("-")[0] in _FRENCH:
        return (0, lang)
    if lang == "en" or lang.startswith("en-"):
        return (2, lang)
    return (3, lang)


def _literals(values: Iterable[Term]) -> list[Literal]:
    return [t for t in values if isinstance(t, Literal) and t.value.strip()]


def choose_literal(values: Iterable[Term]) -> Literal | None:
    """The literal to keep among several (French first, see module docstring)."""
    literals = _literals(values)
    if not literals:
        return None
    return min(literals, key=lambda t: (_lang_rank(t.lang), t.value))


def _text(values: Sequence[Term]) -> tuple[str | None, str | None]:
    if len(values) == 1:  # the usual case: no choice to make
        only = values[0]
        if isinstance(only, Literal) and only.value.strip():
            return only.value, only.lang
        return None, None
    chosen = choose_literal(values)
    return (chosen.value, chosen.lang) if chosen else (None, None)


def _first_iri(values: Sequence[Term]) -> str | None:
    if len(values) == 1:
        only = values[0]
        return only if isinstance(only, str) and not only.startswith("_:") else None
    iris = [t for t in values if isinstance(t, str) and not t.startswith("_:")]
    return min(iris) if iris else None


def _present(values: Iterable[Term]) -> bool:
    """True when any value is an IRI, a blank node or a non-blank literal."""
    return any(not isinstance(t, Literal) or t.value.strip() for t in values)


def _iri_or_text(values: Sequence[Term]) -> str | None:
    """An IRI when there is one, else the chosen literal's text."""
    iri = _first_iri(values)
    return iri if iri is not None else _text(values)[0]


#: Licence mapping properties of DCAT-AP HVD 3.0.0 ("Assessment support for licences"):
#: ``L p X`` says L is the same as X, or more permissive (X is narrower).
_LICENCE_SAME_OR_BROADER = (v.SKOS + "exactMatch", v.OWL + "sameAs", v.SKOS + "narrowMatch")


class _Extractor:
    """Reads records out of one page graph."""

    def __init__(self, graph: Graph) -> None:
        self.g = graph
        self._catalog_of: dict[str, list[str]] = {}
        self._served_by: dict[str, list[str]] | None = None  # built on first HVD use
        for subject, props in graph.items():
            if v.CATALOG in props.get(v.TYPE, ()):
                for dataset in props.get(v.DCAT + "dataset", ()):
                    if isinstance(dataset, str):
                        self._catalog_of.setdefault(dataset, []).append(subject)

    # -- helpers over the graph -------------------------------------------------------

    def values(self, subject: Term, *predicates: str) -> Sequence[Term]:
        props = self.g.properties(subject)
        if len(predicates) == 1:
            return props.get(predicates[0], ())
        out: list[Term] = []
        for predicate in predicates:
            out.extend(props.get(predicate, ()))
        return out

    def name_of(self, node: Term, properties: tuple[str, ...] = v.NAME_PROPERTIES) -> str | None:
        """A node's human name: a literal itself, or the first naming property it has."""
        if isinstance(node, Literal):
            return node.value.strip() or None
        props = self.g.properties(node)
        if props:
            for prop in properties:
                values = props.get(prop)
                if values:
                    text, _ = _text(values)
                    if text is not None:
                        return text
        return None

    def names(self, subject: Term, *predicates: str) -> str | None:
        found = [n for n in (self.name_of(o) for o in self.values(subject, *predicates)) if n]
        return min(found) if found else None

    def labels_or_iris(self, nodes: Iterable[Term]) -> list[str]:
        """Label of each node, falling back to its IRI (blank nodes without label vanish)."""
        out: list[str] = []
        for node in nodes:
            label = self.name_of(node, v.LABEL_PROPERTIES)
            if label is not None:
                out.append(label)
            elif is_iri(node):
                out.append(node)
        return out

    def themes(self, nodes: Sequence[Term]) -> tuple[str, ...]:
        """Each theme's IRI, its label when it is a blank node (``[ a skos:Concept ;
        skos:prefLabel … ]``), or its text; an unlabelled blank node has none to keep."""
        out: set[str] = set()
        for node in nodes:
            if isinstance(node, Literal):
                if node.value.strip():
                    out.add(node.value.strip())
            elif is_blank(node):
                label = self.name_of(node, v.LABEL_PROPERTIES)
                if label is not None:
                    out.add(label)
            else:
                out.add(node)
        return tuple(sorted(out))

    def concept(self, subject: Term, predicate: str) -> str | None:
        """A concept-like value (format, media type, licence): IRI, else label, else text."""
        nodes = self.g.properties(subject).get(predicate, ())
        if not nodes:
            return None
        iri = _first_iri(nodes)
        if iri is not None:
            return iri
        labels = self.labels_or_iris(nodes)
        return min(labels) if labels else None

    def lexical(self, subject: Term, *predicates: str) -> str | None:
        values = self.values(subject, *predicates)
        if not values:
            return None
        if len(values) == 1:
            only = values[0]
            return (only.value.strip() or None) if isinstance(only, Literal) else None
        literals = _literals(values)
        return min(t.value.strip() for t in literals) if literals else None

    # -- records ------------------------------------------------------------------------

    def distribution(self, node: Term, position: int = 0) -> DistributionRecord:
        props = self.g.properties(node)
        get = props.get
        rights = self.labels_or_iris(get(v.DCT + "rights", ()))
        not_iri = [
            p for p in _CONCEPT_PROPERTIES if (found := get(p)) and _first_iri(found) is None
        ]
        return DistributionRecord(
            distribution_id=node if is_iri(node) else "",
            title=_text(get(v.DCT + "title", ()))[0],
            access_url=_iri_or_text(get(v.DCAT + "accessURL", ())),
            download_url=_iri_or_text(get(v.DCAT + "downloadURL", ())),
            format=self.concept(node, v.DCT + "format"),
            media_type=self.concept(node, v.DCAT + "mediaType"),
            license=self.concept(node, v.DCT + "license"),
            byte_size=_byte_size(self.lexical(node, v.DCAT + "byteSize")),
            issued=self.lexical(node, v.DCT + "issued"),
            modified=self.lexical(node, v.DCT + "modified"),
            rights=min(rights) if rights else None,
            position=position,
            present=frozenset(props),
            not_iri=frozenset(not_iri) if not_iri else frozenset(),
        )

    def catalog_title(self, dataset: str) -> str | None:
        for record in self.g.objects(dataset, v.FOAF + "isPrimaryTopicOf"):
            title = self.names(record, v.DCAT + "inCatalog")
            if title is None:
                catalogs = self.g.objects(record, v.DCAT + "inCatalog")
                title = (
                    min((self.name_of(c, (v.DCT + "title",)) or "" for c in catalogs), default="")
                    or None
                )
            if title:
                return title
        titles = [
            t
            for t in (
                self.name_of(c, (v.DCT + "title",)) for c in self._catalog_of.get(dataset, ())
            )
            if t
        ]
        return min(titles) if titles else None

    def contact(self, dataset: str) -> tuple[str | None, str | None]:
        names: list[str] = []
        emails: list[str] = []
        for point in self.g.objects(dataset, v.DCAT + "contactPoint"):
            name = self.name_of(point, (v.VCARD + "fn", v.VCARD + "organization-name"))
            if name:
                names.append(name)
            for value in self.g.objects(point, v.VCARD + "hasEmail"):
                if is_blank(value):  # no address, and a label that differs per parser
                    continue
                email = normalise_email(value.value if isinstance(value, Literal) else value)
                if email:
                    emails.append(email)
        return (min(names) if names else None, min(emails) if emails else None)

    def temporal(self, dataset: str) -> tuple[str | None, str | None]:
        starts: list[str] = []
        ends: list[str] = []
        for period in self.g.objects(dataset, v.DCT + "temporal"):
            start = self.lexical(
                period,
                v.DCAT + "startDate",
                v.SCHEMA_HTTP + "startDate",
                v.SCHEMA_HTTPS + "startDate",
            )
            end = self.lexical(
                period, v.DCAT + "endDate", v.SCHEMA_HTTP + "endDate", v.SCHEMA_HTTPS + "endDate"
            )
            if start:
                starts.append(start)
            if end:
                ends.append(end)
        return (min(starts) if starts else None, max(ends) if ends else None)

    # -- high-value datasets ------------------------------------------------------------

    def services_serving(self, dataset: str) -> list[str]:
        """Data-service nodes declaring ``dcat:servesDataset`` this dataset."""
        if self._served_by is None:
            self._served_by = {}
            for subject, props in self.g.items():
                for served in props.get(v.DCAT + "servesDataset", ()):
                    if isinstance(served, str):
                        self._served_by.setdefault(served, []).append(subject)
        return self._served_by.get(dataset, [])

    def service(self, node: Term) -> DataServiceRecord:
        get = self.g.properties(node).get

        def iris_or_texts(predicate: str) -> tuple[str, ...]:
            return tuple(
                sorted(
                    {
                        t if isinstance(t, str) else t.value.strip()
                        for t in get(predicate, ())
                        if not is_blank(t) and (isinstance(t, str) or t.value.strip())
                    }
                )
            )

        return DataServiceRecord(
            service_id=node if is_iri(node) else "",
            endpoint_urls=iris_or_texts(v.DCAT + "endpointURL"),
            endpoint_descriptions=iris_or_texts(v.DCAT + "endpointDescription"),
            documentation=iris_or_texts(v.FOAF + "page"),
            has_contact_point=_present(get(v.DCAT + "contactPoint", ())),
        )

    def hvd(self, subject: str, distribution_nodes: Sequence[Term]) -> HvdFacts:
        """The HVD facts of a dataset node, whether or not it is a high-value dataset."""
        get = self.g.properties(subject).get
        nodes: list[Term] = list(self.services_serving(subject))
        for dist in distribution_nodes:
            nodes.extend(self.g.properties(dist).get(v.DCAT + "accessService", ()))
        seen: set[Term] = set()
        services = []
        for node in nodes:
            if node not in seen and not isinstance(node, Literal):
                seen.add(node)
                services.append(self.service(node))
        services.sort(key=lambda s: (s.service_id, repr(s)))
        licences = {
            lic
            for dist in distribution_nodes
            for lic in self.g.properties(dist).get(v.DCT + "license", ())
            if isinstance(lic, str) and not lic.startswith("_:")
        }
        equivalents: set[tuple[str, str]] = set()
        for lic in licences:
            for predicate in _LICENCE_SAME_OR_BROADER:
                equivalents.update(
                    (lic, other)
                    for other in self.g.objects(lic, predicate)
                    if isinstance(other, str) and not other.startswith("_:")
                )
            equivalents.update(
                (lic, other)
                for other in self.g.subjects_with(v.SKOS + "broadMatch", lic)
                if is_iri(other)
            )
            equivalents.update(
                (lic, other)
                for predicate in (v.SKOS + "exactMatch", v.OWL + "sameAs")
                for other in self.g.subjects_with(predicate, lic)
                if is_iri(other)
            )

        def values(predicate: str) -> tuple[str, ...]:
            return tuple(
                sorted(
                    {
                        t if isinstance(t, str) else t.value.strip()
                        for t in get(predicate, ())
                        if not is_blank(t) and (isinstance(t, str) or t.value.strip())
                    }
                )
            )

        return HvdFacts(
            categories=values(v.DCATAP + "hvdCategory"),
            legislation=values(v.DCATAP + "applicableLegislation"),
            services=tuple(services),
            licence_equivalents=tuple(sorted(equivalents)),
        )

    def dataset(self, subject: str) -> tuple[DatasetRecord, dict[str, str]]:
        """The record of one dataset node, and its distribution nodes → distribution ids."""
        get = self.g.properties(subject).get
        types = get(v.TYPE, ())
        title, title_lang = _text(get(v.DCT + "title", ()))
        description, description_lang = _text(get(v.DCT + "description", ()))
        rights_nodes = get(v.DCT + "accessRights", ())
        keywords = _literals(get(v.DCAT + "keyword", ()))
        keywords_lang = min((_lang_rank(k.lang) for k in keywords), default=None)
        chosen_keywords = sorted(
            {k.value.strip() for k in keywords if keywords_lang == _lang_rank(k.lang)}
        )
        spatial_nodes = get(v.DCT + "spatial", ())
        bboxes = [
            b
            for node in spatial_nodes
            for b in (self.lexical(node, v.DCAT + "bbox", v.LOCN + "geometry"),)
            if b
        ]
        distribution_nodes = get(v.DCAT + "distribution", ())
        distributions = [
            self.distribution(node, position) for position, node in enumerate(distribution_nodes)
        ]
        licenses = {lic for d in distributions if (lic := d.license)}
        dataset_license = self.concept(subject, v.DCT + "license")
        if dataset_license:
            licenses.add(dataset_license)
        contact_name, contact_email = self.contact(subject)
        temporal_start, temporal_end = self.temporal(subject)
        hvd = (
            self.hvd(subject, distribution_nodes)
            if _may_be_hvd(self.g.properties(subject))
            else None
        )
        # A blank node's id hashes the record (``_blank_dataset_id``) and its distributions'
        # ids hash that id: they are finished first when the dataset has an IRI, after the
        # record when it is blank (one more record then, for blank datasets only).
        blank = is_blank(subject)
        known, distribution_ids = ((), []) if blank else _finish(subject, distributions)
        record = DatasetRecord(
            dataset_id=subject,
            is_blank_node=blank,
            is_series=v.DATASET_SERIES in types,
            identifier=self.lexical(subject, v.DCT + "identifier"),
            title=title,
            title_lang=title_lang,
            description=description,
            description_lang=description_lang,
            issued=self.lexical(subject, v.DCT + "issued"),
            created=self.lexical(subject, v.DCT + "created"),
            modified=self.lexical(subject, v.DCT + "modified"),
            access_rights=tuple(sorted(set(self.labels_or_iris(rights_nodes)))),
            access_rights_iris=tuple(sorted({n for n in rights_nodes if is_iri(n)})),
            themes=self.themes(get(v.DCAT + "theme", ())),
            keywords=tuple(chosen_keywords),
            keywords_lang=keywords_lang[1] or None if keywords_lang else None,
            creator=self.names(subject, v.DCT + "creator"),
            rights_holder=self.names(subject, v.DCT + "rightsHolder", v.DCT + "rights_holder"),
            publisher=self.names(subject, v.DCT + "publisher"),
            contact_name=contact_name,
            contact_email=contact_email,
            status=_iri_or_text(get(v.ADMS + "status", ())),
            catalog=self.catalog_title(subject),
            spatial=tuple(sorted({n for n in spatial_nodes if is_iri(n)})),
            bbox=min(bboxes) if bboxes else None,
            licenses=tuple(sorted(licenses)),
            landing_page=_iri_or_text(get(v.DCAT + "landingPage", ())),
            languages=tuple(
                sorted(
                    {
                        t if isinstance(t, str) else t.value.strip()
                        for t in get(v.DCT + "language", ())
                        if is_iri(t) or (isinstance(t, Literal) and t.value.strip())
                    }
                )
            ),
            temporal_start=temporal_start,
            temporal_end=temporal_end,
            accrual_periodicity=_iri_or_text(get(v.DCT + "accrualPeriodicity", ())),
            distributions=known,
            has_contact_point=_present(get(v.DCAT + "contactPoint", ())),
            has_publisher=_present(get(v.DCT + "publisher", ())),
            has_spatial=_present(spatial_nodes),
            has_temporal=_present(get(v.DCT + "temporal", ())),
            hvd=hvd if hvd is not None and is_hvd(hvd) else None,
            present=frozenset(self.g.properties(subject)),
        )
        if blank:
            dataset_id = _blank_dataset_id(record, distributions)
            finished, distribution_ids = _finish(dataset_id, distributions)
            record = replace(record, dataset_id=dataset_id, distributions=finished)
        node_ids = {subject: record.dataset_id}
        for node, distribution_id in zip(distribution_nodes, distribution_ids, strict=True):
            if isinstance(node, str):
                node_ids[node] = distribution_id
        return record, node_ids


def _may_be_hvd(props: Mapping[str, Sequence[Term]]) -> bool:
    """Cheap pre-test (hot path): the dataset states an HVD category or a legislation."""
    return v.DCATAP + "hvdCategory" in props or v.DCATAP + "applicableLegislation" in props


def is_hvd(facts: HvdFacts) -> bool:
    """A high-value dataset: it carries an HVD category, or the HVD regulation's ELI as
    applicable legislation (DCAT-AP HVD 3.0.0, "Denoting a HVD Dataset")."""
    return bool(facts.categories) or v.HVD_ELI in facts.legislation


def extract_hvd_facts(graph: Graph, dataset: str) -> HvdFacts:
    """The HVD facts of one dataset node as if it were HVD (for comparisons with the
    official shapes, which assume every dataset is)."""
    extractor = _Extractor(graph)
    return extractor.hvd(dataset, graph.properties(dataset).get(v.DCAT + "distribution", ()))


def _byte_size(text: str | None) -> int | None:
    """``dcat:byteSize`` as a number of bytes; None when absent, unreadable or negative.

    Integers are read exactly (``5000000000``); decimals and doubles (``1.5E3``) are
    truncated; ``NaN``, ``INF`` and overflowing values (``1e400``) give None.
    """
    if text is None:
        return None
    try:
        size = int(text)
    except ValueError:
        try:
            number = float(text)
        except ValueError:
            return None
        if not math.isfinite(number):
            return None
        size = int(number)
    return size if size >= 0 else None


def normalise_email(value: str) -> str | None:
    """An e-mail address out of ``vcard:hasEmail``.

    Real values are ``mailto:x@y``, bare ``x@y``, or (Ecosphères) an IRI such as
    ``https://host/dcat/catalog/x@y``: keep the last path segment holding an ``@``.
    """
    text = value.strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    if "/" in text:
        last = text.rstrip("/").rsplit("/", 1)[-1]
        if "@" in last:
            text = last
    return text or None


def _digest(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()[:16]


def _replace_id(record: DistributionRecord, new_id: str) -> DistributionRecord:
    return DistributionRecord(new_id, *(getattr(record, name) for name in _DISTRIBUTION_REST))


_DISTRIBUTION_REST = DistributionRecord.__slots__[1:]  # every field after distribution_id
#: The fields a blank distribution's id hashes: those before ``position`` (the later ones
#: are facts about the triples, and ids must stay those of before them).
_DISTRIBUTION_IDENTITY = DistributionRecord.__slots__[
    : DistributionRecord.__slots__.index("position")
]
#: Properties whose value is looked up in a vocabulary: it must be an IRI to count.
_CONCEPT_PROPERTIES = (v.DCT + "format", v.DCAT + "mediaType", v.DCT + "license")
# ``repr((dist,))`` as one str.format call: blank distributions (most of CKAN's) get their
# id from it, and the dataclass __repr__ (a wrapper and a call per field) was a twentieth
# of a worker's time. The text must stay exactly the same: the ids are kept in the
# warehouse from run to run (a test compares both on real and generated records).
_DISTRIBUTION_TUPLE_REPR = (
    "(DistributionRecord("
    + ", ".join(f"{name}={{{i}!r}}" for i, name in enumerate(_DISTRIBUTION_IDENTITY))
    + "),)"
)


def _distribution_digest(dist: DistributionRecord) -> str:
    text = _DISTRIBUTION_TUPLE_REPR.format(
        *(getattr(dist, name) for name in _DISTRIBUTION_IDENTITY)
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _blank_distribution_id(dataset_id: str, dist: DistributionRecord) -> str:
    return f"{dataset_id}#distribution-{_distribution_digest(dist)}"


def _sort_by_id(
    items: list[T], key: Callable[[T], str], content: Callable[[T], object] = lambda x: x
) -> None:
    """Sort by id, then by ``repr(content)`` among equal ids, whatever the page order.

    Ids are nearly always unique, so the content is only looked at when they are not.
    """
    items.sort(key=key)
    if any(key(a) == key(b) for a, b in itertools.pairwise(items)):
        items.sort(key=lambda item: (key(item), repr(content(item))))


def _blank_dataset_id(record: DatasetRecord, distributions: list[DistributionRecord]) -> str:
    """A blank-node dataset's stable id: a digest of its whole record.

    The same on every run and on both parsing paths, whatever identifiers the page gave
    its blank nodes. ``record`` holds no distributions yet; they count sorted.
    """
    content: dict[str, object] = {name: getattr(record, name) for name in DatasetRecord.__slots__}
    if content["hvd"] is None:  # added later: ids of records without it unchanged
        del content["hvd"]
    del content["present"]  # a fact about the triples, not part of the identity
    content["dataset_id"] = ""
    content["distributions"] = tuple(sorted(distributions, key=repr))
    return BLANK_DATASET_PREFIX + _digest(content)


def _finish(
    dataset_id: str, distributions: list[DistributionRecord]
) -> tuple[tuple[DistributionRecord, ...], list[str]]:
    """The dataset's distributions with stable ids (a blank one's derived from its content
    and the dataset's id), sorted by id; and each one's id in the order given."""
    finished: list[DistributionRecord] = []
    ids: list[str] = []
    for given in distributions:
        dist = (
            given
            if given.distribution_id
            else _replace_id(given, _blank_distribution_id(dataset_id, given))
        )
        finished.append(dist)
        ids.append(dist.distribution_id)
    _sort_by_id(finished, _distribution_id)
    return tuple(finished), ids


def _distribution_id(dist: DistributionRecord) -> str:
    return dist.distribution_id


def extract_datasets(graph: Graph) -> tuple[DatasetRecord, ...]:
    """Every ``dcat:Dataset`` node of the page, sorted by id (ids made unique)."""
    return tuple(record for record, _, _ in extract_datasets_with_nodes(graph))


def extract_datasets_with_nodes(
    graph: Graph,
) -> list[tuple[DatasetRecord, str, dict[str, str]]]:
    """Like ``extract_datasets``, with each record's graph node and the ids its nodes got.

    The node → id map lets graph-level checks (SHACL) report stable ids rather than the
    page's blank-node labels.
    """
    extractor = _Extractor(graph)
    subjects = [s for s, props in graph.items() if v.DATASET in props.get(v.TYPE, ())]
    found = [(*extractor.dataset(s), s) for s in subjects]
    _sort_by_id(found, _record_id, lambda item: item[0])
    seen: dict[str, int] = {}
    unique: list[tuple[DatasetRecord, str, dict[str, str]]] = []
    for record, node_ids, subject in found:
        count = seen.get(record.dataset_id, 0)
        seen[record.dataset_id] = count + 1
        if count and record.is_blank_node:  # identical blank-node datasets: number them
            content = {name: getattr(record, name) for name in DatasetRecord.__slots__}
            content["dataset_id"] = f"{record.dataset_id}-{count + 1}"
            record = DatasetRecord(**content)  # noqa: PLW2901 - the renamed copy
            node_ids = {**node_ids, subject: record.dataset_id}  # noqa: PLW2901
        unique.append((record, subject, node_ids))
    return unique


def _record_id(item: tuple[DatasetRecord, dict[str, str], str]) -> str:
    return item[0].dataset_id


def extract_hydra(graph: Graph) -> HydraPage | None:
    """The Hydra paging block (``PagedCollection`` or ``PartialCollectionView``), if any.

    Of several blocks, the one with the smallest IRI is kept (blank nodes last), whatever
    the triple order. A blank-node block has an empty ``page_iri``, and blank-node values
    are ignored: their labels are the parser's, not the page's.
    """
    pages: list[HydraPage] = []
    for subject, props in graph.items():
        types = props.get(v.TYPE, ())
        if v.HYDRA + "PagedCollection" in types or v.HYDRA + "PartialCollectionView" in types:

            def lex(*names: str, _s: str = subject) -> str | None:
                for name in names:
                    found = [
                        t.value if isinstance(t, Literal) else t
                        for t in graph.objects(_s, v.HYDRA + name)
                        if not is_blank(t)
                    ]
                    if found:
                        return min(found)
                return None

            def number(*names: str) -> int | None:
                text = lex(*names)
                try:
                    return int(text) if text is not None else None
                except ValueError:
                    return None

            pages.append(
                HydraPage(
                    page_iri="" if is_blank(subject) else subject,
                    total_items=number("totalItems"),
                    items_per_page=number("itemsPerPage"),
                    next_page=lex("nextPage", "next"),
                    last_page=lex("lastPage", "last"),
                )
            )
    return min(pages, key=lambda page: (page.page_iri == "", repr(page)), default=None)
