"""eTIR refusals: every refused message names its eTIR error class and code (eTIR code list 99).

Codes are three digits whose first digit is the class: 1XX validation of the message and its values,
2XX workflow state (the guarantee or operation is not in a state that allows the step), 3XX functional
(the step is well-formed and in a legal state, but the data contradict what is recorded). Where eTIR has
no specific code for a refusal the class default (100, 200, 300) is used with a precise ``detail``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from silkport.shared.errors import DomainError


class ErrorClass(StrEnum):
    VALIDATION = "validation"
    WORKFLOW_STATE = "workflow_state"
    FUNCTIONAL = "functional"


#: the eTIR error codes this system uses, with their eTIR names
CODES: dict[int, str] = {
    100: "Invalid message",
    101: "Missing field",
    102: "Invalid domain for the value",
    103: "Malformed date",
    105: "Field value length exceeded",
    106: "Invalid pattern",
    200: "Invalid state",
    201: "Guarantee not acceptable",
    203: "Guarantee not cancellable",
    204: "Guarantee already registered",
    205: "Guarantee already cancelled",
    210: "Operation already started",
    211: "Operation already terminated",
    212: "Operation already discharged",
    213: "Operation not yet started",
    214: "Operation ID already registered",
    216: "Refusal to start not authorized",
    300: "Invalid operation",
    301: "Guarantee not found",
    305: "Country not found",
    321: "Holder not authorized",
    322: "Holder not found",
    320: "Holder/Guarantee mismatch",
}

_NOT_FOUND = frozenset({301})
#: functional errors about a value of the request itself: answered like a validation error
_UNPROCESSABLE = frozenset({305, 322})


def error_class(code: int) -> ErrorClass:
    return {1: ErrorClass.VALIDATION, 2: ErrorClass.WORKFLOW_STATE, 3: ErrorClass.FUNCTIONAL}[code // 100]


class EtirError(DomainError):
    """A refused eTIR message: ``message`` is the request/response pair (e.g. ``I11/I12``), ``pointer`` the
    field at fault (eTIR's error pointer) when there is one."""

    def __init__(self, code: int, detail: str, *, message: str, pointer: str | None = None) -> None:
        if code not in CODES:
            raise ValueError(f"{code} is not an eTIR error code known here")
        super().__init__(detail)
        self.code = code
        self.name = CODES[code]
        self.error_class = error_class(code)
        self.message = message
        self.pointer = pointer
        if code in _NOT_FOUND:
            self.status, self.title = 404, "Not found"
        elif self.error_class is ErrorClass.VALIDATION or code in _UNPROCESSABLE:
            self.status, self.title = 422, "Validation failed"
        elif self.error_class is ErrorClass.WORKFLOW_STATE:
            self.status, self.title = 409, "Illegal state transition"
        else:
            self.status, self.title = 409, "Conflict"

    @property
    def problem_extra(self) -> dict[str, Any]:
        """What the RFC 9457 problem carries besides title/detail: the eTIR error and the field at fault."""
        extra: dict[str, Any] = {
            "etir": {
                "message": self.message,
                "error_class": self.error_class.value,
                "code": self.code,
                "name": self.name,
                "pointer": self.pointer,
            }
        }
        if self.pointer is not None:
            extra["errors"] = [{"field": self.pointer, "message": str(self.detail)}]
        return extra
