"""Constrained field types shared by every payload.

Signed data carries no floats: money is integer 分 (``*_fen``), lengths are integer millimetres (``*_mm``), speeds
integer mm/s (``*_mm_s``), masses integer kg (``*_kg``), durations integer minutes or seconds as the field name
says, and ratios are decimal strings (``"1.10"``). Instants are UTC seconds written ``YYYY-MM-DDTHH:MM:SSZ`` and
parse to Unix seconds (int); dates are ``YYYY-MM-DD`` and parse to :class:`datetime.date`.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, TypeAlias, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, WithJsonSchema

from ledger.core.identifiers import (
    check_equipment_code,
    check_registration_code,
    check_uscc,
    date_from_text,
    instant_from_text,
)

__all__ = [
    "USCC",
    "Code",
    "Count",
    "Day",
    "DecimalText",
    "EquipmentCode",
    "EventRef",
    "ExactInt",
    "Fen",
    "Instant",
    "KeyId",
    "Name",
    "Omittable",
    "Payload",
    "RegistrationCode",
    "Sha256Hex",
    "Strict",
    "Text",
]


class Strict(BaseModel):
    """Base of every signed structure: unknown fields are errors, types are not coerced, values are frozen.

    Optional fields are omitted when absent, never ``null``, so each value has exactly one canonical form. Every
    integer field is bounded well inside ±(2^53 − 1) and no field admits floats, so validated data is always
    representable in canonical bytes.
    """

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, hide_input_in_errors=True)


if TYPE_CHECKING:
    _T = TypeVar("_T")
    Omittable: TypeAlias = _T | None
else:

    class Omittable:
        """``field: Omittable[X] = None`` — the field may be omitted (reads as None) but never sent as null.

        At runtime the annotation is plain ``X``, which rejects an explicit null; pydantic does not validate the
        default, so omission still yields None. Type checkers see ``Optional[X]``.
        """

        def __class_getitem__(cls, item: Any) -> Any:
            return item


class Payload(Strict):
    """Base of every event payload."""


def _checked(check: Any) -> Any:
    def validate(value: str) -> str:
        problem = check(value)
        if problem:
            raise ValueError(problem)
        return value

    return AfterValidator(validate)


def _parse_with(parse: Any) -> Any:
    def validate(value: Any) -> Any:
        if type(value) is not str:
            raise ValueError("expected a string")
        return parse(value)

    return BeforeValidator(validate)


def _exact_int(value: Any) -> Any:
    if type(value) is not int:
        raise ValueError("expected an integer (not a boolean, not a float)")
    return value


# For ``Literal`` integer fields: pydantic's literal check compares with ``==``, under which ``True == 1`` and
# ``1.0 == 1``; the stored bytes would then say ``true`` where the schema says ``1``. Use as
# ``Annotated[Literal[1, 2], ExactInt]``.
ExactInt = BeforeValidator(_exact_int)

# The published JSON Schema of a field says what travels on the wire (the text), not what it parses to.
_WIRE_INSTANT = WithJsonSchema({"type": "string",
                                "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$",
                                "description": "a UTC instant, YYYY-MM-DDTHH:MM:SSZ"})
_WIRE_DAY = WithJsonSchema({"type": "string", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
                            "description": "a calendar date in China, YYYY-MM-DD"})

Instant = Annotated[int, _parse_with(instant_from_text), _WIRE_INSTANT]
Day = Annotated[date, _parse_with(date_from_text), _WIRE_DAY]
EquipmentCode = Annotated[str, _checked(check_equipment_code),
                          WithJsonSchema({"type": "string", "pattern": r"^[0-9]{18}$",
                                          "description": "设备代码: 18 digits (TSG 08-2017)"})]
RegistrationCode = Annotated[str, _checked(check_registration_code),
                             WithJsonSchema({"type": "string", "pattern": r"^[0-9]{20}$",
                                             "description": "注册代码: 20 digits"})]
USCC = Annotated[str, _checked(check_uscc),
                 WithJsonSchema({"type": "string", "pattern": r"^[0-9A-HJ-NPQRTUWXY]{18}$",
                                 "description": "统一社会信用代码 (GB 32100-2015, with its check character)"})]
EventRef = Annotated[
    str, StringConstraints(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
]
KeyId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
Sha256Hex = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
DecimalText = Annotated[str, StringConstraints(pattern=r"^-?(0|[1-9][0-9]{0,11})(\.[0-9]{1,6})?$")]
# Document numbers (report, contract, policy, licence, certificate numbers): no whitespace, 1-64 characters.
Code = Annotated[str, StringConstraints(pattern=r"^\S{1,64}$")]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
Fen = Annotated[int, Field(ge=0, le=10**15)]
Count = Annotated[int, Field(ge=0, le=10**9)]
