"""Apache Superset: the dashboard spec provisioned over its REST API.

``client`` speaks the API, ``build`` turns the spec into Superset's shapes (Jinja SQL,
chart params, layout, native filters), ``provision`` applies them idempotently, and
``local`` installs and starts a Superset on this machine for a look (``make superset``)
and for the tests.
"""
