"""The transparency log over HTTP: signed checkpoints, RFC 9162 proofs, passports, and a C2SP witness.

Checkpoints and proofs are public — like a Certificate Transparency log, anyone may audit that the log only
grows — and carry nothing but hashes and sizes. Proofs are bundled with the signed checkpoint of their tree size
when one was issued, exactly as ``liftledger prove`` prints them, so a verifier needs only the operator's key.

The witness (c2sp.org/tlog-witness) is :class:`ledger.tlog.witness.Witness` with its state in a directory and its
answers mapped by :func:`ledger.tlog.witness.error_response`; it trusts the logs configured for it or, by default,
this server's own log — so a regulator or an insurer can run a witness as a service.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from api.http.errors import ServiceUnavailable
from api.http.services.context import LedgerContext
from api.http.settings import Settings
from ledger.adapters.keyfile import load_signing_key
from ledger.adapters.witness_state import WitnessStateFile
from ledger.core.errors import ConflictError, LedgerError, NotFoundError
from ledger.core.identifiers import format_instant
from ledger.store.passport_export import build_passport
from ledger.store.transparency import IssuedCheckpoint
from ledger.tlog.checkpoint import NoteVerifier, WitnessSigner
from ledger.tlog.leaf import leaf_input
from ledger.tlog.merkle import inclusion_proof
from ledger.tlog.proofs import TlogProof
from ledger.tlog.witness import Witness, error_response

__all__ = ["TransparencyService", "WitnessAnswer"]


@dataclass(frozen=True, slots=True)
class WitnessAnswer:
    status: int
    content_type: str
    body: bytes


class TransparencyService:
    def __init__(self, ctx: LedgerContext, settings: Settings) -> None:
        self.ctx = ctx
        self.settings = settings
        self._witness_signer: WitnessSigner | None = None

    # --- checkpoints -----------------------------------------------------------------------------------------

    def latest_note(self) -> str:
        """The latest checkpoint's signed note with the witness cosignatures collected so far."""
        return self.ctx.log.latest().note

    def checkpoints(self, after: int, limit: int) -> dict[str, Any]:
        """Issued checkpoints with id > ``after``, oldest first, with their cosigning witnesses."""
        log = self.ctx.log
        issued = [c for c in log.checkpoints() if c.checkpoint_id > after]
        page = issued[:limit]
        return {"origin": _origin_or_none(log), "operator_vkey": _vkey_or_none(log),
                "items": [_checkpoint_item(c) for c in page],
                "next_after": page[-1].checkpoint_id if len(issued) > limit else None}

    # --- proofs ----------------------------------------------------------------------------------------------

    def inclusion(self, event_id: str, size: int | None) -> dict[str, Any]:
        return self.ctx.log.bundle(self.ctx.log.inclusion(event_id, size))

    def consistency(self, old: int, new: int) -> dict[str, Any]:
        return self.ctx.log.bundle(self.ctx.log.consistency(old, new))

    def tlog_proof(self, event_id: str) -> str:
        """A c2sp.org/tlog-proof@v1 of the event against the latest checkpoint (offline-verifiable text); its
        ``extra`` line carries the leaf input, the event hash and its recorded time (docs/FORMAT.md §II.3.2)."""
        log = self.ctx.log
        issued = log.latest()
        row = self.ctx.store.tree.leaf_of(event_id)
        if row is None:
            raise NotFoundError(f"no event {event_id} in this ledger")
        if row.leaf >= issued.size:
            raise ConflictError(f"event {event_id} is not yet under a signed checkpoint (leaf {row.leaf}, "
                                f"checkpoint size {issued.size})", code="passport.stale_checkpoint")
        hashes = inclusion_proof(row.leaf, issued.size, self.ctx.store.tree)
        return TlogProof(row.leaf, tuple(hashes), issued.note, leaf_input(row.hash, row.recorded_at)).to_text()

    def passport(self, code: str) -> dict[str, Any]:
        """The elevator's offline-verifiable passport against the latest checkpoint (scope is checked before)."""
        return build_passport(self.ctx.store, code)

    # --- the witness -----------------------------------------------------------------------------------------

    def add_checkpoint(self, body: bytes) -> WitnessAnswer:
        """Serve one tlog-witness add-checkpoint request; errors become the spec's statuses and bodies."""
        witness = self._witness()
        try:
            response = witness.handle_add_checkpoint(body, self.ctx.now())
        except LedgerError as e:
            status, content_type, text = error_response(e)
            return WitnessAnswer(status, content_type, text)
        return WitnessAnswer(200, "text/plain; charset=utf-8", response)

    def _witness(self) -> Witness:
        settings = self.settings
        if not settings.witness_enabled:
            raise ServiceUnavailable("this server runs no witness (set LIFTLEDGER_WITNESS_KEY, _NAME and _STATE)")
        assert settings.witness_key and settings.witness_name and settings.witness_state
        if self._witness_signer is None:
            key = load_signing_key(settings.witness_key)
            self._witness_signer = WitnessSigner(settings.witness_name, key.private)
        return Witness(self._witness_signer, self._trusted_logs(), WitnessStateFile(settings.witness_state))

    def _trusted_logs(self) -> dict[str, NoteVerifier]:
        vkeys = list(self.settings.witness_logs)
        if not vkeys:
            own = _vkey_or_none(self.ctx.log)
            vkeys = [own] if own else []
        logs = [NoteVerifier.from_vkey(vkey) for vkey in vkeys]
        return {log.name: log for log in logs}



def _checkpoint_item(issued: IssuedCheckpoint) -> dict[str, Any]:
    return {"checkpoint_id": issued.checkpoint_id, "size": issued.size,
            "root_hash": issued.checkpoint.root_hash.hex(), "issued_at": format_instant(issued.issued_at),
            "witnesses": issued.cosigners, "note": issued.note}


def _origin_or_none(log: Any) -> str | None:
    try:
        return str(log.origin)
    except NotFoundError:
        return None


def _vkey_or_none(log: Any) -> str | None:
    try:
        return str(log.operator.vkey())
    except NotFoundError:
        return None
