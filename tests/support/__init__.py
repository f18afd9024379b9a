"""Helpers of the test suite, one module per idea; tests import them as ``support.<module>``
(``tests/`` is on ``sys.path``: pytest's ``pythonpath`` setting).

Services started by the tests (their fixtures are in ``tests/conftest.py``):

- ``postgres``: the PostgreSQL server (``TEST_DATABASE_URL`` or pgserver, shared by the
  xdist workers), fresh databases, the migrated template they are cloned from;
- ``s3``: moto's S3 server over HTTP;
- ``openbao``: a real OpenBao dev server and the API calls that prepare it;
- ``loopback``: a free port, an HTTP server in a thread for the tests' stand-ins;
- ``chromium``: headless Chromium over the DevTools protocol (the report's browser tests);
- ``metabase_stub``: the contract stub of Metabase's REST API (an httpx transport);
- ``pycsw``: a real pycsw server (its own virtualenv) for the CSW source;
- ``superset_browser``: Superset's dashboard driven in headless Chromium.

Test data and readers:

- ``paths``: the repository's folders and the shared real-world files;
- ``environment``: which environment variables the tests clear, derived from the code;
- ``warehouse``: sample records, load-and-publish, readers of tables and published views;
- ``cli``: the CLI as a subprocess with an exact environment;
- ``processes``: watching every process's command line;
- ``kubectl``: a stand-in kubectl whose "pod" is the test PostgreSQL (backup kube mode);
- ``badinput``: the bad-input corpus and its expected outcomes;
- ``fuzz``: hypothesis profiles and strategies of the fuzz tests;
- ``deploy``: manifests, policy and Dockerfile readers of the deployment tests;
- ``hvd_reference``: the official DCAT-AP HVD shapes run by pyshacl (the HVD reference);
- ``iso_records``: the ISO 19139 records of the real data with their values read by hand;
- ``geonetwork``: GeoNetwork's CSW GetRecords pages in its DCAT output schema (crafted).
"""
