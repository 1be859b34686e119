"""One rule set: the decision on one submission, made the same way by the ledger and by every offline verifier.

Pure: no I/O. :func:`decide` raises the first rule a submission breaks, or returns the key that signed it;
:func:`fold` then folds the accepted submission into the state the next decision is made against. The ledger's
write path (ledger/write/service.py) calls them for each submission of a batch; a passport's verifier
(ledger/tlog/passport.py) and the store's verifier (ledger/store/verify.py) replay recorded history through the
very same two functions, so an offline check can never be laxer than the ledger was.

A decision is made against four things, and nothing else:

- ``registry`` — the registry (organizations, roles, licences, keys, certificates, devices) as of the submission:
  every registry record before it in log order, folded;
- ``elevator`` — the decision state of the submission's elevator stream, or None when the stream is new (and for
  organization streams, whose state is the registry);
- ``lookup`` — where an earlier event is and what it is, by ``event_id`` (corrections, countersignatures and
  claims point at earlier events);
- ``now`` — the decision time. On the write path it is the writer's clock when the batch is decided. Replayed
  offline it is the time the record was recorded, as far as the log shows it: until the log commits each
  record's recorded time, the latest time it can have been recorded at (the time of the first checkpoint that
  covers it, or the verifier's clock). Rules that use ``now`` say so.

The order of the checks is docs/FORMAT.md §I.7: time rules, the key, the signature, role/licence/persons, then
relationships and the lifecycle rules; every refusal has its own code. Duplicates (the same ``event_id`` again)
are not decided here: the write path answers them with the original receipt before deciding, and a replay
refuses a record that repeats an earlier one.

Where new rules go:

- rules judged at the decision time ``now`` for every type: :data:`TIME_RULES`;
- rules for one event type that need more than the elevator's own state: :data:`TYPE_RULES` (by type name);
- lifecycle rules over the elevator's own state: ``ElevatorState`` (ledger/core/elevator.py);
- registry consistency: ``Registry.check_registry_event`` (ledger/core/registry.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import NamedTuple

from ledger.core.elevator import ElevatorState, Lookup
from ledger.core.errors import AuthorizationError, ElevatorUnknownError, InvariantError
from ledger.core.registry import KeyRecord, Registry
from ledger.core.submission import Submission

__all__ = [
    "MAX_CLOCK_SKEW_S",
    "TIME_RULES",
    "TYPE_RULES",
    "Facts",
    "Rule",
    "SignatureCheck",
    "decide",
    "fold",
    "verify_signature",
]

# An event may be dated at most this far after the decision time (producers' clocks drift).
MAX_CLOCK_SKEW_S = 300


class Facts(NamedTuple):
    """What a decision is made against (see the module docstring)."""

    registry: Registry
    elevator: ElevatorState | None
    lookup: Lookup
    now: int


# A rule raises a SubmissionError (with its own code) when the submission breaks it.
Rule = Callable[[Submission, Facts], None]
# Raises SignatureError unless ``key`` signed the submission (the write path answers from its verifying pool).
SignatureCheck = Callable[[Submission, KeyRecord], None]


def verify_signature(sub: Submission, key: KeyRecord) -> None:
    """Verify the Ed25519 signature of ``sub`` with ``key`` here and now."""
    key.public.verify(sub.signature, sub.signing)


def decide(sub: Submission, facts: Facts, check_signature: SignatureCheck = verify_signature) -> KeyRecord:
    """Raise the first rule ``sub`` breaks (a SubmissionError with its code); return the key that signed it."""
    for rule in TIME_RULES:
        rule(sub, facts)
    registry = facts.registry
    key = registry.key_for(sub)
    check_signature(sub, key)
    registry.authorize(sub)
    if sub.envelope.corrects is not None:
        _check_correction(sub, facts.lookup)
    if sub.stream.kind == "org":
        registry.check_registry_event(sub)
    elif facts.elevator is None:
        _check_new_elevator(sub, registry)
    else:
        facts.elevator.check(sub, registry, facts.lookup)
    for rule in TYPE_RULES.get(sub.type, ()):
        rule(sub, facts)
    return key


def fold(sub: Submission, registry: Registry, elevator: ElevatorState | None) -> ElevatorState | None:
    """Fold an accepted submission in: registry records into ``registry``; an elevator's into its state, which is
    returned (created by the stream's first record)."""
    if sub.stream.kind == "org":
        registry.apply(sub)
        return elevator
    state = elevator if elevator is not None else ElevatorState.manufactured(sub)
    state.apply(sub)
    return state


# --- the rules that are not the registry's or the elevator state's own ----------------------------------------


def _not_in_future(sub: Submission, facts: Facts) -> None:
    """Uses ``now``: nothing is dated more than MAX_CLOCK_SKEW_S after it was decided."""
    if sub.occurred_at > facts.now + MAX_CLOCK_SKEW_S:
        raise InvariantError("future", "occurred_at is in the future")


def _check_correction(sub: Submission, lookup: Lookup) -> None:
    """A correction names an earlier event of its own type and stream, by its recorder or a regulator."""
    target_id = sub.envelope.corrects or ""
    target = lookup(target_id)
    if target is None:
        raise InvariantError("unknown_reference", f"corrects {target_id}, which is not in the ledger")
    if target.stream != str(sub.stream) or target.type != sub.type:
        raise InvariantError("correction_mismatch", "a correction has the corrected event's type and stream")
    if target.org != sub.org and sub.role != "regulator":
        raise AuthorizationError("only the recording organization or a regulator corrects an event",
                                 code="relationship.missing")


def _check_new_elevator(sub: Submission, registry: Registry) -> None:
    """A new elevator stream starts with its Manufactured event, by the maker its code names."""
    code = sub.equipment_code or ""
    if sub.type != "Manufactured":
        raise ElevatorUnknownError(f"elevator {code} has not been manufactured in this ledger")
    maker = registry.orgs.get(sub.org)
    if maker is None or maker.maker_code != code[4:9]:
        raise AuthorizationError(
            f"digits 5-9 of {code} ({code[4:9]}) are not the 制造单位代号 of {sub.org}", code="relationship.missing"
        )


# Rules judged at the decision time, for every type, in order (before the key: a record from the future is
# refused whoever signed it).
TIME_RULES: tuple[Rule, ...] = (_not_in_future,)

# Rules for one event type beyond the elevator's lifecycle rules, run last, in order.
TYPE_RULES: Mapping[str, tuple[Rule, ...]] = {}
