"""A real pycsw server (PyPI) on loopback, loaded with ISO 19139 records, for the CSW tests.

pycsw 2.6 pins ``OWSLib<0.29`` and needs ``SQLAlchemy<2``: it gets its own virtualenv,
made once under the user's cache folder and reused while its requirements do not change
(the first run costs ~20 s with pip's cache, the next ones nothing). The server is pycsw's
own WSGI application under ``wsgiref``, in a child process the fixture stops.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import textwrap
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from support.loopback import free_port

REQUIREMENTS = ("pycsw==2.6.2", "SQLAlchemy>=1.4,<2", "OWSLib<0.29")
GMD = "{http://www.isotc211.org/2005/gmd}"


class PycswUnavailable(Exception):
    """pycsw could not be installed here (no registry access…): the reason, for the skip."""


def _cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "dcat-quality-tests"


def pycsw_python() -> Path:
    """The interpreter of pycsw's virtualenv, made (or reused) under the cache folder."""
    key = hashlib.sha256(" ".join(REQUIREMENTS).encode()).hexdigest()[:12]
    venv = _cache_root() / f"pycsw-{key}"
    python = venv / "bin" / "python"
    marker = venv / ".installed"
    if marker.exists():
        return python
    shutil.rmtree(venv, ignore_errors=True)
    venv.parent.mkdir(parents=True, exist_ok=True)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", *REQUIREMENTS],
            check=True,
            capture_output=True,
            timeout=600,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        output = getattr(exc, "stderr", b"") or b""
        raise PycswUnavailable(
            f"cannot install {' '.join(REQUIREMENTS)} in a virtualenv: "
            f"{output.decode(errors='replace')[-400:]}"
        ) from None
    marker.touch()
    return python


def record_files(realdata: Path, folder: Path) -> list[Path]:
    """Each realdata ISO 19139 file as a bare ``gmd:MD_Metadata`` document (pycsw loads
    records, not the CSW responses most of them were saved as)."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    names = sorted(realdata.glob("ecospheres-iso-dcat/*.xml")) + sorted(
        realdata.glob("plume-mtes/iso19139/*.xml")
    )
    for path in names:
        root = ET.parse(path).getroot()
        record = root if root.tag == GMD + "MD_Metadata" else next(root.iter(GMD + "MD_Metadata"))
        target = folder / path.name
        target.write_bytes(ET.tostring(record, encoding="utf-8", xml_declaration=True))
        out.append(target)
    return out


_CONFIG = """\
[server]
home={home}
url={url}
mimetype=application/xml; charset=UTF-8
encoding=UTF-8
language=en-US
maxrecords=100
loglevel=ERROR
logfile={home}/pycsw.log
pretty_print=true
domainquerytype=list
domaincounts=false
profiles=apiso

[manager]
transactions=false
allowed_ips=127.0.0.1

[metadata:main]
identification_title=dcat-quality test catalogue
identification_abstract=ISO 19139 records of shared/realdata
identification_keywords=test
identification_keywords_type=theme
identification_fees=None
identification_accessconstraints=None
provider_name=dcat-quality tests
provider_url=http://127.0.0.1/
contact_name=tests
contact_position=tests
contact_address=none
contact_city=none
contact_stateorprovince=none
contact_postalcode=0
contact_country=FR
contact_phone=0
contact_fax=0
contact_email=tests@example.org
contact_url=http://127.0.0.1/
contact_hours=always
contact_instructions=none
contact_role=pointOfContact

[repository]
database=sqlite:///{home}/records.db
table=records
"""

_SERVER = textwrap.dedent(
    """
    import sys
    from wsgiref.simple_server import WSGIRequestHandler, make_server
    from pycsw.wsgi import application

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    make_server("127.0.0.1", int(sys.argv[1]), application, handler_class=Quiet).serve_forever()
    """
)


@dataclass(frozen=True)
class PycswServer:
    url: str
    records: int


@contextmanager
def pycsw_server(realdata: Path, home: Path) -> Iterator[PycswServer]:
    """pycsw serving the realdata ISO records on a free loopback port."""
    python = pycsw_python()
    port = free_port()
    url = f"http://127.0.0.1:{port}/csw"
    home.mkdir(parents=True, exist_ok=True)
    config = home / "pycsw.cfg"
    config.write_text(_CONFIG.format(home=home, url=url))
    admin = [str(python), str(python.parent / "pycsw-admin.py"), "-f", str(config)]
    env = {**os.environ, "PYCSW_CONFIG": str(config), "PYTHONWARNINGS": "ignore"}
    subprocess.run([*admin, "-c", "setup_db"], check=True, capture_output=True, env=env)
    files = record_files(realdata, home / "records")
    loaded = subprocess.run(
        [*admin, "-c", "load_records", "-p", str(home / "records")],
        check=True,
        capture_output=True,
        env=env,
    )
    server = subprocess.Popen(
        [str(python), "-c", _SERVER, str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(url, params={"service": "CSW", "request": "GetCapabilities"}, timeout=5)
                break
            except httpx.TransportError:
                if server.poll() is not None or time.monotonic() > deadline:
                    error = server.stderr.read().decode(errors="replace") if server.stderr else ""
                    raise RuntimeError(
                        f"pycsw did not start: {error[-800:]} (load: {loaded.stdout[-400:]!r})"
                    ) from None
                time.sleep(0.2)
        yield PycswServer(url, len(files))
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if server.stderr is not None:
            server.stderr.close()
