"""The operator's side of the transparency log: checkpoints, proofs from the store, witness round trips.

The Merkle tree itself is written with the events (ledger/store/batch.py); this module reads it. A log is named
by its *origin*; its checkpoints are C2SP signed notes by the operator's key, whose key name is the origin.
Every checkpoint issued is kept, and witnesses' cosignatures are collected onto it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from ledger.core.errors import ConfigurationError, NotFoundError, ProofError
from ledger.core.identifiers import format_instant
from ledger.core.keys import SigningKey
from ledger.store import CheckpointRow, CheckpointStore, MerkleLogReader, Store
from ledger.tlog.checkpoint import (
    TIME_EXTENSION,
    Checkpoint,
    NoteSigner,
    NoteVerifier,
    WitnessVerifier,
    add_signatures,
    open_checkpoint,
    sign_note,
    split_note,
    verify_cosignature,
)
from ledger.tlog.leaf import record_leaf_hash
from ledger.tlog.merkle import consistency_proof, inclusion_proof, root
from ledger.tlog.proofs import ConsistencyProof, InclusionProof
from ledger.tlog.witness import AddCheckpointRequest

__all__ = ["IssuedCheckpoint", "TransparencyLog", "default_origin", "operator_signer"]



def default_origin(operator: SigningKey) -> str:
    """A log origin unique to the operator's key, as C2SP asks origins to be unique."""
    return f"liftledger.local/log-{operator.key_id[:16]}"


def operator_signer(key: SigningKey, origin: str) -> NoteSigner:
    return NoteSigner(origin, key.private)


@dataclass(frozen=True)
class IssuedCheckpoint:
    checkpoint_id: int
    checkpoint: Checkpoint
    issued_at: int
    note: str

    @property
    def size(self) -> int:
        return self.checkpoint.size

    @property
    def signers(self) -> list[str]:
        """The key names on the note's signature lines, in order (the log's own first)."""
        return [signature.name for signature in split_note(self.note).signatures]

    @property
    def cosigners(self) -> list[str]:
        """The witnesses that cosigned it (every signer but the log, whose key name is its origin)."""
        return [name for name in self.signers if name != self.checkpoint.origin]


class TransparencyLog:
    """The log of one store: its Merkle tree and the checkpoints kept on it."""

    def __init__(self, store: Store) -> None:
        self.tree: MerkleLogReader = store.tree
        self.book: CheckpointStore = store.checkpoints

    # --- identity -------------------------------------------------------------------------------------------

    @property
    def origin(self) -> str:
        return self._meta("origin")

    @property
    def operator(self) -> NoteVerifier:
        return NoteVerifier.from_vkey(self._meta("operator_vkey"))

    def adopt_operator(self, key: SigningKey, origin: str | None = None) -> NoteSigner:
        """Bind the log to the operator key (once); later calls must present the same key."""
        meta = self.book.meta()
        chosen = origin or meta.get("origin") or default_origin(key)
        signer = operator_signer(key, chosen)
        if meta.get("operator_vkey") not in (None, signer.vkey()):
            raise ConfigurationError(f"this key is not the operator key of log {meta.get('origin')}")
        self.book.set_meta({"origin": chosen, "operator_vkey": signer.vkey()})
        return signer

    def _meta(self, name: str) -> str:
        value = self.book.meta().get(name)
        if value is None:
            raise NotFoundError(f"this log has no {name} yet: issue a first checkpoint with the operator's key")
        return value

    # --- checkpoints ----------------------------------------------------------------------------------------

    def issue(self, key: SigningKey, *, now: int | None = None, origin: str | None = None) -> IssuedCheckpoint:
        """Sign a checkpoint of the whole tree as it is now, keep it, and return it.

        Its ``time`` is ``now`` but never earlier than the newest leaf's recorded time: a checkpoint's time bounds
        the recorded times of every leaf below its size (docs/FORMAT.md §II.1.1).
        """
        signer = self.adopt_operator(key, origin)
        newest = self.tree.newest_leaf()
        issued_at = int(time.time()) if now is None else now
        if newest is not None:
            issued_at = max(issued_at, newest.recorded_at)
        size = newest.leaf + 1 if newest is not None else 0
        checkpoint = Checkpoint(signer.name, size, root(size, self.tree),
                                (TIME_EXTENSION + format_instant(issued_at),))
        note = sign_note(checkpoint.body(), [signer])
        checkpoint_id = self.book.add_checkpoint(size, issued_at, note)
        return IssuedCheckpoint(checkpoint_id, checkpoint, issued_at, note)

    def checkpoints(self) -> list[IssuedCheckpoint]:
        return _issued(self.book.checkpoints())

    def latest(self) -> IssuedCheckpoint:
        newest = _issued(self.book.checkpoints(newest_only=True))
        if not newest:
            raise NotFoundError("no checkpoint has been issued yet (liftledger checkpoint)")
        return newest[0]

    def at_size(self, size: int) -> IssuedCheckpoint | None:
        newest = _issued(self.book.checkpoints(tree_size=size, newest_only=True))
        return newest[0] if newest else None

    def witness_request(self, old_size: int, checkpoint: IssuedCheckpoint | None = None) -> bytes:
        """The tlog-witness add-checkpoint body for a witness that last saw ``old_size``."""
        target = checkpoint or self.latest()
        proof = consistency_proof(old_size, target.size, self.tree) if 0 < old_size < target.size else []
        return AddCheckpointRequest(old_size, tuple(proof), target.note).to_bytes()

    def add_cosignatures(self, lines: list[str], witness: WitnessVerifier,
                         checkpoint: IssuedCheckpoint | None = None) -> IssuedCheckpoint:
        """Verify a witness's cosignature lines on the checkpoint and store them onto it."""
        target = checkpoint or self.latest()
        for line in lines:
            verify_cosignature(target.checkpoint, line, witness)
        note = add_signatures(target.note, lines)
        open_checkpoint(note, self.operator, witnesses=[witness], min_witnesses=1)
        self.book.replace_checkpoint_note(target.checkpoint_id, note)
        return IssuedCheckpoint(target.checkpoint_id, target.checkpoint, target.issued_at, note)

    # --- proofs ---------------------------------------------------------------------------------------------

    def inclusion(self, event_id: str, size: int | None = None) -> InclusionProof:
        """Proof that the event is leaf ``leaf`` of the tree of ``size`` (default: the latest checkpoint's)."""
        row = self.tree.leaf_of(event_id)
        if row is None:
            raise NotFoundError(f"no event {event_id} in this ledger")
        tree_size = self._size(size)
        if row.leaf >= tree_size:
            raise ProofError(f"event {event_id} is leaf {row.leaf}, outside a tree of size {tree_size}",
                             code="proof.out_of_range")
        hashes = inclusion_proof(row.leaf, tree_size, self.tree)
        return InclusionProof(self.origin, row.leaf, tree_size, record_leaf_hash(row.hash, row.recorded_at),
                              tuple(hashes), root(tree_size, self.tree), row.hash, row.recorded_at)

    def bundle(self, proof: InclusionProof | ConsistencyProof) -> dict[str, Any]:
        """A proof with, when one was issued at its tree size, the signed checkpoint that commits to its root."""
        size = proof.tree_size if isinstance(proof, InclusionProof) else proof.new_size
        bundle: dict[str, Any] = {"proof": proof.to_json()}
        issued = self.at_size(size)
        if issued is not None:
            bundle["checkpoint"] = issued.note
        return bundle

    def consistency(self, old_size: int, new_size: int) -> ConsistencyProof:
        current = self.tree.tree_size()
        if not 0 <= old_size <= new_size <= current:
            raise ProofError(f"sizes must satisfy 0 ≤ {old_size} ≤ {new_size} ≤ {current}", code="proof.out_of_range")
        hashes = consistency_proof(old_size, new_size, self.tree) if 0 < old_size < new_size else []
        return ConsistencyProof(self.origin, old_size, new_size, root(old_size, self.tree),
                                root(new_size, self.tree), tuple(hashes))

    def _size(self, size: int | None) -> int:
        if size is not None:
            current = self.tree.tree_size()
            if not 0 < size <= current:
                raise ProofError(f"tree size {size} is outside 1..{current}", code="proof.out_of_range")
            return size
        newest = self.book.checkpoints(newest_only=True)
        return newest[0].tree_size if newest else self.tree.tree_size()


def _issued(rows: list[CheckpointRow]) -> list[IssuedCheckpoint]:
    return [IssuedCheckpoint(row.checkpoint_id, Checkpoint.parse(split_note(row.note).text), row.issued_at, row.note)
            for row in rows]
