"""The data directory holds secrets (access token, encryption keys): owner-only, always.

`klimabot run` and `backup` call `private_umask()` first, so every file the process creates is
0600 and every directory 0700. `secure_data_dir()` fixes what an older version left readable and
says so in the log.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

__all__ = ["PRIVATE_UMASK", "private_umask", "secure_data_dir"]

log = logging.getLogger(__name__)

PRIVATE_UMASK = 0o077
_OTHERS = stat.S_IRWXG | stat.S_IRWXO


def private_umask() -> None:
    """From now on this process creates files 0600 and directories 0700."""
    os.umask(PRIVATE_UMASK)


def secure_data_dir(data_dir: Path) -> None:
    """Create `data_dir` 0700, or take group/other access away from it and all it contains."""
    private_umask()
    if not data_dir.exists():
        data_dir.mkdir(mode=0o700, parents=True)
        return
    mode = data_dir.stat().st_mode
    if mode & _OTHERS:
        log.warning(
            "data directory %s was accessible to group/others (mode %04o); "
            "restricting it and its files to the owner",
            data_dir,
            stat.S_IMODE(mode),
        )
    fixed = _restrict(data_dir)
    for root, dirs, files in os.walk(data_dir):
        for name in (*dirs, *files):
            fixed += _restrict(Path(root) / name)
    if fixed:
        log.info("restricted %d entries in %s to the owner", fixed, data_dir)


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
