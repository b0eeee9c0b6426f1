"""Password hashing (argon2id) and CSRF tokens for the web forms."""

from __future__ import annotations

import hashlib
import hmac

from argon2 import PasswordHasher as _Argon2
from argon2.exceptions import InvalidHashError, VerificationError


class Argon2Hasher:
    """Implements :class:`silkport.enterprises.services.ports.PasswordHasher`."""

    def __init__(self, fast: bool = False) -> None:
        # ``fast`` lowers the cost for tests only; production keeps argon2-cffi's defaults (RFC 9106 low-memory)
        self._h = _Argon2(time_cost=1, memory_cost=8192, parallelism=1) if fast else _Argon2()

    def hash(self, password: str) -> str:
        return self._h.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._h.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False


def csrf_token(secret: str, session_token: str) -> str:
    """The CSRF token of a web session: an HMAC of the session, so it needs no storage."""
    return hmac.new(secret.encode(), b"csrf:" + session_token.encode(), hashlib.sha256).hexdigest()


def csrf_ok(secret: str, session_token: str, presented: str | None) -> bool:
    return presented is not None and hmac.compare_digest(csrf_token(secret, session_token), presented)
