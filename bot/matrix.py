"""Login, encryption set-up, room membership and the sync loop with backoff."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import secrets
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

from aiohttp import ClientError
from nio import (
    AsyncClient,
    AsyncClientConfig,
    InviteMemberEvent,
    JoinError,
    LoginResponse,
    RoomMemberEvent,
    SyncError,
    SyncResponse,
    WhoamiResponse,
)

from bot.crosssign import CrossSigner, CrossSigningError, is_device_cross_signed
from bot.cryptostore import CryptoStore
from bot.direct import DirectRooms
from bot.nioguard import guard_nio_json
from config.settings import Config
from store.state import BotState

__all__ = [
    "TRANSIENT_ERRORS",
    "Backoff",
    "MatrixTransport",
    "StartupError",
    "SyncHandler",
    "SyncPacer",
]

log = logging.getLogger(__name__)

T = TypeVar("T")
SyncHandler = Callable[[SyncResponse, bool], Awaitable[None]]

# A longer timeline per room means fewer back-paginations after downtime; members are not
# lazy-loaded because nio needs the full member list to share encryption keys.
_SYNC_FILTER = {"room": {"timeline": {"limit": 50}, "state": {"lazy_load_members": False}}}
_SYNC_TIMEOUT_MS = 30_000
# While a broadcast is being sent, a /sync goes out at most this often (seconds).
_BUSY_SYNC_INTERVAL = 1.0
# A sync response whose handling fails this often (not a transport error) is passed over.
_MAX_BATCH_FAILURES = 3
# Errors that mean the homeserver is (for now) out of reach, not that an event was bad.
TRANSIENT_ERRORS = (ClientError, OSError, asyncio.TimeoutError)
_TRANSIENT = TRANSIENT_ERRORS


class StartupError(RuntimeError):
    """The bot cannot start (bad credentials, unreachable server at start, …)."""


@dataclass
class Backoff:
    """Exponential backoff with jitter: 1 s, 2 s, 4 s … capped, reset after a success."""

    initial: float = 1.0
    cap: float = 30.0
    attempt: int = 0

    def next_delay(self) -> float:
        """The wait before the next attempt (and count this failure)."""
        delay = min(self.cap, self.initial * 2**self.attempt)
        self.attempt += 1
        return float(delay * random.uniform(0.8, 1.2))

    def reset(self) -> None:
        """Back to the initial delay after a success."""
        self.attempt = 0


@dataclass
class SyncPacer:
    """Spaces out /sync requests while a broadcast is being sent.

    Every message the bot sends wakes its own sync long-poll at once, and each incremental
    /sync costs the homeserver work over all the bot's rooms (Synapse: ~25 ms of CPU with 1,000
    DMs). Sending 1,000 messages woke ~380 syncs, a third more homeserver CPU than the sends
    alone, which slowed the sends. So while deliveries are in flight, the next sync waits until
    `interval` seconds after the previous one began, unless something waits for a sync (a new
    DM room to show up). Commands that arrive meanwhile are answered up to `interval` later.
    """

    interval: float = _BUSY_SYNC_INTERVAL
    sending: int = 0  # deliveries in flight
    _waiting: int = 0  # callers waiting for the next sync
    _wanted: asyncio.Event = field(default_factory=asyncio.Event)

    @contextlib.contextmanager
    def send(self) -> Iterator[None]:
        """Around one delivery: syncs are spaced out while any is in flight."""
        self.sending += 1
        try:
            yield
        finally:
            self.sending -= 1

    @contextlib.contextmanager
    def wait(self) -> Iterator[None]:
        """Around a wait for something to show up in sync: the next sync goes out at once."""
        self._waiting += 1
        self._wanted.set()
        try:
            yield
        finally:
            self._waiting -= 1
            if not self._waiting:
                self._wanted.clear()

    def delay(self, since_last: float) -> float:
        """Seconds to hold the next sync, `since_last` seconds after the previous one began."""
        if not self.sending or self._waiting:
            return 0.0
        return max(0.0, self.interval - since_last)

    async def pause(self, since_last: float, stopping: asyncio.Event) -> None:
        """Hold the next sync as `delay` says; a waiter or stop() ends the pause early."""
        delay = self.delay(since_last)
        if delay <= 0:
            return
        wanted = asyncio.ensure_future(self._wanted.wait())
        stop = asyncio.ensure_future(stopping.wait())
        try:
            await asyncio.wait({wanted, stop}, timeout=delay, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (wanted, stop):
                task.cancel()
            await asyncio.gather(wanted, stop, return_exceptions=True)


class MatrixTransport:
    """Owns the nio client: the only place that logs in and syncs."""

    def __init__(self, config: Config, state: BotState) -> None:
        self.config = config
        self.state = state
        config.crypto_dir.mkdir(parents=True, exist_ok=True)
        guard_nio_json()  # a deeply nested encrypted payload must not end the sync
        client_config = AsyncClientConfig(
            encryption_enabled=config.matrix.encryption,
            store_sync_tokens=False,  # we persist the token ourselves, after handling
            store=CryptoStore,  # fewer fsyncs on the event loop, same durability
            pickle_key=config.matrix.pickle_key.reveal(),
            max_timeouts=2,  # then our own loop backs off (nio's 429 handling stays on)
            max_timeout_retry_wait_time=5,
            request_timeout=_SYNC_TIMEOUT_MS / 1000 + 30,
        )
        self.client = AsyncClient(
            config.matrix.homeserver,
            config.matrix.user_id,
            store_path=str(config.crypto_dir),
            config=client_config,
        )
        self.last_sync: float | None = None
        self.cross_signed = False
        self._stopping = asyncio.Event()
        self._backoff = Backoff()
        # Set once the first sync has been handled: nio then knows every joined room.
        self.ready = asyncio.Event()
        # Learns which rooms are DMs from invites and sync (set by the app once the store is open).
        self.direct: DirectRooms | None = None
        self.pacer = SyncPacer()  # the outbox reports its sends here

    async def connect(self) -> None:
        """Log in (reusing the stored device), set up encryption and join configured rooms."""
        await self._login()
        if self.config.matrix.encryption:
            await self._setup_encryption()
        for room in self.config.matrix.rooms:
            await self._join(room, reason="configured")

    async def _login(self) -> None:
        uid = self.config.matrix.user_id
        device_id = await self.state.get("session.device_id")
        token = await self.state.get("session.access_token")
        if device_id and token and await self.state.get("session.user_id") == uid:
            self.client.restore_login(uid, device_id, token)
            who = await self._with_retry(self.client.whoami)
            if isinstance(who, WhoamiResponse):
                log.info("restored session for %s, device %s", uid, device_id)
                return
            log.warning("stored session no longer valid (%s); logging in again", who)
        await self._fresh_login()

    async def _fresh_login(self) -> None:
        m = self.config.matrix
        if m.password is not None:
            resp = await self._with_retry(
                lambda: self.client.login(m.password.reveal(), device_name=m.device_name)  # type: ignore[union-attr]
            )
            if not isinstance(resp, LoginResponse):
                raise StartupError(f"login as {m.user_id} failed: {resp.message}")
            device_id, token = resp.device_id, resp.access_token
        else:
            assert m.access_token is not None
            token = m.access_token.reveal()
            self.client.access_token = token
            who = await self._with_retry(self.client.whoami)
            if not isinstance(who, WhoamiResponse) or not who.device_id:
                raise StartupError(f"the access token for {m.user_id} was refused")
            device_id = who.device_id
            self.client.restore_login(m.user_id, device_id, token)
        await self.state.set_many(
            {
                "session.user_id": m.user_id,
                "session.device_id": device_id,
                "session.access_token": token,
            }
        )
        log.info("logged in as %s, new device %s", m.user_id, device_id)

    async def _setup_encryption(self) -> None:
        if self.client.should_upload_keys:
            await self.client.keys_upload()
        signer = CrossSigner(self.client, self.state, self.config.matrix.pickle_key)
        try:
            self.cross_signed = await signer.ensure(self.config.matrix.password)
        except CrossSigningError as exc:
            log.error("cross-signing not set up: %s", exc)

    async def check_cross_signed(self) -> bool:
        """Ask the homeserver whether this device carries the owner's self-signing signature."""
        if not self.config.matrix.encryption:
            return False
        signer = CrossSigner(self.client, self.state, self.config.matrix.pickle_key)
        try:
            keys = await signer.query_own_keys()
        except (CrossSigningError, *_TRANSIENT):
            return self.cross_signed
        self.cross_signed = is_device_cross_signed(keys, self.client.user_id, self.client.device_id)
        return self.cross_signed

    async def _with_retry(self, call: Callable[[], Awaitable[T]], attempts: int = 5) -> T:
        backoff = Backoff()
        for attempt in range(attempts):
            try:
                return await call()
            except _TRANSIENT as exc:
                if attempt == attempts - 1:
                    raise StartupError(f"homeserver not reachable: {exc!r}") from None
                await asyncio.sleep(backoff.next_delay())
        raise AssertionError("unreachable")

    async def _join(self, room: str, reason: str) -> bool:
        resp = await self.client.join(room)
        if isinstance(resp, JoinError):
            log.warning("could not join %s (%s): %s", room, reason, resp.message)
            return False
        log.info("joined %s (%s)", room, reason)
        return True

    async def run(self, handler: SyncHandler) -> None:
        """Sync until stop(); hand every response to `handler`, then persist the position."""
        token = await self.state.get("sync.next_batch")
        first_start = token is None
        full_state = True  # after a restart nio knows no room state: fetch it once
        failures = 0
        began = -self.pacer.interval
        while not self._stopping.is_set():
            await self.pacer.pause(time.monotonic() - began, self._stopping)
            if self._stopping.is_set():
                break
            began = time.monotonic()
            resp = await self._sync_once(token, full_state)
            if resp is None:
                continue
            try:
                await self._housekeeping(resp)
                await handler(resp, first_start)
            except _TRANSIENT as exc:
                # The homeserver went away while the response was being handled (a backfill,
                # a reply). The position is not saved, so the same events come again once it
                # answers; those already handled are skipped, none is lost.
                await self._wait_after_failure(f"handling failed: {type(exc).__name__}: {exc}")
                continue
            except Exception:
                # Each event has its own error boundary (bot/events.py); this is a fault around
                # them. Try the batch again a few times, then go on past it: never loop forever.
                failures += 1
                ref = secrets.token_hex(4)
                log.exception("handling a sync failed (%d) [ref %s]", failures, ref)
                if failures < _MAX_BATCH_FAILURES:
                    await self._wait_after_failure(f"handling failed [ref {ref}]")
                    continue
            failures = 0
            await self.state.set("sync.next_batch", resp.next_batch)
            token, first_start, full_state = resp.next_batch, False, False
            self.ready.set()

    async def _sync_once(self, token: str | None, full_state: bool) -> SyncResponse | None:
        try:
            resp = await self.client.sync(
                timeout=_SYNC_TIMEOUT_MS,
                sync_filter=_SYNC_FILTER,
                since=token,
                full_state=full_state,
            )
        except _TRANSIENT as exc:
            await self._wait_after_failure(f"{type(exc).__name__}: {exc}")
            return None
        if isinstance(resp, SyncError):
            if resp.status_code == "M_UNKNOWN_TOKEN":
                raise StartupError("the homeserver no longer accepts the bot's access token")
            await self._wait_after_failure(f"{resp.status_code}: {resp.message}")
            return None
        self._backoff.reset()
        self.last_sync = time.monotonic()
        return resp

    async def _wait_after_failure(self, why: str) -> None:
        delay = self._backoff.next_delay()
        log.warning("sync failed (%s); retrying in %.1f s", why, delay)
        try:
            await asyncio.wait_for(self._stopping.wait(), timeout=delay)
        except TimeoutError:
            pass

    async def _housekeeping(self, resp: SyncResponse) -> None:
        await self._accept_invites(resp)
        if self.direct is not None:
            await self.direct.note_sync(resp)
        await self._leave_empty_rooms(resp)
        if not self.config.matrix.encryption:
            return
        try:
            await self.client.send_to_device_messages()
            if self.client.should_upload_keys:
                await self.client.keys_upload()
            if self.client.should_query_keys:
                await self.client.keys_query()
            if self.client.should_claim_keys:
                await self.client.keys_claim(self.client.get_users_for_key_claiming())
        except _TRANSIENT as exc:
            log.warning("key housekeeping failed, will retry next sync: %r", exc)

    async def _accept_invites(self, resp: SyncResponse) -> None:
        for room_id, info in resp.rooms.invite.items():
            invite = next(
                (
                    ev
                    for ev in info.invite_state
                    if isinstance(ev, InviteMemberEvent)
                    and ev.state_key == self.client.user_id
                    and ev.membership == "invite"
                ),
                None,
            )
            inviter = None if invite is None else invite.sender
            if invite is not None and self.invite_allowed(invite.sender):
                joined = await self._join(room_id, reason=f"invited by {inviter}")
                if joined and self.direct is not None:
                    await self.direct.accepted_invite(room_id, invite)
            else:
                log.info("declining invite to %s from %s (not allowed)", room_id, inviter)
                await self.client.room_leave(room_id)

    def invite_allowed(self, inviter: str) -> bool:
        """Whether an invite from `inviter` is accepted (config matrix.allowed_inviters)."""
        server = inviter.split(":", 1)[-1]
        allowed = self.config.matrix.allowed_inviters
        return "*" in allowed or inviter in allowed or server in allowed

    async def _leave_empty_rooms(self, resp: SyncResponse) -> None:
        configured = set(self.config.matrix.rooms)
        for room_id, info in resp.rooms.join.items():
            room = self.client.rooms.get(room_id)
            if room is None or room_id in configured or room.canonical_alias in configured:
                continue
            # Only after someone left: a room the bot just created can show up in a sync before
            # its invites do, and a DM whose invite is still pending must not be left.
            someone_left = any(
                isinstance(ev, RoomMemberEvent)
                and ev.membership in ("leave", "ban")
                and ev.state_key != self.client.user_id
                for ev in info.timeline.events
            )
            if someone_left and len(room.users) <= 1:
                log.info("leaving %s: nobody else is in it", room_id)
                await self.client.room_leave(room_id)
                await self.client.room_forget(room_id)

    def stop(self) -> None:
        """Ask the sync loop to end after the current request."""
        self._stopping.set()

    async def close(self) -> None:
        """Close the HTTP session (the crypto store is saved by nio as it goes)."""
        await self.client.close()
