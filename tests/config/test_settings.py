"""Config validation: every mistake names its key path; placeholders and bad values are refused."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from bot.__main__ import main
from config.settings import ConfigError, load_config, parse_config

VALID: dict[str, Any] = {
    "matrix": {
        "homeserver": "https://matrix.ochtrup.test",
        "user_id": "@klimabot:ochtrup.test",
        "password": "s3cret-pass",
        "pickle_key": "pickle-secret",
        "rooms": ["#klima:ochtrup.test", "!abc:ochtrup.test"],
    },
    "storage": {"data_dir": "data"},
    "roles": {"managers": ["@ksm:ochtrup.test"]},
}


def _with(path: str, value: Any) -> dict[str, Any]:
    raw = copy.deepcopy(VALID)
    *parents, last = path.split(".")
    node = raw
    for part in parents:
        node = node.setdefault(part, {})
    if value is _DELETE:
        node.pop(last, None)
    else:
        node[last] = value
    return raw


_DELETE = object()


def _problems(raw: Any, env: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as info:
        parse_config(raw, Path("/tmp"), env or {})
    return str(info.value)


def test_valid_config_gives_typed_defaults() -> None:
    config = parse_config(VALID, Path("/srv/klimabot"), {})
    assert config.matrix.encryption is True
    assert config.bot.command_prefix == "!"
    assert config.bot.language == "de"
    assert config.bot.max_event_age.total_seconds() == 24 * 3600
    assert config.data_dir == Path("/srv/klimabot/data")
    assert config.matrix.allowed_inviters == ("ochtrup.test",)
    assert "@ksm:ochtrup.test" in config.managers


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("matrix.homeserver", "matrix.ochtrup.test", "matrix.homeserver: must be an http(s) URL"),
        ("matrix.homeserver", _DELETE, "matrix.homeserver: is required"),
        ("matrix.homeserver", "https://matrix.example.org", "matrix.homeserver: still the example"),
        ("matrix.user_id", "klimabot", "matrix.user_id: 'klimabot' is not a Matrix user ID"),
        ("matrix.user_id", 42, "matrix.user_id: must be a string"),
        ("matrix.password", "CHANGE-ME", "matrix.password: still the example placeholder"),
        ("matrix.pickle_key", _DELETE, "matrix.pickle_key: required when encryption is on"),
        ("matrix.encryption", "yes", "matrix.encryption: must be true or false"),
        ("matrix.rooms", ["klima"], "matrix.rooms[0]: 'klima' must be a room ID"),
        ("matrix.rooms", "#klima:x.test", "matrix.rooms: must be"),
        ("matrix.homeservr", "https://x.test", "matrix.homeservr: unknown key (typo?)"),
        ("storage.data_dir", _DELETE, "storage.data_dir: is required"),
        ("roles.managers", ["ksm"], "roles.managers[0]: 'ksm' must be a Matrix user ID"),
        ("bot.language", "fr", "bot.language: must be one of de, en"),
        ("bot.command_prefix", "", "bot.command_prefix: must be 1-3 characters"),
        ("bot.max_event_age", "a day", "bot.max_event_age: must be a duration like"),
        ("bot.max_message_length", 0, "bot.max_message_length: must be greater than 0"),
        ("bot.rate_limit", {"messages": "ten"}, "bot.rate_limit.messages: must be an integer"),
        ("bot.manager_room", "team", "bot.manager_room: must be a room ID"),
    ],
)
def test_each_mistake_names_its_key(path: str, value: Any, expected: str) -> None:
    assert expected in _problems(_with(path, value))


def test_missing_password_and_token_says_how_to_set_one() -> None:
    raw = _with("matrix.password", _DELETE)
    assert "KLIMABOT_MATRIX_PASSWORD" in _problems(raw)


def test_secrets_come_from_environment_and_never_show_in_repr() -> None:
    raw = _with("matrix.password", _DELETE)
    config = parse_config(raw, Path("/tmp"), {"KLIMABOT_MATRIX_PASSWORD": "from-env-123"})
    assert config.matrix.password is not None
    assert config.matrix.password.reveal() == "from-env-123"
    assert "from-env-123" not in repr(config)


def test_secrets_come_from_a_file(tmp_path: Path) -> None:
    (tmp_path / "pw").write_text("file-secret\n")
    raw = _with("matrix.password", _DELETE)
    raw["matrix"]["password_file"] = "pw"
    config = parse_config(raw, tmp_path, {})
    assert config.matrix.password is not None
    assert config.matrix.password.reveal() == "file-secret"


def test_unreadable_secret_file_is_named(tmp_path: Path) -> None:
    raw = _with("matrix.password", _DELETE)
    raw["matrix"]["password_file"] = "missing"
    with pytest.raises(ConfigError, match=r"matrix.password_file: cannot read"):
        parse_config(raw, tmp_path, {})


def test_broken_yaml_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("matrix:\n  homeserver: [unclosed\nstorage: {}\n")
    with pytest.raises(ConfigError, match=r"config.yaml:\d+"):
        load_config(path)


def test_top_level_must_be_a_mapping() -> None:
    assert "config: must be a mapping" in _problems(["not", "a", "mapping"])


def test_shipped_example_is_refused_until_filled_in(capsys: pytest.CaptureFixture[str]) -> None:
    example = Path(__file__).resolve().parents[2] / "config" / "example.yaml"
    assert main(["check-config", "--config", str(example)]) == 2
    err = capsys.readouterr().err
    assert "matrix.homeserver: still the example value" in err
    assert "matrix.password: still the example placeholder" in err


def test_check_config_accepts_a_filled_in_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import yaml

    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(VALID))
    assert main(["check-config", "--config", str(path)]) == 0
    out = capsys.readouterr().out
    assert "OK" in out
    assert "s3cret-pass" not in out


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            "klimaschutz-team",
            "bot.manager_room: must be a room ID (!abc123:ochtrup.de) or an alias",
        ),
        ("#team ochtrup.de", "not '#team ochtrup.de'"),
        (["#team:ochtrup.test"], "bot.manager_room: must be a string"),
        (42, "bot.manager_room: must be a string"),
        ("#klimaschutz-team:example.org", "bot.manager_room: still the example value"),
    ],
)
def test_bad_manager_room_is_named_with_its_key(value: Any, expected: str) -> None:
    assert expected in _problems(_with("bot.manager_room", value))


@pytest.mark.parametrize("room", ["#klimaschutz-team:ochtrup.test", "!abc:ochtrup.test", "!abc"])
def test_manager_room_as_id_or_alias_is_accepted(room: str) -> None:
    assert parse_config(_with("bot.manager_room", room), Path("/tmp"), {}).bot.manager_room == room


def test_check_config_says_a_manager_room_alias_is_resolved_at_start(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import yaml

    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(_with("bot.manager_room", "#team:ochtrup.test")))
    assert main(["check-config", "--config", str(path)]) == 0
    out = capsys.readouterr().out
    assert "bot.manager_room: #team:ochtrup.test is an alias" in out
    assert "when it starts" in out
    path.write_text(yaml.safe_dump(_with("bot.manager_room", "!abc:ochtrup.test")))
    assert main(["check-config", "--config", str(path)]) == 0
    assert "Note" not in capsys.readouterr().out
