"""Users of the platform and the rules binding roles to an enterprise or an office."""

from __future__ import annotations

import re
from dataclasses import dataclass

from silkport.shared.actor import ENTERPRISE_BOUND, OFFICE_BOUND, Actor, Role
from silkport.shared.errors import FieldError, ValidationFailed
from silkport.shared.text import field_error

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
MIN_PASSWORD = 10
#: the languages of the web UI (Babel locale identifiers): English, Simplified Chinese, Russian
LOCALES = ("en", "zh_Hans", "ru")


@dataclass(eq=False, slots=True)
class User:
    id: str
    username: str
    role: Role
    password_hash: str
    display_name: str
    enterprise_id: str | None = None
    office_code: str | None = None
    active: bool = True
    #: the language the user chose for the web UI (one of LOCALES); None until they choose one
    locale: str | None = None

    @classmethod
    def new(
        cls,
        *,
        user_id: str,
        username: str,
        role: Role,
        password: str,
        password_hash: str,
        display_name: str | None = None,
        enterprise_id: str | None = None,
        office_code: str | None = None,
    ) -> User:
        errors = binding_problems(role, enterprise_id, office_code)
        if not USERNAME_RE.match(username):
            errors.append(field_error("username", "3-64 lower-case letters, digits, '.', '_' or '-'"))
        if len(password) < MIN_PASSWORD:
            errors.append(field_error("password", "at least %(n)s characters", n=MIN_PASSWORD))
        if errors:
            raise ValidationFailed(errors)
        return cls(
            id=user_id,
            username=username,
            role=role,
            password_hash=password_hash,
            display_name=display_name or username,
            enterprise_id=enterprise_id,
            office_code=office_code,
        )

    def choose_locale(self, locale: str) -> None:
        if locale not in LOCALES:
            known = ", ".join(LOCALES)
            raise ValidationFailed(
                field_error(
                    "locale", "%(locale)r is not a language of the web UI (%(known)s)", locale=locale, known=known
                )
            )
        self.locale = locale

    def as_actor(self) -> Actor:
        return Actor(
            user_id=self.id,
            username=self.username,
            role=self.role,
            enterprise_id=self.enterprise_id,
            office_code=self.office_code,
        )


def binding_problems(role: Role, enterprise_id: str | None, office_code: str | None) -> list[FieldError]:
    errors: list[FieldError] = []
    if role in ENTERPRISE_BOUND and not enterprise_id:
        errors.append(FieldError("enterprise", f"a {role.label.lower()} user is bound to one enterprise"))
    if role not in ENTERPRISE_BOUND and enterprise_id:
        errors.append(FieldError("enterprise", f"a {role.label.lower()} user is not bound to an enterprise"))
    if role in OFFICE_BOUND and not office_code:
        errors.append(field_error("office", "a customs officer is bound to one office"))
    if role not in OFFICE_BOUND and role is not Role.CUSTOMS_SUPERVISOR and office_code:
        errors.append(FieldError("office", f"a {role.label.lower()} user is not bound to an office"))
    return errors
