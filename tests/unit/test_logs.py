"""Structured logs: JSON lines carry the request id of the request that wrote them."""

from __future__ import annotations

import io
import json
import logging

from silkport.infra.logs import configure_logging, request_id


def test_json_lines_carry_the_request_id(monkeypatch: object) -> None:
    configure_logging("INFO", json_lines=True)
    logger = logging.getLogger("silkport.test")
    handler = logging.getLogger("silkport").handlers[0]
    buffer = io.StringIO()
    handler.setStream(buffer)  # type: ignore[attr-defined]
    token = request_id.set("req-123")
    try:
        logger.info("declaration %s lodged", "d1", extra={"status": 201})
    finally:
        request_id.reset(token)
        configure_logging("INFO", json_lines=False)
    entry = json.loads(buffer.getvalue().strip())
    assert entry["msg"] == "declaration d1 lodged" and entry["request_id"] == "req-123"
    assert entry["level"] == "info" and entry["status"] == 201
