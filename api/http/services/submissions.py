"""Producers' submissions over HTTP: one envelope or a batch, through the one ledger write path.

The body is one envelope (a JSON object) or a JSON array of them. Each envelope is parsed, checked to be the
token's own organization's, and handed to the ledger service with the others in one batch; the answer is the
ledger's own outcome per envelope (``Outcome.to_dict()``), exactly what ``liftledger append`` prints — a receipt,
a ``duplicate`` with the original receipt (re-sending is safe: ``event_id`` is the idempotency key), or a typed
error with the CLI's code.

Statuses: a single envelope answers 201 (accepted), 200 (duplicate) or its error's 4xx; a batch answers 200 when
every envelope was accepted or a duplicate and 207 when any was refused, always with one outcome per envelope in
order. Only a request that is not an envelope or a batch at all is refused as a whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from api.http.auth import Principal
from api.http.errors import PayloadTooLargeError, PermissionDenied, RequestError, status_for
from api.http.services.context import LedgerContext
from ledger.core.errors import LedgerError, SchemaError
from ledger.core.strictjson import parse_strict
from ledger.core.submission import Submission, parse_submission

__all__ = ["SubmissionService", "SubmitResult"]


@dataclass(frozen=True, slots=True)
class SubmitResult:
    status: int
    body: list[dict[str, Any]] | dict[str, Any]


class SubmissionService:
    def __init__(self, ctx: LedgerContext, *, max_batch: int) -> None:
        self.ctx = ctx
        self.max_batch = max_batch

    def submit(self, principal: Principal, body: bytes) -> SubmitResult:
        """Append the envelope(s) in ``body`` on behalf of ``principal``'s organization."""
        decoded = parse_strict(body, what="the request body")
        if isinstance(decoded, dict):
            outcome = self.ctx.append([self._parse(principal, decoded)])[0]
            if outcome.error is not None:
                return SubmitResult(status_for(outcome.error), outcome.to_dict())
            return SubmitResult(200 if outcome.duplicate else 201, outcome.to_dict())
        if not isinstance(decoded, list):
            raise SchemaError("the body is an envelope (a JSON object) or an array of envelopes", path="")
        if not decoded:
            raise RequestError("the batch is empty", code="request.empty_batch")
        if len(decoded) > self.max_batch:
            raise PayloadTooLargeError(f"a batch holds at most {self.max_batch} envelopes, not {len(decoded)}",
                                       code="request.batch_too_large")
        outcomes = self.ctx.append([self._parse(principal, raw) for raw in decoded])
        refused = any(outcome.error is not None for outcome in outcomes)
        return SubmitResult(207 if refused else 200, [outcome.to_dict() for outcome in outcomes])

    @staticmethod
    def _parse(principal: Principal, raw: Any) -> Submission | LedgerError:
        """The submission, or the error that refuses it in place (the rest of the batch goes on)."""
        try:
            sub = parse_submission(raw)
        except LedgerError as e:
            return e
        if sub.org != principal.org:
            return PermissionDenied(
                f"this token submits for {principal.org}; the envelope's actor is {sub.org}",
                code="auth.actor_mismatch",
            )
        return sub
