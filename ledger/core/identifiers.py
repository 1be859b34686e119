"""Identifiers and time values as they appear in signed data, with strict validation.

- 设备代码 (equipment code, TSG 08-2017): 18 digits = 品种代码 (4) + 制造单位代号 (5) + 制造年份 (4) + 制造顺序号 (5).
- 注册代码 (legacy registration code): 20 digits, carried only as an alias.
- 统一社会信用代码 (USCC, GB 32100-2015): 18 characters with a mod-31 check character.
- event ids are UUIDv7 in lowercase canonical text form.
- instants are UTC seconds, exactly ``YYYY-MM-DDTHH:MM:SSZ``; dates are ``YYYY-MM-DD``.

**Calendar arithmetic is total.** Signed data may carry any date from 0001-01-01 to 9999-12-31, and anything
computed from one (a deadline 30 days after 9999-12-20, the day before 0001-01-01, the China date of
9999-12-31T23:59:59Z) can leave the range Python's ``date`` holds. The helpers here saturate at the ends of the
calendar instead of raising: a date or instant past them is the end itself (:data:`MIN_INSTANT`,
:data:`MAX_INSTANT`, ``date.min``, ``date.max``). A deadline that lands beyond 9999 is, for every question anyone
can ask, never.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from functools import lru_cache

__all__ = [
    "ELEVATOR_VARIETIES",
    "MAX_INSTANT",
    "MIN_INSTANT",
    "check_equipment_code",
    "check_registration_code",
    "check_uscc",
    "check_uuid7",
    "date_from_text",
    "date_of_ordinal",
    "day_number",
    "format_instant",
    "instant_from_text",
    "instant_to_datetime",
    "local_date",
    "shift_days",
    "shift_years",
    "uscc_check_char",
]

# 特种设备目录 (TSG 08-2017 附件): the 品种 of 电梯 (category 3000).
ELEVATOR_VARIETIES: dict[str, str] = {
    "3110": "曳引驱动乘客电梯",
    "3120": "曳引驱动载货电梯",
    "3130": "强制驱动载货电梯",
    "3210": "液压乘客电梯",
    "3220": "液压载货电梯",
    "3310": "自动扶梯",
    "3320": "自动人行道",
    "3410": "防爆电梯",
    "3420": "消防员电梯",
    "3430": "杂物电梯",
}

_DIGITS18 = re.compile(r"[0-9]{18}")
_DIGITS20 = re.compile(r"[0-9]{20}")
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC = re.compile(r"[0-9A-HJ-NPQRTUWXY]{18}")
_UUID7 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
_INSTANT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_EPOCH_DAY = date(1970, 1, 1).toordinal()


@lru_cache(maxsize=1 << 16)
def check_equipment_code(code: str) -> str | None:
    """Return why ``code`` is not a valid 设备代码, or None when it is."""
    if not _DIGITS18.fullmatch(code):
        return "equipment code must be 18 digits (品种 4 + 制造单位代号 5 + 年份 4 + 顺序号 5)"
    if code[:4] not in ELEVATOR_VARIETIES:
        return f"unknown elevator variety code {code[:4]!r}"
    year = int(code[9:13])
    if not 1950 <= year <= 2100:
        return f"manufacture year {year} is out of range"
    if code[13:] == "00000":
        return "manufacture sequence number 00000 is not allowed"
    return None


def check_registration_code(code: str) -> str | None:
    """Return why ``code`` is not a 20-digit legacy 注册代码, or None."""
    return None if _DIGITS20.fullmatch(code) else "registration code (注册代码) must be 20 digits"


def uscc_check_char(first17: str) -> str:
    """The GB 32100-2015 check character for the first 17 characters of a USCC."""
    total = sum(_USCC_CHARS.index(ch) * weight for ch, weight in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31]


@lru_cache(maxsize=1 << 14)
def check_uscc(code: str) -> str | None:
    """Return why ``code`` is not a valid 统一社会信用代码, or None."""
    if not _USCC.fullmatch(code):
        return "organization code must be an 18-character 统一社会信用代码"
    if uscc_check_char(code[:17]) != code[17]:
        return "统一社会信用代码 check character does not match"
    return None


def check_uuid7(text: str) -> str | None:
    """Return why ``text`` is not a lowercase canonical UUIDv7, or None."""
    return None if _UUID7.fullmatch(text) else "event_id must be a lowercase UUIDv7"


def instant_from_text(text: str) -> int:
    """Parse ``YYYY-MM-DDTHH:MM:SSZ`` into Unix seconds. Raises ValueError on any other form."""
    if not _INSTANT.fullmatch(text):
        raise ValueError("timestamp must be UTC in the form YYYY-MM-DDTHH:MM:SSZ")
    return int(datetime.fromisoformat(text).timestamp())


def format_instant(seconds: int) -> str:
    """The canonical text of a Unix-seconds instant (one past the calendar's ends is shown as the end)."""
    # isoformat, not strftime: "%Y" drops the leading zeros of years before 1000 on some C libraries.
    return instant_to_datetime(seconds).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def instant_to_datetime(seconds: int) -> datetime:
    """The UTC datetime of an instant, saturated at the calendar's ends."""
    return datetime.fromtimestamp(min(max(seconds, MIN_INSTANT), MAX_INSTANT), UTC)


def date_from_text(text: str) -> date:
    """Parse ``YYYY-MM-DD``. Raises ValueError on any other form."""
    if not _DATE.fullmatch(text):
        raise ValueError("date must be in the form YYYY-MM-DD")
    return date.fromisoformat(text)


LOCAL_UTC_OFFSET_S = 8 * 3600  # Asia/Shanghai: UTC+8, no daylight saving


MIN_INSTANT = -62_135_596_800  # 0001-01-01T00:00:00Z
MAX_INSTANT = 253_402_300_799  # 9999-12-31T23:59:59Z
_MAX_ORDINAL = date.max.toordinal()


def date_of_ordinal(ordinal: int) -> date:
    """``date.fromordinal``, saturated at 0001-01-01 and 9999-12-31."""
    return date.fromordinal(min(max(ordinal, 1), _MAX_ORDINAL))


def local_date(instant: int) -> date:
    """The calendar date in China of a Unix-seconds instant (saturated at the calendar's ends)."""
    return date_of_ordinal(_EPOCH_DAY + (instant + LOCAL_UTC_OFFSET_S) // 86400)


def shift_days(value: date, days: int) -> date:
    """``value`` moved by ``days`` (either way), saturated at the calendar's ends."""
    return date_of_ordinal(value.toordinal() + days)


def shift_years(value: date, years: int) -> date:
    """The same calendar date ``years`` later or earlier (29 February becomes 28 February), saturated at the
    calendar's ends."""
    year = value.year + years
    if year > date.max.year:
        return date.max
    if year < date.min.year:
        return date.min
    try:
        return value.replace(year=year)
    except ValueError:
        return value.replace(year=year, day=28)


def day_number(value: date) -> int:
    """Days since 1970-01-01, for cheap date arithmetic."""
    return value.toordinal() - _EPOCH_DAY
