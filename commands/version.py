"""The installed Klimabot version."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

__all__ = ["VERSION"]

try:
    VERSION = version("klimabot")
except PackageNotFoundError:  # running from a source tree that is not installed
    VERSION = "0.0.0+source"
