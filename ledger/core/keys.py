"""Ed25519 keys: identifiers, signing and verification (key files live in ledger/adapters/keyfile.py).

A key is named by its ``key_id``: the lowercase hex of the first 16 bytes of SHA-256 over the raw 32-byte public
key. Public keys and signatures travel as standard base64 (with padding). Key files are PKCS#8 PEM, mode 0600.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ledger.core.errors import SchemaError, SignatureError

__all__ = [
    "PublicKey",
    "SigningKey",
    "b64decode_strict",
    "key_id_for",
]


def key_id_for(raw_public_key: bytes) -> str:
    """The key identifier used in envelopes and registry events."""
    return hashlib.sha256(raw_public_key).digest()[:16].hex()


def b64decode_strict(text: str, *, length: int, what: str, path: str = "") -> bytes:
    """Decode standard padded base64 of exactly ``length`` bytes, or raise SchemaError."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise SchemaError(f"{what} is not valid base64", path=path) from None
    if len(raw) != length or base64.b64encode(raw).decode("ascii") != text:
        raise SchemaError(f"{what} must be the canonical base64 of {length} bytes", path=path)
    return raw


@dataclass(frozen=True, slots=True)
class PublicKey:
    """An Ed25519 public key with its key id."""

    raw: bytes
    key_id: str
    _key: Ed25519PublicKey

    @classmethod
    def from_raw(cls, raw: bytes) -> PublicKey:
        return cls(raw, key_id_for(raw), Ed25519PublicKey.from_public_bytes(raw))

    @classmethod
    def from_base64(cls, text: str, *, path: str = "") -> PublicKey:
        return cls.from_raw(b64decode_strict(text, length=32, what="public key", path=path))

    @property
    def base64(self) -> str:
        return base64.b64encode(self.raw).decode("ascii")

    def verify(self, signature: bytes, message: bytes) -> None:
        """Raise SignatureError unless ``signature`` is this key's signature over ``message``."""
        try:
            self._key.verify(signature, message)
        except InvalidSignature:
            raise SignatureError(f"signature does not verify with key {self.key_id}") from None

    def is_valid_signature(self, signature: bytes, message: bytes) -> bool:
        try:
            self._key.verify(signature, message)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True, slots=True)
class SigningKey:
    """An Ed25519 private key and its public half."""

    private: Ed25519PrivateKey
    public: PublicKey

    @classmethod
    def generate(cls) -> SigningKey:
        return cls.from_private(Ed25519PrivateKey.generate())

    @classmethod
    def from_seed(cls, seed: bytes) -> SigningKey:
        """Deterministic keys for tests, vectors and the simulator (never for production use)."""
        return cls.from_private(Ed25519PrivateKey.from_private_bytes(seed))

    @classmethod
    def from_private(cls, private: Ed25519PrivateKey) -> SigningKey:
        raw = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return cls(private, PublicKey.from_raw(raw))

    @property
    def key_id(self) -> str:
        return self.public.key_id

    def sign(self, message: bytes) -> bytes:
        return self.private.sign(message)

    def sign_b64(self, message: bytes) -> str:
        return base64.b64encode(self.private.sign(message)).decode("ascii")

    def seed(self) -> bytes:
        return self.private.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )

    def to_pem(self) -> bytes:
        return self.private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
