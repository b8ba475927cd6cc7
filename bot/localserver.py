"""An embedded Synapse homeserver on loopback, for `make demo`, the tests and the benchmarks.

Synapse comes from the `test` extra (`matrix-synapse` on PyPI). It runs as a child process with
SQLite under a data directory of its own, so a second start reuses accounts and rooms.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

__all__ = ["LocalSynapse", "free_port"]

SERVER_NAME = "localhost"

# Generous limits so that tests are not slowed by Synapse's defaults; a test that wants the real
# defaults passes `ratelimits=False`.
_NO_LIMITS = {"per_second": 10000, "burst_count": 10000}
_RATELIMIT_KEYS = (
    "rc_message",
    "rc_registration",
    "rc_joins",
    "rc_invites",
    "rc_3pid_validation",
    "rc_admin_redaction",
    "rc_key_requests",
    "rc_room_creation",
    "rc_delayed_event_mgmt",
    "rc_presence",
)


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LocalSynapse:
    """A Synapse child process bound to 127.0.0.1 with its data under `data_dir`."""

    data_dir: Path
    port: int = 0
    ratelimits: bool = False
    overrides: dict[str, Any] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The client-server base URL."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def server_name(self) -> str:
        """The Matrix server name (the part after the colon in user IDs)."""
        return SERVER_NAME

    def user_id(self, localpart: str) -> str:
        """The full Matrix ID of `localpart` on this server."""
        return f"@{localpart}:{SERVER_NAME}"

    def start(self, timeout: float = 60.0) -> None:
        """Write the config (first time only), start Synapse and wait until it answers."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        config_path = self._write_config()
        log = (self.data_dir / "synapse.out").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "synapse.app.homeserver", "-c", str(config_path)],
            cwd=self.data_dir,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self._wait_ready(timeout)

    def stop(self, timeout: float = 20.0) -> None:
        """Stop Synapse (SIGTERM, then SIGKILL) and wait for the process to end."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        self.process = None

    def _write_config(self) -> Path:
        path = self.data_dir / "homeserver.yaml"
        if path.exists():
            config = yaml.safe_load(path.read_text())
            if self.port:
                config["listeners"][0]["port"] = self.port
            else:
                self.port = int(config["listeners"][0]["port"])
        else:
            self.port = self.port or free_port()
            config = self._fresh_config()
        for key in (*_RATELIMIT_KEYS, "rc_login"):
            config.pop(key, None)  # back to Synapse's defaults unless switched off below
        config.update(self._ratelimit_config())
        config.update(self.overrides)
        path.write_text(yaml.safe_dump(config, sort_keys=False))
        return path

    def _fresh_config(self) -> dict[str, Any]:
        d = self.data_dir
        (d / "log.config").write_text(_LOG_CONFIG.format(path=d / "homeserver.log"))
        return {
            "server_name": SERVER_NAME,
            "pid_file": str(d / "homeserver.pid"),
            "listeners": [
                {
                    "port": self.port,
                    "bind_addresses": ["127.0.0.1"],
                    "type": "http",
                    "tls": False,
                    "x_forwarded": False,
                    "resources": [{"names": ["client"], "compress": False}],
                }
            ],
            "database": {"name": "sqlite3", "args": {"database": str(d / "homeserver.db")}},
            "log_config": str(d / "log.config"),
            "media_store_path": str(d / "media"),
            "signing_key_path": str(d / "signing.key"),
            "registration_shared_secret": secrets.token_hex(24),
            "macaroon_secret_key": secrets.token_hex(24),
            "form_secret": secrets.token_hex(24),
            "report_stats": False,
            "trusted_key_servers": [],
            "suppress_key_server_warning": True,
            "enable_registration": False,
            "presence": {"enabled": False},
            # Cheap password hashing: test and demo accounts are registered by the hundred.
            "bcrypt_rounds": 4,
            "url_preview_enabled": False,
        }

    def _ratelimit_config(self) -> dict[str, Any]:
        if self.ratelimits:
            return {}
        limits: dict[str, Any] = {key: dict(_NO_LIMITS) for key in _RATELIMIT_KEYS}
        limits["rc_login"] = {
            "address": dict(_NO_LIMITS),
            "account": dict(_NO_LIMITS),
            "failed_attempts": dict(_NO_LIMITS),
        }
        limits["rc_joins"] = {"local": dict(_NO_LIMITS), "remote": dict(_NO_LIMITS)}
        limits["rc_invites"] = {
            "per_room": dict(_NO_LIMITS),
            "per_user": dict(_NO_LIMITS),
            "per_issuer": dict(_NO_LIMITS),
        }
        return limits

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"Synapse exited early; see {self.data_dir / 'homeserver.log'}")
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.1)
        raise TimeoutError(f"Synapse did not answer within {timeout:.0f} s")

    def register(self, localpart: str, password: str, admin: bool = False) -> str:
        """Create an account through the shared-secret admin API; an existing one is kept."""
        secret = self._shared_secret()
        nonce = self._request("GET", "/_synapse/admin/v1/register")["nonce"]
        body = {
            "nonce": nonce,
            "username": localpart,
            "password": password,
            "admin": admin,
            "mac": _register_mac(secret, nonce, localpart, password, admin),
        }
        try:
            self._request("POST", "/_synapse/admin/v1/register", body)
        except urllib.error.HTTPError as exc:
            if exc.code != 400 or b"M_USER_IN_USE" not in exc.read():
                raise
        return self.user_id(localpart)

    def login(self, localpart: str, password: str) -> str:
        """Log in with a password and return an access token (for admin API calls)."""
        body = {
            "type": "m.login.password",
            "identifier": {"type": "m.id.user", "user": localpart},
            "password": password,
        }
        return str(self._request("POST", "/_matrix/client/v3/login", body)["access_token"])

    def admin_request(
        self, token: str, method: str, path: str, body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Call an (admin) API endpoint with a bearer token."""
        return self._request(method, path, body, token)

    def _shared_secret(self) -> str:
        config = yaml.safe_load((self.data_dir / "homeserver.yaml").read_text())
        return str(config["registration_shared_secret"])

    def _request(
        self, method: str, path: str, body: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(f"{self.url}{path}", data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        with urllib.request.urlopen(req, timeout=30) as resp:
            result: dict[str, Any] = json.loads(resp.read() or b"{}")
            return result


def _register_mac(secret: str, nonce: str, user: str, password: str, admin: bool) -> str:
    mac = hmac.new(secret.encode(), digestmod=hashlib.sha1)
    mac.update(b"\x00".join(p.encode() for p in (nonce, user, password)))
    mac.update(b"\x00")
    mac.update(b"admin" if admin else b"notadmin")
    return mac.hexdigest()


_LOG_CONFIG = """\
version: 1
formatters:
  precise:
    format: '%(asctime)s - %(name)s - %(lineno)d - %(levelname)s - %(message)s'
handlers:
  file:
    class: logging.FileHandler
    formatter: precise
    filename: {path}
root:
  level: WARNING
  handlers: [file]
disable_existing_loggers: false
"""

if os.name != "posix":  # pragma: no cover - Synapse itself needs POSIX
    raise ImportError("LocalSynapse needs a POSIX system")
