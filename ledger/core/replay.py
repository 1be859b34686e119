"""Recorded history replayed through the one rule set, as the ledger decided it (ledger/core/decide.py).

Pure: no I/O. An offline verifier — a passport's (ledger/tlog/passport.py), the store's (ledger/store/verify.py) —
hands :meth:`Replay.record` each record in log order with the time it was recorded; the record must pass the very
:func:`~ledger.core.decide.decide` the write path used, against the registry, the elevator's state and the
references of the records before it, and is then folded in with :func:`~ledger.core.decide.fold`. Whatever the
ledger would have refused is refused here, with the ledger's own code (``key.revoked``, ``role.forbidden``,
``invariant.duplicate_key``, …) as an :class:`~ledger.core.errors.IntegrityError` naming the record.

Two things the write path settles before deciding are replay rules here, each with its own code:

- ``log.replayed_record``: an ``event_id`` already in the log. The ledger never appends a record twice (a
  resubmission gets the original receipt), so a repeated record — say a ``KeyAdded`` replayed after its key's
  ``KeyRevoked`` to un-revoke it — is a forgery;
- ``log.genesis_position``: the ``RegistryGenesis`` is the log's first record, at leaf 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ledger.core.decide import Facts, SignatureCheck, decide, fold, verify_signature
from ledger.core.elevator import Earlier, ElevatorState, Lookup
from ledger.core.errors import IntegrityError, SubmissionError
from ledger.core.registry import KeyRecord, Registry
from ledger.core.schema.registry_events import RegistryGenesis
from ledger.core.submission import Submission

__all__ = ["Replay", "refused"]


def refused(error: SubmissionError, where: str) -> IntegrityError:
    """A refusal found on replay: the decision's own code, the record it was about."""
    return IntegrityError(f"{where}: the ledger would have refused it: {error.message}", code=error.code,
                          **error.details)


@dataclass
class Replay:
    """The state a replay has reached: the registry, each elevator's decision state and the events seen.

    ``remember_events``: keep every replayed event for references and the replayed-record rule (a passport's few
    hundred records); a store's verifier looks them up in the store instead and passes ``lookup``.
    """

    remember_events: bool = True
    registry: Registry = field(default_factory=Registry)
    elevators: dict[str, ElevatorState] = field(default_factory=dict)
    events: dict[str, Earlier] = field(default_factory=dict)
    genesis: Submission | None = None

    def record(self, sub: Submission, *, leaf: int, now: int, where: str, lookup: Lookup | None = None,
               check_signature: SignatureCheck = verify_signature) -> KeyRecord:
        """Decide and fold the record at ``leaf``, recorded at ``now``; return the key that signed it.

        Raises:
            IntegrityError: with the ledger's code for what it would have refused, or a ``log.*`` code.
        """
        if self.remember_events and sub.event_id in self.events:
            raise IntegrityError(f"{where}: event {sub.event_id} is already in the log: the ledger never appends a "
                                 "record twice", code="log.replayed_record")
        if isinstance(sub.payload, RegistryGenesis):
            if leaf != 0:
                raise IntegrityError(f"{where}: the RegistryGenesis is at leaf {leaf}; it is the log's first record, "
                                     "at leaf 0", code="log.genesis_position")
            self.genesis = self.genesis or sub
        code = sub.equipment_code or ""
        elevator = self.elevators.get(code) if sub.stream.kind == "elevator" else None
        facts = Facts(self.registry, elevator, lookup or self.events.get, now)
        try:
            key = decide(sub, facts, check_signature)
        except SubmissionError as e:
            raise refused(e, where) from None
        state = fold(sub, self.registry, elevator)
        if state is not None:
            self.elevators[code] = state
        if self.remember_events:
            self.events[sub.event_id] = Earlier(str(sub.stream), sub.type, sub.org)
        return key
