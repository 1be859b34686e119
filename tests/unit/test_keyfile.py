"""Key files are written only to regular files, with the mode set on the open descriptor."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from ledger.adapters.keyfile import load_signing_key, write_signing_key
from ledger.core.errors import ConfigurationError
from ledger.core.keys import SigningKey

KEY = SigningKey.from_seed(bytes(range(32)))


def test_a_new_key_file_is_0600_and_loads_back(tmp_path: Path) -> None:
    path = write_signing_key(KEY, tmp_path / "sub" / "k.pem")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_signing_key(path).key_id == KEY.key_id


def test_an_existing_file_is_kept_unless_overwrite_is_asked(tmp_path: Path) -> None:
    path = write_signing_key(KEY, tmp_path / "k.pem")
    with pytest.raises(ConfigurationError, match="already exists"):
        write_signing_key(SigningKey.from_seed(bytes(32)), path)
    os.chmod(path, 0o644)
    write_signing_key(SigningKey.from_seed(bytes(32)), path, overwrite=True)
    assert load_signing_key(path).key_id == SigningKey.from_seed(bytes(32)).key_id
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


@pytest.mark.parametrize("overwrite", [False, True])
def test_a_fifo_is_refused_without_being_opened_or_chmodded(tmp_path: Path, overwrite: bool) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo, 0o644)
    with pytest.raises(ConfigurationError, match="not a regular file"):
        write_signing_key(KEY, fifo, overwrite=overwrite)
    assert stat.S_IMODE(os.lstat(fifo).st_mode) == 0o644


@pytest.mark.parametrize("overwrite", [False, True])
def test_a_symbolic_link_is_refused_and_its_target_left_alone(tmp_path: Path, overwrite: bool) -> None:
    target = tmp_path / "other.txt"
    target.write_text("not a key")
    os.chmod(target, 0o644)
    link = tmp_path / "k.pem"
    link.symlink_to(target)
    with pytest.raises(ConfigurationError, match="not a regular file"):
        write_signing_key(KEY, link, overwrite=overwrite)
    assert target.read_text() == "not a key"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o644


def test_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="not a regular file"):
        write_signing_key(KEY, tmp_path, overwrite=True)
