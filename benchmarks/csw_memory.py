"""Memory of a CSW harvest of tens of thousands of records (not a test: it measures).

A loopback stand-in plays a GeoNetwork CSW: it answers ``GetRecords`` with pages of
generated ISO 19139 records (``gmd:MD_Metadata``, synthetic, each with a title, an
abstract, keywords, a contact, a bounding box, constraints, two online resources and a
lineage padded to ``--record-bytes``), ``numberOfRecordsMatched`` and ``nextRecord`` as a
real catalogue pages them. For each catalogue size, the whole chain runs as a subprocess:

    dcat-quality run --source csw+http://127.0.0.1:PORT/geonetwork/srv/fre/csw

(ISO 19139 output schema, ``DCAT_QUALITY_CSW_PAGE_SIZE`` records per page, every record
mapped to DCAT, scored and loaded in PostgreSQL), and the peak RSS and PSS of its process
tree (the run and its parse workers) are sampled from /proc, and the bytes of the
temporary files it holds (its ``TMPDIR`` is a folder of its own, walked while it runs).
The issue's goal: memory flat over tens of thousands of records — the peak at the
largest size within 1.2× the peak at the smallest.

    .venv/bin/python benchmarks/csw_memory.py                     # 1k, 10k, 30k records
    .venv/bin/python benchmarks/csw_memory.py --sizes 1000,50000 --workers 2

PostgreSQL is ``BENCH_DATABASE_URL`` (or ``TEST_DATABASE_URL``), else a throw-away
embedded server; each size gets its own schema ``bench_csw_<size>``, dropped first.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

import psycopg
from bench import GOAL_RSS_FLAT, ProcessMonitor, _database, machine_busy_s
from psycopg import sql

if TYPE_CHECKING:
    from multiprocessing.queues import Queue

CSW_PATH = "/geonetwork/srv/fre/csw"

_RECORD = """<gmd:MD_Metadata xmlns:gmd="http://www.isotc211.org/2005/gmd"
    xmlns:gco="http://www.isotc211.org/2005/gco" xmlns:gmx="http://www.isotc211.org/2005/gmx"
    xmlns:xlink="http://www.w3.org/1999/xlink">
  <gmd:fileIdentifier><gco:CharacterString>bench-{n:08d}</gco:CharacterString></gmd:fileIdentifier>
  <gmd:language><gmd:LanguageCode codeList="http://www.loc.gov/standards/iso639-2/" codeListValue="fre">fre</gmd:LanguageCode></gmd:language>
  <gmd:hierarchyLevel><gmd:MD_ScopeCode codeList="http://standards.iso.org/iso/19139/resources/gmxCodelists.xml#MD_ScopeCode" codeListValue="dataset">dataset</gmd:MD_ScopeCode></gmd:hierarchyLevel>
  <gmd:contact><gmd:CI_ResponsibleParty>
    <gmd:organisationName><gco:CharacterString>Service de bench</gco:CharacterString></gmd:organisationName>
    <gmd:contactInfo><gmd:CI_Contact><gmd:address><gmd:CI_Address><gmd:electronicMailAddress><gco:CharacterString>fiches@bench.example.fr</gco:CharacterString></gmd:electronicMailAddress></gmd:CI_Address></gmd:address></gmd:CI_Contact></gmd:contactInfo>
    <gmd:role><gmd:CI_RoleCode codeList="http://standards.iso.org/iso/19139/resources/gmxCodelists.xml#CI_RoleCode" codeListValue="pointOfContact">pointOfContact</gmd:CI_RoleCode></gmd:role>
  </gmd:CI_ResponsibleParty></gmd:contact>
  <gmd:dateStamp><gco:DateTime>2024-03-01T10:00:00</gco:DateTime></gmd:dateStamp>
  <gmd:identificationInfo><gmd:MD_DataIdentification>
    <gmd:citation><gmd:CI_Citation>
      <gmd:title><gco:CharacterString>Jeu de données de bench n° {n}</gco:CharacterString></gmd:title>
      <gmd:date><gmd:CI_Date><gmd:date><gco:Date>2023-0{month}-15</gco:Date></gmd:date>
        <gmd:dateType><gmd:CI_DateTypeCode codeList="http://standards.iso.org/iso/19139/resources/gmxCodelists.xml#CI_DateTypeCode" codeListValue="revision">revision</gmd:CI_DateTypeCode></gmd:dateType></gmd:CI_Date></gmd:date>
      <gmd:identifier><gmd:RS_Identifier><gmd:code><gco:CharacterString>https://bench.example.fr/id/{n:08d}</gco:CharacterString></gmd:code></gmd:RS_Identifier></gmd:identifier>
    </gmd:CI_Citation></gmd:citation>
    <gmd:abstract><gco:CharacterString>Résumé du jeu {n} : zonage réglementaire, plan de prévention, commune {n}.</gco:CharacterString></gmd:abstract>
    <gmd:pointOfContact><gmd:CI_ResponsibleParty>
      <gmd:organisationName><gco:CharacterString>DDT {dep}</gco:CharacterString></gmd:organisationName>
      <gmd:contactInfo><gmd:CI_Contact><gmd:address><gmd:CI_Address><gmd:electronicMailAddress><gco:CharacterString>ddt-{dep}@bench.example.fr</gco:CharacterString></gmd:electronicMailAddress></gmd:CI_Address></gmd:address></gmd:CI_Contact></gmd:contactInfo>
      <gmd:role><gmd:CI_RoleCode codeList="http://standards.iso.org/iso/19139/resources/gmxCodelists.xml#CI_RoleCode" codeListValue="owner">owner</gmd:CI_RoleCode></gmd:role>
    </gmd:CI_ResponsibleParty></gmd:pointOfContact>
    <gmd:descriptiveKeywords><gmd:MD_Keywords>
      <gmd:keyword><gco:CharacterString>risques</gco:CharacterString></gmd:keyword>
      <gmd:keyword><gco:CharacterString>zonage {n}</gco:CharacterString></gmd:keyword>
    </gmd:MD_Keywords></gmd:descriptiveKeywords>
    <gmd:resourceConstraints><gmd:MD_LegalConstraints>
      <gmd:accessConstraints><gmd:MD_RestrictionCode codeList="http://standards.iso.org/iso/19139/resources/gmxCodelists.xml#MD_RestrictionCode" codeListValue="otherRestrictions">otherRestrictions</gmd:MD_RestrictionCode></gmd:accessConstraints>
      <gmd:otherConstraints><gmx:Anchor xlink:href="http://inspire.ec.europa.eu/metadata-codelist/LimitationsOnPublicAccess/noLimitations">Pas de restriction d’accès public selon INSPIRE</gmx:Anchor></gmd:otherConstraints>
    </gmd:MD_LegalConstraints></gmd:resourceConstraints>
    <gmd:resourceConstraints><gmd:MD_LegalConstraints>
      <gmd:useConstraints><gmd:MD_RestrictionCode codeList="http://standards.iso.org/iso/19139/resources/gmxCodelists.xml#MD_RestrictionCode" codeListValue="otherRestrictions">otherRestrictions</gmd:MD_RestrictionCode></gmd:useConstraints>
      <gmd:otherConstraints><gmx:Anchor xlink:href="https://www.etalab.gouv.fr/licence-ouverte-open-licence">Licence Ouverte 2.0</gmx:Anchor></gmd:otherConstraints>
    </gmd:MD_LegalConstraints></gmd:resourceConstraints>
    <gmd:language><gmd:LanguageCode codeList="http://www.loc.gov/standards/iso639-2/" codeListValue="fre">fre</gmd:LanguageCode></gmd:language>
    <gmd:extent><gmd:EX_Extent><gmd:geographicElement><gmd:EX_GeographicBoundingBox>
      <gmd:westBoundLongitude><gco:Decimal>2.22</gco:Decimal></gmd:westBoundLongitude>
      <gmd:eastBoundLongitude><gco:Decimal>2.47</gco:Decimal></gmd:eastBoundLongitude>
      <gmd:southBoundLatitude><gco:Decimal>48.81</gco:Decimal></gmd:southBoundLatitude>
      <gmd:northBoundLatitude><gco:Decimal>48.90</gco:Decimal></gmd:northBoundLatitude>
    </gmd:EX_GeographicBoundingBox></gmd:geographicElement></gmd:EX_Extent></gmd:extent>
  </gmd:MD_DataIdentification></gmd:identificationInfo>
  <gmd:distributionInfo><gmd:MD_Distribution>
    <gmd:distributionFormat><gmd:MD_Format><gmd:name><gmx:Anchor xlink:href="http://publications.europa.eu/resource/authority/file-type/SHP">ESRI Shapefile</gmx:Anchor></gmd:name><gmd:version gco:nilReason="unknown"/></gmd:MD_Format></gmd:distributionFormat>
    <gmd:transferOptions><gmd:MD_DigitalTransferOptions>
      <gmd:onLine><gmd:CI_OnlineResource>
        <gmd:linkage><gmd:URL>https://bench.example.fr/download/{n:08d}.zip</gmd:URL></gmd:linkage>
        <gmd:protocol><gco:CharacterString>WWW:DOWNLOAD-1.0-http--download</gco:CharacterString></gmd:protocol>
        <gmd:function><gmd:CI_OnLineFunctionCode codeList="http://standards.iso.org/iso/19139/resources/gmxCodelists.xml#CI_OnLineFunctionCode" codeListValue="download">download</gmd:CI_OnLineFunctionCode></gmd:function>
      </gmd:CI_OnlineResource></gmd:onLine>
      <gmd:onLine><gmd:CI_OnlineResource>
        <gmd:linkage><gmd:URL>https://bench.example.fr/wms?SERVICE=WMS&amp;REQUEST=GetCapabilities&amp;layer={n}</gmd:URL></gmd:linkage>
        <gmd:protocol><gco:CharacterString>OGC:WMS</gco:CharacterString></gmd:protocol>
      </gmd:CI_OnlineResource></gmd:onLine>
    </gmd:MD_DigitalTransferOptions></gmd:transferOptions>
  </gmd:MD_Distribution></gmd:distributionInfo>
  <gmd:dataQualityInfo><gmd:DQ_DataQuality><gmd:lineage><gmd:LI_Lineage><gmd:statement><gco:CharacterString>{lineage}</gco:CharacterString></gmd:statement></gmd:LI_Lineage></gmd:lineage></gmd:DQ_DataQuality></gmd:dataQualityInfo>
</gmd:MD_Metadata>"""  # noqa: E501 - one XML element per line reads better than wrapped


def record(n: int, size: int) -> str:
    """Generated ISO 19139 record ``n``, its lineage padded to about ``size`` bytes."""
    base = _RECORD.format(n=n, month=1 + n % 9, dep=1 + n % 95, lineage="")
    sentence = f"Numérisation {n} au 1/5000 d'après le cadastre ; contrôle de topologie. "
    padding = sentence * max(0, (size - len(base.encode())) // len(sentence.encode()))
    return _RECORD.format(n=n, month=1 + n % 9, dep=1 + n % 95, lineage=escape(padding))


def get_records(start: int, size: int, total: int, record_bytes: int) -> bytes:
    """The ``GetRecords`` response from ``startPosition`` ``start``, as GeoNetwork pages."""
    last = min(start + size - 1, total)
    records = [record(n, record_bytes) for n in range(start, last + 1)]
    following = last + 1 if last < total else 0
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<csw:GetRecordsResponse xmlns:csw="http://www.opengis.net/cat/csw/2.0.2">'
        '<csw:SearchStatus timestamp="2024-03-01T10:00:00"/>'
        f'<csw:SearchResults numberOfRecordsMatched="{total}"'
        f' numberOfRecordsReturned="{len(records)}" nextRecord="{following}"'
        ' elementSet="full">' + "\n".join(records) + "</csw:SearchResults>"
        "</csw:GetRecordsResponse>"
    ).encode()


def serve(port_out: Queue[int], total: int, record_bytes: int) -> None:
    """The stand-in, in its own process (its memory is not the run's)."""

    class Csw(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            query = parse_qs(urlsplit(self.path).query)
            if query.get("request") != ["GetRecords"]:
                self.send_error(400, "only GetRecords is played")
                return
            start = int(query["startPosition"][0])
            body = get_records(start, int(query["maxRecords"][0]), total, record_bytes)
            self.send_response(200)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Csw)
    port_out.put(server.server_address[1])
    server.serve_forever()


def folder_bytes(root: str) -> int:
    """Bytes of the files under ``root`` now (files vanishing meanwhile count 0)."""
    total = 0
    stack = [root]
    while stack:
        try:
            entries = list(os.scandir(stack.pop()))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                elif entry.is_file(follow_symlinks=False):
                    total += entry.stat(follow_symlinks=False).st_size
            except OSError:
                continue
    return total


def measure(
    size: int, *, database_url: str, page_size: int, workers: int, record_bytes: int
) -> dict[str, float]:
    """One ``dcat-quality run`` over a stand-in catalogue of ``size`` records."""
    context = multiprocessing.get_context("spawn")
    ports: Queue[int] = context.Queue()
    server = context.Process(target=serve, args=(ports, size, record_bytes), daemon=True)
    server.start()
    schema = f"bench_csw_{size}"
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
    scratch = tempfile.TemporaryDirectory(prefix="bench-csw-tmp-")
    try:
        url = f"csw+http://127.0.0.1:{ports.get(timeout=60)}{CSW_PATH}"
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "DCAT_QUALITY_SCHEMA": schema,
            "DCAT_QUALITY_CSW_OUTPUT_SCHEMA": "iso19139",
            "DCAT_QUALITY_CSW_PAGE_SIZE": str(page_size),
            "DCAT_QUALITY_HTTP_MAX_PAGES": str(size // page_size + 10),
            "DCAT_QUALITY_WORKERS": str(workers),
            "TMPDIR": scratch.name,
        }
        command = [sys.executable, "-m", "dcat_quality", "run", "--source", url]
        monitor = ProcessMonitor()
        busy = machine_busy_s()
        peak_tmp = 0
        with tempfile.TemporaryFile() as out:
            started = time.perf_counter()
            process = subprocess.Popen(command, env=env, stdout=out, stderr=out)
            while process.poll() is None:
                monitor.sample(process.pid)
                peak_tmp = max(peak_tmp, folder_bytes(scratch.name))
                time.sleep(0.05)
            seconds = time.perf_counter() - started
            out.seek(0)
            log = out.read().decode(errors="replace")
        if process.returncode != 0:
            raise SystemExit(f"run failed ({process.returncode}):\n{log[-3000:]}")
        with psycopg.connect(database_url) as conn:
            row = conn.execute(
                sql.SQL(
                    "SELECT datasets_loaded, pages_read FROM {}.runs ORDER BY run_id DESC LIMIT 1"
                ).format(sql.Identifier(schema))
            ).fetchone()
        assert row is not None
        loaded, pages = int(row[0]), int(row[1])
        if loaded != size:
            raise SystemExit(f"the run loaded {loaded:,} datasets, {size:,} expected:\n{log}")
        return {
            "records": size,
            "pages": pages,
            "seconds": round(seconds, 1),
            "records_per_s": round(size / seconds),
            "peak_rss_mb": round(monitor.peak_rss_kb / 1024, 1),
            "peak_pss_mb": round(monitor.peak_pss_kb / 1024, 1),
            "peak_tmp_mb": round(peak_tmp / 1e6, 1),
            "machine_busy_s": round(machine_busy_s() - busy, 1),
        }
    finally:
        scratch.cleanup()
        server.terminate()
        server.join()
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,30000", help="records per catalogue")
    parser.add_argument("--page-size", type=int, default=50, help="records per GetRecords")
    parser.add_argument("--workers", type=int, default=2, help="parse workers of the run")
    parser.add_argument(
        "--record-bytes", type=int, default=20_000, help="size of a generated record (bytes)"
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    database_url, server = _database()
    try:
        sample = record(1, args.record_bytes).encode()
        print(
            f"CSW harvest, ISO 19139 records of {len(sample):,} bytes, {args.page_size} per "
            f"page, {args.workers} parse workers, load {os.getloadavg()[0]:.1f} at start"
        )
        results = []
        for size in sizes:
            result = measure(
                size,
                database_url=database_url,
                page_size=args.page_size,
                workers=args.workers,
                record_bytes=args.record_bytes,
            )
            results.append(result)
            print(
                f"{size:>7,} records, {int(result['pages']):>5,} pages: "
                f"{result['seconds']:>6.1f} s ({int(result['records_per_s']):,} records/s), "
                f"peak RSS {result['peak_rss_mb']:.0f} MB (PSS {result['peak_pss_mb']:.0f}), "
                f"temporary files {result['peak_tmp_mb']:.1f} MB at most"
            )
        smallest, largest = results[0]["peak_rss_mb"], results[-1]["peak_rss_mb"]
        ratio = largest / smallest if smallest else float("inf")
        verdict = "met" if ratio <= GOAL_RSS_FLAT else "missed"
        print(
            f"memory flat: peak RSS ×{ratio:.2f} from {sizes[0]:,} to {sizes[-1]:,} records "
            f"(goal ≤ ×{GOAL_RSS_FLAT}): {verdict}"
        )
    finally:
        if server is not None:
            server.cleanup()


if __name__ == "__main__":
    main()
