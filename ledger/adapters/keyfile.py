"""Key files: an organization's Ed25519 signing key as PKCS#8 PEM, readable only by its owner.

Written only to regular files, with the mode set on the open descriptor: a key written over a device or a
symbolic link would change what the path points at (``--out /dev/null`` must never chmod the device).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.core.errors import ConfigurationError
from ledger.core.keys import SigningKey

__all__ = ["load_signing_key", "write_signing_key"]


def write_signing_key(key: SigningKey, path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
    """Write ``key`` as PKCS#8 PEM with mode 0600; refuse to clobber unless asked, and refuse anything but a
    regular file (a device, a directory, a FIFO or a symbolic link)."""
    target = Path(path)
    try:
        existing = os.lstat(target)
    except FileNotFoundError:
        existing = None
    except OSError as e:
        raise ConfigurationError(f"cannot write key file {target}: {e.strerror}") from None
    if existing is not None:
        if not stat.S_ISREG(existing.st_mode):
            raise ConfigurationError(f"{target} is not a regular file; a key is written only to a regular file")
        if not overwrite:
            raise ConfigurationError(f"key file {target} already exists; refusing to overwrite it")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | (os.O_TRUNC if overwrite else os.O_EXCL)
        fd = os.open(target, flags, 0o600)
    except FileExistsError:
        raise ConfigurationError(f"key file {target} already exists; refusing to overwrite it") from None
    except OSError as e:
        raise ConfigurationError(f"cannot write key file {target}: {e.strerror}") from None
    with os.fdopen(fd, "wb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # replaced between the check and the open
            raise ConfigurationError(f"{target} is not a regular file; a key is written only to a regular file")
        os.fchmod(fd, 0o600)
        handle.write(key.to_pem())
    return target


def load_signing_key(path: str | os.PathLike[str]) -> SigningKey:
    """Read a key file written by :func:`write_signing_key` (or any unencrypted PKCS#8 Ed25519 PEM)."""
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise ConfigurationError(f"cannot read key file {path}: {e.strerror}") from None
    try:
        private = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as e:
        raise ConfigurationError(f"{path} is not an unencrypted PEM private key: {e}") from None
    if not isinstance(private, Ed25519PrivateKey):
        raise ConfigurationError(f"{path} does not hold an Ed25519 key")
    return SigningKey.from_private(private)
