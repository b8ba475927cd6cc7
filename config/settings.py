"""Load the bot's YAML config once, validate it and turn it into frozen typed objects.

Every error names the key path (`matrix.homeserver: must be an http(s) URL`). Secrets come from the
environment, from a file, or inline, and are wrapped so that they never show up in logs or reprs.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from config.reader import (
    PLACEHOLDER,
    ROOM,
    Secret,
    Section,
    read_duration,
    read_positive,
    read_secret,
    read_string_list,
    read_user_id,
    read_user_list,
)
from config.yamllines import safe_load

__all__ = [
    "FAQ_ROOM_MODES",
    "ActorSettings",
    "BotSettings",
    "BroadcastSettings",
    "Config",
    "ConfigError",
    "FaqSettings",
    "MatrixSettings",
    "MeasureSettings",
    "RateLimit",
    "Secret",
    "WebSettings",
    "config_notes",
    "load_config",
    "default_actor_settings",
    "default_broadcast_settings",
    "default_faq_settings",
    "parse_config",
    "shipped_config_dir",
]

LANGUAGES = ("de", "en")


class ConfigError(Exception):
    """The config is invalid; the message lists every problem with its key path."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class MatrixSettings:
    """How to reach and log in to the homeserver."""

    homeserver: str
    user_id: str
    password: Secret | None
    access_token: Secret | None
    device_name: str
    rooms: tuple[str, ...]
    encryption: bool
    pickle_key: Secret
    allowed_inviters: tuple[str, ...]

    @property
    def server_name(self) -> str:
        """The server part of the bot's user ID."""
        return self.user_id.split(":", 1)[1]


@dataclass(frozen=True)
class RateLimit:
    """At most `messages` commands per user within `seconds`."""

    messages: int
    seconds: float


@dataclass(frozen=True)
class BotSettings:
    """Behaviour of the bot in chat."""

    command_prefix: str
    language: str
    max_event_age: timedelta
    max_message_length: int
    rate_limit: RateLimit
    manager_room: str | None


@dataclass(frozen=True)
class FaqSettings:
    """Where the curated FAQ lives and how it is used in rooms."""

    directory: Path
    topics_file: Path
    synonyms_file: Path
    contact: Mapping[str, str]
    room_mode: str
    # Who keeps an entry up to date, and how long after `checked` it is due for review,
    # where the entry does not say (its `owner:` / `review:` keys).
    default_owner: str = ""
    review_months: int = 12
    # A spike posted to the manager room at once: this many unanswered questions, or this
    # many 👎, on one topic within 24 hours.
    spike_questions: int = 5
    spike_downvotes: int = 3
    # The second opinion by meaning (a small sentence-embedding model) in the confidence.
    meaning_check: bool = True


FAQ_ROOM_MODES = ("mention", "auto", "off")
WEEKDAYS = {
    "montag": 0,
    "monday": 0,
    "dienstag": 1,
    "tuesday": 1,
    "mittwoch": 2,
    "wednesday": 2,
    "donnerstag": 3,
    "thursday": 3,
    "freitag": 4,
    "friday": 4,
    "samstag": 5,
    "saturday": 5,
    "sonntag": 6,
    "sunday": 6,
}
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class BroadcastSettings:
    """Announcements: topic rooms, sending, scheduled posts and the weekly digest."""

    topic_rooms: Mapping[str, tuple[str, ...]]
    concurrency: int
    grace: timedelta
    digest_weekday: int
    digest_hour: int
    digest_minute: int
    measures_file: Path


DEFAULT_ACTOR_TYPES = (
    "Bürger/in",
    "Unternehmen",
    "Handwerk",
    "Verein/Initiative",
    "Schule/Kita",
    "Landwirtschaft",
    "Energieversorger",
    "Wohnungswirtschaft",
    "Kirchengemeinde",
    "Verwaltung",
)
DEFAULT_DISTRICTS = ("Ochtrup", "Welbergen", "Langenhorst")


@dataclass(frozen=True)
class ActorSettings:
    """The actor network: types, districts and the privacy notice people consent to."""

    types: tuple[str, ...]
    districts: tuple[str, ...]
    privacy_notice: Mapping[str, str]
    privacy_version: str
    inactive_after: timedelta


@dataclass(frozen=True)
class MeasureSettings:
    """Nudges to measure owners: after how long without a change, and when to tell the manager."""

    nudge_after: timedelta = timedelta(days=90)
    nudge_escalate_after: timedelta = timedelta(days=14)


@dataclass(frozen=True)
class WebSettings:
    """The public read-only page (Klimaschutz-Monitor) the bot serves over HTTP."""

    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = 8080
    # Where the page is reachable from outside (behind a reverse proxy), for absolute links in
    # the open data; None: links are relative to the page.
    public_url: str | None = None


@dataclass(frozen=True)
class Config:
    """The whole validated configuration."""

    matrix: MatrixSettings
    data_dir: Path
    managers: frozenset[str]
    bot: BotSettings
    faq: FaqSettings
    broadcast: BroadcastSettings
    actors: ActorSettings
    measures: MeasureSettings = MeasureSettings()
    web: WebSettings = WebSettings()

    @property
    def database_path(self) -> Path:
        """The SQLite file with the bot's state."""
        return self.data_dir / "klimabot.sqlite"

    @property
    def crypto_dir(self) -> Path:
        """Where matrix-nio keeps its encryption store."""
        return self.data_dir / "crypto"


def load_config(path: Path, env: Mapping[str, str] | None = None) -> Config:
    """Read and validate the config file at `path`; raise ConfigError naming every bad key."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError([f"{path}: cannot read the config file ({exc.strerror})"]) from None
    try:
        raw = safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ConfigError([f"{where}: {problem}"]) from None
    return parse_config(raw, base_dir=path.parent, env=os.environ if env is None else env)


def parse_config(raw: Any, base_dir: Path, env: Mapping[str, str]) -> Config:
    """Validate an already parsed YAML document."""
    problems: list[str] = []
    top = Section(raw, "", problems)
    matrix = _matrix(top.section("matrix"), base_dir, env)
    storage = top.section("storage")
    data_dir = storage.get("data_dir", str)
    storage.check_unknown()
    roles = top.section("roles")
    managers = read_user_list(roles, "managers", default=())
    roles.check_unknown()
    bot = _bot(top.section("bot"))
    faq = _faq(top.section("faq"), base_dir)
    broadcast = _broadcast(top.section("broadcast"), base_dir)
    actors = _actors(top.section("actors"))
    measures = _measures(top.section("measures"))
    web = _web(top.section("web"))
    top.check_unknown()
    if problems or matrix is None or bot is None or data_dir is None or faq is None:
        raise ConfigError(problems or ["config: incomplete"])
    assert broadcast is not None
    assert actors is not None
    return Config(
        matrix=matrix,
        data_dir=(base_dir / Path(data_dir).expanduser()).resolve(),
        managers=frozenset(managers),
        bot=bot,
        faq=faq,
        broadcast=broadcast,
        actors=actors,
        measures=measures or MeasureSettings(),
        web=web or WebSettings(),
    )


def _measures(sec: Section) -> MeasureSettings | None:
    after = read_duration(sec, "nudge_after", "90d")
    escalate = read_duration(sec, "nudge_escalate_after", "14d")
    for name, value in (("nudge_after", after), ("nudge_escalate_after", escalate)):
        if value is not None and value < timedelta(hours=1):
            sec.error(name, "must be at least 1h")
    sec.check_unknown()
    if after is None or escalate is None:
        return None
    return MeasureSettings(after, escalate)


_BIND = re.compile(
    r"^(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<host>[A-Za-z0-9.\-]+)):(?P<port>[0-9]{1,5})$"
)


def _web(sec: Section) -> WebSettings | None:
    enabled = sec.get("enabled", bool, default=False)
    bind = sec.get("bind", str, default="127.0.0.1:8080") or ""
    match = _BIND.match(bind.strip())
    if match is None or int(match["port"]) > 65535:
        sec.error("bind", "must be host:port, e.g. 127.0.0.1:8080 or [::1]:8080 (port 0: any free)")
        match = None
    url = sec.get("public_url", str, default=None)
    if url is not None:
        if not re.match(r"^https?://[^\s/?#]+(/[^\s?#]*)?$", url):
            sec.error(
                "public_url", "must be an http(s) URL without query, e.g. https://klima.ochtrup.de/"
            )
        elif PLACEHOLDER.search(url):
            sec.error("public_url", "still the example value; put in the page's public address")
    sec.check_unknown()
    if enabled is None or match is None or sec.has_problem("public_url"):
        return None
    host = match["v6"] or match["host"]
    return WebSettings(enabled, host, int(match["port"]), None if url is None else url.rstrip("/"))


def _actors(sec: Section) -> ActorSettings | None:
    types = read_string_list(sec, "types", None, "") or DEFAULT_ACTOR_TYPES
    districts = read_string_list(sec, "districts", None, "") or DEFAULT_DISTRICTS
    notice = sec.section("privacy_notice")
    texts = {lang: notice.get(lang, str, default="") or "" for lang in LANGUAGES}
    notice.check_unknown()
    version = sec.get("privacy_version", str, default="2026-11") or "2026-11"
    inactive = read_duration(sec, "inactive_after", "730d")
    sec.check_unknown()
    if inactive is None:
        return None
    return ActorSettings(types, districts, texts, version, inactive)


def _broadcast(sec: Section, base_dir: Path) -> BroadcastSettings | None:
    rooms_sec = sec.section("topic_rooms")
    topic_rooms: dict[str, tuple[str, ...]] = {}
    for slug in list(rooms_sec.raw):
        topic_rooms[str(slug)] = read_string_list(rooms_sec, str(slug), ROOM, "a room ID or alias")
    concurrency = read_positive(sec, "concurrency", 8, int)
    grace = read_duration(sec, "grace", "1h")
    digest = sec.get("digest", str, default="montag 08:00") or ""
    day, _, clock = digest.strip().lower().partition(" ")
    clock_match = _CLOCK.match(clock.strip())
    if day not in WEEKDAYS or clock_match is None:
        sec.error("digest", "must be a weekday and a time, e.g. 'montag 08:00'")
    value = sec.get("measures_file", str, default=None)
    measures = shipped_config_dir() / "measures.yaml" if value is None else base_dir / value
    if not measures.exists():
        sec.error("measures_file", f"{measures} does not exist")
    sec.check_unknown()
    if concurrency is None or grace is None or clock_match is None or day not in WEEKDAYS:
        return None
    return BroadcastSettings(
        topic_rooms,
        concurrency,
        grace,
        WEEKDAYS[day],
        int(clock_match.group(1)),
        int(clock_match.group(2)),
        measures.resolve(),
    )


def shipped_config_dir() -> Path:
    """The directory of the curated data shipped with Klimabot (this package)."""
    return Path(__file__).resolve().parent


def default_faq_settings() -> FaqSettings:
    """The shipped FAQ with default settings (for `klimabot faq` and `chat` without a config)."""
    faq = _faq(Section({}, "faq", []), Path.cwd())
    assert faq is not None
    return faq


def default_broadcast_settings() -> BroadcastSettings:
    """Broadcast defaults with the shipped measures (for `klimabot chat` without a config)."""
    broadcast = _broadcast(Section({}, "broadcast", []), Path.cwd())
    assert broadcast is not None
    return broadcast


def default_actor_settings() -> ActorSettings:
    """Actor network defaults (for `klimabot chat` without a config)."""
    actors = _actors(Section({}, "actors", []))
    assert actors is not None
    return actors


def _faq(sec: Section, base_dir: Path) -> FaqSettings | None:
    shipped = shipped_config_dir()
    paths = {}
    for key, default in (
        ("directory", shipped / "faq"),
        ("topics_file", shipped / "topics.yaml"),
        ("synonyms_file", shipped / "synonyms.yaml"),
    ):
        value = sec.get(key, str, default=None)
        path = default if value is None else (base_dir / Path(value).expanduser()).resolve()
        if not path.exists():
            sec.error(key, f"{path} does not exist")
        paths[key] = path
    contact = sec.section("contact")
    texts = {lang: contact.get(lang, str, default="") or "" for lang in LANGUAGES}
    contact.check_unknown()
    for lang, text in texts.items():
        if PLACEHOLDER.search(text):
            contact.error(
                lang, "still the example value; put in how to reach the climate management"
            )
    mode = sec.get("room_mode", str, default="mention")
    if mode not in FAQ_ROOM_MODES:
        sec.error("room_mode", f"must be one of {', '.join(FAQ_ROOM_MODES)}")
    owner = sec.get("default_owner", str, default="") or ""
    months = sec.get("review_months", int, default=12)
    if months is not None and not 1 <= months <= 120:
        sec.error("review_months", "must be a number of months from 1 to 120")
    spikes: dict[str, int | None] = {}
    for key, fallback in (("spike_questions", 5), ("spike_downvotes", 3)):
        spikes[key] = limit = sec.get(key, int, default=fallback)
        if limit is not None and not 1 <= limit <= 1000:
            sec.error(key, "must be a number from 1 to 1000")
    meaning = sec.get("meaning_check", bool, default=True)
    sec.check_unknown()
    if mode is None or sec.has_problem("directory", "topics_file", "synonyms_file", "contact"):
        return None
    return FaqSettings(
        paths["directory"],
        paths["topics_file"],
        paths["synonyms_file"],
        texts,
        mode,
        owner.strip(),
        months if months is not None else 12,
        spikes["spike_questions"] or 5,
        spikes["spike_downvotes"] or 3,
        meaning is not False,
    )


def _matrix(sec: Section, base_dir: Path, env: Mapping[str, str]) -> MatrixSettings | None:
    homeserver = sec.get("homeserver", str)
    if homeserver is not None:
        if not re.match(r"^https?://[^\s/]+", homeserver):
            sec.error("homeserver", "must be an http(s) URL, e.g. https://matrix.ochtrup.de")
        elif PLACEHOLDER.search(homeserver):
            sec.error("homeserver", "still the example value; put in your homeserver's URL")
    user_id = read_user_id(sec, "user_id")
    password = read_secret(sec, "password", base_dir, env)
    token = read_secret(sec, "access_token", base_dir, env)
    if password is None and token is None and not sec.has_problem("password", "access_token"):
        sec.error(
            "password",
            "set matrix.password, matrix.password_file, matrix.access_token(_file) "
            "or the environment variable KLIMABOT_MATRIX_PASSWORD",
        )
    pickle_key = read_secret(sec, "pickle_key", base_dir, env)
    encryption = sec.get("encryption", bool, default=True)
    if encryption and pickle_key is None and not sec.has_problem("pickle_key"):
        sec.error("pickle_key", "required when encryption is on (or KLIMABOT_MATRIX_PICKLE_KEY)")
    device_name = sec.get("device_name", str, default="Klimabot")
    rooms = read_string_list(sec, "rooms", ROOM, "a room ID (!id:server) or alias (#name:server)")
    inviters = read_string_list(sec, "allowed_inviters", None, "")
    sec.check_unknown()
    if homeserver is None or user_id is None or device_name is None or encryption is None:
        return None
    return MatrixSettings(
        homeserver=homeserver.rstrip("/"),
        user_id=user_id,
        password=password,
        access_token=token,
        device_name=device_name,
        rooms=rooms,
        encryption=encryption,
        pickle_key=pickle_key or Secret(""),
        allowed_inviters=inviters or (user_id.split(":", 1)[1],),
    )


def _bot(sec: Section) -> BotSettings | None:
    prefix = sec.get("command_prefix", str, default="!")
    if prefix is not None and (not prefix or len(prefix) > 3 or any(c.isspace() for c in prefix)):
        sec.error("command_prefix", "must be 1-3 characters without spaces, e.g. !")
    language = sec.get("language", str, default="de")
    if language is not None and language not in LANGUAGES:
        sec.error("language", f"must be one of {', '.join(LANGUAGES)}")
    max_age = read_duration(sec, "max_event_age", "24h")
    max_len = read_positive(sec, "max_message_length", 4000, int)
    limit = _rate_limit(sec.section("rate_limit"))
    manager_room = _manager_room(sec)
    sec.check_unknown()
    if prefix is None or language is None or max_age is None or max_len is None or limit is None:
        return None
    return BotSettings(prefix, language, max_age, max_len, limit, manager_room)


def _manager_room(sec: Section) -> str | None:
    room = sec.get("manager_room", str, default=None)
    if room is None:
        return None
    if not ROOM.match(room):
        sec.error(
            "manager_room",
            f"must be a room ID (!abc123:ochtrup.de) or an alias (#klimaschutz-team:ochtrup.de), "
            f"not {room!r}",
        )
    elif PLACEHOLDER.search(room):
        sec.error("manager_room", "still the example value; put in your team room's alias or ID")
    return room


def config_notes(config: Config) -> list[str]:
    """What `check-config` cannot verify offline, for the operator to know."""
    notes = []
    room = config.bot.manager_room
    if room is not None and room.startswith("#"):
        notes.append(
            f"bot.manager_room: {room} is an alias; the bot resolves it (and joins the room) "
            "when it starts, check-config does not ask the homeserver. If that fails, the log "
            "says so and the bot runs without a manager room."
        )
    return notes


def _rate_limit(sec: Section) -> RateLimit | None:
    messages = read_positive(sec, "messages", 20, int)
    seconds = read_positive(sec, "seconds", 60.0, float)
    sec.check_unknown()
    if messages is None or seconds is None:
        return None
    return RateLimit(messages, seconds)
