"""The static HTML report: one self-contained file read from the warehouse views.

``build_report`` reads the sections (``build``), ``render_report`` / ``write_report``
turn them into HTML (``render``, charts drawn as inline SVG by ``svg``), in French by
default or English (``messages``).
"""

from dcat_quality.report.build import Report, build_report
from dcat_quality.report.messages import LANGUAGES, Lang
from dcat_quality.report.render import render_report, write_report

__all__ = ["LANGUAGES", "Lang", "Report", "build_report", "render_report", "write_report"]
