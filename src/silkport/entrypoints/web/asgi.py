"""ASGI entry for uvicorn: ``uvicorn silkport.entrypoints.web.asgi:app``."""

from silkport.entrypoints.web.app import create_app

app = create_app()
