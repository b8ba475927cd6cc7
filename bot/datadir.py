"""The data directory holds secrets (access token, encryption keys): owner-only, always.

`klimabot run` and `backup` call `private_umask()` first, so every file the process creates is
0600 and every directory 0700. `secure_data_dir()` fixes what an older version left readable and
says so in the log. It touches only the bot's own files there (the database and the crypto
store): a data_dir pointed at a directory with other content must not have that changed.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from config.settings import Config

__all__ = ["PRIVATE_UMASK", "private_umask", "secure_data_dir"]

log = logging.getLogger(__name__)

PRIVATE_UMASK = 0o077
_OTHERS = stat.S_IRWXG | stat.S_IRWXO


def private_umask() -> None:
    """From now on this process creates files 0600 and directories 0700."""
    os.umask(PRIVATE_UMASK)


def secure_data_dir(config: Config) -> None:
    """Create the data dir 0700, or take group/other access away from it and the bot's files."""
    private_umask()
    data_dir = config.data_dir
    if not data_dir.exists():
        data_dir.mkdir(mode=0o700, parents=True)
        return
    mode = data_dir.stat().st_mode
    if mode & _OTHERS:
        log.warning(
            "data directory %s was accessible to group/others (mode %04o); "
            "restricting it, the database and the crypto store to the owner",
            data_dir,
            stat.S_IMODE(mode),
        )
    fixed = sum(_restrict(path) for path in (data_dir, *_own_files(config)))
    if fixed:
        log.info("restricted %d entries in %s to the owner", fixed, data_dir)


def _own_files(config: Config) -> Iterator[Path]:
    """The database with its -wal/-shm/-journal, and the crypto store with all it contains."""
    db = config.database_path
    yield from db.parent.glob(db.name + "*")
    if config.crypto_dir.is_dir() and not config.crypto_dir.is_symlink():
        yield config.crypto_dir
        for root, dirs, files in os.walk(config.crypto_dir):
            yield from (Path(root) / name for name in (*dirs, *files))


def _restrict(path: Path) -> int:
    """Drop group/other bits from `path` (not following symlinks); 1 if it had any."""
    info = path.lstat()
    if stat.S_ISLNK(info.st_mode) or not info.st_mode & _OTHERS:
        return 0
    try:
        path.chmod(stat.S_IMODE(info.st_mode) & ~_OTHERS)
    except OSError as exc:
        log.warning("cannot restrict %s to the owner: %s", path, exc.strerror)
        return 0
    return 1
