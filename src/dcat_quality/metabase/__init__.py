"""Metabase: dashboards provisioned as code, and its application database backed up.

``backup`` holds the backup and restore of Metabase's application database (and of the
warehouse), with pg_dump/pg_restore run here or inside the database pod via kubectl.
"""
