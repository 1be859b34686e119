"""The registry: organizations and keys to read, and the regulator's registry acts.

Reading (``GET /v1/orgs``, ``/v1/orgs/{org}``, ``/v1/keys/{key_id}``) is open to every token: who is licensed,
and which keys may sign for whom, is what every party checks a record against. The acts (``POST /v1/registry/…``)
are for a regulator token, and the server signs them with its registry desk key (``serve --registry-key``: a key
of that regulator, added with ``liftledger keys add`` and revocable like any other); without one they answer 503
``registry.no_key``, and a regulator signs with ``liftledger orgs register …`` or the SDK (producers/registry.py)
and submits to ``POST /v1/events`` instead. An act answers like a batch of ``POST /v1/events``: 201 when every
envelope was accepted, 207 with one outcome per envelope when any was refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from api.http.auth import Principal
from api.http.deps import PrincipalDep, RegulatorDep, ServicesDep
from api.http.errors import RequestError
from api.http.routers import JSON, errors
from api.http.schemas import OrganizationPage, OrganizationPublic, RegisteredKeyPublic
from api.http.services import Services
from ledger.core.errors import SchemaError
from ledger.core.identifiers import instant_from_text
from ledger.core.vocabulary import CertCategory, LicenceKind, Role, SiteCategory
from producers.registry import Certificate, Licence, RegistryDesk

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["registry"])

OrgPath = Annotated[str, Path(min_length=18, max_length=18, description="统一社会信用代码")]
KeyIdPath = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="key id: 32 hex digits")]
_INSTANT = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"
_DAY = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
At = Annotated[str | None, Field(pattern=_INSTANT, description="when the act takes effect (default: now), UTC")]
Day = Annotated[str, Field(pattern=_DAY, description="a date, YYYY-MM-DD")]
PublicKeyText = Annotated[str, Field(pattern=r"^[A-Za-z0-9+/]{43}=$",
                                     description="an Ed25519 public key, base64 of 32 bytes")]
_ACT_RESPONSES: dict[int | str, dict[str, Any]] = {
    201: {"description": "every envelope of the act was accepted: their receipts, in order",
          "content": {"application/json": {"schema": {"type": "array",
                                                      "items": {"$ref": "#/components/schemas/OutcomePublic"}}}}},
    207: {"description": "some envelope was refused: one outcome per envelope, in order",
          "content": {"application/json": {"schema": {"type": "array",
                                                      "items": {"$ref": "#/components/schemas/OutcomePublic"}}}}},
    **errors(401, 403, 503),
}


class LicenceCreate(BaseModel):
    kind: LicenceKind
    licence_no: str = Field(min_length=1, max_length=64)
    valid_from: Day
    valid_until: Day
    scope: str | None = Field(default=None, max_length=2000)


class CertificateCreate(BaseModel):
    cert_no: str = Field(min_length=1, max_length=64)
    category: CertCategory
    valid_from: Day
    valid_until: Day


class OrganizationCreate(BaseModel):
    """OrganizationRegistered, then its key, licences and certificates (``liftledger orgs register``)."""

    org: str = Field(min_length=18, max_length=18, description="统一社会信用代码")
    name: str = Field(min_length=1, max_length=200)
    roles: list[Role] = Field(min_length=1, max_length=10)
    district: str | None = Field(default=None, max_length=200)
    maker_code: str | None = Field(default=None, pattern=r"^[0-9]{5}$")
    public_key: PublicKeyText | None = None
    licences: list[LicenceCreate] = Field(default_factory=list, max_length=20)
    workers: list[CertificateCreate] = Field(default_factory=list, max_length=500)
    at: At = None


class KeyCreate(BaseModel):
    public_key: PublicKeyText
    valid_from: At = None
    valid_until: At = None
    device: str | None = Field(default=None, max_length=64, description="an IoT terminal the key may sign as")
    at: At = None


class KeyRotation(BaseModel):
    public_key: PublicKeyText
    reason: str = Field(default="密钥轮换 (key rotation)", min_length=1, max_length=2000)
    at: At = None


class KeyRevocation(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)
    revoked_at: At = None
    at: At = None


class CertificatesCreate(BaseModel):
    certificates: list[CertificateCreate] = Field(min_length=1, max_length=500)
    at: At = None


class LicenceGrant(BaseModel):
    licence: LicenceCreate
    at: At = None


class ElevatorRegistration(BaseModel):
    """使用登记 (Registered) of an elevator whose manufacture or baseline is on the ledger."""

    equipment_code: str = Field(pattern=r"^[0-9]{18}$")
    registration_no: str = Field(min_length=1, max_length=64, description="使用登记证编号")
    user_unit: str = Field(min_length=18, max_length=18, description="the user unit's 统一社会信用代码")
    site_category: SiteCategory
    district: str = Field(min_length=1, max_length=200)
    address: str = Field(min_length=1, max_length=200)
    rescue_code: str | None = Field(default=None, pattern=r"^[0-9]{6}$", description="96333 救援识别码")
    registration_code: str | None = Field(default=None, pattern=r"^[0-9]{20}$", description="注册代码")
    at: At = None


# --- reading -------------------------------------------------------------------------------------------------


@router.get("/orgs", response_model=OrganizationPage, responses=errors(401),
            summary="Registered organizations with their roles, licences and keys")
def list_orgs(services: ServicesDep, principal: PrincipalDep,
              role: Annotated[Role | None, Query(description="only organizations in this role")] = None) -> JSON:
    found = services.registry.organizations(role)
    return JSON({"organizations": found, "total": len(found)})


@router.get("/orgs/{org}", response_model=OrganizationPublic, responses=errors(401, 404),
            summary="One organization: roles, licences, keys and certificates")
def get_org(services: ServicesDep, principal: PrincipalDep, org: OrgPath) -> JSON:
    return JSON(services.registry.organization(org))


@router.get("/keys/{key_id}", response_model=RegisteredKeyPublic, responses=errors(401, 404),
            summary="A registered key: its organization, public key, validity and state")
def get_key(services: ServicesDep, principal: PrincipalDep, key_id: KeyIdPath) -> JSON:
    return JSON(services.registry.key(key_id))


# --- acts ----------------------------------------------------------------------------------------------------


def _act(services: Services, principal: Principal, at: str | None,
         build: Callable[[RegistryDesk, int], list[dict[str, Any]]]) -> JSON:
    desk = services.registry.desk(org=principal.org)
    when = _instant(at, "at") if at else services.ctx.now()
    try:
        envelopes = build(desk, when)
    except SchemaError as e:
        raise RequestError(e.message, code="request.invalid", path=e.path) from None
    outcomes = services.registry.record(envelopes)
    refused = any(outcome.error is not None for outcome in outcomes)
    return JSON([outcome.to_dict() for outcome in outcomes], status_code=207 if refused else 201)


def _instant(text: str, name: str) -> int:
    try:
        return instant_from_text(text)
    except ValueError:
        raise RequestError(f"{name}: not an instant YYYY-MM-DDTHH:MM:SSZ", code="request.invalid",
                           path=name) from None


def _licence(body: LicenceCreate) -> Licence:
    return Licence(body.kind, body.licence_no, body.valid_from, body.valid_until, body.scope)


def _certificate(body: CertificateCreate) -> Certificate:
    return Certificate(body.cert_no, body.category, body.valid_from, body.valid_until)


@router.post("/registry/organizations", status_code=201, responses=_ACT_RESPONSES,
             summary="Register an organization with its key, licences and certified people")
def register_org(services: ServicesDep, principal: RegulatorDep, body: OrganizationCreate) -> JSON:
    return _act(services, principal, body.at, lambda desk, at: desk.register_organization(
        body.org, body.name, body.roles, at=at, district=body.district, maker_code=body.maker_code,
        public_key=body.public_key, licences=[_licence(x) for x in body.licences],
        workers=[_certificate(x) for x in body.workers]))


@router.post("/registry/organizations/{org}/keys", status_code=201, responses=_ACT_RESPONSES,
             summary="Add a key to an organization")
def add_key(services: ServicesDep, principal: RegulatorDep, org: OrgPath, body: KeyCreate) -> JSON:
    return _act(services, principal, body.at, lambda desk, at: desk.add_key(
        org, body.public_key, at=at, valid_from=body.valid_from, valid_until=body.valid_until, device=body.device))


@router.post("/registry/organizations/{org}/keys/{key_id}/rotate", status_code=201, responses=_ACT_RESPONSES,
             summary="Replace a key: the new one added and the old one revoked at the same instant")
def rotate_key(services: ServicesDep, principal: RegulatorDep, org: OrgPath, key_id: KeyIdPath,
               body: KeyRotation) -> JSON:
    return _act(services, principal, body.at,
                lambda desk, at: desk.rotate_key(org, key_id, body.public_key, at=at, reason=body.reason))


@router.post("/registry/organizations/{org}/keys/{key_id}/revoke", status_code=201, responses=_ACT_RESPONSES,
             summary="Revoke a key: it signs nothing from revoked_at on")
def revoke_key(services: ServicesDep, principal: RegulatorDep, org: OrgPath, key_id: KeyIdPath,
               body: KeyRevocation) -> JSON:
    return _act(services, principal, body.at,
                lambda desk, at: desk.revoke_key(org, key_id, body.reason, at=at, revoked_at=body.revoked_at))


@router.post("/registry/organizations/{org}/certificates", status_code=201, responses=_ACT_RESPONSES,
             summary="Record certificates of an organization's people (作业人员证)")
def certify(services: ServicesDep, principal: RegulatorDep, org: OrgPath, body: CertificatesCreate) -> JSON:
    return _act(services, principal, body.at, lambda desk, at: [
        e for c in body.certificates for e in desk.certify(org, _certificate(c), at=at)])


@router.post("/registry/organizations/{org}/licences", status_code=201, responses=_ACT_RESPONSES,
             summary="Grant a licence")
def grant_licence(services: ServicesDep, principal: RegulatorDep, org: OrgPath, body: LicenceGrant) -> JSON:
    return _act(services, principal, body.at, lambda desk, at: desk.grant_licence(org, _licence(body.licence), at=at))


@router.post("/registry/elevators", status_code=201, responses=_ACT_RESPONSES,
             summary="使用登记: register an elevator whose manufacture or baseline is recorded")
def register_elevator(services: ServicesDep, principal: RegulatorDep, body: ElevatorRegistration) -> JSON:
    return _act(services, principal, body.at, lambda desk, at: desk.register_elevator(
        body.equipment_code, at=at, registration_no=body.registration_no, user_unit=body.user_unit,
        site_category=body.site_category, district=body.district, address=body.address,
        rescue_code=body.rescue_code, registration_code=body.registration_code))

