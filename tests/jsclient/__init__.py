"""An Element-like user for the integration tests: matrix-js-sdk with Rust crypto, run by node.

Element's own SDK sees what Element users see (encryption, replies, reactions), which a nio
client talking to the nio bot can hide. `client.mjs` runs the client and speaks one JSON object a
line on stdin/stdout; `JsUser` sends commands and awaits the answers with timeouts.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import shutil
from pathlib import Path
from typing import Any

__all__ = ["JsClientError", "JsUser"]

_HERE = Path(__file__).parent
_SCRIPT = _HERE / "client.mjs"
_START_TIMEOUT = 60.0
# The node side gives up first (its own `timeout`), so a Python timeout means a hung client.
_GRACE = 10.0


class JsClientError(AssertionError):
    """The node client failed a command, died or did not answer in time."""


class JsUser:
    """One Element-like client (a node child process) that syncs until closed."""

    def __init__(self, process: asyncio.subprocess.Process, log_path: Path) -> None:
        self._process = process
        self._log_path = log_path
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._ready: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._reader = asyncio.create_task(self._read())
        self.user_id = ""
        self.device_id = ""

    @classmethod
    async def start(cls, homeserver: str, user_id: str, password: str, log_path: Path) -> JsUser:
        """Start node, log in, set up crypto and cross-signing; return once the client syncs."""
        node = shutil.which("node")
        if node is None:
            raise JsClientError("node is not installed; the Element-like tests need node >= 20")
        if not (_HERE / "node_modules" / "matrix-js-sdk").is_dir():
            raise JsClientError("run `npm ci --prefix tests/jsclient` (make test does it)")
        log = log_path.open("ab")
        try:
            process = await asyncio.create_subprocess_exec(
                node,
                str(_SCRIPT),
                homeserver,
                user_id,
                password,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=log,
                limit=16 * 1024 * 1024,
            )
        finally:
            log.close()
        user = cls(process, log_path)
        try:
            ready = await asyncio.wait_for(asyncio.shield(user._ready), _START_TIMEOUT)
        except BaseException:
            await user.close()
            raise
        user.user_id, user.device_id = ready["user_id"], ready["device_id"]
        return user

    async def _read(self) -> None:
        assert self._process.stdout is not None
        async for line in self._process.stdout:
            try:
                answer = json.loads(line)
            except ValueError:
                continue  # not ours: the protocol writes only JSON lines
            if "ready" in answer:
                self._ready.set_result(answer["ready"])
                continue
            future = self._pending.pop(answer.get("id"), None)
            if future is None or future.done():
                continue
            if answer.get("ok"):
                future.set_result(answer.get("result"))
            else:
                future.set_exception(JsClientError(f"{self.user_id}: {answer.get('error')}"))
        self._fail_all(
            JsClientError(f"the node client exited; see {self._log_path}\n{self._tail()}")
        )

    def _fail_all(self, error: JsClientError) -> None:
        for future in [self._ready, *self._pending.values()]:
            if not future.done():
                future.set_exception(error)
        self._pending.clear()

    def _tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self._log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""

    async def call(self, cmd: str, timeout: float = 30.0, **args: Any) -> Any:
        """Run one command in the node client and return its result."""
        assert self._process.stdin is not None
        request_id = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        line = json.dumps({"id": request_id, "cmd": cmd, "timeout": timeout, **args})
        self._process.stdin.write(line.encode() + b"\n")
        await self._process.stdin.drain()
        try:
            return await asyncio.wait_for(future, timeout + _GRACE)
        except TimeoutError:
            raise JsClientError(f"{cmd}: no answer from the node client\n{self._tail()}") from None
        finally:
            self._pending.pop(request_id, None)

    async def create_dm(self, user_id: str) -> str:
        """Start an encrypted direct chat with `user_id`, as Element's "Start chat" does."""
        return str((await self.call("create_dm", user=user_id))["room_id"])

    async def wait_invite(self, within: float = 30) -> str:
        """The room ID of the next invitation this user has not seen yet."""
        return str((await self.call("wait_invite", timeout=within))["room_id"])

    async def join(self, room_id: str, within: float = 30) -> None:
        """Accept an invitation (or join) and wait until sync shows this user joined."""
        await self.call("join", room=room_id, timeout=within)

    async def wait_joined(self, room_id: str, user_id: str, within: float = 30) -> None:
        """Wait until `user_id` is a joined member of the room (as this client sees it)."""
        await self.call("wait_joined", room=room_id, user=user_id, timeout=within)

    async def send(self, room_id: str, body: str) -> str:
        """Send a text message; return its event ID."""
        return str((await self.call("send", room=room_id, body=body))["event_id"])

    async def reply(self, room_id: str, event_id: str, body: str) -> str:
        """Send a text message that replies to `event_id`; return its event ID."""
        answer = await self.call("reply", room=room_id, event_id=event_id, body=body)
        return str(answer["event_id"])

    async def react(self, room_id: str, event_id: str, key: str) -> str:
        """Annotate an event with a reaction (👍, ✅ …)."""
        answer = await self.call("react", room=room_id, event_id=event_id, key=key)
        return str(answer["event_id"])

    async def messages(self, room_id: str, sender: str = "") -> list[dict[str, Any]]:
        """The room's timeline (decrypted where possible), optionally only from `sender`."""
        found: list[dict[str, Any]] = await self.call("messages", room=room_id, sender=sender)
        return found

    async def wait_messages(
        self, room_id: str, sender: str, count: int = 1, within: float = 30
    ) -> list[dict[str, Any]]:
        """Wait until `sender` has `count` events in the room, all decrypted; return them."""
        found: list[dict[str, Any]] = await self.call(
            "wait_messages", room=room_id, sender=sender, count=count, timeout=within
        )
        return found

    async def wait_poll(
        self, room_id: str, question: str, ended: bool = False, within: float = 30
    ) -> dict[str, Any]:
        """Wait until the room shows a poll with this question (parsed as Element parses it;
        with `ended`, until it has ended); return its ID, kind, answers and state."""
        poll: dict[str, Any] = await self.call(
            "wait_poll", room=room_id, question=question, ended=ended, timeout=within
        )
        return poll

    async def poll_vote(self, room_id: str, question: str, answer: str) -> str:
        """Vote for `answer` as Element's poll tile does (m.poll.response); return its ID."""
        sent = await self.call("poll_vote", room=room_id, question=question, answer=answer)
        return str(sent["event_id"])

    async def device_status(self, user_id: str, device_id: str) -> dict[str, Any]:
        """getDeviceVerificationStatus of a device of someone we share an encrypted room with."""
        status: dict[str, Any] = await self.call("device_status", user=user_id, device=device_id)
        return status

    async def verify_user(self, user_id: str) -> None:
        """Trust `user_id`'s cross-signing identity, as a finished emoji verification would."""
        await self.call("verify_user", user=user_id)

    async def only_signed_devices(self) -> None:
        """Element's "exclude insecure devices": share room keys only with cross-signed devices."""
        await self.call("only_signed_devices")

    async def close(self) -> None:
        """Close stdin (the client stops and exits), then wait; kill it if it hangs."""
        if self._process.stdin is not None and not self._process.stdin.is_closing():
            self._process.stdin.close()
        try:
            await asyncio.wait_for(self._process.wait(), 10)
        except TimeoutError:
            self._process.kill()
            await self._process.wait()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader
