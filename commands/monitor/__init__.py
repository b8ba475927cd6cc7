"""The public read-only page (Klimaschutz-Monitor): pages, charts and open data from the store.

Not a chat feature (so not in FEATURE_MODULES); bot/web.py serves what MonitorService builds.
"""

from __future__ import annotations

from commands.monitor.cache import ReplyCache
from commands.monitor.service import MonitorService, MonitorSettings, WebReply

__all__ = ["MonitorService", "MonitorSettings", "ReplyCache", "WebReply"]
