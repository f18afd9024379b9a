"""Metabase: the dashboard spec provisioned as code over its REST API.

The backup and restore of its application database (and of the warehouse) live in
``dcat_quality.backup``, shared with Superset's.
"""
