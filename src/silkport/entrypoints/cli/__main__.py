"""``python -m silkport.entrypoints.cli`` runs the same command line as ``silkport``."""

from silkport.entrypoints.cli.main import app

app()
