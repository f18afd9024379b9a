"""The dashboard, written once: questions, filters and layout that each BI tool provisions.

``spec`` reads and validates ``dashboard.yaml``; ``dcat_quality.metabase`` and
``dcat_quality.superset`` turn it into their own objects.
"""
