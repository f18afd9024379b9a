"""``python -m dcat_quality`` runs the command line."""

from dcat_quality.cli import main

if __name__ == "__main__":
    main()
