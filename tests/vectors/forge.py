"""A log built in memory from records in any order, with its signed checkpoint and passports — the way an operator
who runs the ledger's software could build one, honest or not.

The passport vectors (tests/vectors/generate_passport_vectors.py) and the passport property test
(tests/property/test_passport_forgeries.py) use it to make histories the ledger would have refused, each with
valid proofs and a checkpoint signed by the operator's own key: only the rules can tell them apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ledger.core.chain import GENESIS_HASH, chain_hash
from ledger.core.errors import LedgerError
from ledger.core.identifiers import format_instant
from ledger.core.submission import parse_line
from ledger.tlog.checkpoint import TIME_EXTENSION, Checkpoint, NoteSigner, sign_note
from ledger.tlog.leaf import record_leaf_hash
from ledger.tlog.merkle import MerkleAppender, NodeId, inclusion_proof
from ledger.tlog.passport import PASSPORT_FORMAT, involved_organizations

__all__ = ["Entry", "ForgedLog", "Logged"]


@dataclass(frozen=True)
class Logged:
    """A record to put in the log: its bytes, when it is said to be recorded, and (for bytes that do not parse)
    the stream it is chained onto."""

    record: bytes
    recorded_at: int
    stream: str | None = None


@dataclass(frozen=True)
class Entry:
    leaf: int
    stream: str
    seq: int
    record: bytes
    recorded_at: int
    event_hash: bytes


class ForgedLog:
    """Records chained per stream in the order given; leaves in that order too, unless ``leaf_order`` (a
    permutation: ``leaf_order[i]`` is the leaf of the i-th record) places them otherwise."""

    def __init__(self, records: Sequence[Logged], leaf_order: Sequence[int] | None = None) -> None:
        order = list(leaf_order) if leaf_order is not None else list(range(len(records)))
        assert sorted(order) == list(range(len(records))), "leaf_order is a permutation"
        heads: dict[str, tuple[int, bytes]] = {}
        chained: list[Entry] = []
        for logged, leaf in zip(records, order, strict=True):
            stream = logged.stream or str(parse_line(logged.record).stream)
            seq, head = heads.get(stream, (0, GENESIS_HASH))
            digest = chain_hash(head, logged.record)
            heads[stream] = (seq + 1, digest)
            chained.append(Entry(leaf, stream, seq + 1, logged.record, logged.recorded_at, digest))
        self.entries = sorted(chained, key=lambda entry: entry.leaf)
        appender = MerkleAppender()
        self.nodes: dict[NodeId, bytes] = {}
        for entry in self.entries:
            self.nodes.update(appender.append(record_leaf_hash(entry.event_hash, entry.recorded_at)))
        self.size = appender.size
        self.root = appender.root()

    def get_nodes(self, ids: Sequence[NodeId]) -> list[bytes]:
        return [self.nodes[node] for node in ids]

    def checkpoint(self, signer: NoteSigner, time: int, *, origin: str | None = None) -> str:
        """A checkpoint of the whole log, dated ``time``, signed by ``signer`` (its origin the signer's name)."""
        body = Checkpoint(origin or signer.name, self.size, self.root, (TIME_EXTENSION + format_instant(time),))
        return sign_note(body.body(), [signer])

    def stream(self, name: str) -> list[Entry]:
        return sorted((entry for entry in self.entries if entry.stream == name), key=lambda entry: entry.seq)

    def passport(self, equipment_code: str, note: str, origin: str, *,
                 streams: Sequence[str] | None = None) -> dict[str, Any]:
        """The passport the exporter would write for this log (or one showing exactly ``streams``)."""
        names = list(streams) if streams is not None else self._streams_shown(equipment_code)
        return {
            "format": PASSPORT_FORMAT, "log_origin": origin, "checkpoint": note, "equipment_code": equipment_code,
            "streams": [{"stream": name, "records": [self._item(entry) for entry in self.stream(name)]}
                        for name in names],
        }

    def _streams_shown(self, equipment_code: str) -> list[str]:
        """The elevator's stream, then the involved organizations' as ledger/store/passport_export.py finds them."""
        first = next((entry.stream for entry in self.entries if entry.leaf == 0), None)
        elevator = f"elevator:{equipment_code}"
        pending = [*([first[4:]] if first and first.startswith("org:") else []),
                   *involved_organizations(self._parsed(elevator))]
        shown: list[str] = [elevator]
        while pending:
            name = f"org:{pending.pop(0)}"
            if name in shown or not self.stream(name):
                continue
            shown.append(name)
            pending.extend(involved_organizations(self._parsed(name)))
        return shown

    def _parsed(self, stream: str) -> list[Any]:
        parsed = []
        for entry in self.stream(stream):
            try:
                parsed.append(parse_line(entry.record))
            except LedgerError:  # a forged record that does not parse names no organization
                continue
        return parsed

    def _item(self, entry: Entry) -> dict[str, Any]:
        proof = inclusion_proof(entry.leaf, self.size, self)
        return {"seq": entry.seq, "leaf_index": entry.leaf, "recorded_at": entry.recorded_at,
                "record": entry.record.decode("utf-8", "surrogateescape"), "proof": [h.hex() for h in proof]}
