"""High-value datasets (HVD): the checks of DCAT-AP HVD 3.0.0 and the HVD regulation.

A dataset is HVD when it carries an HVD category (``dcatap:hvdCategory``) or the ELI of
Implementing Regulation (EU) 2023/138 in ``dcatap:applicableLegislation`` (DCAT-AP HVD
3.0.0, "Denoting a HVD Dataset"). Only those are measured: on any other dataset every
``hvd.*`` check is "not measured". The checks are worth 0 MQA points, like the
Ecosphères ones: they inform, they do not move the score. Their registration (labels,
fix hints) is in ``hvd_indicators``.

Reference: SEMIC, *DCAT-AP for High-Value Datasets* 3.0.0
(``https://semiceu.github.io/DCAT-AP/releases/3.0.0-hvd/``) and its SHACL shapes
(``hvd-SHACL-full.ttl``), against which the tests compare every real-data dataset.

======================  =============================================  ===================
check                   passes when                                    official shape
======================  =============================================  ===================
hvd.category            ≥ 1 ``dcatap:hvdCategory``, every one a concept  hvdCategory minCount,
                        of the EU scheme (exact IRI)                    node (inScheme)
hvd.legislation         ``dcatap:applicableLegislation`` holds the ELI  minCount, hasValue
hvd.licence             a distribution's licence is on our list of       none (ours)
                        licences compatible with Article 4, or the page
                        maps it to one (exactMatch, sameAs, narrowMatch)
hvd.api                 a ``dcat:DataService`` reached through           Dataset/API minCount
                        ``dcat:distribution/dcat:accessService`` or      + DataService
                        ``^dcat:servesDataset`` has a ``dcat:endpointURL`` endpointURL minCount
hvd.api_documented      such a service has a ``dcat:endpointDescription``  page minCount *
                        or a documentation page (``foaf:page``)
hvd.bulk_download       ≥ 1 ``dcat:distribution``                        distribution minCount
hvd.contact_point       the dataset has a ``dcat:contactPoint``          none (recommended)
======================  =============================================  ===================

\\* laxer than the shapes on purpose: the shapes require ``foaf:page``, while the
specification's own usage note for ``dcat:endpointDescription`` maps it to the API
documentation Article 3(3) asks for; either counts here.
"""

from __future__ import annotations

from collections.abc import Callable

from dcat_quality.dcat import vocab as v
from dcat_quality.dcat.records import DatasetRecord, HvdFacts
from dcat_quality.quality.hvd_vocabulary import load_hvd_vocabulary

SPECIFICATION = "DCAT-AP HVD 3.0.0 / Implementing Regulation (EU) 2023/138"

HvdCheck = Callable[[DatasetRecord, HvdFacts], bool]


def category_ok(record: DatasetRecord, facts: HvdFacts) -> bool:
    """At least one category, and every one in the EU scheme."""
    known = load_hvd_vocabulary().categories
    return bool(facts.categories) and all(c in known for c in facts.categories)


def legislation_ok(record: DatasetRecord, facts: HvdFacts) -> bool:
    return v.HVD_ELI in facts.legislation


def licence_ok(record: DatasetRecord, facts: HvdFacts) -> bool:
    """A distribution under a compatible licence, stated or mapped in the page."""
    vocabulary = load_hvd_vocabulary()
    for dist in record.distributions:
        if vocabulary.licence_code(dist.license):
            return True
    return any(
        vocabulary.licence_code(other)
        for licence, other in facts.licence_equivalents
        if any(d.license == licence for d in record.distributions)
    )


def api_ok(record: DatasetRecord, facts: HvdFacts) -> bool:
    return any(service.endpoint_urls for service in facts.services)


def api_documented_ok(record: DatasetRecord, facts: HvdFacts) -> bool:
    return any(s.endpoint_descriptions or s.documentation for s in facts.services)


def bulk_download_ok(record: DatasetRecord, facts: HvdFacts) -> bool:
    return bool(record.distributions)


def contact_point_ok(record: DatasetRecord, facts: HvdFacts) -> bool:
    return record.has_contact_point
