"""Users, passwords and tokens (API bearer tokens and web sessions alike)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Literal

from silkport.enterprises.domain.users import User
from silkport.enterprises.services.handlers import new_id
from silkport.enterprises.services.ports import EnterpriseUnitOfWork, PasswordHasher, StoredToken
from silkport.shared.actor import Actor, Role
from silkport.shared.clock import ensure_utc
from silkport.shared.errors import AuthenticationFailed, Conflict, FieldError, PermissionDenied, ValidationFailed
from silkport.shared.text import templated

TokenKind = Literal["api", "session"]


def token_digest(raw: str) -> str:
    """Tokens are stored only as their SHA-256: a database leak does not leak sessions."""
    return hashlib.sha256(raw.encode()).hexdigest()


def create_user(
    uow: EnterpriseUnitOfWork,
    actor: Actor,
    hasher: PasswordHasher,
    *,
    username: str,
    password: str,
    role: Role,
    display_name: str | None = None,
    enterprise_id: str | None = None,
    office_code: str | None = None,
) -> User:
    if actor.role is not Role.ADMIN:
        raise PermissionDenied("only an administrator may create users")
    with uow:
        errors: list[FieldError] = []
        if enterprise_id is not None and uow.enterprises.get(enterprise_id) is None:
            errors.append(FieldError("enterprise", f"no enterprise {enterprise_id} in the registry"))
        if office_code is not None and office_code not in uow.offices.office_codes():
            known = ", ".join(sorted(uow.offices.office_codes()))
            errors.append(FieldError("office", f"{office_code!r} is not a customs office of the zone ({known})"))
        if errors:
            raise ValidationFailed(errors)
        if uow.users.by_username(username) is not None:
            raise Conflict(templated("username: %(username)r is taken", username=username))
        user = User.new(
            user_id=new_id(),
            username=username,
            role=role,
            password=password,
            password_hash=hasher.hash(password),
            display_name=display_name,
            enterprise_id=enterprise_id,
            office_code=office_code,
        )
        uow.users.add(user)
        uow.audit.record(
            actor=actor,
            action="user.created",
            object_type="user",
            object_id=user.id,
            before=None,
            after={
                "username": user.username,
                "role": user.role.value,
                "enterprise_id": user.enterprise_id,
                "office_code": user.office_code,
            },
        )
        uow.commit()
    return user


def authenticate(uow: EnterpriseUnitOfWork, hasher: PasswordHasher, username: str, password: str) -> User:
    with uow:
        user = uow.users.by_username(username)
        # verify against a dummy hash when the user is unknown, so timing does not reveal usernames
        stored = user.password_hash if user is not None else _DUMMY_HASH.get(hasher)
        if not hasher.verify(stored, password) or user is None or not user.active:
            raise AuthenticationFailed("wrong username or password")
        return user


class _DummyHash:
    def __init__(self) -> None:
        self._value: str | None = None

    def get(self, hasher: PasswordHasher) -> str:
        if self._value is None:
            self._value = hasher.hash(secrets.token_urlsafe(16))
        return self._value


_DUMMY_HASH = _DummyHash()


def issue_token(uow: EnterpriseUnitOfWork, user: User, kind: TokenKind, ttl: timedelta) -> tuple[str, StoredToken]:
    """A new random token for ``user``; the raw value is returned once and never stored."""
    raw = secrets.token_urlsafe(32)
    with uow:
        token = StoredToken(id=new_id(), user_id=user.id, kind=kind, expires_at=uow.clock.now() + ttl, revoked_at=None)
        uow.tokens.add(token_digest(raw), token)
        uow.audit.record(
            actor=user.as_actor(),
            action=f"{kind}.token_issued",
            object_type="token",
            object_id=token.id,
            before=None,
            after={"user_id": user.id, "kind": kind, "expires_at": token.expires_at.isoformat()},
        )
        uow.commit()
    return raw, token


def resolve_token(uow: EnterpriseUnitOfWork, raw: str, kind: TokenKind) -> tuple[Actor, StoredToken]:
    with uow:
        found = uow.tokens.with_user(token_digest(raw))
        if found is None or found[0].kind != kind:
            raise AuthenticationFailed("the token is not valid")
        token, user = found
        if token.revoked_at is not None:
            raise AuthenticationFailed("the token was revoked")
        if ensure_utc(token.expires_at) <= uow.clock.now():
            raise AuthenticationFailed("the token has expired")
        if not user.active:
            raise AuthenticationFailed("the token's user is no longer active")
        return user.as_actor(), token


def revoke_token(uow: EnterpriseUnitOfWork, actor: Actor, token: StoredToken) -> None:
    if token.user_id != actor.user_id and actor.role is not Role.ADMIN:
        raise PermissionDenied("only the token's owner or an administrator may revoke it")
    with uow:
        uow.tokens.revoke(token.id, uow.clock.now())
        uow.audit.record(
            actor=actor,
            action=f"{token.kind}.token_revoked",
            object_type="token",
            object_id=token.id,
            before={"revoked_at": None},
            after={"revoked_at": uow.clock.now().isoformat()},
        )
        uow.commit()


def set_locale(uow: EnterpriseUnitOfWork, actor: Actor, locale: str) -> User:
    """The signed-in user chooses the language of their web UI; it follows them to any browser."""
    with uow:
        user = uow.users.get(actor.user_id)
        if user is None or not user.active:
            raise AuthenticationFailed("the signed-in user is no longer active")
        before = user.locale
        user.choose_locale(locale)
        if before == user.locale:
            return user
        uow.users.save(user)
        uow.audit.record(
            actor=actor,
            action="user.locale_changed",
            object_type="user",
            object_id=user.id,
            before={"locale": before},
            after={"locale": user.locale},
        )
        uow.commit()
    return user


def list_users(uow: EnterpriseUnitOfWork, actor: Actor) -> list[User]:
    if actor.role is not Role.ADMIN:
        raise PermissionDenied("only an administrator may list users")
    with uow:
        return uow.users.all()
