"""Trust anchors: what an offline verifier is given out of band, and what is only the operator's word without them.

A verifier of a passport, a proof or a store is given (docs/FORMAT.md §II.9):

- the **operator's verifier key** (always): it signs the checkpoints every proof is bound to;
- the **regulator's root key**: the public key of the ledger's ``RegistryGenesis`` — given as the key itself or
  as a regulator trust file (``liftledger-regulator-trust/1``). Every registry record that grants a role, a
  licence, a certificate or a key is signed by a regulator whose own key traces back, record by record, to the
  genesis; pinning the genesis key pins all of them to the regulator. Without it a wholly synthetic log using
  real organization codes would verify, so every registry fact is then only the operator's word;
- optionally **witness keys** and the number of them that must have cosigned the checkpoint: without witnesses,
  nothing shows that others were shown the same log.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ledger.core.errors import ConfigurationError, IntegrityError, SchemaError
from ledger.core.identifiers import check_uscc
from ledger.core.keys import PublicKey
from ledger.core.schema.registry_events import RegistryGenesis
from ledger.core.strictjson import parse_strict
from ledger.core.submission import Submission
from ledger.tlog.checkpoint import NoteVerifier, SignedCheckpoint, WitnessVerifier, open_checkpoint

__all__ = ["REGULATOR_TRUST_FORMAT", "RegulatorRoot", "TrustAnchors"]

REGULATOR_TRUST_FORMAT = "liftledger-regulator-trust/1"
_TRUST_FIELDS = {"format", "org", "name", "key_id", "public_key"}


@dataclass(frozen=True)
class RegulatorRoot:
    """The regulator's root: the genesis key, and (from a trust file) the regulator's 统一社会信用代码 and name."""

    public_key: PublicKey
    org: str | None = None
    name: str | None = None

    @classmethod
    def from_key(cls, public_b64: str) -> RegulatorRoot:
        """The root from the base64 of the genesis public key (as ``liftledger init`` prints it)."""
        try:
            return cls(PublicKey.from_base64(public_b64.strip()))
        except SchemaError as e:
            raise ConfigurationError(f"the regulator key is not a base64 Ed25519 public key: {e.message}") from None

    @classmethod
    def from_trust_file(cls, data: bytes | str) -> RegulatorRoot:
        """The root from a regulator trust file (docs/FORMAT.md §II.9)::

            {"format": "liftledger-regulator-trust/1", "org": "<USCC>", "name": "<name>",
             "key_id": "<32 hex>", "public_key": "<base64 of 32 bytes>"}
        """
        try:
            doc = parse_strict(data, max_bytes=64 * 1024, what="the regulator trust file")
        except SchemaError as e:
            raise ConfigurationError(f"{e.message} ({e.path or 'the document'})", code="trust.file") from None
        if not isinstance(doc, dict) or set(doc) != _TRUST_FIELDS or doc["format"] != REGULATOR_TRUST_FORMAT:
            raise ConfigurationError(f"a regulator trust file has exactly the fields {sorted(_TRUST_FIELDS)} and "
                                     f"format {REGULATOR_TRUST_FORMAT!r}", code="trust.file")
        if not all(isinstance(doc[name], str) for name in _TRUST_FIELDS) or check_uscc(doc["org"]):
            raise ConfigurationError("a regulator trust file's fields are strings and org is a 统一社会信用代码",
                                     code="trust.file")
        try:
            public = PublicKey.from_base64(doc["public_key"])
        except SchemaError as e:
            raise ConfigurationError(f"the trust file's public_key: {e.message}", code="trust.file") from None
        if public.key_id != doc["key_id"]:
            raise ConfigurationError(f"the trust file's key_id is not {public.key_id}, its public key's",
                                     code="trust.file")
        return cls(public, doc["org"], doc["name"])

    @staticmethod
    def trust_file(genesis: RegistryGenesis) -> dict[str, Any]:
        """The trust file that pins a ledger's genesis (what a regulator publishes for its verifiers)."""
        return {"format": REGULATOR_TRUST_FORMAT, "org": genesis.org, "name": genesis.name,
                "key_id": genesis.key_id, "public_key": genesis.public_key}

    @property
    def key_id(self) -> str:
        return self.public_key.key_id

    def check_genesis(self, genesis: Submission | None) -> None:
        """The log's genesis is this root's: its key (and, from a trust file, its organization).

        Raises:
            IntegrityError: ``trust.regulator_root``.
        """
        if genesis is None or not isinstance(genesis.payload, RegistryGenesis):
            raise IntegrityError("no RegistryGenesis to check against the pinned regulator root",
                                 code="trust.regulator_root")
        payload = genesis.payload
        if payload.public_key != self.public_key.base64:
            raise IntegrityError(f"the log's genesis key {payload.key_id} is not the pinned regulator root "
                                 f"{self.key_id}: this log was not begun by that regulator",
                                 code="trust.regulator_root")
        if self.org is not None and payload.org != self.org:
            raise IntegrityError(f"the log's genesis regulator is {payload.org}, not the pinned {self.org}",
                                 code="trust.regulator_root")

    def to_dict(self) -> dict[str, Any]:
        return {"key_id": self.key_id, "org": self.org, "name": self.name}


@dataclass(frozen=True)
class TrustAnchors:
    """Everything a verifier trusts: the operator's key, the regulator's root, the witnesses and their minimum."""

    operator: NoteVerifier
    regulator: RegulatorRoot | None = None
    witnesses: tuple[WitnessVerifier, ...] = ()
    min_witnesses: int = 0

    def open(self, note: bytes | str) -> SignedCheckpoint:
        """Open a checkpoint with these anchors: signed by the operator's key, its origin that key's name
        (docs/FORMAT.md §II.4.4(b)), cosigned by at least ``min_witnesses`` of the witnesses.

        Raises:
            NoteError: ``note.invalid``, ``note.origin``, ``note.unverified``.
        """
        return open_checkpoint(note, self.operator, witnesses=self.witnesses, min_witnesses=self.min_witnesses)

    def operator_word(self) -> list[str]:
        """What a verification with these anchors takes on the operator's word alone, said plainly."""
        said = []
        if self.regulator is None:
            said.append("who the regulator is, and so every organization, role, licence, certificate and key: no "
                        "regulator root key was pinned (--regulator-key or --regulator-trust), and a log the "
                        "operator made up using real organization codes would pass the same checks")
        if self.min_witnesses == 0:
            said.append("that this is the log everyone else is shown: no witness cosignatures were required "
                        "(--witness and --min-witnesses)")
        return said

    def to_dict(self) -> dict[str, Any]:
        return {"operator": self.operator.name,
                "regulator_root": self.regulator.to_dict() if self.regulator else None,
                "witnesses": [w.name for w in self.witnesses], "min_witnesses": self.min_witnesses}

