"""Exchange with partner customs administrations: partners, outbound and inbound messages."""

from __future__ import annotations
