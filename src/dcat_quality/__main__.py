"""``python -m dcat_quality`` runs the command line."""

from dcat_quality.cli import main

main()
