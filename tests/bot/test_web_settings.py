"""The public page's settings: web.enabled, web.bind, web.public_url (check-config names them)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from config.settings import ConfigError, WebSettings, parse_config

VALID: dict[str, Any] = {
    "matrix": {
        "homeserver": "https://matrix.ochtrup.test",
        "user_id": "@klimabot:ochtrup.test",
        "password": "s3cret-pass",
        "pickle_key": "pickle-secret",
    },
    "storage": {"data_dir": "data"},
}


def _config(web: Any) -> Any:
    raw = copy.deepcopy(VALID)
    raw["web"] = web
    return parse_config(raw, base_dir=Path("/tmp"), env={})


def test_web_is_off_by_default_on_loopback_port_8080() -> None:
    assert parse_config(copy.deepcopy(VALID), Path("/tmp"), {}).web == WebSettings(
        False, "127.0.0.1", 8080, None
    )


@pytest.mark.parametrize(
    ("web", "expected"),
    [
        ({"enabled": True, "bind": "0.0.0.0:80"}, WebSettings(True, "0.0.0.0", 80, None)),
        ({"bind": "[::1]:8081"}, WebSettings(False, "::1", 8081, None)),
        ({"bind": "localhost:0"}, WebSettings(False, "localhost", 0, None)),
        (
            {"public_url": "https://klima.ochtrup.de/monitor/"},
            WebSettings(False, "127.0.0.1", 8080, "https://klima.ochtrup.de/monitor"),
        ),
    ],
)
def test_web_settings_are_read(web: dict[str, Any], expected: WebSettings) -> None:
    assert _config(web).web == expected


@pytest.mark.parametrize(
    ("web", "problem"),
    [
        ({"enabled": "yes"}, "web.enabled: must be true or false"),
        ({"bind": "8080"}, "web.bind: must be host:port"),
        ({"bind": "127.0.0.1:99999"}, "web.bind: must be host:port"),
        ({"bind": "a b:80"}, "web.bind: must be host:port"),
        ({"public_url": "klima.ochtrup.de"}, "web.public_url: must be an http(s) URL"),
        ({"public_url": "https://x.de/?a=<b>"}, "web.public_url: must be an http(s) URL"),
        ({"public_url": "https://klima.example.org/"}, "web.public_url: still the example"),
        ({"port": 80}, "web.port: unknown key"),
    ],
)
def test_bad_web_settings_name_their_key(web: dict[str, Any], problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _config(web)
    assert any(p.startswith(problem) for p in caught.value.problems), caught.value.problems
