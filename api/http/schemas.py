"""The API's request (``*Create``) and response (``*Public``) schemas, as documented in the OpenAPI document.

Records, proofs and projection outputs keep the shapes their owners define (docs/FORMAT.md, ``projections``);
they appear here as JSON objects, with the fields the API itself adds typed.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "EQUIPMENT_CODE",
    "EVENT_ID",
    "AlertPage",
    "CheckpointPage",
    "CheckpointPublic",
    "ClaimHistory",
    "DossierPublic",
    "ElevatorPage",
    "ElevatorPublic",
    "ElevatorVerification",
    "ErrorBody",
    "ErrorDetail",
    "EventPage",
    "EventPublic",
    "InspectionSummary",
    "OrgRef",
    "OrganizationPage",
    "OrganizationPublic",
    "OutcomePublic",
    "PageOf",
    "PolicyPublic",
    "PrincipalPublic",
    "ProofBundle",
    "PublicSummary",
    "Readiness",
    "RecordCheckPublic",
    "RegisteredKeyPublic",
    "ReportCreate",
    "ReportReceiptPublic",
    "RescueInfo",
    "SignerPublic",
    "StoreVerificationPublic",
    "ViewReadiness",
]

EQUIPMENT_CODE = r"^[0-9]{18}$"
EVENT_ID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


class _Open(BaseModel):
    """A JSON object whose further fields are defined elsewhere (a projection, the record format)."""

    model_config = ConfigDict(extra="allow")


class ErrorDetail(BaseModel):
    code: str = Field(description="stable machine-readable code, e.g. schema.invalid, auth.out_of_scope")
    message: str
    details: dict[str, Any] | None = None


class ErrorBody(BaseModel):
    error: ErrorDetail


class ViewReadiness(BaseModel):
    position: int = Field(description="the last ledger position this view has folded")
    lag: int = Field(description="ledger positions this view is behind")
    quarantined: int = Field(description="records this view left out because they made it fail")


class Readiness(BaseModel):
    ready: bool
    head: int | None = Field(default=None, description="the ledger's newest position")
    views: dict[str, ViewReadiness] = Field(default_factory=dict)
    quarantined: int = 0
    error: str | None = Field(default=None, description="why the store cannot be read (a store.* code)")


class OutcomePublic(BaseModel):
    """One envelope's outcome, exactly as ``liftledger append`` prints it."""

    status: Literal["accepted", "duplicate", "rejected"]
    event_id: str | None = None
    equipment_code: str | None = None
    stream: str | None = None
    seq: int | None = None
    hash: str | None = None
    position: int | None = None
    error: ErrorDetail | None = None


class PrincipalPublic(BaseModel):
    token_id: str
    org: str
    role: str
    name: str | None


class SignerPublic(BaseModel):
    org: str
    name: str | None
    role: str | None
    key_id: str | None
    device: str | None = None


class EventPublic(BaseModel):
    seq: int
    position: int
    leaf: int
    event_id: str
    type: str
    occurred_at: str
    signer: SignerPublic
    prev_hash: str
    hash: str
    record: dict[str, Any] = Field(description="the signed envelope as stored (docs/FORMAT.md §I.2)")


class EventPage(BaseModel):
    equipment_code: str
    items: list[EventPublic]
    next_after_seq: int | None = Field(description="pass as after_seq for the next page; null on the last page")


class ElevatorPublic(_Open):
    equipment_code: str


class ElevatorPage(BaseModel):
    items: list[ElevatorPublic]
    next_after: str | None = Field(description="pass as after for the next page; null on the last page")


class RecordCheckPublic(BaseModel):
    seq: int
    event_id: str
    verified: bool
    chain: bool
    signature: bool
    logged: bool
    problem: str | None


class ElevatorVerification(BaseModel):
    equipment_code: str
    ok: bool
    events: int
    chain_ok: bool
    signatures_ok: bool
    logged: int
    checkpoint: dict[str, Any] | None
    newest_logged_proof_ok: bool | None
    first_problem: dict[str, Any] | None
    records: list[RecordCheckPublic]


class StoreVerificationPublic(BaseModel):
    state: Literal["idle", "running", "done", "failed"]
    started_at: str | None
    finished_at: str | None
    report: dict[str, Any] | None
    error: dict[str, Any] | None


class CheckpointPublic(BaseModel):
    checkpoint_id: int
    size: int
    root_hash: str
    issued_at: str
    witnesses: list[str]
    note: str


class CheckpointPage(BaseModel):
    origin: str | None
    operator_vkey: str | None
    items: list[CheckpointPublic]
    next_after: int | None


class ProofBundle(BaseModel):
    proof: dict[str, Any] = Field(description="the proof's JSON form (docs/FORMAT.md §II.3.1)")
    checkpoint: str | None = Field(None, description="the signed checkpoint note of the proof's tree size, if issued")


class DossierPublic(_Open):
    """The rendered dossier (一梯一档); see projections.views.dossier.render_dossier for every field."""

    equipment_code: str
    as_of: str
    status: str


class OrgRef(BaseModel):
    org: str
    name: str | None


class InspectionSummary(BaseModel):
    status: str
    valid_until: str | None


class RescueInfo(BaseModel):
    phone: str
    rescue_code: str | None


class PublicSummary(BaseModel):
    """What the 使用标志 QR code shows. Organizations and dates only: no personal data."""

    equipment_code: str
    as_of: str
    status: str
    registration_no: str | None
    district: str | None
    address: str | None
    user_unit: OrgRef | None
    maintainer: OrgRef | None
    last_maintenance_date: str | None
    inspection: InspectionSummary
    rescue: RescueInfo
    open_hazards: int


class ReportCreate(BaseModel):
    """A public fault report or complaint (扫一扫). Do not include names or phone numbers: they are masked."""

    model_config = ConfigDict(extra="forbid")

    equipment_code: str = Field(pattern=EQUIPMENT_CODE)
    category: Literal["fault", "entrapment", "maintenance", "safety", "service", "other"]
    summary: str = Field(min_length=1, max_length=500)


class ReportReceiptPublic(BaseModel):
    complaint_no: str
    event_id: str
    equipment_code: str
    category: str
    received_at: str
    summary: str = Field(description="the text as recorded (personal data masked)")
    masked: bool


class PolicyPublic(_Open):
    """A policy with its claims (projections.service: _policy_json)."""

    equipment_code: str
    policy_no: str
    insurer: str
    claims: list[dict[str, Any]]


class ClaimHistory(_Open):
    """An elevator's policies with their claims, all its claims, and the premium coefficient explained."""

    equipment_code: str
    at: str
    policies: list[dict[str, Any]]
    claims: list[dict[str, Any]]
    premium: dict[str, Any]


class PageOf(BaseModel):
    total: int
    offset: int
    next_offset: int | None
    items: list[dict[str, Any]]


class AlertPage(PageOf):
    at: str


class RegisteredKeyPublic(BaseModel):
    """A registered signing key and whether it can sign now."""

    key_id: str
    org: str
    public_key: str = Field(description="Ed25519 public key, base64")
    valid_from: str
    valid_until: str | None = None
    revoked_at: str | None = None
    device: str | None = Field(default=None, description="the IoT terminal it may sign as")
    state: Literal["active", "not_yet_valid", "expired", "revoked"]


class ValidityPublic(BaseModel):
    valid_from: str
    valid_until: str
    valid_now: bool
    revoked_at: str | None = None


class LicencePublic(ValidityPublic):
    licence_no: str
    kind: str


class CertificatePublic(ValidityPublic):
    cert_no: str
    category: str


class OrganizationPublic(BaseModel):
    """A registered organization (docs/API.md "The registry")."""

    org: str = Field(description="统一社会信用代码")
    name: str
    roles: list[str]
    district: str | None = None
    maker_code: str | None = None
    licences: list[LicencePublic]
    keys: list[RegisteredKeyPublic]
    certificates: list[CertificatePublic]
    active_keys: int


class OrganizationPage(BaseModel):
    organizations: list[OrganizationPublic]
    total: int
