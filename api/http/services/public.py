"""扫一扫: what the QR code on the 使用标志 shows, and the public's fault reports and complaints.

The summary is what the sign itself carries (TSG 08: 使用单位, 维保单位, 下次检验日期, 应急救援电话) plus the date
of the last maintenance, read from the elevator's dossier — organizations only, never a person's certificate,
name or number.

A report is recorded in the ledger as a ``ComplaintFiled`` (channel ``qr_code``) signed by the platform's own key:
the public has no key, so the platform vouches that it received the report, and the report becomes a permanent,
checkable record that the regulator must close. A passer-by cannot name a GB/T 24476 fault code, so fault reports
are complaints of category ``fault`` rather than ``FaultReported``. Because the record is permanent, personal data
a reporter types by mistake (phone and ID numbers, e-mail addresses) is masked before signing. Reports are
rate-limited per client address.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

from api.http.errors import ServiceUnavailable
from api.http.qrcode import qr_image
from api.http.ratelimit import RateLimiter
from api.http.services.access import AccessService
from api.http.services.analytics import AnalyticsService
from api.http.services.context import LedgerContext
from api.http.settings import Settings
from ledger.adapters.keyfile import load_signing_key
from ledger.core.errors import AuthorizationError, ConfigurationError, KeyStateError, SignatureError
from ledger.core.identifiers import format_instant, instant_from_text, local_date
from ledger.core.keys import SigningKey
from ledger.core.submission import parse_submission
from producers.client import Producer

__all__ = ["RESCUE_PHONE", "PublicService", "ReportReceipt", "mask_personal_data", "public_summary"]

RESCUE_PHONE = "96333"
# 7+ digits in a row (phone, 身份证 with its X), or a mobile number written in groups (138 0013 8000).
_DIGITS = re.compile(r"(?<![0-9])(?:[0-9]{7,}[Xx]?|1[0-9]{2}[ -][0-9]{4}[ -][0-9]{4})(?![0-9])")
_EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")


@dataclass(frozen=True, slots=True)
class ReportReceipt:
    complaint_no: str
    event_id: str
    equipment_code: str
    category: str
    received_at: str
    summary: str
    masked: bool

    def to_dict(self) -> dict[str, Any]:
        return {"complaint_no": self.complaint_no, "event_id": self.event_id, "equipment_code": self.equipment_code,
                "category": self.category, "received_at": self.received_at, "summary": self.summary,
                "masked": self.masked}


def mask_personal_data(text: str) -> tuple[str, bool]:
    """``text`` with phone/ID-like digit runs (7+ digits) and e-mail addresses replaced by ``***``."""
    masked = _EMAIL.sub("***", text)
    masked = _DIGITS.sub("***", masked)
    return masked, masked != text


def public_summary(dossier: dict[str, Any]) -> dict[str, Any]:
    """The 使用标志 subset of a rendered dossier: organizations and dates, no personal data."""
    parties = dossier["parties"]
    registration = dossier.get("registration") or {}
    inspection = dossier["inspection"]
    tiers = dossier["maintenance"]["by_tier"].values()
    last = max((t["last"]["ended_at"] for t in tiers if t.get("last")), default=None)
    maintainer = parties.get("maintainer")
    return {
        "equipment_code": dossier["equipment_code"],
        "as_of": dossier["as_of"],
        "status": dossier["status"],
        "registration_no": registration.get("registration_no"),
        "district": registration.get("district"),
        "address": registration.get("address"),
        "user_unit": _org(parties.get("user_unit")),
        "maintainer": _org(maintainer),
        "last_maintenance_date": _local_day(last),
        "inspection": {"status": inspection["status"], "valid_until": inspection["next_due_date"]},
        "rescue": {"phone": RESCUE_PHONE, "rescue_code": registration.get("rescue_code")},
        "open_hazards": len(dossier["open_hazards"]),
    }


def _org(party: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if party is None else {"org": party["org"], "name": party.get("name")}


def _local_day(instant_text: str | None) -> str | None:
    if instant_text is None:
        return None
    return local_date(instant_from_text(instant_text)).isoformat()


class PublicService:
    def __init__(self, ctx: LedgerContext, access: AccessService, analytics: AnalyticsService,
                 settings: Settings) -> None:
        self.ctx = ctx
        self.access = access
        self.analytics = analytics
        self.settings = settings
        self.limiter = RateLimiter(settings.report_limit, settings.report_window_s)
        self._platform: Producer | None = None

    def summary(self, code: str) -> dict[str, Any]:
        """What the elevator's QR code shows (no token needed)."""
        self.access.require_exists(code)
        return public_summary(self.analytics.dossier(code))

    def qr_code(self, code: str, kind: str, request_base_url: str) -> bytes:
        """The QR code for the elevator's 使用标志: the address of its public page."""
        self.access.require_exists(code)
        base = (self.settings.public_url or request_base_url).rstrip("/")
        return qr_image(f"{base}/public/elevators/{code}", kind, title=f"电梯 {code}")

    def report(self, code: str, category: str, text: str, client: str) -> ReportReceipt:
        """Record a public report as a ComplaintFiled signed by the platform; rate-limited per ``client``."""
        platform = self._producer()
        self.access.require_exists(code)  # 404 before spending the client's allowance on an unknown elevator
        self.limiter.spend(client)
        summary, masked = mask_personal_data(text.strip())
        now = self.ctx.now()
        number = f"QR{local_date(now).strftime('%Y%m%d')}-{secrets.token_hex(4).upper()}"
        envelope = platform.event("ComplaintFiled", {
            "complaint_no": number, "channel": "qr_code", "category": category, "summary": summary,
        }, equipment_code=code, occurred_at=now)
        outcome = self.ctx.append([parse_submission(envelope)])[0]
        if isinstance(outcome.error, (KeyStateError, SignatureError, AuthorizationError)):
            raise ConfigurationError(f"the platform key cannot record reports: {outcome.error.code}")
        if outcome.error is not None:
            raise outcome.error
        return ReportReceipt(number, envelope["event_id"], code, category, format_instant(now), summary, masked)

    def _producer(self) -> Producer:
        if not self.settings.platform_enabled:
            raise ServiceUnavailable("this server takes no public reports (set LIFTLEDGER_PLATFORM_KEY and _ORG)")
        if self._platform is None:
            assert self.settings.platform_key is not None and self.settings.platform_org is not None
            key: SigningKey = load_signing_key(self.settings.platform_key)
            self._platform = Producer(self.settings.platform_org, "platform_96333", key)
        return self._platform
