"""GeoNetwork's CSW output in its DCAT output schema, as the crafted pages of the tests.

Modelled on real GeoNetwork output: the CSW ``GetRecords`` envelope with one ``rdf:RDF``
per record (GeoNetwork's ``iso19139/present/csw/dcat-brief.xsl`` and ``metadata-rdf.xsl``:
a ``dcat:CatalogRecord`` whose ``foaf:primaryTopic`` has ``rdf:resource``, IRIs built on
the site URL, relative when it is unset), the ``dcat:theme rdf:resource="…">Label
</dcat:theme>`` of GeoNetwork's DCAT export kept by udata as
``udata/harvest/tests/dcat/geonetwork.xml``, and ``xml:lang="fre"``.
"""

from __future__ import annotations

#: The address the crafted pages are read from (their relative IRIs resolve against it).
CSW_URL = "https://geo.example.fr/geonetwork/srv/fre/csw"

#: One record: format it with ``uuid`` and ``title``. Each record needs three repairs
#: (text beside rdf:resource, relative IRIs, an ISO 639-2 language tag).
RECORD = """
    <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
             xmlns:dct="http://purl.org/dc/terms/" xmlns:foaf="http://xmlns.com/foaf/0.1/">
      <dcat:CatalogRecord rdf:about="/metadata/{uuid}">
        <foaf:primaryTopic rdf:resource="/resource/{uuid}"/>
        <dct:modified>2024-03-01</dct:modified>
      </dcat:CatalogRecord>
      <dcat:Dataset rdf:about="/resource/{uuid}">
        <dct:identifier>{uuid}</dct:identifier>
        <dct:title xml:lang="fre">{title}</dct:title>
        <dcat:keyword>eau</dcat:keyword>
        <dcat:theme rdf:resource="http://inspire.ec.europa.eu/theme/hy">Hydrographie</dcat:theme>
        <dct:license rdf:resource="https://www.etalab.gouv.fr/licence-ouverte-open-licence"/>
      </dcat:Dataset>
    </rdf:RDF>"""


def get_records(records: list[str], matched: int, next_record: int) -> bytes:
    """A ``GetRecordsResponse`` holding ``records`` (``RECORD`` formatted), as GeoNetwork
    pages it: ``numberOfRecordsMatched`` and ``nextRecord`` (0 on the last page)."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<csw:GetRecordsResponse xmlns:csw="http://www.opengis.net/cat/csw/2.0.2"'
        ' xmlns:dcat="http://www.w3.org/ns/dcat#">\n'
        '  <csw:SearchStatus timestamp="2024-03-01T10:00:00"/>\n'
        f'  <csw:SearchResults numberOfRecordsMatched="{matched}"'
        f' numberOfRecordsReturned="{len(records)}" nextRecord="{next_record}"'
        ' elementSet="full">' + "".join(records) + "\n  </csw:SearchResults>\n"
        "</csw:GetRecordsResponse>\n"
    ).encode()


def page(start: int, size: int, total: int) -> bytes:
    """The ``GetRecords`` page from ``startPosition`` ``start`` of a catalogue of ``total``
    records titled « Jeu n » (uuid ``rn``)."""
    records = [
        RECORD.format(uuid=f"r{n}", title=f"Jeu {n}")
        for n in range(start, min(start + size, total + 1))
    ]
    following = start + len(records) if start + len(records) <= total else 0
    return get_records(records, total, following)


#: Two records (« Cours d'eau » a1, « Plans d'eau » b2) of a catalogue of twelve.
GET_RECORDS = get_records(
    [
        RECORD.format(uuid="a1", title="Cours d'eau"),
        RECORD.format(uuid="b2", title="Plans d'eau"),
    ],
    12,
    3,
)
