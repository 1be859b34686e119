"""Access: authenticating tokens, issuing and revoking them, and checking what a principal may see.

Shared by the HTTP dependencies (every authenticated request) and the ``liftledger tokens`` CLI, so a token is
issued under exactly the rules it is checked by: the organization must be registered in the ledger in the role
the token names.
"""

from __future__ import annotations

from dataclasses import dataclass

from api.http.auth import NAMED_RELATIONS, ROLES, SIGNED_RELATIONS, Principal, payload_field, relates, relation_types
from api.http.errors import AuthenticationError, PermissionDenied, RequestError
from api.http.services.context import LedgerContext
from api.http.tokens import TOKEN_PREFIX, TokenRecord, TokenStore
from ledger.core.errors import AuthorizationError, ElevatorUnknownError
from ledger.core.identifiers import check_equipment_code, check_uscc
from ledger.store import ElevatorDirectory, RelationRecord, StoredRecord

__all__ = ["AccessService", "ElevatorRows", "IssuedToken"]

ElevatorRows = list[StoredRecord]
_MAX_TOKEN_CHARS = 200


def _check_code(code: str) -> None:
    problem = check_equipment_code(code)
    if problem:
        raise RequestError(f"{code[:40]!r}: {problem}", code="request.invalid_code")


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str  # shown once
    record: TokenRecord


class AccessService:
    def __init__(self, ctx: LedgerContext) -> None:
        self.ctx = ctx
        self.elevators: ElevatorDirectory = ctx.store.elevators
        self.tokens = TokenStore(ctx.store.database)

    # --- tokens ----------------------------------------------------------------------------------------------

    def authenticate(self, token: str | None) -> Principal:
        """The principal a bearer token stands for.

        Raises:
            AuthenticationError: ``auth.missing`` (no token), ``auth.invalid`` (never issued), ``auth.revoked``.
        """
        if not token:
            raise AuthenticationError("this endpoint needs an API token: Authorization: Bearer llt_…")
        if len(token) > _MAX_TOKEN_CHARS or not token.startswith(TOKEN_PREFIX):
            raise AuthenticationError("the API token is not valid", code="auth.invalid")
        record = self.tokens.lookup(token)
        if record is None:
            raise AuthenticationError("the API token is not valid", code="auth.invalid")
        if not record.active:
            raise AuthenticationError("the API token was revoked", code="auth.revoked")
        return Principal(record.token_id, record.org, record.role, self.ctx.org_name(record.org))

    def issue_token(self, org: str, role: str, label: str = "") -> IssuedToken:
        """A token for ``org`` acting as ``role``; the organization must be registered in that role."""
        problem = check_uscc(org)
        if problem:
            raise RequestError(f"{org!r}: {problem}", code="token.invalid_org")
        if role not in ROLES:
            raise RequestError(f"unknown role {role!r}; one of {', '.join(ROLES)}", code="token.invalid_role")
        registered = self.ctx.registry().orgs.get(org)
        if registered is None or (role not in registered.roles and role != "iot_terminal"):
            raise AuthorizationError(f"{org} is not registered in the ledger as {role}", code="token.not_registered")
        token, record = self.tokens.issue(org, role, label=label, now=self.ctx.now())
        return IssuedToken(token, record)

    def revoke_token(self, token_id: str) -> TokenRecord:
        return self.tokens.revoke(token_id, now=self.ctx.now())

    def list_tokens(self, org: str | None = None) -> list[TokenRecord]:
        return self.tokens.list(org)

    # --- scopes ----------------------------------------------------------------------------------------------

    @staticmethod
    def require_role(principal: Principal, *roles: str) -> Principal:
        """Refuse (403 ``auth.role_forbidden``) unless the principal's role is one of ``roles``."""
        if principal.role not in roles:
            raise PermissionDenied(f"a {principal.role} token may not use this endpoint (for: {', '.join(roles)})")
        return principal

    def require_elevator(self, principal: Principal, code: str) -> None:
        """Refuse unless the principal may see elevator ``code``, reading only the records that could relate it.

        Raises:
            ElevatorUnknownError: no such elevator (404); PermissionDenied ``auth.out_of_scope`` (403).
        """
        if principal.is_regulator:
            self.require_exists(code)
            return
        _check_code(code)
        if not relates(principal, self.elevators.relation_records(code, relation_types(principal.role))):
            self.require_exists(code)
            raise PermissionDenied(f"elevator {code} is outside the scope of {principal.org} as {principal.role}",
                                   code="auth.out_of_scope")

    def require_exists(self, code: str) -> None:
        """Refuse with 404 ``elevator.unknown`` unless the ledger has elevator ``code``."""
        _check_code(code)
        if not self.elevators.elevator_exists(code):
            raise ElevatorUnknownError(f"no elevator {code} in this ledger")

    def elevator_rows(self, principal: Principal, code: str) -> ElevatorRows:
        """The elevator's stream, if it exists and the principal may see it.

        Raises:
            ElevatorUnknownError: no such elevator (404); PermissionDenied ``auth.out_of_scope`` (403).
        """
        rows = self.stream(code)
        if not relates(principal, [RelationRecord(row.type, row.org, record) for row, record in rows]):
            raise PermissionDenied(f"elevator {code} is outside the scope of {principal.org} as {principal.role}",
                                   code="auth.out_of_scope")
        return rows

    def stream(self, code: str) -> ElevatorRows:
        """An elevator's stream without any scope check (the public summary's own business)."""
        _check_code(code)
        rows = self.ctx.store.index.stream_rows(code)
        if not rows or rows[0].row.stream_kind != "elevator":
            raise ElevatorUnknownError(f"no elevator {code} in this ledger")
        return rows

    def visible_elevators(self, principal: Principal, after: str, limit: int) -> list[str]:
        """Equipment codes the principal may see, in code order, after ``after`` (a page of ``limit``)."""
        if principal.is_regulator:
            return self.elevators.elevator_codes(after, limit)
        if principal.role in NAMED_RELATIONS:
            return self._named_elevators(principal, after, limit)
        return self.elevators.elevators_recorded_by(principal.org, SIGNED_RELATIONS.get(principal.role, ()), after,
                                                    limit)

    def _named_elevators(self, principal: Principal, after: str, limit: int) -> list[str]:
        """Elevators whose records name the principal's organization in a payload field (the field per type)."""
        fields = NAMED_RELATIONS[principal.role]
        found: list[str] = []
        for typed in self.elevators.records_of_types(fields, after):
            if (payload_field(typed.record, fields[typed.type]) == principal.org
                    and (not found or found[-1] != typed.stream_key)):
                found.append(typed.stream_key)
                if len(found) >= limit:
                    break
        return found
